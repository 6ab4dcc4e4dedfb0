"""Liveness and readiness of the api process, outside /api/v1 and without a key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.errors import PROBLEM_JSON, Problem
from api.observability.readiness import ensure_ready

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health, summary="The process is alive (no I/O)")
async def alive() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The database is reachable and migrated",
    responses={
        503: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "`database_unreachable` or `database_not_migrated`.",
        }
    },
)
async def ready(request: Request) -> Readiness:
    await ensure_ready(request.app.state.engine)
    return Readiness(status="ok", database="ok")
