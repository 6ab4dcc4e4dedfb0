"""Throughput of the Telegram front end: simulated consumers talking to the real bot through
the fake Bot API.

The api (SQLite, demo data), the action server, the engine and the bot (``aftersales bot``,
long polling) run as their real processes; the fake Telegram server runs in this process.
``CONSUMERS`` users each type a full fault report in Chinese (bench_engine's flow, one demo
unit each), all at once; each sends their next message as soon as the bot's first reply to
the previous one shows in their chat. Printed:

* updates/s: consumer messages answered per second over the run;
* p50 and p99 from injecting an update to the bot's first reply in that chat;
* lost (no reply within ``REPLY_TIMEOUT_S``), duplicated (the same text twice in a row in
  one turn's replies, or a turn answered twice) and misattributed (a reply outside any
  turn) messages: all must be 0.

The bot paces what it sends to Telegram's limits (``bot/telegram/rate_limits.py``): about 30
messages a second overall and one a second per chat. With R replies per message that caps
the front end at 30 / R updates a second, which is printed beside the figure; the target is
to reach ``CAP_SHARE`` of it (below that, the bot's own work is the limit, not its pacing).
With every consumer answering at once the latencies are mostly that pacing's queue.

Turns are told apart by the bot's "typing" indicator: it handles one user's updates one
after another and shows it before asking the engine, so in a chat each turn's replies follow
its own indicator and precede the next one.

Run: ``python -m benchmarks.bench_bot`` (or ``python -m benchmarks bot``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench_engine import (
    PROJECT_DATA,
    DemoUnit,
    demo_units,
    fault_report_flow,
    running_actions,
    running_engine,
    verdict,
)
from benchmarks.load import LoadResult
from benchmarks.services import AFTERSALES, free_port, running_api, wait_until_ready
from bot.telegram.settings import BotSettings
from tests.support.fake_telegram import FakeTelegram, FakeUser, RecordedCall

CONSUMERS = 100
REPLY_TIMEOUT_S = 30.0
MEASURE_LIMIT_S = 60.0
WATCH_INTERVAL_S = 0.005
SETTLE_S = 2.0
"""After the last turn: time for the bot's last replies to arrive before counting."""
FIRST_USER_ID = 610_000_001
TYPING = "sendChatAction"
REPLY = "sendMessage"
CAP_SHARE = 0.9
"""Target: the front end's own work, not only its pacing, must keep it this close to the cap."""


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """The bot's typing indicator or one of its messages, as the fake server recorded it."""

    typing: bool
    text: str
    at: float


@dataclass
class Turn:
    sent_at: float
    first_reply_at: float | None = None
    replies: list[str] = field(default_factory=list)

    def wait_s(self) -> float | None:
        """Seconds from sending the message to its first reply; None while unanswered."""
        if self.first_reply_at is None:
            return None
        return self.first_reply_at - self.sent_at


@dataclass
class Chat:
    """One consumer's view of their chat: the events in order, and the turns they took."""

    events: asyncio.Queue[ChatEvent] = field(default_factory=asyncio.Queue)
    turns: list[Turn] = field(default_factory=list)
    stray_replies: int = 0
    """Replies after an indicator but with no turn waiting for them (a turn answered twice)."""
    lost: int = 0


class ChatWatcher:
    """Hands the bot's indicators and messages, in the order the fake server answered them,
    to the chat they went to."""

    def __init__(self, telegram: FakeTelegram, chats: dict[int, Chat]) -> None:
        self._telegram = telegram
        self._chats = chats
        self._seen = 0

    async def run(self) -> None:
        while True:
            self.take_new_calls()
            await asyncio.sleep(WATCH_INTERVAL_S)

    def take_new_calls(self) -> None:
        calls = self._telegram.calls()
        for call in calls[self._seen :]:
            event = _chat_event(call)
            chat = self._chats.get(int(call.params.get("chat_id") or 0))
            if event is not None and chat is not None:
                chat.events.put_nowait(event)
        self._seen = len(calls)


def _chat_event(call: RecordedCall) -> ChatEvent | None:
    if not call.ok or call.method not in (TYPING, REPLY):
        return None
    return ChatEvent(call.method == TYPING, str(call.params.get("text") or ""), call.at)


class Conversation:
    """One consumer typing their fault report, each message once the previous one has its
    first reply."""

    def __init__(self, telegram: FakeTelegram, user: FakeUser, chat: Chat, flow: list[str]) -> None:
        self._telegram = telegram
        self._user = user
        self._chat = chat
        self._flow = flow
        self._current: Turn | None = None
        """The turn whose indicator was seen last: later replies are its replies."""

    async def run(self, stop_at: float) -> None:
        for text in self._flow:
            if time.monotonic() >= stop_at:
                return
            turn = Turn(sent_at=time.monotonic())
            self._chat.turns.append(turn)
            self._telegram.send_text(self._user, text)
            try:
                async with asyncio.timeout(REPLY_TIMEOUT_S):
                    await self._until_first_reply(turn)
            except TimeoutError:
                self._chat.lost += 1
                return

    async def _until_first_reply(self, turn: Turn) -> None:
        awaiting: Turn | None = turn
        while turn.first_reply_at is None:
            event = await self._chat.events.get()
            if event.typing:
                if awaiting is not None:
                    self._current, awaiting = awaiting, None
                continue
            self._note_reply(event)

    def take_remaining(self) -> None:
        """The replies that came after the consumer's last message was answered."""
        while not self._chat.events.empty():
            event = self._chat.events.get_nowait()
            if event.typing:
                self._current = None
            else:
                self._note_reply(event)

    def _note_reply(self, event: ChatEvent) -> None:
        if self._current is None:
            self._chat.stray_replies += 1
            return
        if self._current.first_reply_at is None:
            self._current.first_reply_at = event.at
        self._current.replies.append(event.text)


