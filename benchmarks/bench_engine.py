"""Start-up, speed and memory of the dialogue engine, with the real action server and api.

The api (SQLite, demo data), the action server and the engine run as their real processes.
Printed:

* engine start-up, process start to ``/status`` answering: cold (empty model cache, so the
  NLU and the rules are trained) and cached (the same cache, second start); with the CPU
  seconds the process used, which a machine busy with other work does not inflate;
* ``/model/parse`` with one client: requests/s, p50 and p99;
* 50 concurrent conversations over the REST channel, each a full fault report typed in
  Chinese (greeting; the fault with the model; the serial number of a real demo unit; the
  purchase date; the description; then feedback on the first troubleshooting step), one
  conversation after another, run twice: saturated (each user answers at once: turns/s is
  the capacity, the latencies mostly queueing) and paced (each user pauses
  ``PACED_PAUSE_S`` before the next message, offering about 150 turns/s: the latencies a
  user waits at that load); p50 and p99 per turn, and how many replies were the "system
  busy" answer (a turn whose action call failed);
* the engine's resident memory after the load (and its peak), from /proc.

Targets: parse p50 < 2 ms; at least 150 turns/s (saturated); turn p50 < 15 ms and
p99 < 50 ms (paced); under 200 MB resident; start-up under 5 s with a cached model.

Run: ``python -m benchmarks.bench_engine`` (or ``python -m benchmarks engine``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from api.catalogue.seed_dates import parse_seed_date
from api.seeding import DEMO_DATA_DIR, read_seed_file
from benchmarks.load import LoadResult, drive
from benchmarks.services import AFTERSALES, free_port, running_api, wait_until_ready
from bot.engine.processor import BusyReplies

PROJECT_DATA = Path(__file__).resolve().parents[1] / "nlu_data"
CONCURRENCY = 50
DURATION_S = 20.0
PARSE_DURATION_S = 5.0
WARMUP_S = 2.0
PACED_PAUSE_S = 0.3

PARSE_TEXTS = (
    "你好",
    "我的格力空调不制冷了，型号KFR-35GW/BpR3",
    "序列号HR260802470WUHDV",
    "2025年3月5日买的",
    "冰箱冷藏室不凉了",
    "my washer is broken, it won't drain",
    "I bought it three weeks ago",
    "转人工",
    "还是不行",
    "上门费多少钱",
)
FAULTS = {
    "air_conditioner": "空调开机后不制冷，一直吹热风",
    "refrigerator": "冰箱冷藏室不凉了，冷冻室正常",
    "washing_machine": "洗衣机不排水，水一直在桶里",
    "tv": "电视开机黑屏，有声音没图像",
    "microwave": "微波炉转盘转但是不加热",
    "water_heater": "热水器打不着火，没有热水",
    "phone": "手机充不进电，充电器是原装的",
    "laptop": "笔记本电脑开不了机，电源灯不亮",
    "furniture": "沙发扶手松动，坐上去有响声",
}
CATEGORY_WORDS = {
    "air_conditioner": "空调",
    "refrigerator": "冰箱",
    "washing_machine": "洗衣机",
    "tv": "电视",
    "microwave": "微波炉",
    "water_heater": "热水器",
    "phone": "手机",
    "laptop": "笔记本电脑",
    "furniture": "沙发",
}
BUSY = BusyReplies()
#: Purchase dates are days in China Standard Time, as the api counts them.
SERVICE_TIMEZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class DemoUnit:
    serial: str
    model: str
    category: str
    sale_date: date


def demo_units() -> list[DemoUnit]:
    """The demo units with a known sale date, as the seeded api holds them today."""
    catalogue = read_seed_file(DEMO_DATA_DIR / "10_catalogue.yaml")
    categories = {model["code"]: model["category"] for model in catalogue["models"]}
    today = datetime.now(SERVICE_TIMEZONE).date()
    units = []
    for unit in catalogue["units"]:
        sold = parse_seed_date(unit.get("sale_date"), today)
        if sold is not None and unit["model"] in categories:
            units.append(DemoUnit(unit["serial"], unit["model"], categories[unit["model"]], sold))
    return units


def fault_report_flow(unit: DemoUnit) -> list[str]:
    """What a consumer types, one message per turn."""
    return [
        "你好",
        f"{CATEGORY_WORDS[unit.category]}坏了，帮我报修一下，型号{unit.model}",
        f"序列号{unit.serial}",
        f"{unit.sale_date.year}年{unit.sale_date.month}月{unit.sale_date.day}日买的",
        FAULTS[unit.category],
        "还是不行",
    ]


@dataclass
class Replies:
    turns: int = 0
    busy: int = 0
    silent: int = 0


class Conversations:
    """Each load worker talks through one fault report after another."""

    def __init__(self, units: list[DemoUnit]) -> None:
        self.flows = [fault_report_flow(unit) for unit in units]
        self.run = uuid.uuid4().hex[:8]
        self.replies = Replies()

    async def next_turn(self, client: httpx.AsyncClient, number: int) -> httpx.Response:
        worker, sequence = divmod(number, 1_000_000)
        flow = self.flows[worker % len(self.flows)]
        conversation, turn = divmod(sequence - 1, len(flow))
        response = await client.post(
            "/webhooks/rest/webhook",
            json={
                "sender": f"web:bench-{self.run}-{worker}-{conversation}",
                "message": flow[turn],
            },
        )
        self._note(response)
        return response

    def _note(self, response: httpx.Response) -> None:
        self.replies.turns += 1
        if response.status_code != 200:
            return
        texts = [message.get("text") for message in response.json()]
        if not texts:
            self.replies.silent += 1
        elif any(text in (BUSY.zh, BUSY.en) for text in texts):
            self.replies.busy += 1


@dataclass(frozen=True, slots=True)
class StartUp:
    seconds: float
    cpu_seconds: float


@dataclass
class EngineProcess:
    process: subprocess.Popen[bytes]
    url: str
    start_up: StartUp


@dataclass(frozen=True, slots=True)
class ActionServer:
    webhook: str
    pid: int


@contextmanager
def running_actions(api_url: str) -> Iterator[ActionServer]:
    port = free_port()
    env = {**os.environ, "AFTERSALES_ACTIONS_API_URL": api_url}
    process = subprocess.Popen(
        [*AFTERSALES, "actions", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{url}/health")
        yield ActionServer(f"{url}/webhook", process.pid)
    finally:
        _stop(process)


def serving_child(port: str) -> int:
    """The pid of this process's child listening on ``port`` (the api ``running_api``
    started), found through /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # The command name in parentheses may contain spaces; the fields after it do not.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and port.encode() in command:
            return int(entry.name)
    raise LookupError(f"no child process serves port {port}")


