"""RulePolicy predictions, training checks and prediction metadata as in Rasa 3.6."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from bot.engine.model import DialogueModel, load_dialogue_model
from bot.engine.tracker import Tracker
from bot.engine.yaml_source import DataError
from tests.engine.dialogue_bots import PRODUCT_DOMAIN, PRODUCT_RULES, write_bot


def _model(
    tmp_path: Path, rules: str = PRODUCT_RULES, domain: str = PRODUCT_DOMAIN
) -> DialogueModel:
    return load_dialogue_model(write_bot(tmp_path, domain, rules))


def _user(intent: str, **entities: str) -> UserUttered:
    entity_list = [{"entity": name, "value": value} for name, value in entities.items()]
    return UserUttered(intent, {"name": intent, "confidence": 1.0}, entity_list)


def _session(*events: Event) -> list[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        *events,
    ]


def _predict(model: DialogueModel, events: list[Event]):
    return model.policy.predict(Tracker.from_events("s", events, model.domain))


def test_rule_prediction_carries_rasas_prediction_metadata(tmp_path: Path) -> None:
    """A rule prediction: confidence 1.0 by RulePolicy, the rule turn hidden from ML
    policies (no stories), and the featurisation event after a user message."""
    model = _model(tmp_path)
    prediction = _predict(model, _session(_user("greet")))
    assert prediction.action_name == "utter_greet"
    assert prediction.confidence == 1.0
    assert prediction.policy_name == "RulePolicy"
    assert prediction.hide_rule_turn
    assert [event.as_dict()["event"] for event in prediction.events] == ["user_featurization"]


def test_rules_end_by_listening(tmp_path: Path) -> None:
    model = _model(tmp_path)
    events = _session(_user("greet"), ActionExecuted("utter_greet"))
    prediction = _predict(model, events)
    assert prediction.action_name == "action_listen"
    assert prediction.events == []


def test_no_matching_rule_predicts_the_core_fallback(tmp_path: Path) -> None:
    """Nothing matches: ``action_default_fallback`` with the core fallback threshold,
    and the turn is not hidden (its source is no rule)."""
    prediction = _predict(_model(tmp_path), _session(_user("thanks")))
    assert (prediction.action_name, prediction.confidence) == ("action_default_fallback", 0.3)
    assert not prediction.hide_rule_turn


def test_default_intents_trigger_default_actions(tmp_path: Path) -> None:
    model = _model(tmp_path)
    assert _predict(model, _session(_user("restart"))).action_name == "action_restart"
    assert _predict(model, _session(_user("back"))).action_name == "action_back"
    assert _predict(model, _session(_user("session_start"))).action_name == "action_session_start"


def test_active_form_runs_before_any_rule(tmp_path: Path) -> None:
    """Loop happy path: an active form is predicted after the user speaks, then listen."""
    model = _model(tmp_path)
    active = _session(
        _user("inform"),
        ActionExecuted("product_form"),
        ActiveLoop("product_form"),
        SlotSet("requested_slot", "model"),
        ActionExecuted("action_listen"),
        _user("greet"),
    )
    assert _predict(model, active).action_name == "product_form"
    assert _predict(model, [*active, ActionExecuted("product_form")]).action_name == "action_listen"


def test_rejected_form_lets_unhappy_path_rules_decide(tmp_path: Path) -> None:
    model = _model(tmp_path)
    active = _session(
        _user("inform"),
        ActionExecuted("product_form"),
        ActiveLoop("product_form"),
        SlotSet("requested_slot", "model"),
        ActionExecuted("action_listen"),
    )
    chitchat = [*active, _user("chitchat"), ActionExecutionRejected("product_form")]
    assert _predict(model, chitchat).action_name == "utter_chitchat"
    back = [*chitchat, ActionExecuted("utter_chitchat")]
    assert _predict(model, back).action_name == "product_form"
    stop = [*active, _user("stop"), ActionExecutionRejected("product_form")]
    assert _predict(model, stop).action_name == "action_deactivate_loop"


def test_rejected_form_without_a_rule_falls_back(tmp_path: Path) -> None:
    """A rule predicting the rejected form itself loses its score (the ensemble zeroes
    the rejected action), so the core fallback wins."""
    model = _model(tmp_path)
    events = _session(
        _user("inform"),
        ActionExecuted("product_form"),
        ActiveLoop("product_form"),
        SlotSet("requested_slot", "model"),
        ActionExecuted("action_listen"),
        _user("inform"),
        ActionExecutionRejected("product_form"),
    )
    assert _predict(model, events).action_name == "action_default_fallback"


def test_form_submission_rule_after_deactivation(tmp_path: Path) -> None:
    model = _model(tmp_path)
    events = _session(
        _user("inform", brand="gree"),
        ActionExecuted("product_form"),
        ActiveLoop("product_form"),
        ActionExecuted("action_listen"),
        _user("inform"),
        ActionExecuted("product_form"),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
    )
    assert _predict(model, events).action_name == "utter_done"


LONGEST_RULES = """\
version: "3.1"
rules:
- rule: thanks
  steps:
  - intent: thanks
  - action: utter_welcome
