"""``aftersales seed``: load demo or operator data files into a migrated database."""

from __future__ import annotations

import sys
from pathlib import Path

from api.db import create_engine, create_session_factory
from api.migrate import DatabaseNotMigratedError, ensure_migrated
from api.seeding import SeedError, demo_data_files, load_seed_files
from api.settings import ApiSettings


async def run_seed(*, demo: bool, files: list[Path], settings: ApiSettings | None = None) -> int:
    settings = settings or ApiSettings()
    paths = (demo_data_files() if demo else []) + files
    if not paths:
        print("nothing to load: name seed files or pass --demo", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        await ensure_migrated(engine)
        async with create_session_factory(engine)() as session:
            counts = await load_seed_files(session, paths)
            await session.commit()
    except (SeedError, DatabaseNotMigratedError) as error:
        print(f"seed failed: {error}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    for section, count in counts.items():
        print(f"{section}: {count}")
    return 0
