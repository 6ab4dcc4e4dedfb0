"""Two replicas of every service behind HAProxy, one of each killed and started again under
load: are messages lost, or anything done twice?

On PostgreSQL (a fresh database, migrated and loaded with the demo data) and Redis, the
script starts two api processes, two action servers and two engines (conversations and
per-conversation locks in Redis), each pair behind its own HAProxy frontend with health
checks — the engines call the action servers and the action servers the api only through
HAProxy, as they would behind a production load balancer. Consumers then type whole fault
reports (paced like people) into the engine frontend while, on a schedule, one replica of each
service is killed with SIGKILL and started again.

A consumer's client does what the bot does: an answer of 502, 503 or 504, or no connection,
means the message may not have arrived, so it is sent again after a pause; any other failure
is counted as failed, and the consumer, told to try again, types the message again a few
seconds later (at most twice), as the busy answer asks. Printed: turns, answers per kind
(normal, the "system busy" answer a turn gets when its action failed, empty), messages sent
again, failures, messages typed again, turn latency p50/p99; and
from the database: fault reports that made no case, and conversations with more than one case
(each consumer reports one fault, so more than one means a turn was carried out twice).

Needs PostgreSQL (``AFTERSALES_BENCH_POSTGRES_URL``, default the local server), Redis
(``AFTERSALES_BENCH_REDIS_URL``) and ``haproxy`` on the PATH; says what is missing otherwise.

Run: ``python -m benchmarks replicas``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import redis

from benchmarks.bench_engine import BUSY, PROJECT_DATA, demo_units, fault_report_flow
from benchmarks.haproxy import HAPROXY, Backend, running_haproxy
from benchmarks.services import AFTERSALES, free_port, postgres_available, run_cli, wait_until_ready

POSTGRES_URL = os.environ.get(
    "AFTERSALES_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("AFTERSALES_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REPLICAS = 2
CONSUMERS = 24
DURATION_S = 70.0
PAUSE_S = 0.3
RESEND_PAUSE_S = 0.5
RESEND_FOR_S = 60.0
RETYPES = 2
RETYPE_PAUSE_S = 3.0
ENGINE_START_S = 300.0
#: (seconds after the load started, what, service, replica)
SCHEDULE = (
    (10.0, "kill", "api", 0),
    (20.0, "start", "api", 0),
    (25.0, "kill", "engine", 1),
    (40.0, "start", "engine", 1),
    (45.0, "kill", "actions", 0),
    (55.0, "start", "actions", 0),
)
NOT_DELIVERED = frozenset({502, 503, 504})
HEALTH_PATHS = {"api": "/readyz", "actions": "/health", "engine": "/status"}


@dataclass
class Replica:
    service: str
    index: int
    port: int
    environment: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*AFTERSALES, self.service, "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.environment,
            stdout=log,
            stderr=log,
        )

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        wait_until_ready(self.url + HEALTH_PATHS[self.service], timeout_s)


@dataclass
class Tally:
    turns: int = 0
    normal: int = 0
    busy: int = 0
    silent: int = 0
    resent: int = 0
    retyped: int = 0
    failed: int = 0
    reports: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    flows: dict[str, int] = field(default_factory=dict)
    """The flow each conversation typed, by its sender id."""


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"aftersales_replicas_{uuid.uuid4().hex[:8]}"
    admin = POSTGRES_URL.replace("+asyncpg", "")

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def missing_requirements() -> list[str]:
    missing = []
    if HAPROXY is None:
        missing.append("haproxy (Debian: apt-get install haproxy)")
    if not postgres_available(POSTGRES_URL):
        missing.append(f"PostgreSQL at {POSTGRES_URL}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        missing.append(f"Redis at {REDIS_URL}")
    return missing


class Consumers:
    def __init__(self, engine_url: str, run: str) -> None:
        self.engine_url = engine_url
        self.run = run
        self.flows = [fault_report_flow(unit) for unit in demo_units()]
        self.tally = Tally()

    async def drive(self, duration_s: float) -> None:
        deadline = time.monotonic() + duration_s
        async with httpx.AsyncClient(base_url=self.engine_url, timeout=60.0) as client:
            await asyncio.gather(
                *(self._consumer(client, number, deadline) for number in range(CONSUMERS))
            )

    async def _consumer(self, client: httpx.AsyncClient, number: int, deadline: float) -> None:
        report = 0
        while time.monotonic() < deadline:
            sender = f"web:replicas-{self.run}-{number}-{report}"
            flow = (number + report) % len(self.flows)
            self.tally.flows[sender] = flow
            for message in self.flows[flow]:
                await self._say(client, sender, message)
                await asyncio.sleep(PAUSE_S)
            self.tally.reports += 1
            report += 1

    async def _say(self, client: httpx.AsyncClient, sender: str, message: str) -> None:
        """One message, typed again (as the bot's "please try again" asks) after a turn that
        failed or got the busy answer."""
        for attempt in range(1 + RETYPES):
            if attempt:
                self.tally.retyped += 1
                await asyncio.sleep(RETYPE_PAUSE_S)
            if await self._turn(client, sender, message):
                return

    async def _turn(self, client: httpx.AsyncClient, sender: str, message: str) -> bool:
        """True when the turn got a proper answer."""
        started = time.perf_counter()
        give_up = time.monotonic() + RESEND_FOR_S
        while True:
            try:
                response = await client.post(
                    "/webhooks/rest/webhook", json={"sender": sender, "message": message}
                )
                status = response.status_code
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
                response, status = None, 0
            except httpx.HTTPError:
                # Sent, and maybe taken: the bot does not send it again by itself either.
                response, status = None, -1
            if (status == 0 or status in NOT_DELIVERED) and time.monotonic() < give_up:
                self.tally.resent += 1
                await asyncio.sleep(RESEND_PAUSE_S)
                continue
            break
        self.tally.turns += 1
        if response is None or status != 200:
            self.tally.failed += 1
            return False
        self.tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        texts = [item.get("text") for item in response.json()]
        if not texts:
            self.tally.silent += 1
            return True
        if any(text in (BUSY.zh, BUSY.en) for text in texts):
            self.tally.busy += 1
            return False
        self.tally.normal += 1
        return True


async def cases_per_conversation(database_url: str, senders: list[str]) -> dict[str, list[str]]:
    """The fault descriptions of each conversation's cases."""
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT customers.channel_id, cases.fault_description FROM customers "
            "JOIN cases ON cases.customer_id = customers.id "
            "WHERE customers.channel_id = ANY($1::text[]) ORDER BY cases.id",
            senders,
        )
    finally:
        await connection.close()
    cases: dict[str, list[str]] = {sender: [] for sender in senders}
    for row in rows:
        cases[row["channel_id"]].append(str(row["fault_description"]))
    return cases


