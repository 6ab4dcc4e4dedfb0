"""Playing test stories against a processor and comparing every step with what happened."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from aftersales.cli import main
from bot.engine.model import PayloadParser, load_dialogue_model
from bot.engine.stories.api_gate import ApiGate
from bot.engine.stories.reader import ExpectedAction, ExpectedLoop, ExpectedSlots, load_stories
from bot.engine.stories.report import failure_report, summarise, summary_lines
from bot.engine.stories.runner import (
    ActualAction,
    ActualLoop,
    ActualSlot,
    ActualTurn,
    AssignedValues,
    Mode,
    StoryResult,
    StoryRunner,
    Verdict,
    compare_turn,
    values_match,
)
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    Bot,
    KeywordParser,
    ScriptedActions,
    start_bot,
    write_bot,
)

DOMAIN = PRODUCT_DOMAIN.replace("  - affirm\n", "  - affirm\n  - EXTERNAL_nudge\n", 1)
RULES = (
    PRODUCT_RULES
    + """\
- rule: a nudge from the backend
  steps:
  - intent: EXTERNAL_nudge
  - action: utter_welcome
"""
)

FORM_STORY = """\
stories:
- story: the product form
  steps:
  - user: |
      it is a [Gree]{"entity": "brand", "value": "gree"}
    intent: inform
  - slot_was_set:
    - brand: gree
  - action: product_form
  - active_loop: product_form
  - slot_was_set:
    - requested_slot: model
  - user: |
      joke
    intent: chitchat
  - action: utter_chitchat
  - action: product_form
  - active_loop: product_form
  - user: |
      X100
    intent: inform
  - slot_was_set:
    - model: X100
  - action: product_form
  - active_loop: null
  - slot_was_set:
    - requested_slot: null
  - action: utter_done
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    root = write_bot(tmp_path / "bot", DOMAIN, RULES)
    started = await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS))
    yield started
    await started.close()


async def play(
    bot: Bot, stories: str, mode: Mode = Mode.DIALOGUE, assigned: frozenset[str] = frozenset()
) -> list[StoryResult]:
    path = bot.model.data_dir / "tests" / "stories.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(stories), encoding="utf-8")
    runner = StoryRunner(bot.processor, mode, assigned)
    return [await runner.run(story) for story in load_stories([path], bot.model.domain)]


async def test_a_story_that_happens_as_written_passes(bot: Bot) -> None:
    [result] = await play(bot, FORM_STORY)
    assert result.passed, failure_report(result)
    assert [turn.ok for turn in result.turns] == [True, True, True]
    assert all(step.verdict is Verdict.MET for turn in result.turns for step in turn.steps)
    assert result.nlu == []


async def test_each_story_is_a_conversation_of_its_own(bot: Bot) -> None:
    first, second = await play(bot, FORM_STORY + FORM_STORY.replace("stories:\n", ""))
    assert first.passed and second.passed
    senders = await bot.store.conversation_ids()
    assert len(senders) == 2
    assert all(sender.startswith("web:story-") for sender in senders)


async def test_a_wrong_action_fails_the_turn_and_later_turns_are_not_played(bot: Bot) -> None:
    story = FORM_STORY.replace("  - action: utter_chitchat\n", "  - action: utter_greet\n")
    [result] = await play(bot, story)
    assert not result.passed
    failed = result.dialogue_failure
    assert failed is not None and failed.index == 2
    assert failed.problem == "expected utter_greet, predicted utter_chitchat"
    assert [step.verdict for step in failed.steps] == [
        Verdict.FAILED,
        Verdict.NOT_CHECKED,
        Verdict.NOT_CHECKED,
    ]
    assert len(result.turns) == 2


async def test_a_slot_with_another_value_fails_and_shows_the_value_it_got(bot: Bot) -> None:
    [result] = await play(bot, FORM_STORY.replace("    - model: X100\n", "    - model: X200\n"))
    failed = result.dialogue_failure
    assert failed is not None
    assert failed.problem == "slot model expected 'X200', set to 'X100'"


async def test_missing_and_unexpected_actions_are_failures(bot: Bot) -> None:
    waited = FORM_STORY.replace(
        "  - action: utter_done\n", "  - action: utter_done\n  - action: utter_welcome\n"
    )
    [result] = await play(bot, waited)
    failed = result.dialogue_failure
    assert failed is not None
    assert failed.problem == "expected utter_welcome, but the bot waited for the user"

    unexpected = FORM_STORY.replace("  - action: utter_done\n", "")
    [result] = await play(bot, unexpected)
    failed = result.dialogue_failure
    assert failed is not None
    assert failed.problem == "the bot ran utter_done where the story waits for the user"


