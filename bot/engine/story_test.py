"""``aftersales test-stories``: run the test stories against the engine, live.

The engine runs in this process with the project's data; the actions run in the real
rasa-sdk action server against the real api. Both are started here (the api on a fresh
SQLite database with the demo data) unless running ones are named; the action server started
here reaches the api through a gate that makes the runs a story marks with
``api_unavailable_during`` meet an unavailable api. Every story is played as a new
conversation and checked step by step (see :mod:`bot.engine.stories.runner`); failed stories
are printed with their expected and actual steps, then ``N passed, M failed``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bot.engine.model import PayloadParser, load_dialogue_model, load_nlu_parser
from bot.engine.processor import MessageParser
from bot.engine.server import EngineServices
from bot.engine.settings import EngineSettings
from bot.engine.stories.backends import BackendError, started_backends
from bot.engine.stories.outages import ApiSwitch
from bot.engine.stories.reader import Story, load_stories, story_paths
from bot.engine.stories.report import Summary, failure_report, summarise, summary_lines
from bot.engine.stories.runner import Mode, StoryResult, StoryRunner
from bot.engine.yaml_source import DataError


@dataclass(frozen=True, slots=True)
class SuiteResult:
    mode: Mode
    results: list[StoryResult]

    @property
    def summary(self) -> Summary:
        return summarise(self.results)

    def report(self, root: Path | None = None) -> list[str]:
        lines = []
        for result in self.results:
            if not result.passed:
                lines.extend(failure_report(result, root))
                lines.append("")
        lines.extend(summary_lines(self.summary, nlu_checked=self.mode is Mode.NLU))
        return lines


async def run_story_suite(
    paths: Sequence[Path],
    *,
    data_dir: Path,
    action_endpoint: str,
    mode: Mode,
    assigned_slots: frozenset[str] = frozenset(),
    cache_dir: Path | None = None,
    concurrency: int = 8,
    api_switch: ApiSwitch | None = None,
) -> SuiteResult:
    """Load the engine for ``data_dir`` and play every story of ``paths``, ``concurrency``
    at a time; ``api_switch`` is the gate in front of the api the action server calls, which
    the stories that mark an outage need."""
    settings = EngineSettings(
        data_dir=data_dir,
        action_endpoint=action_endpoint,
        tracker_store_url="sqlite+aiosqlite:///:memory:",
        **({"cache_dir": cache_dir} if cache_dir is not None else {}),
    )
    model = load_dialogue_model(data_dir, settings.cache_dir)
    stories: list[Story] = load_stories(story_paths(paths), model.domain)
    parser: MessageParser = (
        PayloadParser(model.domain)
        if mode is Mode.DIALOGUE
        else load_nlu_parser(data_dir, model.domain, settings.cache_dir)
    )
    services = await EngineServices.start(settings, parser, model=model)
    try:
        runner = StoryRunner(services.processor, mode, assigned_slots, api_switch)
        slots = asyncio.Semaphore(concurrency)

        async def run_one(story: Story) -> StoryResult:
            async with slots:
                return await runner.run(story)

        return SuiteResult(mode, list(await asyncio.gather(*map(run_one, stories))))
    finally:
        await services.close()


def run(args: argparse.Namespace) -> int:
    from aftersales.logs import configure_logging

    configure_logging("test-stories", level="WARNING")
    mode = Mode.DIALOGUE if args.dialogue_only else Mode.NLU
    if args.action_endpoint and (args.api_url or args.clock):
        print(
            "--action-endpoint uses running servers: --api-url and --clock do not apply",
            file=sys.stderr,
        )
        return 2
    try:
        with ExitStack() as stack:
            endpoint = args.action_endpoint
            api_switch: ApiSwitch | None = None
            if endpoint is None:
                backends = stack.enter_context(
                    started_backends(api_url=args.api_url, clock=args.clock)
                )
                endpoint, api_switch = backends.action_endpoint, backends.api_gate
            suite = asyncio.run(
                run_story_suite(
                    args.paths,
                    data_dir=args.data_dir,
                    action_endpoint=endpoint,
                    mode=mode,
                    assigned_slots=frozenset(args.assigned_slots),
                    cache_dir=args.cache_dir,
                    api_switch=api_switch,
                )
            )
    except (DataError, BackendError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(suite.report(Path.cwd())))
    return 0 if suite.summary.failed == 0 else 1
