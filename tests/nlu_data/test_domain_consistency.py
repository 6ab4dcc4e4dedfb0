"""Consistency of the Rasa 3 training data: every name used exists, every text is bilingual."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from tests.nlu_data.training_files import (
    EXTERNAL_PREFIX,
    NLU_DATA,
    Domain,
    is_english_condition,
    load_domain,
    load_yaml,
    nlu_examples,
    normalised,
    parse_payload,
    placeholders,
    rules,
    stories,
    strip_annotations,
)

CJK = re.compile(r"[\u3400-\u9fff]")
MIN_EXAMPLES_PER_INTENT = 10
SLOT_VALUE_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "bool": (bool,),
    "float": (int, float),
    "list": (list,),
}


@pytest.fixture(scope="module")
def domain() -> Domain:
    return load_domain()


@pytest.fixture(scope="module")
def all_rules() -> list[tuple[str, dict[str, Any]]]:
    return list(rules())


@pytest.fixture(scope="module")
def all_stories() -> list[tuple[str, dict[str, Any]]]:
    return list(stories())


# --- walking rules and stories --------------------------------------------------------------


def _slot_items(value: Any) -> Iterator[tuple[str, Any]]:
    for item in value or []:
        if isinstance(item, str):
            yield item, ...
        else:
            yield from item.items()


def _entity_items(value: Any) -> Iterator[tuple[str, Any]]:
    for item in value or []:
        if isinstance(item, str):
            yield item, ...
        else:
            yield from item.items()


def _references(steps: list[dict[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """(kind, name, value) for every intent, entity, action, slot and loop a list names."""
    for step in steps:
        if "intent" in step:
            yield "intent", step["intent"], None
            for name, value in _entity_items(step.get("entities")):
                yield "entity", name, value
        if "action" in step:
            yield "action", step["action"], None
        if "slot_was_set" in step:
            for name, value in _slot_items(step["slot_was_set"]):
                yield "slot", name, value
        if step.get("active_loop") is not None:
            yield "loop", step["active_loop"], None


def _problems(where: str, steps: list[dict[str, Any]], domain: Domain) -> list[str]:
    known = {
        "intent": domain.known_intents,
        "entity": set(domain.entities),
        "action": domain.known_actions,
        "slot": domain.known_slots,
        "loop": set(domain.forms),
    }
    problems = []
    for kind, name, value in _references(steps):
        if name not in known[kind]:
            problems.append(f"{where}: unknown {kind} {name!r}")
        elif kind == "slot" and value is not ... and value is not None:
            problems.extend(_slot_value_problems(where, name, value, domain))
    for step in steps:
        if "user" in step and "intent" not in step:
            problems.append(f"{where}: user step without an intent")
    return problems


def _slot_value_problems(where: str, name: str, value: Any, domain: Domain) -> list[str]:
    slot = domain.slots.get(name)
    if slot is None:
        return []
    if slot["type"] == "categorical" and value not in slot["values"]:
        return [f"{where}: {value!r} is not a value of the categorical slot {name}"]
    allowed = SLOT_VALUE_TYPES.get(slot["type"])
    if allowed and (not isinstance(value, allowed) or (bool not in allowed and value is True)):
        return [f"{where}: {value!r} does not fit the {slot['type']} slot {name}"]
    return []


def _condition_steps(rule: dict[str, Any]) -> list[dict[str, Any]]:
    return list(rule.get("condition") or [])


# --- domain ---------------------------------------------------------------------------------


def test_no_name_is_defined_in_two_domain_files(domain: Domain) -> None:
    assert domain.duplicates == []


def test_every_domain_file_uses_the_rasa_3_format() -> None:
    for path in sorted((NLU_DATA / "domain").glob("*.yml")):
        assert load_yaml(path)["version"] == "3.1", path.name


def test_forms_name_existing_slots_a_question_and_a_validation_action(domain: Domain) -> None:
    problems = []
    for form, definition in domain.forms.items():
        if f"validate_{form}" not in domain.actions:
            problems.append(f"{form}: no validate_{form} action")
        for slot in definition["required_slots"]:
            if slot not in domain.slots:
                problems.append(f"{form}: unknown slot {slot}")
            asks = {
                f"utter_ask_{slot}",
                f"utter_ask_{form}_{slot}",
                f"action_ask_{slot}",
                f"action_ask_{form}_{slot}",
            }
            if not asks & domain.known_actions:
                problems.append(f"{form}: nothing asks for {slot}")
    assert problems == []


def test_slot_mappings_name_existing_entities_intents_forms_and_requested_slots(
    domain: Domain,
) -> None:
    problems = []
    for slot, definition in domain.slots.items():
        assert definition.get("mappings"), f"slot {slot} has no mappings"
        if definition["type"] == "categorical" and definition.get("initial_value") is not None:
            assert definition["initial_value"] in definition["values"], slot
        for mapping in definition["mappings"]:
            where = f"slot {slot} {mapping['type']}"
            if mapping["type"] == "from_entity" and mapping["entity"] not in domain.entities:
                problems.append(f"{where}: unknown entity {mapping['entity']}")
            for key in ("intent", "not_intent"):
                names = mapping.get(key) or []
                for intent in [names] if isinstance(names, str) else names:
                    if intent not in domain.known_intents:
                        problems.append(f"{where}: unknown intent {intent} in {key}")
            if mapping["type"] == "from_text" and not mapping.get("conditions"):
                problems.append(f"{where}: free text would fill it from every message")
            for condition in mapping.get("conditions") or []:
                form = condition.get("active_loop")
                if form not in domain.forms:
                    problems.append(f"{where}: unknown form {form}")
                    continue
                requested = condition.get("requested_slot")
                if requested is not None and requested not in domain.forms[form]["required_slots"]:
                    problems.append(f"{where}: {form} never asks for {requested}")
    assert problems == []


def test_only_slots_that_steer_rules_influence_the_conversation(domain: Domain) -> None:
    # Every other slot is read by actions only; featurizing it would make rules brittle.
    assert domain.featurized_slots() == {"case_id", "awaiting"}


def test_every_custom_action_is_reachable(
    domain: Domain, all_rules: list[tuple[str, dict[str, Any]]]
) -> None:
    used = {
        name
        for _, rule in all_rules
        for kind, name, _ in _references(rule["steps"])
        if kind == "action"
    }
    implicit = {"action_session_start"} | {f"validate_{form}" for form in domain.forms}
    implicit |= {
        f"action_ask_{slot}"
        for definition in domain.forms.values()
        for slot in definition["required_slots"]
    }
    unreachable = [name for name in domain.actions if name not in used | implicit]
    assert unreachable == []


# --- responses ------------------------------------------------------------------------------


def test_every_response_has_a_chinese_default_then_an_english_variation(domain: Domain) -> None:
    problems = []
    for name, variations in domain.responses.items():
        defaults = [variation for variation in variations if "condition" not in variation]
        english = [variation for variation in variations if is_english_condition(variation)]
        others = [
            variation
            for variation in variations
            if "condition" in variation and not is_english_condition(variation)
        ]
        if len(defaults) != 1 or variations[0] is not defaults[0]:
            problems.append(f"{name}: needs exactly one default variation, listed first")
        if len(english) != 1:
            problems.append(f"{name}: needs exactly one English variation")
        if others:
            problems.append(f"{name}: conditions other than language=en")
        if problems:
            continue
        zh_text, en_text = defaults[0].get("text", ""), english[0].get("text", "")
        if not CJK.search(zh_text):
            problems.append(f"{name}: the default is not Chinese: {zh_text!r}")
        if not en_text or CJK.search(en_text):
            problems.append(f"{name}: the English variation is not English: {en_text!r}")
        if placeholders(zh_text) != placeholders(en_text):
            problems.append(f"{name}: zh and en name different slots")
        zh_payloads = [button["payload"] for button in defaults[0].get("buttons", [])]
        en_payloads = [button["payload"] for button in english[0].get("buttons", [])]
        if zh_payloads != en_payloads:
            problems.append(f"{name}: zh and en buttons differ: {zh_payloads} / {en_payloads}")
    assert problems == []


def test_response_placeholders_name_slots(domain: Domain) -> None:
    problems = [
        f"{name}: {{{placeholder}}}"
        for name, variations in domain.responses.items()
        for variation in variations
        for text in [variation.get("text", "")]
        + [button["title"] for button in variation.get("buttons", [])]
        for placeholder in placeholders(text)
        if placeholder not in domain.known_slots
    ]
    assert problems == []


def test_every_button_payload_names_a_known_intent_and_known_entities(domain: Domain) -> None:
    problems = []
    for name, variations in domain.responses.items():
        for variation in variations:
            for button in variation.get("buttons", []):
                assert button.get("title"), f"{name}: a button without a title"
                try:
                    payload = parse_payload(button["payload"])
                except (ValueError, json.JSONDecodeError) as error:
                    problems.append(f"{name}: {error}")
                    continue
                if payload.intent not in domain.known_intents:
                    problems.append(f"{name}: unknown intent {payload.intent}")
                for entity, value in payload.entities.items():
                    if entity not in domain.entities:
                        problems.append(f"{name}: unknown entity {entity}")
                    if isinstance(value, dict | list) or value is None:
                        problems.append(f"{name}: {entity} needs a scalar value, got {value!r}")
    assert problems == []


@pytest.mark.parametrize(
    "payload",
    ["inform", "/inform{", '/inform{"step_outcome": "fixed"', '/inform["fixed"]', "/"],
)
def test_payload_parser_refuses_malformed_payloads(payload: str) -> None:
    with pytest.raises((ValueError, json.JSONDecodeError)):
        parse_payload(payload)


def test_payload_parser_reads_entities() -> None:
    parsed = parse_payload('/inform{"step_outcome":"fixed","score":5}')
    assert (parsed.intent, parsed.entities) == ("inform", {"step_outcome": "fixed", "score": 5})


# --- rules and stories ----------------------------------------------------------------------


def test_rules_name_only_known_intents_entities_actions_slots_and_forms(
    domain: Domain, all_rules: list[tuple[str, dict[str, Any]]]
) -> None:
    problems = []
    for where, rule in all_rules:
        problems += _problems(where, _condition_steps(rule) + rule["steps"], domain)
    assert problems == []


def test_test_stories_name_only_known_intents_entities_actions_slots_and_forms(
    domain: Domain, all_stories: list[tuple[str, dict[str, Any]]]
) -> None:
    problems = []
    for where, story in all_stories:
        problems += _problems(where, story["steps"], domain)
        for step in story["steps"]:
            for name in _user_text_entities(step.get("user", "")):
                if name not in domain.entities:
                    problems.append(f"{where}: unknown entity {name!r} in the user text")
    assert problems == []


def _user_text_entities(text: str) -> tuple[str, ...]:
    return strip_annotations(text)[1]


def test_every_rule_has_at_most_one_user_turn(all_rules: list[tuple[str, dict[str, Any]]]) -> None:
    # RulePolicy's restrict_rules: a rule describes one turn, not a conversation.
    assert [
        where for where, rule in all_rules if sum("intent" in s for s in rule["steps"]) > 1
    ] == []


def test_every_form_in_a_rule_is_followed_by_its_loop_state(
    domain: Domain, all_rules: list[tuple[str, dict[str, Any]]]
) -> None:
    problems = []
    for where, rule in all_rules:
        steps = rule["steps"]
        for index, step in enumerate(steps):
            if step.get("action") in {*domain.forms, "action_deactivate_loop"}:
                following = steps[index + 1] if index + 1 < len(steps) else {}
                if "active_loop" not in following:
                    problems.append(f"{where}: {step['action']} without active_loop after it")
    assert problems == []


def test_rules_are_complete_as_rasa_requires(
    domain: Domain, all_rules: list[tuple[str, dict[str, Any]]]
) -> None:
    """An action that sets a steering slot in one rule must set it in every rule (Rasa refuses
    to train otherwise), unless the rule hands over with wait_for_user_input: false."""
    featurized = domain.featurized_slots()
    fingerprints: dict[str, set[str]] = defaultdict(set)
    for _, rule in all_rules:
        for action, slots_after in _actions_and_slots_set_after(rule["steps"]):
            fingerprints[action] |= slots_after & featurized
    problems = []
    for where, rule in all_rules:
        known_slots = {
            name
            for step in _condition_steps(rule)
            for name, _ in _slot_items(step.get("slot_was_set"))
        }
        steps = rule["steps"]
        for index, step in enumerate(steps):
            known_slots |= {name for name, _ in _slot_items(step.get("slot_was_set"))}
            if "action" not in step:
                continue
            is_last = index == len(steps) - 1
            if is_last and rule.get("wait_for_user_input") is False:
                continue
            after = set(known_slots)
            for later in steps[index + 1 :]:
                if "action" in later or "intent" in later:
                    break
                after |= {name for name, _ in _slot_items(later.get("slot_was_set"))}
            missing = fingerprints[step["action"]] - after
            if missing:
                problems.append(f"{where}: {step['action']} does not set {sorted(missing)}")
    assert problems == []


def test_rules_conditioned_on_a_steering_slot_say_what_the_action_leaves_in_it(
    domain: Domain, all_rules: list[tuple[str, dict[str, Any]]]
) -> None:
    """A steering slot that only actions fill keeps the condition's value in the rule's state
    after the action; if the action changes it and the rule does not say so, no rule predicts
    the next listen and the core fallback answers instead."""
    action_owned = {
        name
        for name in domain.featurized_slots()
        if all(mapping["type"] == "custom" for mapping in domain.slots[name]["mappings"])
    }
    assert action_owned, "no steering slot filled by actions: the check checks nothing"
    problems = []
    for where, rule in all_rules:
        conditioned = {
            name
            for step in _condition_steps(rule)
            for name, _ in _slot_items(step.get("slot_was_set"))
            if name in action_owned
        }
        for action, slots_after in _actions_and_slots_set_after(rule["steps"]):
            if action.startswith("action_") and action not in domain.forms:
                missing = conditioned - slots_after
                if missing:
                    problems.append(f"{where}: {action} leaves {sorted(missing)} unsaid")
    assert problems == []


def _actions_and_slots_set_after(steps: list[dict[str, Any]]) -> Iterator[tuple[str, set[str]]]:
    for index, step in enumerate(steps):
        if "action" not in step:
            continue
        slots: set[str] = set()
        for later in steps[index + 1 :]:
            if "action" in later or "intent" in later:
                break
            slots |= {name for name, _ in _slot_items(later.get("slot_was_set"))}
        yield step["action"], slots


def test_no_two_rules_answer_the_same_situation_differently(
    all_rules: list[tuple[str, dict[str, Any]]],
) -> None:
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for where, rule in all_rules:
        situation, answer = _situation_and_answer(rule)
        if answer is None:
            continue
        if situation in seen and seen[situation][1] != answer:
            problems.append(f"{where} and {seen[situation][0]}: {answer} vs {seen[situation][1]}")
        seen.setdefault(situation, (where, answer))
    assert problems == []


def _situation_and_answer(rule: dict[str, Any]) -> tuple[str, str | None]:
    """What a rule reacts to (conditions, bot turn before, user turn) and its first action."""
    steps = rule["steps"]
    user_index = next((i for i, step in enumerate(steps) if "intent" in step), None)
    if user_index is None:
        return json.dumps(rule), None
    answer = next((step["action"] for step in steps[user_index + 1 :] if "action" in step), None)
    user = steps[user_index]
    entities = sorted(name for name, _ in _entity_items(user.get("entities")))
    situation = json.dumps(
        [rule.get("condition"), steps[:user_index], user["intent"], entities], sort_keys=True
    )
    return situation, answer


def test_every_flow_has_test_stories_in_both_languages(
    all_stories: list[tuple[str, dict[str, Any]]],
) -> None:
    english = {where for where, story in all_stories if _is_english(story)}
    assert english, "no English test story"
    assert len(english) < len(all_stories), "no Chinese test story"
    actions_by_language: dict[bool, set[str]] = defaultdict(set)
    for _, story in all_stories:
        actions_by_language[_is_english(story)] |= {
            name for kind, name, _ in _references(story["steps"]) if kind == "action"
        }
    flows = {
        "action_submit_fault_report",
        "action_check_warranty",
        "action_troubleshoot",
        "action_book_visit",
        "action_reschedule_visit",
        "action_cancel_visit",
        "action_check_status",
        "action_handoff",
        "action_clarify",
        "action_reset_flow",
        "action_submit_survey",
    }
    for is_english in (False, True):
        assert flows - actions_by_language[is_english] == set(), is_english


def _is_english(story: dict[str, Any]) -> bool:
    return any(
        ("language", "en") in _slot_items(step.get("slot_was_set")) for step in story["steps"][:1]
    )


# --- NLU examples ---------------------------------------------------------------------------


def test_every_intent_has_examples_and_external_intents_have_none(domain: Domain) -> None:
    counts: dict[str, int] = defaultdict(int)
    for example in nlu_examples():
        counts[example.intent] += 1
    problems = []
    for intent in domain.intents:
        if intent.startswith(EXTERNAL_PREFIX):
            if counts[intent]:
                problems.append(f"{intent} must not be trained from typed text")
        elif counts[intent] < MIN_EXAMPLES_PER_INTENT:
            problems.append(f"{intent}: {counts[intent]} examples")
    problems += [
        f"{intent} is not in the domain" for intent in counts if intent not in domain.intents
    ]
    assert problems == []


def test_annotated_entities_exist_in_the_domain(domain: Domain) -> None:
    unknown = {
        (example.source, name)
        for example in nlu_examples()
        for name in example.entities
        if name not in domain.entities
    }
    assert unknown == set()


def test_no_example_text_belongs_to_two_intents() -> None:
    intents_by_text: dict[str, set[str]] = defaultdict(set)
    for example in nlu_examples():
        intents_by_text[normalised(example.text)].add(example.intent)
    clashes = {
        text: sorted(intents) for text, intents in intents_by_text.items() if len(intents) > 1
    }
    assert clashes == {}


def test_language_entities_resolve_to_a_language_code() -> None:
    synonyms: dict[str, str] = {}
    for path in sorted((NLU_DATA / "data").glob("*.yml")):
        for item in (load_yaml(path) or {}).get("nlu", []):
            if item.get("synonym") in {"zh", "en"}:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        synonyms[line.strip()[2:].strip().casefold()] = item["synonym"]
    unresolved = []
    for path in sorted((NLU_DATA / "data").glob("nlu_*.yml")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\[([^\]]+)\]\(language\)", text):
            if match.group(1).casefold() not in synonyms:
                unresolved.append(f"{path.name}: {match.group(1)}")
        for match in re.finditer(r"\[([^\]]+)\](\{[^}]*\"language\"[^}]*\})", text):
            if json.loads(match.group(2)).get("value") not in {"zh", "en"}:
                unresolved.append(f"{path.name}: {match.group(1)}")
    assert unresolved == []


# --- model configuration --------------------------------------------------------------------

#: Options of the Rasa 3.6 components and policies the configuration may use.
RASA_OPTIONS: dict[str, set[str]] = {
    "JiebaTokenizer": {
        "dictionary_path",
        "intent_tokenization_flag",
        "intent_split_symbol",
        "token_pattern",
        "prefix_separator_symbol",
    },
    "RegexFeaturizer": {
        "case_sensitive",
        "use_lookup_tables",
        "use_regexes",
        "use_word_boundaries",
    },
    "CountVectorsFeaturizer": {
        "analyzer",
        "min_ngram",
        "max_ngram",
        "lowercase",
        "strip_accents",
        "stop_words",
        "min_df",
        "max_df",
        "max_features",
        "OOV_token",
        "OOV_words",
        "use_shared_vocab",
        "additional_vocabulary_size",
    },
    "LogisticRegressionClassifier": {"max_iter", "solver", "tol", "random_state", "ranking_length"},
    "CRFEntityExtractor": {
        "BILOU_flag",
        "split_entities_by_comma",
        "features",
        "max_iterations",
        "L1_c",
        "L2_c",
        "featurizers",
    },
    "RegexEntityExtractor": {
        "case_sensitive",
        "use_lookup_tables",
        "use_regexes",
        "use_word_boundaries",
    },
    "EntitySynonymMapper": set(),
    "FallbackClassifier": {"threshold", "ambiguity_threshold"},
    "RulePolicy": {
        "core_fallback_threshold",
        "core_fallback_action_name",
        "enable_fallback_prediction",
        "restrict_rules",
        "check_for_contradictions",
        "priority",
    },
    "MemoizationPolicy": {"max_history", "priority"},
}


def test_the_model_configuration_uses_rasa_3_6_components_and_options(domain: Domain) -> None:
    config = load_yaml(NLU_DATA / "config.yml")
    assert config["recipe"] == "default.v1"
    assert config["language"] == "zh", "JiebaTokenizer only accepts language zh"
    assert config["assistant_id"]
    problems = []
    for entry in config["pipeline"] + config["policies"]:
        options = set(entry) - {"name"}
        allowed = RASA_OPTIONS.get(entry["name"])
        if allowed is None:
            problems.append(f"unknown component {entry['name']}")
        elif options - allowed:
            problems.append(f"{entry['name']}: unknown options {sorted(options - allowed)}")
    assert problems == []
    names = [entry["name"] for entry in config["pipeline"]]
    assert names[0] == "JiebaTokenizer"
    assert names.index("FallbackClassifier") > names.index("LogisticRegressionClassifier")
    rule_policy = next(entry for entry in config["policies"] if entry["name"] == "RulePolicy")
    assert rule_policy["core_fallback_action_name"] in domain.known_actions
    assert "utter_default" in domain.responses, "action_default_fallback utters utter_default"
