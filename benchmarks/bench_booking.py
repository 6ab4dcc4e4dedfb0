"""Visit booking throughput and latency, and booking under contention, on SQLite and on
PostgreSQL.

The api runs as its real process (one uvicorn worker) on a freshly migrated database with
the demo data. Two scenarios per backend:

* throughput: 50 concurrent clients book air-conditioner visits in Pudong for 10 s, each
  request a new case, spread over the next week's windows, which have room for every
  booking (``POST /api/v1/visits``, mostly 201);
* contention: 200 concurrent clients book microwave visits in Tianhe into 5 windows with a
  few seats each, for 5 s; almost every request is refused with 409 and alternatives.

Afterwards the database is asked directly for double bookings (a technician holding more
visits in one window than their capacity): the figure printed must be 0. A short
``GET /healthz`` run first gives the machine's baseline for comparison.

Run: ``python -m benchmarks.bench_booking`` (or ``python -m benchmarks booking``).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import deque
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api.auth_roles import Role
from api.db import create_engine
from api.scheduling.models import Technician, Visit
from api.settings import DEVELOPMENT_KEYS
from benchmarks.bench_api import POSTGRES_SERVER_URL, fresh_postgres_database
from benchmarks.load import LoadResult, drive
from benchmarks.services import postgres_available, running_api

CONCURRENCY = 50
DURATION_S = 10.0
CONTENTION_CLIENTS = 200
CONTENTION_WINDOWS = 5
CONTENTION_DURATION_S = 5.0
THROUGHPUT_CASES = 3000
ZONE = ZoneInfo("Asia/Shanghai")
WINDOW_HOURS = (9, 13, 16)
EVERY_DAY = {
    day: {"start": "09:00", "end": "19:00"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
ADMIN = {"X-API-Key": DEVELOPMENT_KEYS[Role.ADMIN]}
ACTIONS = {"X-API-Key": DEVELOPMENT_KEYS[Role.ACTIONS]}
PUDONG = "上海市浦东新区张江路100号"
TIANHE = "广州市天河区体育西路1号"


def window_starts(first_day: date, days: int) -> list[str]:
    return [
        datetime.combine(first_day + timedelta(days=offset), time(hour), tzinfo=ZONE).isoformat()
        for offset in range(days)
        for hour in WINDOW_HOURS
    ]


async def add_technicians(
    client: httpx.AsyncClient, prefix: str, count: int, **fields: Any
) -> None:
    for number in range(1, count + 1):
        body = {
            "staff_number": f"{prefix}-{number:03d}",
            "name": f"压测技师{number}",
            "phone": f"+86 139 9{len(prefix):01d}00 {number:04d}",
            "working_hours": EVERY_DAY,
            **fields,
        }
        response = await client.post("/api/v1/technicians", json=body)
        response.raise_for_status()


async def open_cases(
    client: httpx.AsyncClient, customers: list[str], count: int, category: str
) -> list[tuple[int, str]]:
    """``count`` open cases (with their customer) spread over ``customers``, 50 at a time."""
    for channel_id in customers:
        response = await client.put(
            f"/api/v1/customers/{channel_id}", json={"phone": "13800138000"}
        )
        response.raise_for_status()
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> tuple[int, str]:
        customer = customers[index % len(customers)]
        async with semaphore:
            response = await client.post(
                "/api/v1/cases", json={"customer": customer, "category": category}
            )
            response.raise_for_status()
            case_id: int = response.json()["id"]
            return case_id, customer

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def book(
    client: httpx.AsyncClient, case: tuple[int, str], start: str, address: str
) -> httpx.Response:
    """Book as the consumer's assistant does: for the case's consumer, with a retry key."""
    case_id, customer = case
    body = {
        "case_id": case_id,
        "window_start": start,
        "address": address,
        "contact_phone": "13800138000",
    }
    headers = {"X-Customer-Id": customer, "Idempotency-Key": f"bench-{case_id}"}
    return await client.post("/api/v1/visits", json=body, headers=headers)


async def throughput(base_url: str, label: str, first_day: date) -> LoadResult:
    async with httpx.AsyncClient(base_url=base_url, headers=ADMIN, timeout=60) as admin:
        await add_technicians(
            admin,
            "BENCH-T",
            25,
            skills=["air_conditioner"],
            areas=[{"area": "shanghai.pudong"}],
            capacity_per_window=8,
        )
        customers = [f"web:bench-t-{index}" for index in range(CONCURRENCY)]
        pending = deque(await open_cases(admin, customers, THROUGHPUT_CASES, "air_conditioner"))
    starts = window_starts(first_day, 7)

    last = pending[-1]

    async def next_booking(client: httpx.AsyncClient, sequence: int) -> httpx.Response:
        # Should the cases run out, the last booking is replayed: a 200 in the statuses.
        case = pending.popleft() if pending else last
        return await book(client, case, starts[sequence % len(starts)], PUDONG)

    result = await drive(
        f"POST visits, {CONCURRENCY} clients [{label}]",
        base_url,
        next_booking,
        concurrency=CONCURRENCY,
        duration_s=DURATION_S,
        headers=ACTIONS,
    )
    print(f"{'  cases left unused':<44} {len(pending)}", flush=True)
    return result


async def contention(base_url: str, label: str, first_day: date) -> tuple[LoadResult, int]:
    """200 clients on 5 windows; returns the load result and the seats the windows had."""
    starts = window_starts(first_day, 2)[:CONTENTION_WINDOWS]
    async with httpx.AsyncClient(base_url=base_url, headers=ADMIN, timeout=60) as admin:
        await add_technicians(
            admin,
            "BENCH-C",
            3,
            skills=["microwave"],
            areas=[{"area": "guangzhou.tianhe"}],
            capacity_per_window=2,
        )
        offered = await admin.get(
            "/api/v1/visits/availability",
            params={
                "category": "microwave",
                "address": TIANHE,
                "from": first_day.isoformat(),
                "to": (first_day + timedelta(days=1)).isoformat(),
            },
        )
        offered.raise_for_status()
        windows = offered.json()["windows"]
        seats = sum(_remaining(windows, start) for start in starts)
        customers = [f"web:bench-c-{index}" for index in range(CONTENTION_CLIENTS)]
        case_ids = await open_cases(admin, customers, 2 * CONTENTION_CLIENTS, "microwave")
    queues = [deque(case_ids[index::CONTENTION_CLIENTS]) for index in range(CONTENTION_CLIENTS)]

    async def crowded_booking(client: httpx.AsyncClient, sequence: int) -> httpx.Response:
        worker = sequence // 1_000_000
        queue = queues[worker]
        response = await book(client, queue[0], starts[worker % CONTENTION_WINDOWS], TIANHE)
        if response.status_code == 201 and len(queue) > 1:
            queue.popleft()
        return response

    result = await drive(
        f"POST visits, {CONTENTION_CLIENTS} clients on {CONTENTION_WINDOWS} windows [{label}]",
        base_url,
        crowded_booking,
        concurrency=CONTENTION_CLIENTS,
        duration_s=CONTENTION_DURATION_S,
        warmup_s=0.0,
        headers=ACTIONS,
    )
    return result, seats


def _remaining(windows: Iterable[dict[str, Any]], start: str) -> int:
    wanted = datetime.fromisoformat(start)
    return next(
        (w["remaining_capacity"] for w in windows if datetime.fromisoformat(w["start"]) == wanted),
        0,
    )


async def double_bookings(database_url: str) -> tuple[int, int]:
    """(technician, window) pairs holding more visits than the technician's capacity, and
    the number of visits that are not cancelled."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            held = (
                select(
                    Visit.technician_id,
                    Visit.window_start,
                    func.count().label("visits"),
                    Technician.capacity_per_window,
                )
                .join(Technician, Technician.id == Visit.technician_id)
                .where(Visit.status != "cancelled")
                .group_by(Visit.technician_id, Visit.window_start, Technician.capacity_per_window)
            ).subquery()
            over = await connection.execute(
                select(func.count()).where(held.c.visits > held.c.capacity_per_window)
            )
            total = await connection.execute(
                select(func.count()).select_from(Visit).where(Visit.status != "cancelled")
            )
            return int(over.scalar_one()), int(total.scalar_one())
    finally:
        await engine.dispose()


