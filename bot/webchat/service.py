"""What a running web chat holds: its clients, sessions, pipeline and outbound pump; made at
start-up of the bot's HTTP app and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.channel.handoffs import HandoffWatch
from bot.telegram.api_client import AftersalesApi, api_http_client
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.engine_client import EngineClient, engine_http_client
from bot.telegram.language import Language, as_language
from bot.telegram.rate_limits import FloodGuard
from bot.telegram.settings import BotSettings
from bot.webchat.outbound_queue import WebOutboundQueue
from bot.webchat.pipeline import WebChatPipeline
from bot.webchat.pump import OutboundPump
from bot.webchat.replay import KeptReplayer
from bot.webchat.sessions import SessionRegistry
from bot.webchat.settings import WebChatSettings, ensure_web_chat_usable


@dataclass
class WebChat:
    settings: WebChatSettings
    default_language: Language
    sessions: SessionRegistry
    pipeline: WebChatPipeline
    pump: OutboundPump
    replayer: KeptReplayer
    conversation_log: ConversationLog
    engine_http: httpx.AsyncClient
    api_http: httpx.AsyncClient
    shutdown_grace_seconds: float

    @classmethod
    def open(cls, bot_settings: BotSettings, settings: WebChatSettings) -> WebChat:
        ensure_web_chat_usable(bot_settings)
        engine_http = engine_http_client(bot_settings)
        timeout = bot_settings.api_timeout_seconds
        api_http = api_http_client(
            bot_settings.api_url, bot_settings.api_key.get_secret_value(), timeout
        )
        engine = EngineClient(engine_http)
        conversation_log = ConversationLog(
            AftersalesApi(api_http),
            attempts=bot_settings.conversation_log_attempts,
            backoff_seconds=bot_settings.conversation_log_backoff_seconds,
        )
        sessions = SessionRegistry()
        handoffs = HandoffWatch(api_http)
        pipeline = WebChatPipeline(
            engine=engine,
            api=AftersalesApi(api_http),
            handoffs=handoffs,
            conversation_log=conversation_log,
            flood=FloodGuard(settings.rate_limit_messages, settings.rate_limit_window_seconds),
            settings=settings,
        )
        pump = OutboundPump(
            WebOutboundQueue(api_http, settings.worker_id),
            sessions,
            engine,
            conversation_log,
            settings,
        )
        replayer = KeptReplayer(
            sessions,
            pipeline,
            engine,
            handoffs,
            interval_seconds=settings.replay_interval_seconds,
        )
        return cls(
            settings=settings,
            default_language=as_language(bot_settings.default_language),
            sessions=sessions,
            pipeline=pipeline,
            pump=pump,
            replayer=replayer,
            conversation_log=conversation_log,
            engine_http=engine_http,
            api_http=api_http,
            shutdown_grace_seconds=bot_settings.shutdown_grace_seconds,
        )

    def start(self) -> None:
        self.conversation_log.start()
        self.pump.start()
        self.replayer.start()

    async def stop(self) -> None:
        try:
            await self.pump.stop()
            await self.replayer.stop()
            await self.conversation_log.close(self.shutdown_grace_seconds)
        finally:
            await self.engine_http.aclose()
            await self.api_http.aclose()
