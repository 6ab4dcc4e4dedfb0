"""The api application: FastAPI app factory and its lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from aftersales.request_ids import accept_request_ids
from api.db import create_engine, create_session_factory
from api.demo import load_demo_data_if_empty
from api.errors import install_error_handlers, problem_responses
from api.migrate import ensure_migrated
from api.observability.middleware import RequestMetricsMiddleware
from api.progress.timer import progress_running
from api.retention.timer import retention_running
from api.routers import API_PREFIX, ROOT_ROUTERS, V1_ROUTERS
from api.settings import ApiSettings
from api.surveys.timer import survey_timer_running
from api.warm_up import warm_caches
from api.webhooks.worker import webhook_worker_running

DESCRIPTION = (
    "System of record of the Aftersales Assistant: catalogue, warranty decisions, cases, "
    "troubleshooting guides and service operations. Every endpoint needs a service key in the "
    "`X-API-Key` header; errors are `application/problem+json` with a stable `code`."
)


WITHOUT_OPENTELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}
"""The api's figures are Prometheus metrics (`/metrics`); FastAPI's own OpenTelemetry hooks
would ask for the global providers on every request (a few percent of a warranty check)."""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings()
    settings.ensure_safe_for_environment()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        try:
            await ensure_migrated(engine)
            app.state.engine = engine
            app.state.session_factory = create_session_factory(engine)
            if settings.load_demo_data:
                await load_demo_data_if_empty(app.state.session_factory)
            warming = asyncio.create_task(warm_caches(app)) if settings.warm_up else None
            async with (
                webhook_worker_running(
                    app.state.session_factory, enabled=settings.webhook_worker
                ) as app.state.webhook_worker,
                survey_timer_running(app.state.session_factory),
                retention_running(app.state.session_factory, settings.attachments_dir),
                progress_running(app.state.session_factory),
            ):
                yield
            if warming is not None:
                warming.cancel()
                with suppress(asyncio.CancelledError):
                    await warming
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Aftersales Assistant API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=problem_responses(401, 403),
        telemetry=WITHOUT_OPENTELEMETRY,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestMetricsMiddleware)
    accept_request_ids(app)
    for router in ROOT_ROUTERS:
        app.include_router(router)
    for router in V1_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return app