- rule: thanks in chinese
  condition:
  - slot_was_set:
    - language: zh
  steps:
  - intent: thanks
  - action: utter_greet
- rule: only at the start
  conversation_start: true
  steps:
  - intent: affirm
  - action: utter_greet
- rule: chain without waiting
  wait_for_user_input: false
  steps:
  - intent: greet
  - action: utter_greet
"""


def test_the_longest_matching_rule_wins(tmp_path: Path) -> None:
    model = _model(tmp_path, LONGEST_RULES)
    assert _predict(model, _session(_user("thanks"))).action_name == "utter_welcome"
    chinese = _session(SlotSet("language", "zh"), _user("thanks"))
    assert _predict(model, chinese).action_name == "utter_greet"
    english = _session(SlotSet("language", "en"), _user("thanks"))
    assert _predict(model, english).action_name == "utter_welcome"


def test_conversation_start_rule_applies_only_to_the_first_turn(tmp_path: Path) -> None:
    model = _model(tmp_path, LONGEST_RULES)
    assert _predict(model, _session(_user("affirm"))).action_name == "utter_greet"
    later = _session(
        _user("thanks"),
        ActionExecuted("utter_welcome"),
        ActionExecuted("action_listen"),
        _user("affirm"),
    )
    assert _predict(model, later).action_name == "action_default_fallback"


def test_wait_for_user_input_false_leaves_the_next_action_open(tmp_path: Path) -> None:
    """Without ``wait_for_user_input`` the rule does not predict listen after its last
    action, so another rule (or the fallback) decides."""
    model = _model(tmp_path, LONGEST_RULES)
    after = _session(_user("greet"), ActionExecuted("utter_greet"))
    assert _predict(model, after).action_name == "action_default_fallback"


def test_equally_long_keys_resolve_deterministically(tmp_path: Path) -> None:
    """Rasa picks among equally long keys by set order (varies per process); the engine
    always picks the alphabetically first key."""
    rules = """\
    version: "3.1"
    rules:
    - rule: a
      condition:
      - slot_was_set:
        - brand: x
      steps:
      - intent: thanks
      - action: utter_welcome
    - rule: b
      condition:
      - slot_was_set:
        - model: x
      steps:
      - intent: thanks
      - action: utter_greet
    """
    model = _model(tmp_path, rules)
    events = _session(SlotSet("brand", "x"), SlotSet("model", "y"), _user("thanks"))
    first = _predict(model, events).action_name
    assert all(_predict(model, events).action_name == first for _ in range(5))
    assert first == "utter_welcome"


def test_contradicting_rules_are_refused(tmp_path: Path) -> None:
    rules = """\
    version: "3.1"
    rules:
    - rule: one
      steps:
      - intent: greet
      - action: utter_greet
    - rule: two
      steps:
      - intent: greet
      - action: utter_welcome
    """
    with pytest.raises(DataError, match="contradicting"):
        _model(tmp_path, rules)


def test_incomplete_rules_are_refused(tmp_path: Path) -> None:
    """A form activated without ``active_loop`` in one rule but with it in another."""
    rules = """\
    version: "3.1"
    rules:
    - rule: one
      steps:
      - intent: inform
      - action: product_form
      - active_loop: product_form
    - rule: two
      steps:
      - intent: affirm
      - action: product_form
    """
    with pytest.raises(DataError, match="incomplete"):
        _model(tmp_path, rules)


def test_entities_in_rules_must_be_present_with_their_slots(tmp_path: Path) -> None:
    rules = """\
    version: "3.1"
    rules:
    - rule: language given
      steps:
      - intent: affirm
        entities:
        - language: zh
      - action: utter_greet
    """
    model = _model(tmp_path, rules)
    # The rule's entity also sets the slot mapped to it, as slot extraction does live.
    given = _session(_user("affirm", language="zh"), SlotSet("language", "zh"))
    assert _predict(model, given).action_name == "utter_greet"
    other_value = _session(_user("affirm", language="en"), SlotSet("language", "en"))
    assert _predict(model, other_value).action_name == "action_default_fallback"
    assert _predict(model, _session(_user("affirm"))).action_name == "action_default_fallback"


def test_null_slot_condition_means_not_set(tmp_path: Path) -> None:
    rules = """\
    version: "3.1"
    rules:
    - rule: no brand yet
      condition:
      - slot_was_set:
        - brand: null
      steps:
      - intent: thanks
      - action: utter_welcome
    """
    model = _model(tmp_path, rules)
    assert _predict(model, _session(_user("thanks"))).action_name == "utter_welcome"
    known = _session(SlotSet("brand", "gree"), _user("thanks"))
    assert _predict(model, known).action_name == "action_default_fallback"


def test_fallback_can_be_disabled_and_renamed(tmp_path: Path) -> None:
    config = (
        "policies:\n  - name: RulePolicy\n    core_fallback_threshold: 0.4\n"
        "    core_fallback_action_name: utter_default\n"
    )
    model = load_dialogue_model(write_bot(tmp_path / "a", PRODUCT_DOMAIN, PRODUCT_RULES, config))
    prediction = _predict(model, _session(_user("thanks")))
    assert (prediction.action_name, prediction.confidence) == ("utter_default", 0.4)
    disabled = "policies:\n  - name: RulePolicy\n    enable_fallback_prediction: false\n"
    model = load_dialogue_model(write_bot(tmp_path / "b", PRODUCT_DOMAIN, PRODUCT_RULES, disabled))
    prediction = _predict(model, _session(_user("thanks")))
    assert (prediction.action_name, prediction.confidence) == ("action_listen", 0.0)


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ("policies:\n  - name: TEDPolicy\n", "not supported"),
        ("pipeline: []\n", "list the policies"),
        ("policies:\n  - name: RulePolicy\n    restrict_rules: false\n", "only True"),
        (
            "policies:\n  - name: RulePolicy\n    core_fallback_action_name: action_nowhere\n",
            "not an action",
        ),
    ],
)
def test_unsupported_policy_configurations_are_refused(
    tmp_path: Path, config: str, problem: str
) -> None:
    with pytest.raises(DataError, match=problem):
        load_dialogue_model(write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES, config))


def test_memoization_policy_is_accepted_as_a_no_op(tmp_path: Path) -> None:
    config = "policies:\n  - name: MemoizationPolicy\n  - name: RulePolicy\n"
    model = load_dialogue_model(write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES, config))
    assert _predict(model, _session(_user("greet"))).action_name == "utter_greet"