async def apply_schedule(replicas: dict[str, list[Replica]], started: float) -> list[str]:
    done = []
    for at_s, what, service, index in SCHEDULE:
        await asyncio.sleep(max(0.0, started + at_s - time.monotonic()))
        replica = replicas[service][index]
        if what == "kill":
            replica.kill()
        else:
            replica.start()
        done.append(f"{time.monotonic() - started:5.1f} s  {what} {service}{index}")
    return done


def main() -> None:
    missing = missing_requirements()
    if missing:
        print("skipped: needs " + "; ".join(missing))
        return
    run = uuid.uuid4().hex[:8]
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="replicas-")))
        database_url = stack.enter_context(fresh_database())
        frontends = {service: free_port() for service in HEALTH_PATHS}
        common = {**os.environ, "AFTERSALES_API_WARM_UP": "true"}
        api_env = {
            **common,
            "AFTERSALES_API_DATABASE_URL": database_url,
            "AFTERSALES_API_ATTACHMENTS_DIR": str(workdir / "attachments"),
        }
        run_cli("db", "upgrade", env=api_env)
        run_cli("seed", "--demo", env=api_env)
        environments = {
            "api": api_env,
            "actions": {
                **common,
                "AFTERSALES_ACTIONS_API_URL": f"http://127.0.0.1:{frontends['api']}",
            },
            "engine": {
                **common,
                "AFTERSALES_ENGINE_DATA_DIR": str(PROJECT_DATA),
                "AFTERSALES_ENGINE_CACHE_DIR": str(workdir / "engine-cache"),
                "AFTERSALES_ENGINE_TRACKER_STORE_URL": REDIS_URL,
                "AFTERSALES_ENGINE_LOCK_STORE_URL": REDIS_URL,
                "AFTERSALES_ENGINE_REDIS_KEY_PREFIX": f"aftersales:replicas-{run}:",
                "AFTERSALES_ENGINE_ACTION_ENDPOINT": (
                    f"http://127.0.0.1:{frontends['actions']}/webhook"
                ),
            },
        }
        replicas = {
            service: [
                Replica(service, index, free_port(), env, workdir / f"{service}{index}.log")
                for index in range(REPLICAS)
            ]
            for service, env in environments.items()
        }
        for group in replicas.values():
            for replica in group:
                stack.callback(replica.stop)
        stack.enter_context(
            running_haproxy(
                [
                    Backend(
                        service, port, [r.port for r in replicas[service]], HEALTH_PATHS[service]
                    )
                    for service, port in frontends.items()
                ]
            )
        )
        for service in ("api", "actions", "engine"):
            # One engine trains the model and caches it; the other then loads it.
            for replica in replicas[service]:
                replica.start()
                replica.wait_ready(ENGINE_START_S if service == "engine" else 60.0)
        engine_url = f"http://127.0.0.1:{frontends['engine']}"
        wait_until_ready(f"{engine_url}/status")
        consumers = Consumers(engine_url, run)
        print(
            f"{REPLICAS} replicas each of api, actions, engine behind HAProxy; "
            f"{CONSUMERS} consumers, {DURATION_S:.0f} s, PostgreSQL + Redis",
            flush=True,
        )

        async def load() -> list[str]:
            started = time.monotonic()
            events, _ = await asyncio.gather(
                apply_schedule(replicas, started), consumers.drive(DURATION_S)
            )
            return events

        events = asyncio.run(load())
        counts = asyncio.run(cases_per_conversation(database_url, list(consumers.tally.flows)))
        redis.Redis.from_url(REDIS_URL).delete(
            *redis.Redis.from_url(REDIS_URL).keys(f"aftersales:replicas-{run}:*") or ["-"]
        )
    report(consumers.tally, events, counts)


