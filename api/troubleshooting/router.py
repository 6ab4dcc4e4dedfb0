"""HTTP endpoints of the troubleshooting knowledge base (``/troubleshooting/...``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query, Request, status

from api.auth import require_roles
from api.auth_roles import Role
from api.catalogue.vocabulary import CategoryCode
from api.customers.text_rules import Identifier
from api.db import DbSession
from api.errors import problem_responses
from api.settings import ApiSettings
from api.troubleshooting import service
from api.troubleshooting.index_cache import GuideIndexCache
from api.troubleshooting.schemas import (
    BrandCode,
    ErrorCodeBody,
    ErrorCodeList,
    ErrorCodeOut,
    GuideCreate,
    GuideList,
    GuideOut,
    GuideReplace,
    MatchResponse,
    SymptomKey,
)

router = APIRouter(prefix="/troubleshooting", tags=["troubleshooting"])

Reader = Annotated[
    Role,
    require_roles(Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND),
]
Admin = Annotated[Role, require_roles()]

MAX_ID = 2**31 - 1
GuideId = Annotated[int, Path(ge=1, le=MAX_ID, description="Guide id.")]
ErrorCodeId = Annotated[int, Path(ge=1, le=MAX_ID, description="Error code id.")]
CategoryFilter = Annotated[CategoryCode | None, Query(description="Only this category.")]
BrandFilter = Annotated[BrandCode | None, Query(description="Only this brand.")]

_LIST = problem_responses(401, 403, 422)
_READ = problem_responses(401, 403, 404, 422)
_WRITE = problem_responses(401, 403, 404, 409, 422)
_INDEX_CACHE_STATE = "troubleshooting_index_cache"


def _index_cache(request: Request) -> GuideIndexCache:
    return index_cache_of(request.app)


def index_cache_of(app: FastAPI) -> GuideIndexCache:
    """The app's one matching index cache, created on first use."""
    cache: GuideIndexCache | None = getattr(app.state, _INDEX_CACHE_STATE, None)
    if cache is None:
        cache = GuideIndexCache()
        setattr(app.state, _INDEX_CACHE_STATE, cache)
    return cache


def _max_text_chars(request: Request) -> int:
    settings: ApiSettings = request.app.state.settings
    return settings.max_text_chars


@router.get("/guides", responses=_LIST)
async def list_guides(
    session: DbSession,
    _: Reader,
    category: CategoryFilter = None,
    symptom: Annotated[SymptomKey | None, Query(description="Only this symptom.")] = None,
    brand: BrandFilter = None,
) -> GuideList:
    """Every guide, generic ones before brand ones, by category and symptom."""
    guides = await service.list_guides(session, category=category, symptom=symptom, brand=brand)
    return GuideList(items=[service.guide_out(guide) for guide in guides])


@router.get("/guides/{guide_id}", responses=_READ)
async def get_guide(guide_id: GuideId, session: DbSession, _: Reader) -> GuideOut:
    return service.guide_out(await service.get_guide(session, guide_id))


@router.post("/guides", status_code=status.HTTP_201_CREATED, responses=_WRITE)
async def create_guide(body: GuideCreate, session: DbSession, _: Admin) -> GuideOut:
    """Add a guide; 409 when (category, symptom, brand) has one already."""
    return service.guide_out(await service.create_guide(session, body))


@router.put("/guides/{guide_id}", responses=_WRITE)
async def replace_guide(
    guide_id: GuideId, body: GuideReplace, session: DbSession, _: Admin
) -> GuideOut:
    """Replace a whole guide; its version goes up when anything changed."""
    return service.guide_out(await service.replace_guide(session, guide_id, body))


@router.get("/match", responses=_LIST)
async def match(
    request: Request,
    session: DbSession,
    _: Reader,
    text: Annotated[
        str,
        Query(
            min_length=1,
            description="The fault in the consumer's own words (zh, en or mixed; at most "
            "`max_text_chars` characters).",
        ),
    ],
    category: Annotated[
        CategoryCode | None,
        Query(description="The product category; without it every category is searched."),
    ] = None,
    brand: Annotated[
        Identifier | None,
        Query(
            description="Brand code (e.g. gree). Its own guides and error codes win; a brand "
            "the catalogue does not know matches generic guides only."
        ),
    ] = None,
    model: Annotated[
        Identifier | None,
        Query(description="Model code, for error codes that hold for one model only."),
    ] = None,
) -> MatchResponse:
    """The best guide for a fault description, with a score, the phrase that fitted and up
    to three alternatives.

    The words are first checked for danger (gas smell, smoke or sparks, water on electrics,
    a swollen battery), whatever the category: `safety_alert` is then true and `safety`
    says what to do. When nothing fits, `guide` is null and `reason` says why; that is not
    an error.
    """
    return await service.match_fault(
        session,
        _index_cache(request),
        text=text,
        category=category,
        brand=brand.casefold() if brand else None,
        model=model,
        max_text_chars=_max_text_chars(request),
    )


@router.get("/error-codes", responses=_LIST)
async def list_error_codes(
    session: DbSession, _: Reader, brand: BrandFilter = None, category: CategoryFilter = None
) -> ErrorCodeList:
    """Known error codes: brand-wide ones first, then model-specific ones."""
    rows = await service.list_error_codes(session, brand=brand, category=category)
    return ErrorCodeList(items=[service.error_code_out(row) for row in rows])


@router.post("/error-codes", status_code=status.HTTP_201_CREATED, responses=_WRITE)
async def create_error_code(body: ErrorCodeBody, session: DbSession, _: Admin) -> ErrorCodeOut:
    """Add what a brand's (or one model's) code means and which symptom's guide handles it."""
    return service.error_code_out(await service.create_error_code(session, body))


@router.put("/error-codes/{error_code_id}", responses=_WRITE)
async def replace_error_code(
    error_code_id: ErrorCodeId, body: ErrorCodeBody, session: DbSession, _: Admin
) -> ErrorCodeOut:
    return service.error_code_out(await service.replace_error_code(session, error_code_id, body))
