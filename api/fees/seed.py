"""Seed section ``fee_schedules`` (order 21): fee schedule versions to store.

Each item is either ``{file: default}`` (the shipped default schedule) or an inline schedule
document (``version``, ``currency``, ``categories``, ``brand_overrides``, as in the shipped
file). Items are stored in file order and each new version becomes the active one; a version
already stored with the same document changes nothing, with another document it is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.fees.schedule_model import ScheduleFileError
from api.fees.schedule_store import ScheduleVersionConflict, shipped_document, store_schedule
from api.seeding import SeedError, register_section

SECTION = "fee_schedules"
SECTION_ORDER = 21
SHIPPED_FILES = {"default": shipped_document}


def _document(item: dict[str, Any], where: str) -> dict[str, Any]:
    if "file" not in item:
        return item
    if set(item) != {"file"}:
        raise SeedError(f"{where}: an item with `file` must have no other keys")
    load = SHIPPED_FILES.get(item["file"])
    if load is None:
        known = ", ".join(sorted(SHIPPED_FILES))
        raise SeedError(f"{where}: unknown schedule file {item['file']!r}; shipped: {known}")
    return load()


async def load_schedules(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    """Store every item's schedule; returns how many versions were new."""
    created = 0
    for index, item in enumerate(items):
        where = f"{SECTION}[{index}]"
        try:
            outcome = await store_schedule(session, _document(item, where), source=where)
        except (ScheduleFileError, ScheduleVersionConflict) as error:
            raise SeedError(str(error)) from error
        created += outcome.created
    return created


register_section(SECTION, SECTION_ORDER, load_schedules)
