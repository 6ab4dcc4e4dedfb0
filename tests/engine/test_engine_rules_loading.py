"""Rules: the supported Rasa 3 rule format, its refusals, and rule trackers as Rasa builds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.domain_loader import domain_paths, load_domain
from bot.engine.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from bot.engine.rules_loader import data_paths, load_rules
from bot.engine.yaml_source import DataError
from tests.engine.dialogue_bots import PRODUCT_DOMAIN, PRODUCT_RULES, write_bot


def _rules(tmp_path: Path, rules: str):
    root = write_bot(tmp_path, PRODUCT_DOMAIN, rules)
    domain = load_domain(domain_paths(root))
    return domain, load_rules(data_paths(root), domain)


def _refused(tmp_path: Path, steps: str, header: str = "- rule: r\n") -> DataError:
    with pytest.raises(DataError) as caught:
        _rules(tmp_path, 'version: "3.1"\nrules:\n' + header + steps)
    assert caught.value.location is not None
    assert caught.value.location.path.name == "rules.yml"
    return caught.value


def test_product_rules_load(tmp_path: Path) -> None:
    _, rules = _rules(tmp_path, PRODUCT_RULES)
    assert [rule.name for rule in rules] == [
        "greet",
        "start the form",
        "submit the form",
        "chitchat inside the form",
        "stop the form",
        "low NLU confidence",
    ]


def test_rule_becomes_the_tracker_rasa_trains_on(tmp_path: Path) -> None:
    """Conditions come first, then the ``...`` snippet (the rule may start anywhere), the
    implicit ``action_listen`` before the user turn, slots set by the user's entities,
    ``null`` as "must not be set", and a final ``action_listen``."""
    rules_text = """\
    version: "3.1"
    rules:
    - rule: r
      condition:
      - active_loop: product_form
      steps:
      - intent: inform
        entities:
        - brand: gree
      - action: utter_chitchat
      - slot_was_set:
        - model: null
    """
    domain, [rule] = _rules(tmp_path, rules_text)
    events = rule.tracker_events(domain)
    described = [
        (type(event).__name__, getattr(event, "action_name", None) or getattr(event, "key", None))
        for event in events
    ]
    assert described == [
        ("ActiveLoop", None),
        ("ActionExecuted", "..."),
        ("ActionExecuted", "action_listen"),
        ("UserUttered", None),
        ("SlotSet", "brand"),
        ("ActionExecuted", "utter_chitchat"),
        ("SlotSet", "model"),
        ("ActionExecuted", "action_listen"),
    ]
    assert isinstance(events[0], ActiveLoop) and events[0].name == "product_form"
    assert isinstance(events[1], ActionExecuted) and events[1].unpredictable
    assert not any(
        isinstance(event, ActionExecuted) and event.unpredictable for event in events[2:]
    )
    assert isinstance(events[3], UserUttered) and events[3].entities == [
        {"entity": "brand", "value": "gree"}
    ]
    assert isinstance(events[6], SlotSet) and events[6].value == "should_not_be_set"


def test_conversation_start_and_wait_for_user_input(tmp_path: Path) -> None:
    rules_text = """\
    version: "3.1"
    rules:
    - rule: r
      conversation_start: true
      wait_for_user_input: false
      steps:
      - intent: greet
      - action: utter_greet
    """
    domain, [rule] = _rules(tmp_path, rules_text)
    names = [
        getattr(event, "action_name", type(event).__name__) for event in rule.tracker_events(domain)
    ]
    assert names == ["action_listen", "UserUttered", "utter_greet", "...", "action_listen"]


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ("  steps:\n  - user: hello\n  - action: utter_greet\n", "end-to-end user texts"),
        ("  steps:\n  - intent: greet\n  - bot: hi\n", "end-to-end bot texts"),
        ("  steps:\n  - or:\n    - intent: greet\n    - intent: thanks\n", "'or' steps"),
        ("  steps:\n  - checkpoint: c\n  - action: utter_greet\n", "checkpoints"),
        ("  metadata: {a: 1}\n  steps:\n  - action: utter_greet\n", "metadata"),
        ("  steps:\n  - intent: nope\n  - action: utter_greet\n", "unknown intent 'nope'"),
        ("  steps:\n  - intent: greet\n  - action: utter_missing\n", "unknown action"),
        ("  steps:\n  - intent: greet\n  - active_loop: no_form\n", "unknown form"),
        ("  steps:\n  - slot_was_set:\n    - ghost: 1\n", "unknown slot"),
        (
            "  steps:\n  - intent: greet\n  - action: utter_greet\n  - intent: thanks\n",
            "more than one user message",
        ),
        ("  steps:\n  - intent: greet\n  - action: action_listen\n", "wait_for_user_input"),
        (
            "  steps:\n  - intent: greet\n  - action: action_two_stage_fallback\n",
            "default action 'action_two_stage_fallback' is not supported",
        ),
        ("  condition:\n  - intent: greet\n  steps:\n  - action: utter_greet\n", "not supported"),
        (
            "  steps:\n  - intent: greet\n    entities:\n    - ghost: x\n  - action: utter_greet\n",
            "unknown entity",
        ),
        ("  steps:\n  - slot_was_set:\n    - language: fr\n", "not one of the slot's values"),
        ("  wait_for_user_input: maybe\n  steps:\n  - action: utter_greet\n", "true or false"),
    ],
)
def test_unsupported_rule_constructs_are_refused(tmp_path: Path, steps: str, problem: str) -> None:
    assert problem in str(_refused(tmp_path, steps))


def test_stories_in_training_data_are_refused(tmp_path: Path) -> None:
    root = write_bot(tmp_path, PRODUCT_DOMAIN)
    (root / "data" / "stories.yml").write_text(
        'version: "3.1"\nstories:\n- story: s\n  steps:\n  - intent: greet\n', encoding="utf-8"
    )
    domain = load_domain(domain_paths(root))
    with pytest.raises(DataError, match="memoization is not supported"):
        load_rules(data_paths(root), domain)


def test_unfeaturised_slot_condition_is_refused(tmp_path: Path) -> None:
    """Rasa silently ignores slots with influence_conversation: false in rules."""
    error = _refused(
        tmp_path,
        "  condition:\n  - slot_was_set:\n    - requested_slot: model\n"
        "  steps:\n  - intent: greet\n  - action: utter_greet\n",
    )
    assert "influence_conversation: false" in str(error)


def test_documented_form_submission_pattern_is_accepted(tmp_path: Path) -> None:
    """``requested_slot: null`` right after ``active_loop: null`` only restates what the
    deactivation did (the docs' submit rule), so it is accepted although Rasa ignores it."""
    _, rules = _rules(tmp_path, PRODUCT_RULES)
    assert any(rule.name == "submit the form" for rule in rules)


def test_bare_slot_name_needs_a_value_for_non_text_slots(tmp_path: Path) -> None:
    error = _refused(tmp_path, "  steps:\n  - slot_was_set:\n    - language\n")
    assert "needs an explicit value" in str(error)


def test_nlu_sections_are_left_to_the_nlu(tmp_path: Path) -> None:
    root = write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES)
    (root / "data" / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n', encoding="utf-8"
    )
    domain = load_domain(domain_paths(root))
    assert len(load_rules(data_paths(root), domain)) == 6
