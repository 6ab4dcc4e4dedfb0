"""The delivery worker: fan the outbox out, claim due deliveries, send them, record outcomes.

One worker runs as an asyncio task in each api process (setting ``webhook_worker``). With
PostgreSQL any number of replicas may run one: fan-out and claims skip what another replica
holds, and leases bring back what a crashed one held. With SQLite run a single worker.

``run_once`` is one pass and returns what it did; the task repeats passes, pausing for
``poll_interval_seconds`` whenever a pass found nothing to do. ``stop`` lets the pass in
flight finish (its sends are bounded by ``timeout_seconds``) and claims nothing new.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import utc_now
from api.webhooks.claims import Claim, claim_due, record_attempt
from api.webhooks.fan_out import fan_out
from api.webhooks.sender import send
from api.webhooks.settings import WebhookSettings
from api.webhooks.status import DeliveryStatus

log = structlog.get_logger(__name__)

_OWNER_MAX_CHARS = 128


@dataclass(frozen=True, slots=True)
class PassReport:
    fanned_out: int = 0
    """Outbox events fanned out."""
    created: int = 0
    """Deliveries created for them."""
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lease_lost: int = 0
    """Attempts whose delivery had meanwhile been claimed again or replayed."""

    @property
    def busy(self) -> bool:
        """Whether the pass found work, so that the next one should follow at once."""
        return self.fanned_out > 0 or self.claimed > 0


def default_owner() -> str:
    """A name for this worker in leases and attempt logs: host, process and a random tag."""
    tag = secrets.token_hex(3)
    return f"{socket.gethostname()}:{os.getpid()}:{tag}"[-_OWNER_MAX_CHARS:]


def create_client(settings: WebhookSettings) -> httpx.AsyncClient:
    """The worker's one HTTP client; redirects are not followed (a 3xx is a failure)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
        limits=httpx.Limits(max_connections=settings.batch_size),
        follow_redirects=False,
    )


class WebhookWorker:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        settings: WebhookSettings,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.owner = (owner or default_owner())[:_OWNER_MAX_CHARS]
        self._sessions = session_factory
        self._client = client
        self._settings = settings
        self._schedule = settings.retry_schedule
        self._rng = rng or random.Random()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run_once(self) -> PassReport:
        """Fan out one batch of outbox events, then claim and send one batch of deliveries."""
        async with self._sessions() as session, session.begin():
            fanned = await fan_out(
                session,
                batch_size=self._settings.fan_out_batch_size,
                gap_grace=self._settings.gap_grace,
                now=utc_now(),
            )
        if self._stopping.is_set():
            return PassReport(fanned_out=fanned.events, created=fanned.deliveries)
        async with self._sessions() as session, session.begin():
            claims = await claim_due(
                session,
                owner=self.owner,
                limit=self._settings.batch_size,
                lease=self._settings.lease,
                now=utc_now(),
            )
        outcomes = await asyncio.gather(
            *(self._deliver(claim) for claim in claims), return_exceptions=True
        )
        counts = dict.fromkeys(DeliveryStatus, 0)
        lease_lost = 0
        for claim, outcome in zip(claims, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                log.error(
                    "webhook_outcome_not_recorded", delivery_id=claim.delivery_id, exc_info=outcome
                )
            elif outcome is None:
                lease_lost += 1
            else:
                counts[outcome] += 1
        return PassReport(
            fanned_out=fanned.events,
            created=fanned.deliveries,
            claimed=len(claims),
            delivered=counts[DeliveryStatus.DELIVERED],
            retrying=counts[DeliveryStatus.PENDING],
            failed=counts[DeliveryStatus.FAILED],
            lease_lost=lease_lost,
        )

    async def _deliver(self, claim: Claim) -> DeliveryStatus | None:
        result = await send(
            self._client,
            claim,
            time_limit=self._settings.timeout_seconds,
            excerpt_bytes=self._settings.response_excerpt_bytes,
        )
        async with self._sessions() as session, session.begin():
            status = await record_attempt(
                session,
                claim,
                result,
                worker=self.owner,
                schedule=self._schedule,
                rng=self._rng,
                now=utc_now(),
            )
        log.info(
            "webhook_attempt",
            delivery_id=claim.delivery_id,
            event_type=claim.event_type,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
            outcome=status.value if status else "lease_lost",
        )
        return status

    def start(self) -> None:
        if self.running:
            raise RuntimeError("the webhook worker is running already")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"webhook-worker {self.owner}")

    async def stop(self) -> None:
        """Finish the pass in flight within ``shutdown_grace_seconds``, else abandon it: its
        leases run out and another worker sends those deliveries."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self._settings.shutdown_grace_seconds)
        except TimeoutError:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            log.warning("webhook_worker_abandoned_pass", owner=self.owner)

    async def _run(self) -> None:
        log.info("webhook_worker_started", owner=self.owner)
        while not self._stopping.is_set():
            try:
                report = await self.run_once()
            except Exception:
                log.exception("webhook_worker_pass_failed", owner=self.owner)
                report = PassReport()
            if not report.busy:
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stopping.wait(), self._settings.poll_interval_seconds
                    )
        log.info("webhook_worker_stopped", owner=self.owner)


@asynccontextmanager
async def webhook_worker_running(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    enabled: bool,
    settings: WebhookSettings | None = None,
) -> AsyncIterator[WebhookWorker | None]:
    """Run a worker (and its HTTP client) for the duration of the block when ``enabled``."""
    if not enabled:
        yield None
        return
    settings = settings or WebhookSettings()
    async with create_client(settings) as client:
        worker = WebhookWorker(session_factory, client, settings)
        worker.start()
        try:
            yield worker
        finally:
            await worker.stop()
