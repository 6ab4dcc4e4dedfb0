"""HTTP endpoints of the catalogue (``/catalogue/...``) and of registered units (``/units/...``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import AfterValidator

from api.auth import require_roles
from api.auth_roles import Role
from api.catalogue import service, unit_service
from api.catalogue.fields import BrandCode, printable_single_line
from api.catalogue.models import MODEL_CODE_LENGTH, SERIAL_LENGTH
from api.catalogue.schemas import (
    BrandCreate,
    BrandOut,
    BrandUpdate,
    CategoryOut,
    CategoryRename,
    ModelCreate,
    ModelOut,
    ModelResolution,
    ModelUpdate,
    RepairCreate,
    RepairRecord,
    RepairUpdate,
    SerialLookupRequest,
    SerialLookupResult,
    UnitCreate,
    UnitRecord,
    UnitUpdate,
)
from api.catalogue.vocabulary import CategoryCode
from api.db import DbSession
from api.errors import problem_responses
from api.settings import ApiSettings

router = APIRouter()

_SERVICE_ROLES = (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND)
Reader = Annotated[Role, require_roles(*_SERVICE_ROLES)]
Writer = Annotated[Role, require_roles(Role.BACKEND)]
UnitReader = Annotated[Role, require_roles(Role.AGENT, Role.BACKEND)]
SerialChecker = Annotated[Role, require_roles(Role.ACTIONS, Role.BOT, Role.AGENT, Role.BACKEND)]

ModelCodePath = Annotated[
    str,
    Path(max_length=MODEL_CODE_LENGTH, description="Model code; it may contain slashes."),
    AfterValidator(printable_single_line),
]
SerialPath = Annotated[
    str,
    Path(max_length=SERIAL_LENGTH, description="Serial or IMEI."),
    AfterValidator(printable_single_line),
]
BrandPath = Annotated[BrandCode, Path()]

_READ = problem_responses(401, 403, 404, 422)
_WRITE = problem_responses(401, 403, 404, 409, 422)


def _max_text_chars(request: Request) -> int:
    settings: ApiSettings = request.app.state.settings
    return settings.max_text_chars


# Categories


@router.get("/catalogue/categories", tags=["catalogue"], responses=_READ)
async def list_categories(session: DbSession, _: Reader) -> list[CategoryOut]:
    """The fixed product categories with their display names."""
    return await service.list_categories(session)


@router.patch("/catalogue/categories/{code}", tags=["catalogue"], responses=_WRITE)
async def rename_category(
    code: CategoryCode, body: CategoryRename, session: DbSession, _: Writer
) -> CategoryOut:
    """Change a category's display names; its code is fixed."""
    return CategoryOut.of(await service.rename_category(session, code, body.changes()))


# Brands


@router.get("/catalogue/brands", tags=["catalogue"], responses=_READ)
async def list_brands(session: DbSession, _: Reader) -> list[BrandOut]:
    return [BrandOut.of(brand) for brand in await service.list_brands(session)]


@router.get("/catalogue/brands/{code}", tags=["catalogue"], responses=_READ)
async def get_brand(code: BrandPath, session: DbSession, _: Reader) -> BrandOut:
    return BrandOut.of(await service.get_brand(session, code))


@router.post(
    "/catalogue/brands",
    tags=["catalogue"],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def create_brand(body: BrandCreate, session: DbSession, _: Writer) -> BrandOut:
    return BrandOut.of(await service.create_brand(session, body))


@router.patch("/catalogue/brands/{code}", tags=["catalogue"], responses=_WRITE)
async def update_brand(
    code: BrandPath, body: BrandUpdate, session: DbSession, _: Writer
) -> BrandOut:
    return BrandOut.of(await service.update_brand(session, code, body.changes()))


# Product models


@router.get("/catalogue/models", tags=["catalogue"], responses=_READ)
async def list_models(
    session: DbSession,
    _: Reader,
    category: CategoryCode | None = None,
    brand: Annotated[BrandCode | None, Query()] = None,
) -> list[ModelOut]:
    return [ModelOut.of(model) for model in await service.list_models(session, category, brand)]


@router.get("/catalogue/models/resolve", tags=["catalogue"], responses=_READ)
async def resolve_models(
    session: DbSession,
    _: Reader,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="What the consumer typed: 格力 35 挂机, kfr35gw, 冰箱, Mate 60 Pro ...",
        ),
    ],
    category: CategoryCode | None = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> ModelResolution:
    """Ranked catalogue models for free text, and what kind of match it was."""
    return await service.resolve_models(session, q, category, limit)


@router.get("/catalogue/models/{code:path}", tags=["catalogue"], responses=_READ)
async def get_model(code: ModelCodePath, session: DbSession, _: Reader) -> ModelOut:
    """A model by code (case, full-width characters and separators are ignored)."""
    return ModelOut.of(await service.get_model(session, code))


@router.post(
    "/catalogue/models",
    tags=["catalogue"],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def create_model(body: ModelCreate, session: DbSession, _: Writer) -> ModelOut:
    return ModelOut.of(await service.create_model(session, body))


@router.patch("/catalogue/models/{code:path}", tags=["catalogue"], responses=_WRITE)
async def update_model(
    code: ModelCodePath, body: ModelUpdate, session: DbSession, _: Writer
) -> ModelOut:
    return ModelOut.of(await service.update_model(session, code, body.changes()))


# Units


@router.post("/units/lookup", tags=["units"], responses=_READ)
async def lookup_serial(
    body: SerialLookupRequest, session: DbSession, _: SerialChecker
) -> SerialLookupResult:
    """Is this serial a registered unit, well-formed for a model, or invalid (and why)?"""
    return await unit_service.lookup_serial(session, body.serial, body.model_code)


@router.post("/units", tags=["units"], status_code=status.HTTP_201_CREATED, responses=_WRITE)
async def create_unit(body: UnitCreate, session: DbSession, _: Writer) -> UnitRecord:
    """Register a unit; its serial must fit the model's serial pattern."""
    return UnitRecord.of(await unit_service.create_unit(session, body))


@router.get("/units/{serial}", tags=["units"], responses=_READ)
async def get_unit(serial: SerialPath, session: DbSession, _: UnitReader) -> UnitRecord:
    """A registered unit with its sale data and repair history (not for consumers)."""
    return UnitRecord.of(await unit_service.get_unit(session, serial))


@router.patch("/units/{serial}", tags=["units"], responses=_WRITE)
async def update_unit(
    serial: SerialPath, body: UnitUpdate, session: DbSession, _: Writer
) -> UnitRecord:
    return UnitRecord.of(await unit_service.update_unit(session, serial, body.changes()))


@router.post(
    "/units/{serial}/repairs",
    tags=["units"],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def add_repair(
    serial: SerialPath, body: RepairCreate, request: Request, session: DbSession, _: Writer
) -> RepairRecord:
    repair = await unit_service.add_repair(session, serial, body, _max_text_chars(request))
    return RepairRecord.of(repair)


@router.patch("/units/{serial}/repairs/{repair_id}", tags=["units"], responses=_WRITE)
async def update_repair(
    serial: SerialPath,
    repair_id: int,
    body: RepairUpdate,
    request: Request,
    session: DbSession,
    _: Writer,
) -> RepairRecord:
    repair = await unit_service.update_repair(
        session, serial, repair_id, body.changes(), _max_text_chars(request)
    )
    return RepairRecord.of(repair)