async def baseline(base_url: str, label: str) -> LoadResult:
    """``GET /healthz`` at the same concurrency: what the machine gives any request now."""

    async def health(client: httpx.AsyncClient, _sequence: int) -> httpx.Response:
        return await client.get("/healthz")

    return await drive(
        f"GET healthz (baseline), {CONCURRENCY} clients [{label}]",
        base_url,
        health,
        concurrency=CONCURRENCY,
        duration_s=3.0,
    )


async def run(base_url: str, database_url: str, label: str) -> None:
    print((await baseline(base_url, label)).line(), flush=True)
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    result = await throughput(base_url, label, tomorrow)
    print(result.line(), flush=True)
    crowded, seats = await contention(base_url, label, tomorrow + timedelta(days=10))
    print(crowded.line(), flush=True)
    won = crowded.statuses.get(201, 0)
    print(
        f"{'  contention: seats / booked / refused 409':<44} {seats} / {won} / "
        f"{crowded.statuses.get(409, 0)}",
        flush=True,
    )
    over, visits = await double_bookings(database_url)
    print(f"{'  double bookings in the database':<44} {over} (of {visits} visits)", flush=True)
    if over:
        raise SystemExit(f"{over} double bookings on {label}")


def bench(database_url: str, label: str, workdir: Path) -> None:
    with running_api(database_url, workdir) as base_url:
        asyncio.run(run(base_url, database_url, label))


def main() -> None:
    print(
        f"visit booking: {CONCURRENCY} clients for {DURATION_S:.0f} s; contention "
        f"{CONTENTION_CLIENTS} clients on {CONTENTION_WINDOWS} windows for "
        f"{CONTENTION_DURATION_S:.0f} s; one api worker",
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
