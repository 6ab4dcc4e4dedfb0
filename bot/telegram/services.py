"""What a running Telegram front end holds: clients, store and the parts built on them.

Created once at start-up and closed at shutdown; handlers receive the parts they need
through the dispatcher's workflow data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.telegram.agents.desk import AgentDesk
from bot.telegram.agents.staff_api import StaffApi
from bot.telegram.agents.watcher import HandoffWatcher
from bot.telegram.albums import AlbumCollector
from bot.telegram.api_client import AftersalesApi
from bot.telegram.attachments import AttachmentKeeper
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.courier import OutboundCourier
from bot.telegram.engine_client import EngineClient, engine_http_client
from bot.telegram.language import Language, as_language
from bot.telegram.maintenance import Maintenance
from bot.telegram.outbound import OutboundPolicy
from bot.telegram.rate_limits import FloodGuard, OutboundLimiter
from bot.telegram.relay import EngineRelay
from bot.telegram.replies import ReplySender
from bot.telegram.sequencer import UserSequencer
from bot.telegram.settings import BotSettings
from bot.telegram.store.bot_store import BotStore


def build_bot(settings: BotSettings, outbound: OutboundPolicy) -> Bot:
    if settings.telegram_api_base:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    else:
        session = AiohttpSession()
    session.middleware(outbound)
    # Plain text: the engine's texts may hold <, > or * that no markup should interpret.
    default = DefaultBotProperties(parse_mode=None, link_preview_is_disabled=True)
    return Bot(settings.token(), session=session, default=default)


@dataclass
class BotServices:
    settings: BotSettings
    store: BotStore
    bot: Bot
    engine_http: httpx.AsyncClient
    engine: EngineClient
    api: AftersalesApi
    conversation_log: ConversationLog
    replies: ReplySender
    relay: EngineRelay
    keeper: AttachmentKeeper
    sequencer: UserSequencer
    albums: AlbumCollector
    flood: FloodGuard
    maintenance: Maintenance
    courier: OutboundCourier | None = None
    staff: StaffApi | None = None
    desk: AgentDesk | None = None
    handoff_watcher: HandoffWatcher | None = None

    @property
    def default_language(self) -> Language:
        return as_language(self.settings.default_language)

    @classmethod
    async def open(cls, settings: BotSettings) -> BotServices:
        store = await BotStore.open(settings.store_url)
        limiter = OutboundLimiter(
            global_per_second=settings.outbound_global_per_second,
            chat_per_second=settings.outbound_chat_per_second,
            chat_burst=settings.outbound_chat_burst,
        )
        outbound = OutboundPolicy(
            limiter,
            store.users,
            attempts=settings.outbound_attempts,
            max_retry_after=settings.outbound_max_retry_after_seconds,
            default_language=settings.default_language,
        )
        bot = build_bot(settings, outbound)
        engine_http = engine_http_client(settings)
        engine = EngineClient(engine_http)
        api = AftersalesApi.connect(
            settings.api_url, settings.api_key.get_secret_value(), settings.api_timeout_seconds
        )
        conversation_log = ConversationLog(
            api,
            attempts=settings.conversation_log_attempts,
            backoff_seconds=settings.conversation_log_backoff_seconds,
        )
        replies = ReplySender(bot, store.buttons, conversation_log)
        relay = EngineRelay(
            bot,
            engine,
            replies,
            store,
            slow_notice_seconds=settings.engine_slow_notice_seconds,
        )
        keeper = AttachmentKeeper(bot, api, store.held_files, replies)
        sequencer = UserSequencer()
        default_language = as_language(settings.default_language)
        courier = None
        if settings.outbound_delivery:
            courier = OutboundCourier(
                api,
                engine,
                replies,
                store,
                worker_id=settings.outbound_worker_id,
                lease_seconds=settings.outbound_lease_seconds,
                interval_seconds=settings.outbound_poll_interval_seconds,
                default_language=default_language,
            )
        staff = desk = watcher = None
        if settings.agent_group_id is not None:
            staff = StaffApi.connect(
                settings.api_url,
                settings.agent_api_key.get_secret_value(),
                settings.api_timeout_seconds,
            )
            desk = AgentDesk(
                bot,
                staff,
                store,
                engine,
                replies,
                conversation_log,
                group_id=settings.agent_group_id,
                default_language=default_language,
                note_marker=settings.internal_note_marker,
            )
            watcher = HandoffWatcher(
                staff, desk, interval_seconds=settings.handoff_poll_interval_seconds
            )
        return cls(
            settings=settings,
            store=store,
            bot=bot,
            engine_http=engine_http,
            engine=engine,
            api=api,
            conversation_log=conversation_log,
            replies=replies,
            relay=relay,
            keeper=keeper,
            sequencer=sequencer,
            albums=AlbumCollector(
                quiet_seconds=settings.album_quiet_seconds,
                max_wait_seconds=settings.album_max_wait_seconds,
            ),
            flood=FloodGuard(
                settings.user_rate_limit_messages, settings.user_rate_limit_window_seconds
            ),
            maintenance=Maintenance(
                store,
                engine,
                relay,
                sequencer,
                replay_interval_seconds=settings.engine_replay_interval_seconds,
            ),
            courier=courier,
            staff=staff,
            desk=desk,
            handoff_watcher=watcher,
        )

    def workflow_data(self) -> dict[str, Any]:
        """What handlers may ask for by parameter name."""
        return {
            "store": self.store,
            "relay": self.relay,
            "replies": self.replies,
            "keeper": self.keeper,
            "conversation_log": self.conversation_log,
        }

    def start_background_work(self) -> None:
        self.maintenance.start()
        if self.courier is not None:
            self.courier.start()
        if self.handoff_watcher is not None:
            self.handoff_watcher.start()

    async def stop_background_work(self) -> None:
        if self.handoff_watcher is not None:
            await self.handoff_watcher.stop()
        if self.courier is not None:
            await self.courier.stop()
        await self.maintenance.stop()

    async def close(self) -> None:
        await self.bot.session.close()
        await self.engine_http.aclose()
        await self.api.close()
        if self.staff is not None:
            await self.staff.close()
        await self.store.close()
