"""Every router of the api, assembled in one place."""

from fastapi import APIRouter

from api.health.router import router as health_router

API_PREFIX = "/api/v1"

ROOT_ROUTERS: list[APIRouter] = [health_router]
V1_ROUTERS: list[APIRouter] = []
