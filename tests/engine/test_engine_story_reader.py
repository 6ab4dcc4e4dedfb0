"""Reading test stories: user texts with annotated entities, payloads, external events,
set-up slots, and the refusals, each with its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.engine.model import load_dialogue_model
from bot.engine.stories.reader import (
    ANY_VALUE,
    ExpectedAction,
    ExpectedLoop,
    ExpectedSlots,
    Story,
    load_stories,
    story_paths,
)
from bot.engine.yaml_source import DataError
from tests.engine.dialogue_bots import PRODUCT_DOMAIN, PRODUCT_RULES, write_bot

DOMAIN = (
    PRODUCT_DOMAIN.replace("  - affirm\n", "  - affirm\n  - EXTERNAL_nudge\n", 1)
    + "actions:\n  - action_check_warranty\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_bot(tmp_path / "bot", DOMAIN, PRODUCT_RULES)


def read(project: Path, stories: str, name: str = "stories.yml") -> list[Story]:
    path = project / "tests" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(stories), encoding="utf-8")
    return load_stories([path], load_dialogue_model(project).domain)


def test_a_story_is_split_into_set_up_and_turns(project: Path) -> None:
    [story] = read(
        project,
        """\
        version: "3.1"
        stories:
        - story: brand then model
          steps:
          - slot_was_set:
            - language: en
          - user: |
              it is a [Gree]{"entity": "brand", "value": "gree"} one
            intent: inform
          - slot_was_set:
            - brand: gree
          - action: product_form
          - active_loop: product_form
          - slot_was_set:
            - requested_slot: model
          - user: |
              X100
            intent: inform
          - slot_was_set:
            - model
        """,
    )
    assert story.name == "brand then model"
    assert story.location is not None and story.location.line == 3
    assert story.setup == (ExpectedSlots((("language", "en"),), story.setup[0].location),)
    first, second = story.turns
    assert first.user.text == "it is a Gree one"
    assert first.user.intent == "inform"
    assert first.user.entities == ({"entity": "brand", "start": 8, "end": 12, "value": "gree"},)
    assert first.user.message_text() == "it is a Gree one"
    assert [type(step) for step in first.expected] == [
        ExpectedSlots,
        ExpectedAction,
        ExpectedLoop,
        ExpectedSlots,
    ]
    assert second.user.text == "X100"
    assert second.expected[0] == ExpectedSlots((("model", ANY_VALUE),), second.expected[0].location)


def test_an_intent_alone_is_a_button_payload_or_an_external_event(project: Path) -> None:
    [story] = read(
        project,
        """\
        stories:
        - story: payloads
          steps:
          - intent: inform
            entities:
            - brand: 格力
            - language: zh
          - action: product_form
          - intent: EXTERNAL_nudge
          - intent: greet
        """,
    )
    button, external, greeting = (turn.user for turn in story.turns)
    assert button.text is None
    assert button.message_text() == '/inform{"brand": "格力", "language": "zh"}'
    assert not button.is_external
    assert external.is_external
    assert external.message_text() == "/EXTERNAL_nudge"
    assert greeting.message_text() == "/greet"
    assert not greeting.is_external


WARRANTY_STORY = """\
stories:
- story: the api is down for the first check
  metadata:
    api_unavailable_during: [action_check_warranty]
  steps:
  - intent: greet
  - action: action_check_warranty
  - intent: affirm
  - action: action_check_warranty