async def test_a_loop_the_story_names_must_be_the_active_one(bot: Bot) -> None:
    story = FORM_STORY.replace(
        "  - action: product_form\n  - active_loop: product_form\n  - user: |\n      X100",
        "  - action: product_form\n  - active_loop: null\n  - user: |\n      X100",
    )
    [result] = await play(bot, story)
    failed = result.dialogue_failure
    assert failed is not None and failed.index == 2
    assert failed.problem == "active_loop null expected, no loop event"


async def test_set_up_slots_start_the_conversation(bot: Bot) -> None:
    [result] = await play(
        bot,
        """\
        stories:
        - story: greeting in Chinese
          steps:
          - slot_was_set:
            - language: zh
          - user: |
              hi
            intent: greet
          - action: utter_greet
        """,
    )
    assert result.passed, failure_report(result)
    [sender] = await bot.store.conversation_ids()
    tracker = await bot.processor.conversation(sender)
    assert tracker.get_slot("language") == "zh"
    assert tracker.latest_bot_utterance.text == "你好！"


async def test_payloads_and_external_events_are_played_as_the_front_end_and_backend_send_them(
    tmp_path: Path,
) -> None:
    root = write_bot(tmp_path / "bot", DOMAIN, RULES)
    bot = await start_bot(root, parser=PayloadParser(load_dialogue_model(root).domain))
    try:
        [result] = await play(
            bot,
            """\
            stories:
            - story: a nudge, then a button
              steps:
              - intent: EXTERNAL_nudge
              - action: utter_welcome
              - intent: inform
                entities:
                - brand: gree
              - slot_was_set:
                - brand: gree
              - action: product_form
              - active_loop: product_form
            """,
        )
        assert result.passed, failure_report(result)
        [sender] = await bot.store.conversation_ids()
        events = await bot.events(sender)
        texts = [event["text"] for event in events if event["event"] == "user"]
        assert texts == ["EXTERNAL: EXTERNAL_nudge", '/inform{"brand": "gree"}']
    finally:
        await bot.close()


OUTAGE_DOMAIN = DOMAIN + "actions:\n  - action_check_warranty\n"
OUTAGE_RULES = (
    RULES
    + """\
- rule: check the warranty
  steps:
  - intent: affirm
  - action: action_check_warranty
"""
)
OUTAGE_STORIES = """\
stories:
- story: the api is down for the first check only
  metadata:
    api_unavailable_during: [action_check_warranty]
  steps:
  - intent: affirm
  - action: action_check_warranty
  - slot_was_set:
    - brand: api down
  - intent: affirm
  - action: action_check_warranty
  - slot_was_set:
    - brand: api up
- story: the api is up for every check
  steps:
  - intent: affirm
  - action: action_check_warranty
  - slot_was_set:
    - brand: api up
"""


async def test_the_runs_a_story_marks_meet_an_unavailable_api_and_no_others(
    tmp_path: Path,
) -> None:
    gate = ApiGate("http://127.0.0.1:9")

    def check_warranty(body: dict[str, Any]) -> dict[str, Any]:
        state = "api down" if gate.is_unavailable_for(body["sender_id"]) else "api up"
        return {"events": [{"event": "slot", "name": "brand", "value": state}]}

    actions = ScriptedActions({"action_check_warranty": check_warranty})
    root = write_bot(tmp_path / "bot", OUTAGE_DOMAIN, OUTAGE_RULES)
    bot = await start_bot(
        root, parser=PayloadParser(load_dialogue_model(root).domain), client=actions
    )
    try:
        path = write_stories(root, OUTAGE_STORIES)
        stories = load_stories([path], bot.model.domain)
        runner = StoryRunner(bot.processor, Mode.DIALOGUE, api_switch=gate)
        results = await asyncio.gather(*map(runner.run, stories * 2))
        assert all(result.passed for result in results), [failure_report(r) for r in results]
        assert actions.called() == ["action_check_warranty"] * 6
        assert not gate.is_unavailable_for(actions.calls[0]["sender_id"])

        unswitched = StoryRunner(bot.processor, Mode.DIALOGUE)
        marked, plain = [await unswitched.run(story) for story in stories]
        assert marked.error == (
            "needs the api unavailable during action_check_warranty, which the run can do "
            "only with the servers it starts itself"
        )
        assert plain.passed
    finally:
        await bot.close()


GREETINGS = """\
stories:
- story: two greetings
  steps:
  - user: |
      hi
    intent: greet
  - action: utter_greet
  - user: |
      hello there
    intent: greet
  - action: utter_greet
"""


