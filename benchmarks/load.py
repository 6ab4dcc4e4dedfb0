"""A load driver: N concurrent clients, each sending its next request when the previous one
answered (after an optional pause, a user's think time), for a fixed duration; prints
throughput and latency percentiles.

Without a pause the clients keep the server saturated: the throughput is its capacity, and
the latencies are mostly queueing (50 clients always waiting make the mean 50 / throughput).
With a pause they offer a load the server may keep up with, and the latencies are what a
user waits at that load."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from httpx_aiohttp import AiohttpTransport

RequestFactory = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


@dataclass
class LoadResult:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed_s: float = 0.0

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index]

    def line(self) -> str:
        median = statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(self.statuses.items()))
        return (
            f"{self.name:<44} {self.throughput:8.1f} req/s   p50 {median:7.2f} ms   "
            f"p99 {self.percentile(0.99):7.2f} ms   n={self.completed} errors={self.errors} "
            f"[{statuses}]"
        )


async def drive(
    name: str,
    base_url: str,
    make_request: RequestFactory,
    *,
    concurrency: int = 50,
    duration_s: float = 10.0,
    warmup_s: float = 1.0,
    headers: dict[str, str] | None = None,
    pause_s: float = 0.0,
) -> LoadResult:
    result = LoadResult(name)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # aiohttp underneath: httpcore's pool scans every connection on each request, which made
    # the load driver, not the server, the limit at 50 clients.
    transport = AiohttpTransport(limits=limits)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, transport=transport, timeout=30.0
    ) as client:
        measuring_from = time.perf_counter() + warmup_s
        stop_at = measuring_from + duration_s

        async def worker(worker_id: int) -> None:
            sequence = 0
            while (now := time.perf_counter()) < stop_at:
                sequence += 1
                started = time.perf_counter()
                try:
                    response = await make_request(client, worker_id * 1_000_000 + sequence)
                except httpx.HTTPError:
                    if now >= measuring_from:
                        result.errors += 1
                    continue
                if started >= measuring_from:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                    result.statuses[response.status_code] = (
                        result.statuses.get(response.status_code, 0) + 1
                    )
                if pause_s:
                    await asyncio.sleep(pause_s)

        await asyncio.gather(*(worker(index) for index in range(concurrency)))
        result.elapsed_s = time.perf_counter() - measuring_from
    return result