@dataclass(frozen=True, slots=True)
class Outcome:
    latencies: LoadResult
    turns: int
    lost: int
    duplicated: int
    stray: int
    replies_per_turn: float


def outcome_of(chats: list[Chat], elapsed_s: float) -> Outcome:
    turns = [turn for chat in chats for turn in chat.turns]
    answered = [(turn, wait) for turn in turns if (wait := turn.wait_s()) is not None]
    latencies = LoadResult(
        "telegram updates",
        latencies_ms=[wait * 1000 for _, wait in answered],
        elapsed_s=elapsed_s,
    )
    duplicated = sum(
        1
        for turn, _ in answered
        for earlier, later in zip(turn.replies, turn.replies[1:], strict=False)
        if earlier == later
    )
    replies = sum(len(turn.replies) for turn, _ in answered)
    return Outcome(
        latencies=latencies,
        turns=len(turns),
        lost=sum(chat.lost for chat in chats),
        duplicated=duplicated,
        stray=sum(chat.stray_replies for chat in chats),
        replies_per_turn=replies / len(answered) if answered else float("nan"),
    )


async def converse(telegram: FakeTelegram, units: list[DemoUnit]) -> Outcome:
    users = [
        FakeUser(FIRST_USER_ID + index, first_name=f"用户{index}") for index in range(CONSUMERS)
    ]
    chats = {user.id: Chat() for user in users}
    conversations = [
        Conversation(telegram, user, chats[user.id], fault_report_flow(units[index % len(units)]))
        for index, user in enumerate(users)
    ]
    watcher = ChatWatcher(telegram, chats)
    watching = asyncio.create_task(watcher.run())
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(conversation.run(started + MEASURE_LIMIT_S) for conversation in conversations)
        )
        elapsed = time.monotonic() - started
        await asyncio.sleep(SETTLE_S)
        watcher.take_new_calls()
    finally:
        watching.cancel()
    for conversation in conversations:
        conversation.take_remaining()
    return outcome_of(list(chats.values()), elapsed)


@contextmanager
def running_bot(
    workdir: Path, telegram: FakeTelegram, engine_url: str, api_url: str
) -> Iterator[str]:
    """``aftersales bot`` polling the fake Bot API, answered by the real engine and api."""
    port = free_port()
    env = {
        **os.environ,
        "AFTERSALES_BOT_TELEGRAM_TOKEN": telegram.token,
        "AFTERSALES_BOT_TELEGRAM_API_BASE": telegram.base_url,
        "AFTERSALES_BOT_MODE": "polling",
        "AFTERSALES_BOT_ENGINE_URL": engine_url,
        "AFTERSALES_BOT_API_URL": api_url,
        "AFTERSALES_BOT_STORE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = subprocess.Popen(
        [*AFTERSALES, "bot", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{url}/health")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    units = demo_units()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as directory:
        workdir = Path(directory)
        database_url = f"sqlite+aiosqlite:///{workdir / 'api.sqlite3'}"
        data_dir = Path(shutil.copytree(PROJECT_DATA, workdir / "nlu_data"))
        telegram = FakeTelegram()
        with (
            running_api(database_url, workdir) as api_url,
            running_actions(api_url) as actions,
            running_engine(workdir, data_dir, actions.webhook, workdir / "engine-cache") as engine,
            telegram.running(),
            running_bot(workdir, telegram, engine.url, api_url),
        ):
            outcome = asyncio.run(converse(telegram, units))
    print(f"machine load average before the run: {load_before:.1f} on {os.cpu_count()} cores")
    report(outcome)


def report(outcome: Outcome) -> None:
    latencies = outcome.latencies
    p50, p99 = latencies.percentile(0.5), latencies.percentile(0.99)
    pacing = BotSettings.model_fields
    overall = float(pacing["outbound_global_per_second"].default)
    per_chat = float(pacing["outbound_chat_per_second"].default)
    cap = overall / outcome.replies_per_turn
    print(
        f"{CONSUMERS} consumers, {outcome.turns} messages sent, {latencies.completed} answered "
        f"in {latencies.elapsed_s:.1f} s"
    )
    print(
        f"  {latencies.throughput:.1f} updates/s   (cap from the bot's pacing: {overall:.0f} "
        f"messages/s overall, {per_chat:.0f}/s per chat, at {outcome.replies_per_turn:.2f} "
        f"replies per update = {cap:.1f} updates/s)"
    )
    print(
        f"  reaches {CAP_SHARE:.0%} of that cap: "
        f"{verdict(latencies.throughput, CAP_SHARE * cap, at_least=True)}"
    )
    print(f"  update to first reply: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    for name, count in (
        ("lost", outcome.lost),
        ("duplicated", outcome.duplicated),
        ("replies outside a turn", outcome.stray),
    ):
        print(f"  {name}: {count}   target 0: {verdict(count, 1)}")


if __name__ == "__main__":
    main()
