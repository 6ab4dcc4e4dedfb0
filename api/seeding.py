"""Loading operator and demo data from YAML files, one registered loader per section.

A seed file is a YAML mapping whose top-level keys name sections (``categories``, ``models``,
``units``, ...). Each domain registers a loader for its sections; loaders upsert by natural
key, so loading the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

SectionLoader = Callable[[AsyncSession, list[dict[str, Any]]], Awaitable[int]]
DEMO_DATA_DIR = Path(__file__).parent / "demo_data"
# libyaml's safe loader parses seed files an order of magnitude faster when it is available.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class SeedSection:
    name: str
    order: int
    load: SectionLoader


_SECTIONS: dict[str, SeedSection] = {}


class SeedError(ValueError):
    """A seed file that cannot be loaded, with the file and section named."""


def register_section(name: str, order: int, load: SectionLoader) -> None:
    _SECTIONS[name] = SeedSection(name, order, load)


def _registered_sections() -> dict[str, SeedSection]:
    import api.seed_sections  # noqa: F401  (registers every domain's sections on import)

    return _SECTIONS


def known_sections() -> list[str]:
    ordered = sorted(_registered_sections().values(), key=lambda s: s.order)
    return [section.name for section in ordered]


def read_seed_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise SeedError(f"{path}: cannot be read: {error}") from error
    if not isinstance(document, dict):
        raise SeedError(f"{path}: expected a mapping of sections, got {type(document).__name__}")
    unknown = sorted(set(document) - set(_registered_sections()))
    if unknown:
        raise SeedError(
            f"{path}: unknown sections {', '.join(unknown)}; known: {', '.join(known_sections())}"
        )
    for name, items in document.items():
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise SeedError(f"{path}: section {name} must be a list of mappings")
    return document


async def load_seed_files(session: AsyncSession, paths: list[Path]) -> dict[str, int]:
    """Load every section of every file in dependency order; returns rows touched per section."""
    documents = [read_seed_file(path) for path in paths]
    counts: dict[str, int] = {}
    for section in sorted(_registered_sections().values(), key=lambda s: s.order):
        for document in documents:
            items = document.get(section.name)
            if items:
                counts[section.name] = counts.get(section.name, 0) + await section.load(
                    session, items
                )
    return counts


def demo_data_files() -> list[Path]:
    return sorted(DEMO_DATA_DIR.glob("*.yaml"))