"""


def test_story_metadata_marks_the_action_runs_that_meet_an_unavailable_api(
    project: Path,
) -> None:
    [once] = read(project, WARRANTY_STORY)
    assert once.api_unavailable_during == ("action_check_warranty",)
    [twice] = read(
        project,
        WARRANTY_STORY.replace(
            "[action_check_warranty]", "[action_check_warranty, action_check_warranty]"
        ),
    )
    assert twice.api_unavailable_during == ("action_check_warranty", "action_check_warranty")
    mark = "\n    api_unavailable_during: [action_check_warranty]"
    [empty] = read(project, WARRANTY_STORY.replace(mark, " {}"))
    assert empty.api_unavailable_during == ()
    [without] = read(project, WARRANTY_STORY.replace(f"  metadata:{mark}\n", ""))
    assert without.api_unavailable_during == ()


@pytest.mark.parametrize(
    ("marks", "problem"),
    [
        ("[action_order_pizza]", "unknown action 'action_order_pizza'"),
        ("[utter_greet]", "'utter_greet' runs in the engine: only a custom action calls the api"),
        ("[product_form]", "'product_form' runs in the engine"),
        ("action_check_warranty", "must be a non-empty list of action names"),
        ("[]", "must be a non-empty list of action names"),
        ("[[action_check_warranty]]", "action must be a name"),
        (
            "[action_check_warranty, action_check_warranty, action_check_warranty]",
            "'action_check_warranty' is marked for 3 run\\(s\\), the story runs it 2 time",
        ),
    ],
)
def test_bad_outage_marks_are_refused_with_their_line(
    project: Path, marks: str, problem: str
) -> None:
    content = WARRANTY_STORY.replace("[action_check_warranty]", marks, 1)
    with pytest.raises(DataError, match=problem) as raised:
        read(project, content)
    assert "api_unavailable_during" in str(raised.value)
    assert raised.value.location is not None
    assert raised.value.location.line == 4


@pytest.mark.parametrize(
    ("step", "problem", "line"),
    [
        ("- bot: Hello!", "end-to-end bot texts are not supported", 5),
        ("- or:\n    - intent: greet", "'or' steps are not supported", 5),
        ("- checkpoint: start", "checkpoints are not supported", 5),
        ("- user: hello", "a user text needs its intent", 5),
        ("- intent: order_pizza", "unknown intent 'order_pizza'", 5),
        ("- action: utter_nothing", "unknown action 'utter_nothing'", 5),
        ("- active_loop: pizza_form", "unknown form 'pizza_form'", 5),
        ("- slot_was_set:\n    - colour: red", "unknown slot", 6),
        ("- slot_was_set:\n    - colour", "unknown slot", 5),
        ("- slot_was_set:\n    - language: fr", "'fr' is not one of the slot's values", 6),
        ("- user: '[X](colour)'\n  intent: inform", "unknown entity 'colour'", 5),
        ("- user: '[X](brand:gree)'\n  intent: inform", "Rasa 1 synonym form", 5),
        (
            "- user: gree\n  intent: inform\n  entities:\n  - brand: gree",
            "annotate the entities in the user text",
            5,
        ),
        ("- wait: 5", "unsupported step 'wait'", 5),
        ("- metadata: {owner: me}", "step metadata is not supported; a story's own", 5),
    ],
)
def test_unsupported_or_unknown_steps_are_refused_with_their_line(
    project: Path, step: str, problem: str, line: int
) -> None:
    indented = textwrap.indent(step, "  ")
    content = f"stories:\n- story: s\n  steps:\n  - intent: greet\n{indented}\n"
    with pytest.raises(DataError, match=problem) as raised:
        read(project, content)
    assert raised.value.location is not None
    assert raised.value.location.path.name == "stories.yml"
    assert raised.value.location.line == line


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("rules: []\n", "unsupported keys \\['rules'\\]"),
        ("stories: {}\n", "must be a list of stories"),
        ("stories:\n- steps: []\n", "each story needs a name"),
        ("stories:\n- story: s\n  steps: []\n", "needs a non-empty list of steps"),
        (
            "stories:\n- story: s\n  metadata: {owner: me}\n  steps:\n  - intent: greet\n",
            "unsupported keys \\['owner'\\]; supported: api_unavailable_during",
        ),
        ("stories:\n- story: s\n  metadata: [x]\n  steps:\n  - intent: greet\n", "a mapping"),
        ("stories:\n- story: s\n  steps:\n  - action: utter_greet\n", "an action before the first"),
        ("stories:\n- story: s\n  steps:\n  - slot_was_set:\n    - brand: x\n", "has no user step"),
        (
            "stories:\n- story: s\n  steps:\n  - slot_was_set:\n    - brand\n  - intent: greet\n",
            "a set-up slot needs a value",
        ),
    ],
)
def test_malformed_files_and_stories_are_refused(project: Path, content: str, problem: str) -> None:
    with pytest.raises(DataError, match=problem):
        read(project, content)


def test_story_paths_search_directories_and_refuse_missing_ones(tmp_path: Path) -> None:
    (tmp_path / "a" / "deeper").mkdir(parents=True)
    for name in ("a/two.yml", "a/deeper/three.yaml", "one.yml", "a/notes.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    found = story_paths([tmp_path / "a", tmp_path / "one.yml"])
    assert [path.relative_to(tmp_path).as_posix() for path in found] == [
        "a/deeper/three.yaml",
        "a/two.yml",
        "one.yml",
    ]
    with pytest.raises(DataError, match="does not exist"):
        story_paths([tmp_path / "missing"])