def report(tally: Tally, events: list[str], cases: dict[str, list[str]]) -> None:
    for line in events:
        print(f"  {line}")
    latencies = tally.latencies_ms or [float("nan")]
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(
        f"turns {tally.turns} ({tally.turns / DURATION_S:.1f}/s): normal {tally.normal}, "
        f"busy {tally.busy}, empty {tally.silent}, failed {tally.failed}; "
        f"sent again by the client {tally.resent}, typed again by the consumer {tally.retyped}"
    )
    print(f"turn latency p50 {statistics.median(latencies):.0f} ms, p99 {p99:.0f} ms")
    # Some demo units make no case by design (a unit the api refuses, say): a flow counts as
    # lost only where the same flow made a case in another conversation of the run.
    making_a_case = {tally.flows[sender] for sender, made in cases.items() if made}
    lost = [s for s, made in cases.items() if not made and tally.flows[s] in making_a_case]
    twice = {sender: made for sender, made in cases.items() if len(made) > 1}
    expected = sum(1 for sender in cases if tally.flows[sender] in making_a_case)
    print(
        f"fault reports {len(cases)}: expected to make a case {expected}, "
        f"made none {len(lost)}, made more than one {len(twice)}"
    )
    for sender, made in twice.items():
        print(f"  {sender}: {made}")


if __name__ == "__main__":
    main()