async def test_nlu_mode_reports_misunderstood_texts_and_still_checks_the_dialogue(
    bot: Bot,
) -> None:
    [result] = await play(bot, GREETINGS, Mode.NLU)
    assert result.dialogue_failure is None
    assert [check.ok for check in result.nlu] == [True, False]
    [misread] = result.nlu_failures
    assert (misread.turn, misread.intent, misread.user.intent) == (2, "nlu_fallback", "greet")
    assert not result.passed
    report = "\n".join(failure_report(result))
    assert "turn 2 (line 8) NLU: 'hello there'" in report
    assert "intent: expected greet, predicted nlu_fallback (0.20)" in report
    summary = summarise([result])
    assert (summary.texts, summary.intents_right, summary.nlu_only_failures) == (2, 1, 1)
    assert summary_lines(summary, nlu_checked=True) == [
        "NLU: 1 of 2 texts understood as annotated (50.0%); intent right for 1 (50.0%), "
        "entities right for 2",
        "1 story: 0 passed, 1 failed (1 NLU only)",
    ]


async def test_dialogue_mode_does_not_consult_the_nlu(bot: Bot) -> None:
    [result] = await play(bot, GREETINGS, Mode.DIALOGUE)
    assert result.passed, failure_report(result)
    assert result.nlu == []


async def test_nlu_mode_compares_only_entities_the_domain_declares(bot: Bot) -> None:
    class DateAwareParser:
        """Finds the brand, and a date entity the domain does not declare."""

        def __init__(self, brand: str) -> None:
            self.brand = brand

        def parse(self, text: str) -> dict[str, Any]:
            intent = {"name": "inform", "confidence": 0.9}
            entities = [
                {"entity": "brand", "value": self.brand, "start": 8, "end": 12},
                {"entity": "brand", "value": self.brand, "start": 8, "end": 12},
                {"entity": "time", "value": "2026-11-23", "start": 0, "end": 2},
            ]
            return {"text": text, "intent": intent, "entities": entities}

    story = """\
    stories:
    - story: a brand
      steps:
      - user: |
          it is a [Gree]{"entity": "brand", "value": "gree"}
        intent: inform
      - slot_was_set:
        - brand: gree
      - action: product_form
    """
    bot.processor.parser = DateAwareParser("gree")
    [result] = await play(bot, story, Mode.NLU)
    assert result.passed, failure_report(result)

    bot.processor.parser = DateAwareParser("midea")
    [result] = await play(bot, story, Mode.NLU)
    [misread] = result.nlu_failures
    assert misread.intent_ok and not misread.entities_ok
    report = "\n".join(failure_report(result))
    assert "entities missing: brand='gree'" in report
    assert "entities not annotated: brand='midea'" in report
    assert result.dialogue_failure is None, "the annotated brand drove the turn"


async def test_a_crash_fails_the_story_and_the_run_goes_on(bot: Bot) -> None:
    class Broken:
        def parse(self, text: str) -> dict[str, object]:
            raise RuntimeError("the parser broke")

    bot.processor.parser = Broken()
    stories = """\
    stories:
    - story: broken
      steps:
      - user: hi
        intent: greet
      - action: utter_greet
    - story: also broken
      steps:
      - user: hi
        intent: greet
    """
    first, second = await play(bot, stories, Mode.NLU)
    assert first.error == "RuntimeError: the parser broke"
    assert second.error == "RuntimeError: the parser broke"
    assert "  error: RuntimeError: the parser broke" in failure_report(first)
    summary = summarise([first, second])
    assert (summary.errors, summary.failed) == (2, 2)


def turn(
    *items: ActualAction | ActualSlot | ActualLoop, loop_before: str | None = None
) -> ActualTurn:
    return ActualTurn("inform", items, loop_before)


def test_assigned_values_name_what_the_run_got_consistently() -> None:
    actual = turn(ActualAction("action_submit"), ActualSlot("case_id", "57"))
    expected = [ExpectedAction("action_submit", None), ExpectedSlots((("case_id", "1"),), None)]
    assigned = AssignedValues(frozenset({"case_id"}))
    assert compare_turn(expected, actual, assigned)[1] is None
    assert compare_turn(expected, actual, assigned)[1] is None
    other = [ExpectedAction("action_submit", None), ExpectedSlots((("case_id", "2"),), None)]
    assert compare_turn(other, actual, assigned)[1] == "slot case_id expected '2', set to '57'"
    moved = turn(ActualAction("action_submit"), ActualSlot("case_id", "58"))
    assert compare_turn(expected, moved, assigned)[1] == "slot case_id expected '1', set to '58'"
    unassigned = AssignedValues(frozenset())
    assert compare_turn(expected, actual, unassigned)[1] == "slot case_id expected '1', set to '57'"


