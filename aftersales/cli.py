"""The ``aftersales`` command: one entry point for every process and operator task.

Each subcommand is registered by a ``add_*`` function below and imports its service lazily,
so ``aftersales --help`` stays instant and a service's dependencies load only when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
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
    upgrade.add_argument("--revision", default="head", help="Target revision (default: head).")
    upgrade.add_argument("--database-url", help="Overrides AFTERSALES_API_DATABASE_URL.")
    upgrade.set_defaults(handler=_run_db_upgrade)


def _run_seed(args: argparse.Namespace) -> int:
    if args.export:
        if args.files or args.demo:
            print("seed --export writes a file; it takes no files and no --demo", file=sys.stderr)
            return 2
        from api.catalogue.export_command import run_export

        return run_export(Path(args.export))
    from api.seed_command import run_seed

    return asyncio.run(run_seed(demo=args.demo, files=[Path(name) for name in args.files]))


def add_seed(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "seed", help="Load demo data or operator data files (YAML) into the database."
    )
    parser.add_argument("files", nargs="*", help="YAML seed files to load (upserted).")
    parser.add_argument("--demo", action="store_true", help="Load the shipped demo data.")
    parser.add_argument(
        "--export", metavar="FILE", help="Write the catalogue sections to FILE (YAML) instead."
    )
    parser.set_defaults(handler=_run_seed)


def _run_engine(args: argparse.Namespace) -> int:
    from bot.engine.cli import check, serve

    if args.check:
        return check(args.data_dir)
    return serve(host=args.host, port=args.port, data_dir=args.data_dir)


def add_engine(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "engine", help="Serve the dialogue engine (Rasa-compatible HTTP API) on port 5005."
    )
    parser.add_argument("--host", help="Interface to listen on (default from settings).")
    parser.add_argument("--port", type=int, help="Port to listen on (default from settings).")
    parser.add_argument("--data-dir", type=Path, help="Rasa project data (default nlu_data).")
    parser.add_argument(
        "--check", action="store_true", help="Only load and validate the data, then exit."
    )
    parser.set_defaults(handler=_run_engine)


def _run_nlu_eval(args: argparse.Namespace) -> int:
    from bot.engine.nlu.evaluation import run_nlu_eval

    return run_nlu_eval(args.data_dir, folds=args.folds, min_f1=args.min_f1, seed=args.seed)


def add_nlu_eval(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "nlu-eval", help="Cross-validate intent classification on the NLU training data."
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path("nlu_data"), help="Rasa project data."
    )
    parser.add_argument("--folds", type=int, default=5, help="Stratified folds (default 5).")
    parser.add_argument(
        "--min-f1",
        type=float,
        default=0.95,
        help="Exit non-zero when any language's macro-F1 is below this (default 0.95).",
    )
    parser.add_argument("--seed", type=int, default=0, help="Shuffle seed of the folds.")
    parser.set_defaults(handler=_run_nlu_eval)


def _run_actions(args: argparse.Namespace) -> int:
    from actions.server import serve
    from actions.settings import ActionsSettings
    from aftersales.logs import configure_logging

    configure_logging("actions")
    settings = ActionsSettings()
    serve(settings, host=args.host or settings.host, port=args.port or settings.port)
    return 0


def add_actions(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "actions", help="Serve the custom actions (rasa-sdk action server) on port 5055."
    )
    parser.add_argument("--host", help="Interface to listen on (default from settings).")
    parser.add_argument("--port", type=int, help="Port to listen on (default from settings).")
    parser.set_defaults(handler=_run_actions)


def _run_test_stories(args: argparse.Namespace) -> int:
    from bot.engine.story_test import run

    return run(args)


def add_test_stories(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "test-stories",
        help="Run the Rasa test stories live: engine, real action server and api.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("nlu_data/tests")],
        help="Test story files or directories (default nlu_data/tests).",
    )
    parser.add_argument("--data-dir", type=Path, default=Path("nlu_data"), help="Rasa project.")
    parser.add_argument(
        "--dialogue-only",
        action="store_true",
        help="Send the stories' annotated intents and entities instead of parsing the texts.",
    )
    parser.add_argument("--api-url", help="Use this running api instead of starting one.")
    parser.add_argument("--action-endpoint", help="Use this running action server's webhook URL.")
    parser.add_argument(
        "--clock",
        type=datetime.fromisoformat,
        help="Move the started servers' clocks to this ISO moment (2026-11-23T10:00+08:00).",
    )
    parser.add_argument(
        "--assigned-slots",
        type=lambda names: [name.strip() for name in names.split(",") if name.strip()],
        default=["case_id", "visit_id"],
        help="Slots whose values the api assigns (default case_id,visit_id): a story's value "
        "names the one the run got, consistently within the story.",
    )
    parser.add_argument(
        "--cache-dir", type=Path, help="Trained model cache (default from engine settings)."
    )
    parser.set_defaults(handler=_run_test_stories)


def _run_bot(args: argparse.Namespace) -> int:
    from aftersales.runtime import InsecureDefaultsError
    from bot.http_app import telegram_configured
    from bot.telegram.settings import BotConfigurationError, BotSettings
    from bot.webchat.settings import ensure_web_chat_usable

    settings = BotSettings(**({"mode": args.mode} if args.mode else {}))
    try:
        ensure_web_chat_usable(settings)
        if telegram_configured(settings):
            settings.ensure_usable()
        else:
            print(
                "aftersales bot: no TELEGRAM_BOT_TOKEN set; serving the web chat only",
                file=sys.stderr,
            )
    except (BotConfigurationError, InsecureDefaultsError) as error:
        print(f"aftersales bot: {error}", file=sys.stderr)
        return 2

    import uvicorn

    from aftersales.logs import configure_logging
    from bot.http_app import create_app

    configure_logging("bot")
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,
        access_log=False,
        # Open web chat event streams would otherwise hold the shutdown forever.
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 1,
    )
    return 0


def add_bot(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "bot",
        help="Serve the web chat and the bot's HTTP port (8080), and the Telegram front end "
        "when a token is set.",
    )
    parser.add_argument("--host", help="Interface to listen on (default from settings).")
    parser.add_argument("--port", type=int, help="Port to listen on (default from settings).")
    parser.add_argument(
        "--mode",
        choices=["polling", "webhook"],
        help="How updates arrive from Telegram (default from settings: polling).",
    )
    parser.set_defaults(handler=_run_bot)


def _run_up(_args: argparse.Namespace) -> int:
    from aftersales.up import up

    return up()


def add_up(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "up",
        help="Start api, action server, engine and bot (web chat; Telegram too when "
        "TELEGRAM_BOT_TOKEN is set) together; Ctrl-C stops them all.",
    )
    parser.set_defaults(handler=_run_up)


def _run_purge(_args: argparse.Namespace) -> int:
    import asyncio

    from aftersales.logs import configure_logging
    from api.db import create_engine, create_session_factory
    from api.retention.settings import RetentionSettings
    from api.retention.timer import run_retention_pass
    from api.settings import ApiSettings

    configure_logging("purge")
    api, retention = ApiSettings(), RetentionSettings()
    if retention.days == 0:
        print("AFTERSALES_API_RETENTION_DAYS is 0: everything is kept")
        return 0

    async def purge() -> int:
        engine = create_engine(api.database_url)
        try:
            return await run_retention_pass(
                create_session_factory(engine), api.attachments_dir, retention
            )
        finally:
            await engine.dispose()

    purged = asyncio.run(purge())
    print(f"{purged} consumers silent for {retention.days} days anonymised")
    return 0


def add_purge(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "purge",
        help="Anonymise now the consumers silent for AFTERSALES_API_RETENTION_DAYS whose cases "
        "all ended (the api also does it daily).",
    )
    parser.set_defaults(handler=_run_purge)


def _run_doctor(_args: argparse.Namespace) -> int:
    from aftersales.doctor import run

    return run()


def add_doctor(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "doctor",
        help="Check the configuration, secrets, database, Redis, the services each process "
        "calls and the Telegram token; say what is wrong and how to fix it.",
    )
    parser.set_defaults(handler=_run_doctor)


COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_up,
    add_api,
    add_db,
    add_seed,
    add_engine,
    add_nlu_eval,
    add_actions,
    add_test_stories,
    add_bot,
    add_doctor,
    add_purge,
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
