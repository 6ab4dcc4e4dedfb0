"""Caches built right after start, so the first consumers do not wait for them.

The catalogue snapshot, the active warranty policy and the troubleshooting index are each
built on first use; the index alone takes about a second (jieba loads its dictionary). A
replica that just joined a load balancer would otherwise answer its first requests slowly.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from api.catalogue.snapshot import catalogue_snapshot
from api.troubleshooting.router import index_cache_of
from api.warranty.policy_store import current_policy

log = structlog.get_logger(__name__)


async def warm_caches(app: FastAPI) -> None:
    try:
        async with app.state.session_factory() as session:
            await catalogue_snapshot(session)
            await current_policy(session)
            await index_cache_of(app).index(session)
    except SQLAlchemyError as error:
        # Each cache is built again on first use; a failed warm-up only costs that wait.
        log.warning("api.warm_up_failed", error=str(error))
        return
    log.info("api.warmed_up")
