"""Tests whose subject is delivery: quiet hours must not hold their messages back."""

from __future__ import annotations

from datetime import time

from fastapi import FastAPI

from api.outbound.settings import OutboundSettings, outbound_settings


def deliver_at_any_hour(app: FastAPI) -> FastAPI:
    """The api ``app`` with a quiet period of one second at midnight: in effect none, so a
    test leasing on the real clock is not held back at night in the consumer's time zone."""
    app.dependency_overrides[outbound_settings] = lambda: OutboundSettings(
        quiet_from=time(0, 0), quiet_until=time(0, 0, 1)
    )
    return app