@dataclass(frozen=True, slots=True)
class CpuShare:
    """CPU milliseconds each process spent per turn during the turn load."""

    engine: float
    actions: float
    api: float


@contextmanager
def cpu_per_turn(pids: dict[str, int], turns: Replies) -> Iterator[list[CpuShare]]:
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    counted = turns.turns
    shares: list[CpuShare] = []
    yield shares
    done = max(1, turns.turns - counted)
    used = {name: (cpu_seconds(pid) - before[name]) * 1000 / done for name, pid in pids.items()}
    shares.append(CpuShare(used["engine"], used["actions"], used["api"]))


@contextmanager
def running_engine(
    workdir: Path, data_dir: Path, action_endpoint: str, cache_dir: Path
) -> Iterator[EngineProcess]:
    """Start ``aftersales engine`` and time it until ``/status`` answers."""
    port = free_port()
    env = {
        **os.environ,
        "AFTERSALES_ENGINE_DATA_DIR": str(data_dir),
        "AFTERSALES_ENGINE_ACTION_ENDPOINT": action_endpoint,
        "AFTERSALES_ENGINE_CACHE_DIR": str(cache_dir),
        "AFTERSALES_ENGINE_TRACKER_STORE_URL": (
            f"sqlite+aiosqlite:///{workdir / f'engine-{port}.sqlite3'}"
        ),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [*AFTERSALES, "engine", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_status(process, f"{url}/status")
        start_up = StartUp(time.perf_counter() - started, cpu_seconds(process.pid))
        yield EngineProcess(process, url, start_up)
    finally:
        _stop(process)


def _wait_for_status(process: subprocess.Popen[bytes], url: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the engine exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"{url} did not answer in {timeout_s} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def measure_parse(url: str) -> LoadResult:
    async def parse(client: httpx.AsyncClient, number: int) -> httpx.Response:
        text = PARSE_TEXTS[number % len(PARSE_TEXTS)]
        return await client.post("/model/parse", json={"text": text})

    return await drive(
        "POST /model/parse (1 client)",
        url,
        parse,
        concurrency=1,
        duration_s=PARSE_DURATION_S,
        warmup_s=WARMUP_S,
    )


async def measure_turns(
    url: str, conversations: Conversations, *, pause_s: float = 0.0
) -> LoadResult:
    pacing = f"paced, {pause_s * 1000:.0f} ms pauses" if pause_s else "saturated"
    return await drive(
        f"REST turns ({CONCURRENCY} conversations, {pacing})",
        url,
        conversations.next_turn,
        concurrency=CONCURRENCY,
        duration_s=DURATION_S,
        warmup_s=WARMUP_S,
        pause_s=pause_s,
    )


def verdict(value: float, limit: float, *, at_least: bool = False) -> str:
    met = value >= limit if at_least else value < limit
    return "meets" if met else "MISSES"


def main() -> None:
    units = demo_units()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as directory:
        workdir = Path(directory)
        database_url = f"sqlite+aiosqlite:///{workdir / 'api.sqlite3'}"
        cache_dir = workdir / "engine-cache"
        # A copy: both starts must see the same files, whatever happens to the tree meanwhile.
        data_dir = Path(shutil.copytree(PROJECT_DATA, workdir / "nlu_data"))
        with running_api(database_url, workdir) as api_url, running_actions(api_url) as actions:
            api_pid = serving_child(api_url.rsplit(":", 1)[1])
            with running_engine(workdir, data_dir, actions.webhook, cache_dir) as cold:
                pass
            with running_engine(workdir, data_dir, actions.webhook, cache_dir) as engine:
                parse = asyncio.run(measure_parse(engine.url))
                conversations = Conversations(units)
                pids = {"engine": engine.process.pid, "actions": actions.pid, "api": api_pid}
                with cpu_per_turn(pids, conversations.replies) as shares:
                    turns = asyncio.run(measure_turns(engine.url, conversations))
                paced = asyncio.run(
                    measure_turns(engine.url, Conversations(units), pause_s=PACED_PAUSE_S)
                )
                rss, peak = memory_mib(engine.process.pid)
    print(f"machine load average before the run: {load_before:.1f} on {os.cpu_count()} cores")
    [share] = shares
    report(
        Figures(cold.start_up, engine.start_up, parse, turns, paced, conversations.replies, share),
        rss,
        peak,
    )


@dataclass(frozen=True, slots=True)
class Figures:
    cold: StartUp
    cached: StartUp
    parse: LoadResult
    turns: LoadResult
    paced: LoadResult
    replies: Replies
    cpu: CpuShare


def report(figures: Figures, rss: float, peak: float) -> None:
    cold, cached, parse, turns = figures.cold, figures.cached, figures.parse, figures.turns
    parse_p50 = parse.percentile(0.5)
    paced = figures.paced
    turn_p50, turn_p99 = paced.percentile(0.5), paced.percentile(0.99)
    print(f"engine start-up, cold:   {cold.seconds:6.2f} s  ({cold.cpu_seconds:.2f} s CPU)")
    print(
        f"engine start-up, cached: {cached.seconds:6.2f} s  ({cached.cpu_seconds:.2f} s CPU)"
        f"   target < 5 s: {verdict(cached.seconds, 5.0)}"
    )
    print(parse.line())
    print(f"  parse p50 {parse_p50:.2f} ms   target < 2 ms: {verdict(parse_p50, 2.0)}")
    print(turns.line())
    print(
        f"  capacity {turns.throughput:.0f} turns/s "
        f"(target >= 150: {verdict(turns.throughput, 150, at_least=True)})"
    )
    print(paced.line())
    print(
        f"  at {paced.throughput:.0f} turns/s: p50 {turn_p50:.1f} ms "
        f"(target < 15: {verdict(turn_p50, 15)}), "
        f"p99 {turn_p99:.1f} ms (target < 50: {verdict(turn_p99, 50)})"
    )
    replies, cpu = figures.replies, figures.cpu
    print(
        f"  replies: {replies.turns} turns, {replies.busy} busy answers, "
        f"{replies.silent} without a message"
    )
    print(
        f"  CPU per turn: engine {cpu.engine:.1f} ms, action server {cpu.actions:.1f} ms, "
        f"api {cpu.api:.1f} ms"
    )
    print(
        f"engine memory: {rss:.0f} MB resident, {peak:.0f} MB peak   "
        f"target < 200 MB: {verdict(peak, 200)}"
    )


if __name__ == "__main__":
    main()
