"""Run the actions a story marks (``api_unavailable_during``) with the api cut off.

The engine's action caller is wrapped: when a conversation's story marks an action, that
action's next run reaches the action server while the api is unavailable to the
conversation's consumer, and the api is back as soon as the action has answered. Each
mark is one run, counted from the story's start; other runs, other actions and other
conversations are untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Any, Protocol

from bot.engine.action_client import ActionCaller
from bot.engine.processor import MessageProcessor


class ApiSwitch(Protocol):
    """Something that makes the api unavailable to one consumer for a while (``ApiGate``)."""

    def unavailable_for(self, customer: str) -> AbstractContextManager[None]: ...


class OutageActions:
    """An action caller in front of ``inner`` that honours the stories' outage marks."""

    def __init__(self, inner: ActionCaller, switch: ApiSwitch) -> None:
        self._inner = inner
        self._switch = switch
        self._marked: dict[str, Counter[str]] = {}

    @classmethod
    def install(cls, processor: MessageProcessor, switch: ApiSwitch) -> OutageActions | None:
        """Wrap the processor's action caller; None when it has none to run actions with."""
        inner = processor.runtime.client
        if inner is None:
            return None
        outages = cls(inner, switch)
        processor.runtime = replace(processor.runtime, client=outages)
        return outages

    @contextmanager
    def marked(self, sender_id: str, actions: Iterable[str]) -> Iterator[None]:
        """Inside the block, the conversation's next runs of ``actions`` (one per name
        given) meet an unavailable api."""
        self._marked[sender_id] = Counter(actions)
        try:
            yield
        finally:
            del self._marked[sender_id]

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        sender_id, action = str(body.get("sender_id")), str(body.get("next_action"))
        marked = self._marked.get(sender_id)
        if marked is None or marked[action] <= 0:
            return await self._inner.run(body)
        marked[action] -= 1
        with self._switch.unavailable_for(sender_id):
            return await self._inner.run(body)
