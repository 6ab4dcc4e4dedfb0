"""``GET /metrics``: the api's figures in Prometheus text format, without a key, like the
health endpoints, so that the scraper needs no secret; nothing in it is personal data."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import utc_now
from api.observability.gauges import refresh_gauges
from api.observability.metrics import REGISTRY

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Metrics in Prometheus text format",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "The metrics."}},
)
async def metrics(request: Request) -> Response:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with sessions() as session:
        await refresh_gauges(session, utc_now())
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
