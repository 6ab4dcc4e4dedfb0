"""Domain loading: Rasa 3's domain format, merged and validated, refusals located."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.engine.constants import DEFAULT_ACTION_NAMES
from bot.engine.domain_loader import domain_paths, load_domain
from bot.engine.slots import SlotType
from bot.engine.yaml_source import DataError

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - inform:
      use_entities: [brand]
  - chitchat:
      ignore_entities: [city]
entities:
  - brand
  - city:
      roles: [from, to]
      groups: [home]
  - order_note:
      influence_conversation: false
slots:
  brand:
    type: text
    mappings:
      - type: from_entity
        entity: brand
  departure:
    type: text
    mappings:
      - type: from_entity
        entity: city
        role: from
  mood:
    type: categorical
    values: [Happy, sad]
    mappings:
      - type: from_intent
        intent: greet
        value: happy
  urgent:
    type: bool
    initial_value: false
    mappings:
      - type: custom
  rating:
    type: float
    min_value: 1
    max_value: 5
    mappings: []
  tags:
    type: list
    mappings:
      - type: from_text
        not_intent: chitchat
  payload:
    type: any
    mappings: []
forms:
  trip_form:
    required_slots: [departure, brand]
    ignored_intents: chitchat
responses:
  utter_greet:
    - text: "Hello {brand}!"
    - condition:
        - type: slot
          name: mood
          value: sad
      text: "Cheer up."
  utter_menu:
    - text: "Choose"
      buttons:
        - title: "Gree"
          payload: '/inform{"brand": "gree"}'
        - title: "Other"
          payload: "something else"
  utter_ask_departure:
    - text: "From where?"
actions:
  - action_check
  - validate_trip_form
session_config:
  session_expiration_time: 30
  carry_over_slots_to_new_session: false
"""


def _domain(tmp_path: Path, text: str = DOMAIN) -> Path:
    (tmp_path / "domain.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _load(tmp_path: Path, text: str = DOMAIN):
    return load_domain(domain_paths(_domain(tmp_path, text)))


def _refusal(tmp_path: Path, text: str) -> DataError:
    with pytest.raises(DataError) as caught:
        _load(tmp_path, text)
    return caught.value


def test_intents_include_rasa_defaults_and_used_entities(tmp_path: Path) -> None:
    """Rasa adds its default intents and derives ``used_entities`` from use/ignore lists,
    including ``entity#role`` labels; entities with influence_conversation false are out."""
    domain = _load(tmp_path)
    assert {"restart", "back", "out_of_scope", "session_start", "nlu_fallback"} <= set(
        domain.intents
    )
    assert domain.intents["inform"].used_entities == {"brand"}
    assert domain.intents["chitchat"].used_entities == {"brand"}
    assert domain.intents["greet"].used_entities == {
        "brand",
        "city",
        "city#from",
        "city#to",
        "city#home",
    }


def test_slots_keep_types_defaults_and_engine_slots(tmp_path: Path) -> None:
    domain = _load(tmp_path)
    assert [slot.type for slot in domain.user_slots] == [
        SlotType.TEXT,
        SlotType.TEXT,
        SlotType.CATEGORICAL,
        SlotType.BOOL,
        SlotType.FLOAT,
        SlotType.LIST,
        SlotType.ANY,
    ]
    assert domain.slots["mood"].values == ("happy", "sad", "__other__")
    assert domain.slots["urgent"].initial_value is False
    assert list(domain.slots)[-2:] == ["requested_slot", "session_started_metadata"]
    assert not domain.slots["requested_slot"].influence_conversation
    assert domain.session_config.expiration_minutes == 30
    assert not domain.session_config.carry_over_slots


def test_actions_are_ordered_like_rasa(tmp_path: Path) -> None:
    """Defaults first, then custom actions, then response actions (sorted), then forms."""
    domain = _load(tmp_path)
    assert domain.action_names[: len(DEFAULT_ACTION_NAMES)] == DEFAULT_ACTION_NAMES
    assert domain.action_names[len(DEFAULT_ACTION_NAMES) :] == (
        "action_check",
        "validate_trip_form",
        "utter_ask_departure",
        "utter_greet",
        "utter_menu",
        "trip_form",
    )


def test_as_dict_is_the_raw_domain_as_rasa_serialises_it(tmp_path: Path) -> None:
    """``Domain.as_dict`` (sent to the action server) is the YAML data with intents sorted,
    empty sections dropped and version/session_config defaulted."""
    minimal = """\
    intents: [b_intent, a_intent]
    entities: []
    slots:
      ticket:
        type: text
        influence_conversation: false
        mappings:
          - type: custom
    responses:
      utter_x:
        - text: x
    """
    serialised = _load(tmp_path, minimal).as_dict()
    assert serialised == {
        "intents": ["a_intent", "b_intent"],
        "slots": {
            "ticket": {
                "type": "text",
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            }
        },
        "responses": {"utter_x": [{"text": "x"}]},
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
        "version": "3.1",
    }


def test_domain_directory_files_merge(tmp_path: Path) -> None:
    directory = tmp_path / "domain"
    directory.mkdir()
    (directory / "a.yml").write_text(
        "intents: [greet]\nresponses:\n  utter_greet:\n    - text: hi\n", encoding="utf-8"
    )
    (directory / "b.yml").write_text(
        "intents: [greet, bye]\nresponses:\n  utter_bye:\n    - text: bye\n", encoding="utf-8"
    )
    domain = load_domain(domain_paths(tmp_path))
    assert {"greet", "bye"} <= set(domain.intents)
    assert set(domain.responses) == {"utter_greet", "utter_bye"}


def test_conflicting_definitions_across_files_are_refused(tmp_path: Path) -> None:
    directory = tmp_path / "domain"
    directory.mkdir()
    (directory / "a.yml").write_text("responses:\n  utter_x:\n    - text: one\n", encoding="utf-8")
    (directory / "b.yml").write_text("responses:\n  utter_x:\n    - text: two\n", encoding="utf-8")
    with pytest.raises(DataError, match="defined differently"):
        load_domain(domain_paths(tmp_path))


def test_domain_file_and_directory_together_are_refused(tmp_path: Path) -> None:
    _domain(tmp_path, "intents: [greet]\n")
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "x.yml").write_text("intents: [bye]\n", encoding="utf-8")
    with pytest.raises(DataError, match="keep exactly one"):
        domain_paths(tmp_path)


