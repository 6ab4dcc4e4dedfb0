"""Every router of the api, assembled in one place."""

from fastapi import APIRouter

from api.cases.router import router as cases_router
from api.catalogue.router import router as catalogue_router
from api.conversations.router import router as conversations_router
from api.customers.router import router as customers_router
from api.fees.router import router as fees_router
from api.handoffs.router import router as handoffs_router
from api.health.router import router as health_router
from api.observability.router import router as metrics_router
from api.outbound.router import router as outbound_router
from api.quotes.router import router as quotes_router
from api.scheduling.router import router as scheduling_router
from api.surveys.router import router as surveys_router
from api.troubleshooting.router import router as troubleshooting_router
from api.warranty.router import router as warranty_router
from api.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"

ROOT_ROUTERS: list[APIRouter] = [health_router, metrics_router]
V1_ROUTERS: list[APIRouter] = [
    catalogue_router,
    troubleshooting_router,
    warranty_router,
    customers_router,
    cases_router,
    scheduling_router,
    handoffs_router,
    conversations_router,
    outbound_router,
    webhooks_router,
    surveys_router,
    fees_router,
    quotes_router,
]
