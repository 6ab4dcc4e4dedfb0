"""The ``aftersales`` command: one entry point for every process and operator task.

Each subcommand is registered by a ``add_*`` function below and imports its service lazily,
so ``aftersales --help`` stays instant and a service's dependencies load only when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


def _run_api(args: argparse.Namespace) -> int:
    import uvicorn

    from aftersales.logs import configure_logging
    from api.app import create_app
    from api.settings import ApiSettings

    configure_logging("api")
    overrides = {}
    if args.demo_data:
        overrides["load_demo_data"] = True
    settings = ApiSettings(**overrides)
    if args.migrate:
        from api.migrate import upgrade

        upgrade(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def add_api(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("api", help="Serve the api (FastAPI) on port 8000.")
    parser.add_argument("--host", help="Interface to listen on (default from settings).")
    parser.add_argument("--port", type=int, help="Port to listen on (default from settings).")
    parser.add_argument(
        "--migrate", action="store_true", help="Apply pending migrations before serving."
    )
    parser.add_argument(
        "--demo-data", action="store_true", help="Load the demo data when the database is empty."
    )
    parser.set_defaults(handler=_run_api)


def _run_db_upgrade(args: argparse.Namespace) -> int:
    from api.migrate import upgrade
    from api.settings import ApiSettings

    url = args.database_url or ApiSettings().database_url
    upgrade(url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def add_db(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("db", help="Database schema migrations.")
    actions = parser.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="Apply every pending migration.")
    upgrade.add_argument("--revision", default="heads", help="Target revision (default: heads).")
    upgrade.add_argument("--database-url", help="Overrides AFTERSALES_API_DATABASE_URL.")
    upgrade.set_defaults(handler=_run_db_upgrade)


def _run_seed(args: argparse.Namespace) -> int:
    from api.seed_command import run_seed

    return asyncio.run(run_seed(demo=args.demo, files=[Path(name) for name in args.files]))


def add_seed(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "seed", help="Load demo data or operator data files (YAML) into the database."
    )
    parser.add_argument("files", nargs="*", help="YAML seed files to load (upserted).")
    parser.add_argument("--demo", action="store_true", help="Load the shipped demo data.")
    parser.set_defaults(handler=_run_seed)


COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_api,
    add_db,
    add_seed,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aftersales", description="Aftersales Assistant: services and operator tasks."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