def test_set_up_values_of_assigned_slots_are_literal() -> None:
    assigned = AssignedValues(frozenset({"case_id"}))
    assigned.set_up("case_id", "61")
    assert not assigned.matches("case_id", "62", "61")
    assert assigned.matches("case_id", "61", "61")
    assert not assigned.matches("case_id", 61, "7"), "a name stands for a value of its type"
    assert not assigned.matches("case_id", None, "7")


def test_state_steps_hold_in_any_order_within_an_action_and_only_there() -> None:
    form_done = turn(
        ActualAction("product_form"),
        ActualSlot("requested_slot", None),
        ActualLoop(None),
        ActualAction("utter_done"),
        ActualAction("action_listen"),
        loop_before="product_form",
    )
    expected = [
        ExpectedAction("product_form", None),
        ExpectedLoop(None, None),
        ExpectedSlots((("requested_slot", None),), None),
        ExpectedAction("utter_done", None),
    ]
    nobody = AssignedValues(frozenset())
    assert compare_turn(expected, form_done, nobody)[1] is None
    misplaced = [*expected[:1], expected[3], expected[2]]
    assert compare_turn(misplaced, form_done, nobody)[1] == (
        "slot requested_slot expected null, not set"
    )


@pytest.mark.parametrize(
    ("actual", "expected", "matches"),
    [
        (5, 5.0, True),
        (5.5, 5, False),
        ("5", 5, False),
        (True, 1, False),
        (1, True, False),
        (False, False, True),
        (None, None, True),
        ("x", None, False),
        ([1, 2], [1, 2], True),
        ({"a": 1}, {"a": 1}, True),
    ],
)
def test_values_match_as_yaml_writes_them(actual: object, expected: object, matches: bool) -> None:
    assert values_match(actual, expected) is matches


def test_the_summary_counts_stories_and_texts() -> None:
    summary = summarise([])
    assert summary_lines(summary, nlu_checked=False) == ["0 stories: 0 passed, 0 failed"]


@pytest.fixture
def cli_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command sends its logs to stderr, the report to stdout; here without the
    process-wide set-up (its cached loggers would outlive the test)."""

    def to_stderr(*args: object, **kwargs: object) -> None:
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))

    monkeypatch.setattr("aftersales.logs.configure_logging", to_stderr)
    yield
    structlog.reset_defaults()


def write_stories(root: Path, stories: str) -> Path:
    path = root / "tests" / "stories.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(stories), encoding="utf-8")
    return path


@pytest.mark.usefixtures("cli_logging")
def test_the_command_prints_failed_stories_and_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_bot(tmp_path / "bot", DOMAIN, RULES)
    broken = FORM_STORY.replace("  - action: utter_chitchat\n", "  - action: utter_greet\n")
    path = write_stories(
        root,
        FORM_STORY
        + broken.replace("stories:\n", "").replace(
            "the product form", "the product form, misremembered"
        ),
    )
    arguments = ["test-stories", str(path), "--data-dir", str(root), "--dialogue-only"]
    # Nothing in this bot calls a custom action, so no action server needs to listen.
    arguments += ["--action-endpoint", "http://127.0.0.1:9/webhook"]
    assert main(arguments) == 1
    output = capsys.readouterr().out.splitlines()
    assert output[0].startswith("FAILED the product form, misremembered  (")
    assert "    dialogue: expected utter_greet, predicted utter_chitchat" in output
    assert output[-1] == "2 stories: 1 passed, 1 failed (1 dialogue)"

    path.write_text(textwrap.dedent(FORM_STORY), encoding="utf-8")
    assert main(arguments) == 0
    assert capsys.readouterr().out.splitlines() == ["1 story: 1 passed, 0 failed"]


@pytest.mark.usefixtures("cli_logging")
def test_the_command_refuses_bad_stories_and_contradictory_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_bot(tmp_path / "bot", DOMAIN, RULES)
    path = write_stories(root, "stories:\n- story: s\n  steps:\n  - intent: order_pizza\n")
    endpoint = ["--action-endpoint", "http://127.0.0.1:9/webhook"]
    assert main(["test-stories", str(path), "--data-dir", str(root), *endpoint]) == 2
    assert "unknown intent 'order_pizza'" in capsys.readouterr().err
    clock = ["--clock", "2026-11-23T10:00:00+08:00"]
    assert main(["test-stories", str(path), *endpoint, *clock]) == 2
    assert "--clock do not apply" in capsys.readouterr().err
