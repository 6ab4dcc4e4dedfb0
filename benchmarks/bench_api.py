"""Throughput and latency of the api's hot read paths, on SQLite and on PostgreSQL.

The api runs as its real process (one uvicorn worker) on a freshly migrated database loaded
with the demo data, then, when HAProxy is installed, as two processes behind it (the way the
api scales: more processes, see the README's Deploy section). 50 concurrent clients
(connections) then drive, for 10 s each:

* ``POST /api/v1/warranty/check`` over every demo unit's serial (plus unregistered serials
  with a named model), with varied fault descriptions;
* ``GET /api/v1/catalogue/models/resolve`` over model codes as consumers type them, brand and
  category words and model names.

Each endpoint is driven twice: saturated (every client sends again as soon as it has its
answer: requests/s is the capacity, and the latencies are mostly queueing, since 50 clients
always waiting make the mean 50 / throughput) and paced (each client pauses a random think
time, exponentially distributed with mean ``PACED_PAUSE_MS``, after an answer, offering about
500 requests/s spread out as independent callers would send them: the latencies a caller
waits at that rate). Printed per backend: requests/s, p50 and p99, how busy the api process
was (near 100% of a core means the api itself was the limit), and its peak resident memory.
Target for the warranty check: 500 requests/s sustained with p99 under 50 ms.

The load comes from wrk when it is installed (``apt install wrk``); otherwise from the
Python driver in ``load.py``, whose own CPU use on the same two cores lowers the figures.

Run: ``python -m benchmarks.bench_api`` (or ``python -m benchmarks`` for every benchmark).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from api.auth_roles import Role
from api.seeding import DEMO_DATA_DIR, read_seed_file
from api.settings import DEVELOPMENT_KEYS
from benchmarks.haproxy import HAPROXY, Backend, running_haproxy
from benchmarks.load import LoadResult, drive
from benchmarks.services import (
    api_environment,
    free_port,
    postgres_available,
    running_api,
    serving_api,
)
from benchmarks.wrk import WRK, WrkRequest, WrkResult, run_wrk

POSTGRES_SERVER_URL = os.environ.get(
    "AFTERSALES_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
CONCURRENCY = 50
DURATION_S = 10.0
PACED_PAUSE_MS = 95
"""50 clients each waiting 95 ms plus the answer time: about 500 requests/s offered."""
HEADERS = {"X-API-Key": DEVELOPMENT_KEYS[Role.ACTIONS]}
API_PROCESSES = 2
"""Then the same runs against this many api processes behind HAProxy (when installed)."""

FAULTS = (
    "空调不制冷，外机不转",
    "压缩机不启动，有嗡嗡声",
    "屏幕出现竖线，有时黑屏",
    "洗衣机脱水时噪音很大，电机有焦味",
    "手机电池不耐用，充电很慢",
    "The fridge stopped cooling and the compressor clicks",
    "Laptop keyboard keys do not respond after an update",
    "热水器点不着火，燃烧器有异响",
    "微波炉不加热，磁控管可能坏了",
    "沙发扶手松动",
)


def demo_catalogue() -> dict[str, list[dict[str, Any]]]:
    documents = [read_seed_file(path) for path in sorted(DEMO_DATA_DIR.glob("*.yaml"))]
    return {
        section: [item for document in documents for item in document.get(section, [])]
        for section in ("brands", "models", "units")
    }


def check_bodies(catalogue: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One request per demo unit, and one per model with a serial nobody registered."""
    bodies = [
        {"serial": unit["serial"], "fault_description": _fault(index)}
        for index, unit in enumerate(catalogue["units"])
    ]
    for index, model in enumerate(catalogue["models"]):
        bodies.append(
            {
                "serial": f"UNREGISTERED{index:06d}",
                "model_code": model["code"],
                "purchase_date": "2025-01-15",
                "has_proof": index % 2 == 0,
                "fault_description": _fault(index),
            }
        )
    return bodies


def _fault(index: int) -> str:
    # Every request its own text, as consumers write them: nothing is answered from a cache.
    return f"{FAULTS[index % len(FAULTS)]} ({index})"


