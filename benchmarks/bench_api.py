"""Throughput and latency of the api's hot read paths, on SQLite and on PostgreSQL.

The api runs as its real process (one uvicorn worker) on a freshly migrated database loaded
with the demo data. 50 concurrent clients then drive, for 10 s each:

* ``POST /api/v1/warranty/check`` over every demo unit's serial (plus unregistered serials
  with a named model), with varied fault descriptions;
* ``GET /api/v1/catalogue/models/resolve`` over model codes as consumers type them, brand and
  category words and model names.

Printed per backend: requests/s, p50 and p99 per endpoint, how busy the api process was
(near 100% of a core means the api itself was the limit; far below it, the load driver or a
machine shared with other work was), and the api process's peak resident memory. Targets
for the warranty check: at least 500 requests/s with p99 under 50 ms on SQLite.

Run: ``python -m benchmarks.bench_api`` (or ``python -m benchmarks`` for every benchmark).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from api.auth_roles import Role
from api.seeding import DEMO_DATA_DIR, read_seed_file
from api.settings import DEVELOPMENT_KEYS
from benchmarks.load import drive
from benchmarks.services import postgres_available, running_api

POSTGRES_SERVER_URL = os.environ.get(
    "AFTERSALES_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
CONCURRENCY = 50
DURATION_S = 10.0
HEADERS = {"X-API-Key": DEVELOPMENT_KEYS[Role.ACTIONS]}

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
        {"serial": unit["serial"], "fault_description": FAULTS[index % len(FAULTS)]}
        for index, unit in enumerate(catalogue["units"])
    ]
    for index, model in enumerate(catalogue["models"]):
        bodies.append(
            {
                "serial": f"UNREGISTERED{index:06d}",
                "model_code": model["code"],
                "purchase_date": "2025-01-15",
                "has_proof": index % 2 == 0,
                "fault_description": FAULTS[index % len(FAULTS)],
            }
        )
    return bodies


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


async def run_load(base_url: str, label: str, pid: int | None) -> None:
    catalogue = demo_catalogue()
    bodies = check_bodies(catalogue)
    queries = resolve_queries(catalogue)

    async def warranty_check(client: httpx.AsyncClient, sequence: int) -> httpx.Response:
        return await client.post("/api/v1/warranty/check", json=bodies[sequence % len(bodies)])

    async def resolve(client: httpx.AsyncClient, sequence: int) -> httpx.Response:
        params = {"q": queries[sequence % len(queries)]}
        return await client.get("/api/v1/catalogue/models/resolve", params=params)

    for name, make_request in (
        (f"POST warranty/check [{label}]", warranty_check),
        (f"GET catalogue/models/resolve [{label}]", resolve),
    ):
        used_before = cpu_seconds(pid) if pid is not None else 0.0
        sent_before = time.perf_counter()
        result = await drive(
            name,
            base_url,
            make_request,
            concurrency=CONCURRENCY,
            duration_s=DURATION_S,
            headers=HEADERS,
        )
        print(result.line(), flush=True)
        if pid is not None:
            # Over the whole run, warm-up included: what share of a core the api used.
            busy = (cpu_seconds(pid) - used_before) / (time.perf_counter() - sent_before)
            print(f"{'':<44} api process busy {busy * 100:.0f}% of one core", flush=True)


def bench(database_url: str, label: str, workdir: Path) -> None:
    with running_api(database_url, workdir) as base_url:
        pid = api_process_id(int(base_url.rsplit(":", 1)[1]))
        asyncio.run(run_load(base_url, label, pid))
        peak = peak_rss_mib(pid) if pid is not None else None
        shown = f"{peak:.0f} MiB" if peak is not None else "unknown"
        print(f"{'api peak RSS [' + label + ']':<44} {shown}", flush=True)


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
    print(
        f"api hot paths: {CONCURRENCY} concurrent clients, {DURATION_S:.0f} s per endpoint, "
        "one api worker",
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
