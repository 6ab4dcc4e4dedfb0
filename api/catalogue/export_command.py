"""``aftersales seed --export FILE``: write the catalogue sections of the database to YAML."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from api.catalogue.seed import dump_sections, export_catalogue
from api.db import create_engine, create_session_factory
from api.migrate import DatabaseNotMigratedError, ensure_migrated
from api.settings import ApiSettings


async def read_catalogue(settings: ApiSettings) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(settings.database_url)
    try:
        await ensure_migrated(engine)
        async with create_session_factory(engine)() as session:
            return await export_catalogue(session)
    finally:
        await engine.dispose()


def run_export(path: Path, settings: ApiSettings | None = None) -> int:
    try:
        sections = asyncio.run(read_catalogue(settings or ApiSettings()))
    except DatabaseNotMigratedError as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 1
    try:
        path.write_text(dump_sections(sections), encoding="utf-8")
    except OSError as error:
        print(f"export failed: cannot write {path}: {error}", file=sys.stderr)
        return 1
    for section, items in sections.items():
        print(f"{section}: {len(items)}")
    return 0
