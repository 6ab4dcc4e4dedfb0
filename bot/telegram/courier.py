"""Proactive delivery: the api's outbound queue (surveys, reminders, visit updates) brought to
Telegram consumers.

A background task leases due items of Telegram conversations, has the engine produce the
text where the item names an intent (``trigger_intent``), sends it, records the item as
delivered in the bot's store and only then acknowledges it. An item leased again after a
crash or a lost acknowledgement is found in the store and acknowledged without a second
send; recorded items not yet acknowledged are acknowledged first on every pass.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError

from aftersales.request_ids import request_id_bound
from bot.channel.background import BackgroundTask
from bot.telegram.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from bot.telegram.consumer import Consumer, user_id_of
from bot.telegram.engine_client import EngineClient, EngineFailed, EngineMessage, EngineUnreachable
from bot.telegram.language import Language, as_language
from bot.telegram.replies import ReplySender
from bot.telegram.store.bot_store import BotStore

log = structlog.get_logger(__name__)

LEASE_BATCH = 20


class UndeliverableItem(Exception):
    """Retrying cannot deliver this item."""


class OutboundCourier:
    def __init__(
        self,
        api: AftersalesApi,
        engine: EngineClient,
        replies: ReplySender,
        store: BotStore,
        *,
        worker_id: str,
        lease_seconds: int,
        interval_seconds: float,
        default_language: Language,
    ) -> None:
        self._api = api
        self._engine = engine
        self._replies = replies
        self._store = store
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds
        self._interval = interval_seconds
        self._default_language = default_language
        self._background = BackgroundTask("outbound-courier", self._run)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def run_once(self) -> int:
        """One pass; returns how many items were leased."""
        for pending in await self._store.deliveries.unacknowledged():
            await self._acknowledge(pending.item_id, pending.lease_token)
        items = await self._api.lease_outbound(
            self._worker_id, limit=LEASE_BATCH, lease_seconds=self._lease_seconds
        )
        for item in items:
            with request_id_bound(f"outbound-{item['id']}"):
                await self._handle(item)
        return len(items)

    async def _run(self) -> None:
        while True:
            leased = 0
            try:
                leased = await self.run_once()
            except ApiUnavailable as error:
                log.warning("outbound.api_unavailable", error=str(error))
            except Exception:
                log.exception("outbound.pass_failed")
            if leased < LEASE_BATCH:
                await asyncio.sleep(self._interval)

    async def _handle(self, item: dict[str, Any]) -> None:
        item_id, token = int(item["id"]), str(item["lease_token"])
        if await self._store.deliveries.was_delivered(item_id):
            log.info("outbound.already_delivered", item_id=item_id)
            await self._store.deliveries.record(item_id, token)
            await self._acknowledge(item_id, token)
            return
        try:
            await self._deliver(item)
        except TelegramForbiddenError as error:
            await self._fail(item_id, token, error.message, blocked=True)
            return
        except (TelegramAPIError, EngineUnreachable, EngineFailed, UndeliverableItem) as error:
            await self._fail(item_id, token, f"{type(error).__name__}: {error}")
            return
        await self._store.deliveries.record(item_id, token)
        await self._acknowledge(item_id, token)

    async def _deliver(self, item: dict[str, Any]) -> None:
        conversation_id = str(item["conversation_id"])
        user_id = user_id_of(conversation_id)
        if user_id is None:
            raise UndeliverableItem(f"{conversation_id} is not a Telegram conversation")
        language = as_language(
            await self._store.users.language_of(user_id) or self._default_language
        )
        consumer = Consumer(user_id, user_id, language)
        payload = item["payload"]
        if payload["type"] == "text":
            messages = [EngineMessage(text=str(payload["text"][language]))]
        else:
            messages = await self._engine.trigger_intent(
                conversation_id, str(payload["intent"]), dict(payload.get("entities") or {})
            )
        await self._replies.deliver_or_raise(consumer, messages)
        log.info(
            "outbound.delivered", item_id=item["id"], kind=item["kind"], messages=len(messages)
        )

    async def _acknowledge(self, item_id: int, token: str) -> None:
        try:
            await self._api.ack_outbound(item_id, token)
        except ApiRejected as rejection:
            # The lease ran out: the item comes back in a later lease and is acknowledged
            # then, without being sent again.
            log.info("outbound.ack_refused", item_id=item_id, code=rejection.code)
        except ApiUnavailable as error:
            log.warning("outbound.ack_failed", item_id=item_id, error=str(error))
            return
        await self._store.deliveries.acknowledged(item_id)

    async def _fail(self, item_id: int, token: str, error: str, *, blocked: bool = False) -> None:
        log.warning("outbound.not_delivered", item_id=item_id, error=error, blocked=blocked)
        try:
            await self._api.fail_outbound(item_id, token, error, blocked=blocked)
        except (ApiRejected, ApiUnavailable) as failure:
            log.warning("outbound.fail_not_reported", item_id=item_id, error=str(failure))