def test_missing_domain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no domain\.yml"):
        domain_paths(tmp_path)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "slots:\n  s:\n    type: text\n    mappings:\n      - type: from_entity\n"
            "        entity: nowhere\n",
            5,
            "unknown entity 'nowhere'",
        ),
        (
            "intents: [a]\nslots:\n  s:\n    type: text\n    mappings:\n"
            "      - type: from_intent\n        value: 1\n        intent: missing\n",
            6,
            "unknown intent 'missing'",
        ),
        (
            "slots:\n  s:\n    type: text\n    mappings:\n      - type: from_text\n"
            "        conditions:\n          - active_loop: no_form\n",
            7,
            "unknown form 'no_form'",
        ),
        (
            "slots:\n  s:\n    type: text\n    mappings: []\nforms:\n  f:\n"
            "    required_slots: [s, ghost]\n",
            7,
            "unknown slot 'ghost'",
        ),
        (
            "responses:\n  utter_x:\n    - text: 'Hi {nobody}'\n",
            3,
            "placeholder '{nobody}' names no slot",
        ),
        (
            "responses:\n  utter_x:\n    - text: hi\n      condition:\n        - type: slot\n"
            "          name: ghost\n          value: 1\n",
            5,
            "condition on unknown slot 'ghost'",
        ),
        (
            "intents: [a]\nresponses:\n  utter_x:\n    - text: hi\n      buttons:\n"
            "        - title: t\n          payload: /nope\n",
            6,
            "unknown intent 'nope'",
        ),
        (
            "responses:\n  utter_x:\n    - text: hi\n      quick_replies: []\n",
            3,
            "quick replies are not supported",
        ),
        ("actions: [utter_nothing]\n", 1, "needs a response"),
        ("slots:\n  s:\n    type: unknowntype\n    mappings: []\n", 3, "unsupported slot type"),
        ("slots:\n  s:\n    type: text\n", 3, "needs a list of mappings"),
        (
            "slots:\n  s:\n    type: any\n    influence_conversation: true\n    mappings: []\n",
            3,
            "any",
        ),
        ("forms:\n  f:\n    s: []\n", 3, "needs required_slots"),
        ("e2e_actions: [hello]\n", 1, "end-to-end"),
        ("actions: [action_two_stage_fallback]\n", 1, "not supported"),
        ("responses:\n  utter_x:\n    - text: hi\n      channel: telegram\n", 3, "never applies"),
    ],
)
def test_invalid_domains_are_refused_with_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    error = _refusal(tmp_path, text)
    assert problem in str(error)
    assert error.location is not None
    assert error.location.path.name == "domain.yml"
    assert error.location.line == line


def test_escaped_braces_are_not_placeholders(tmp_path: Path) -> None:
    domain = _load(tmp_path, "responses:\n  utter_x:\n    - text: 'Use {{braces}}'\n")
    assert domain.responses["utter_x"] == [{"text": "Use {{braces}}"}]