def resolve_queries(catalogue: dict[str, list[dict[str, Any]]]) -> list[str]:
    """What consumers type: codes in other spellings, names, brand plus category words."""
    queries: list[str] = []
    for model in catalogue["models"]:
        code: str = model["code"]
        queries += [code, code.lower(), re.sub(r"[\W_]+", "", code), model["name_zh"]]
        queries += [model["name_en"], code[: max(3, len(code) // 2)]]
    for brand in catalogue["brands"]:
        queries += [brand["name_zh"], f"{brand['name_zh']} 空调", f"{brand['name_en']} fridge"]
    return queries


def api_process_id(port: int) -> int | None:
    """This process's child serving `port`: the api started by `running_api` (Linux /proc)."""
    for pid in _children(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"api" in command and str(port).encode() in command:
            return pid
    return None


def _children(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may contain spaces; fields after it are fixed.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            children.append(int(entry.name))
    return children


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float | None:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def hot_paths() -> list[tuple[str, list[WrkRequest]]]:
    """The requests of each measured endpoint, in the order they are sent."""
    catalogue = demo_catalogue()
    checks = [
        WrkRequest("POST", "/api/v1/warranty/check", json.dumps(body, ensure_ascii=False))
        for body in check_bodies(catalogue)
    ]
    resolves = [
        WrkRequest("GET", "/api/v1/catalogue/models/resolve?" + urlencode({"q": query}))
        for query in resolve_queries(catalogue)
    ]
    return [("POST warranty/check", checks), ("GET catalogue/models/resolve", resolves)]


def run_load(base_url: str, label: str, pid: int | None) -> None:
    for endpoint, requests in hot_paths():
        for pause_ms in (0, PACED_PAUSE_MS):
            pacing = f"paced {pause_ms} ms" if pause_ms else "saturated"
            name = f"{endpoint} [{label}, {pacing}]"
            used_before = cpu_seconds(pid) if pid is not None else 0.0
            sent_before = time.perf_counter()
            print(_measure(name, base_url, requests, pause_ms).line(), flush=True)
            if pid is not None:
                # Over the whole run, warm-up included: what share of a core the api used.
                busy = (cpu_seconds(pid) - used_before) / (time.perf_counter() - sent_before)
                print(f"{'':<44} api process busy {busy * 100:.0f}% of one core", flush=True)


def _measure(
    name: str, base_url: str, requests: list[WrkRequest], pause_ms: int
) -> LoadResult | WrkResult:
    if WRK is not None:
        return run_wrk(
            name,
            base_url,
            requests,
            headers={**HEADERS, "Content-Type": "application/json"},
            connections=CONCURRENCY,
            duration_s=DURATION_S,
            pause_ms=pause_ms,
        )

    async def send(client: httpx.AsyncClient, sequence: int) -> httpx.Response:
        chosen = requests[sequence % len(requests)]
        return await client.request(
            chosen.method,
            chosen.path,
            content=chosen.body.encode() or None,
            headers={"Content-Type": "application/json"},
        )

    return asyncio.run(
        drive(
            name,
            base_url,
            send,
            concurrency=CONCURRENCY,
            duration_s=DURATION_S,
            headers=HEADERS,
            pause_s=pause_ms / 1000,
        )
    )


def bench(database_url: str, label: str, workdir: Path) -> None:
    with running_api(database_url, workdir) as base_url:
        pid = api_process_id(int(base_url.rsplit(":", 1)[1]))
        run_load(base_url, label, pid)
        peak = peak_rss_mib(pid) if pid is not None else None
        shown = f"{peak:.0f} MiB" if peak is not None else "unknown"
        print(f"{'api peak RSS [' + label + ']':<44} {shown}", flush=True)
    if HAPROXY is None:
        print("haproxy not installed: the two-process runs are skipped", flush=True)
        return
    env = api_environment(database_url, workdir)
    with ExitStack() as stack:
        replicas = [stack.enter_context(serving_api(env)) for _ in range(API_PROCESSES)]
        front = free_port()
        ports = [int(url.rsplit(":", 1)[1]) for url in replicas]
        stack.enter_context(running_haproxy([Backend("api", front, ports, "/readyz")]))
        run_load(f"http://127.0.0.1:{front}", f"{label}, {API_PROCESSES} processes", None)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the PostgreSQL server, dropped afterwards."""
    server = make_url(POSTGRES_SERVER_URL)
    name = f"aftersales_bench_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    driver = "wrk" if WRK is not None else "the Python driver (install wrk for truer figures)"
    print(
        f"api hot paths: {CONCURRENCY} concurrent clients, {DURATION_S:.0f} s per run, "
        f"one api process (then {API_PROCESSES} behind HAProxy), load from {driver}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="aftersales-bench-") as directory:
        workdir = Path(directory)
        bench(f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}", "sqlite", workdir)
        if postgres_available(POSTGRES_SERVER_URL):
            with fresh_postgres_database() as url:
                bench(url, "postgresql", workdir)
        else:
            print(f"PostgreSQL not reachable at {make_url(POSTGRES_SERVER_URL).host}; skipped")


if __name__ == "__main__":
    main()
