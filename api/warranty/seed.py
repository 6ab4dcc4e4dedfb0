"""Seed section ``warranty_policies`` (order 20): policy versions to store.

Each item is either ``{file: default}`` (the shipped default policy) or an inline policy
document (``version``, ``defaults``, ``categories``, ``brand_overrides``, as in the shipped
file). Items are stored in file order and each new version becomes the active one; an item
whose version is already stored with the same document changes nothing, and one stored with
another document is refused (versions are immutable: give the change a new version).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.seeding import SeedError, register_section
from api.warranty.policy_model import PolicyFileError
from api.warranty.policy_store import PolicyVersionConflict, shipped_document, store_policy

SECTION = "warranty_policies"
SECTION_ORDER = 20
SHIPPED_FILES = {"default": shipped_document}


def _document(item: dict[str, Any], where: str) -> dict[str, Any]:
    if "file" not in item:
        return item
    if set(item) != {"file"}:
        raise SeedError(f"{where}: an item with `file` must have no other keys")
    load = SHIPPED_FILES.get(item["file"])
    if load is None:
        known = ", ".join(sorted(SHIPPED_FILES))
        raise SeedError(f"{where}: unknown policy file {item['file']!r}; shipped: {known}")
    return load()


async def load_policies(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    """Store every item's policy; returns how many versions were new."""
    created = 0
    for index, item in enumerate(items):
        where = f"{SECTION}[{index}]"
        try:
            outcome = await store_policy(session, _document(item, where), source=where)
        except (PolicyFileError, PolicyVersionConflict) as error:
            raise SeedError(str(error)) from error
        created += outcome.created
    return created


register_section(SECTION, SECTION_ORDER, load_policies)
