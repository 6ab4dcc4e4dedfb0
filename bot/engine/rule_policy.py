"""Rasa 3.6's RulePolicy (with the policy ensemble's last step), trained from rules.

Training turns every rule into a tracker, every predictable action of it into a
``(states, action)`` example and each example into a key: the states after the rule's
``...`` snippet, as sorted JSON. Prediction collects the keys whose states match the end
of the conversation's states and, like Rasa, picks the longest key. Rasa breaks ties
between equally long keys by set iteration order, which varies between processes; this
engine picks the alphabetically first key so that a tie always resolves the same way.

Like Rasa's training, it refuses rules that contradict each other or are incomplete.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.engine.constants import (
    ACTION_DEFAULT_FALLBACK,
    ACTION_LISTEN,
    DEFAULT_ACTION_MAPPINGS,
    DEFAULT_CORE_FALLBACK_THRESHOLD,
    POLICY_RULE,
    RULE_SNIPPET_ACTION,
    SHOULD_NOT_BE_SET,
)
from bot.engine.domain import Domain
from bot.engine.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from bot.engine.rules_loader import Rule
from bot.engine.states import (
    ACTIVE_LOOP,
    PREVIOUS_ACTION,
    SLOTS,
    State,
    active_loop_name,
    feature_key,
    is_prev_action_listen,
    past_states,
    prediction_states,
    states_from_key,
    training_examples,
)
from bot.engine.tracker import Tracker
from bot.engine.yaml_source import DataError

LOOP_WAS_INTERRUPTED = "loop_was_interrupted"
DO_NOT_PREDICT_LOOP_ACTION = "do_not_predict_loop_action"
DEFAULT_RULES = "predicting default action with intent "
LOOP_RULES = "handling active loops and forms - "
LOOP_RULES_SEPARATOR = " - "


@dataclass(frozen=True, slots=True)
class Prediction:
    """The next action, with what Rasa logs about the prediction."""

    action_name: str
    confidence: float
    policy_name: str | None
    events: list[Event] = field(default_factory=list)
    hide_rule_turn: bool = False


@dataclass(frozen=True, slots=True)
class _Key:
    text: str
    reversed_states: tuple[State, ...]
    value: str


class RulePolicy:
    def __init__(
        self,
        domain: Domain,
        rules: dict[str, str],
        unhappy_path_conditions: dict[str, str],
        rules_not_in_stories: Iterable[str],
        *,
        core_fallback_threshold: float = DEFAULT_CORE_FALLBACK_THRESHOLD,
        fallback_action: str = ACTION_DEFAULT_FALLBACK,
        enable_fallback_prediction: bool = True,
    ) -> None:
        self.domain = domain
        self._rules = _KeyIndex(_parse_lookup(rules))
        self._unhappy = _KeyIndex(_parse_lookup(unhappy_path_conditions))
        self._horizon = max(
            (len(key.reversed_states) for key in (*self._rules.keys, *self._unhappy.keys)),
            default=1,
        )
        self._rules_not_in_stories = frozenset(rules_not_in_stories)
        self.core_fallback_threshold = core_fallback_threshold
        self.fallback_action = fallback_action
        self.enable_fallback_prediction = enable_fallback_prediction

    @property
    def rule_count(self) -> int:
        return len(self._rules.keys)

    # training ------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        domain: Domain,
        rules: Sequence[Rule],
        *,
        core_fallback_threshold: float = DEFAULT_CORE_FALLBACK_THRESHOLD,
        fallback_action: str = ACTION_DEFAULT_FALLBACK,
        enable_fallback_prediction: bool = True,
    ) -> RulePolicy:
        trackers = [
            (rule, Tracker.from_events(rule.name, rule.tracker_events(domain), domain))
            for rule in rules
        ]
        _check_for_incomplete_rules(trackers, domain)
        examples = [
            (states, action)
            for _, tracker in trackers
            for states, action in training_examples(tracker)
        ]
        lookup = _create_lookup(examples)
        lookup = {key: action for key, action in lookup.items() if action != RULE_SNIPPET_ACTION}
        unhappy = _create_loop_unhappy_lookup(examples)
        policy = cls(
            domain,
            lookup,
            unhappy,
            (),
            core_fallback_threshold=core_fallback_threshold,
            fallback_action=fallback_action,
            enable_fallback_prediction=enable_fallback_prediction,
        )
        sources = policy._analyse_rules(trackers)
        loop_sources = {
            source
            for form in domain.forms
            for source in (
                f"{LOOP_RULES}{form}",
                f"{LOOP_RULES}{form}{LOOP_RULES_SEPARATOR}{ACTION_LISTEN}",
            )
        }
        default_sources = {f"{DEFAULT_RULES}{intent}" for intent in DEFAULT_ACTION_MAPPINGS}
        policy._rules_not_in_stories = frozenset(set(sources) | default_sources | loop_sources)
        return policy

    def _analyse_rules(
        self, trackers: list[tuple[Rule, Tracker]]
    ) -> dict[str, list[tuple[str, str]]]:
        """Replay every rule like Rasa's contradiction check; refuse contradicting rules."""
        sources: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._replay_rules(trackers, sources, errors=None)
        errors: list[tuple[Rule, str]] = []
        self._replay_rules(trackers, sources, errors=errors)
        if errors:
            rule = errors[0][0]
            details = "; ".join(text for _, text in errors)
            raise DataError(rule.location, f"rule '{rule.name}'", f"contradicting rules: {details}")
        return sources

    def _replay_rules(
        self,
        trackers: list[tuple[Rule, Tracker]],
        sources: dict[str, list[tuple[str, str]]],
        errors: list[tuple[Rule, str]] | None,
    ) -> None:
        for rule, tracker in trackers:
            running = Tracker(tracker.sender_id, self.domain)
            next_is_unpredictable = True
            for event in tracker.applied_events():
                if not isinstance(event, ActionExecuted):
                    running.update(event)
                    continue
                if event.action_name == RULE_SNIPPET_ACTION:
                    next_is_unpredictable = True
                    running.update(event)
                    continue
                if next_is_unpredictable or event.unpredictable:
                    next_is_unpredictable = False
                    running.update(event)
                    continue
                gold = event.action_name or ""
                predicted, source = self._predicted_action_for_training(running, gold)
                if errors is None:
                    rule_name, expected = rule.name, gold
                    if source.startswith((DEFAULT_RULES, LOOP_RULES)):
                        rule_name, expected = source, predicted
                    sources[source].append((rule_name, expected))
                elif predicted != gold:
                    contradicting = sorted(
                        {name for name, action in sources.get(source, []) if action != gold}
                    )
                    if contradicting:
                        message = (
                            f"the prediction of the action '{gold}' in rule '{rule.name}' "
                            f"is contradicting with rule(s) '{', '.join(contradicting)}'"
                        )
                        if predicted != self.fallback_action:
                            message += f" which predicted action '{predicted}'"
                        errors.append((rule, message))
                running.update(event)

    def _predicted_action_for_training(self, tracker: Tracker, gold: str) -> tuple[str, str]:
        action, source, _ = self._predict(tracker, full_history=True)
        predicted = action or self._action_without_rule()
        loop = tracker.active_loop_name
        if loop and predicted != gold and predicted == loop:
            tracker.update(ActionExecutionRejected(loop))
            action, source, _ = self._predict(tracker, full_history=True)
            predicted = action or self._action_without_rule()
        return predicted, source

    def _action_without_rule(self) -> str:
        return self.fallback_action if self.enable_fallback_prediction else ACTION_LISTEN

    # prediction ----------------------------------------------------------------------

    def predict(self, tracker: Tracker) -> Prediction:
        """RulePolicy's prediction as Rasa's ensemble finalises it."""
        action, source, returning_from_unhappy_path = self._predict(tracker)
        scores: dict[str, float] = {}
        if self.enable_fallback_prediction:
            scores[self.fallback_action] = self.core_fallback_threshold
        if action is not None:
            scores[action] = 1.0
        rejected = _rejected_action(tracker)
        if rejected is not None and rejected in scores:
            scores[rejected] = 0.0
        best_action, confidence = self._best(scores)
        events: list[Event] = [LoopInterrupted(True)] if returning_from_unhappy_path else []
        if tracker.latest_action_name == ACTION_LISTEN:
            events.append(DefinePrevUserUtteredFeaturization(False))
        return Prediction(
            best_action,
            confidence,
            POLICY_RULE,
            events,
            hide_rule_turn=source in self._rules_not_in_stories,
        )

    def _best(self, scores: dict[str, float]) -> tuple[str, float]:
        best = max(scores.values(), default=0.0)
        if best <= 0.0:
            return self.domain.action_names[0], 0.0
        candidates = [name for name, score in scores.items() if score == best]
        return min(candidates, key=self.domain.action_names.index), best

    def _predict(
        self, tracker: Tracker, *, full_history: bool = False
    ) -> tuple[str | None, str, bool]:
        default = _default_action(tracker)
        if default is not None:
            intent = tracker.latest_message.intent_name
            return default, f"{DEFAULT_RULES}{intent}", False
        loop_prediction = _loop_happy_path(tracker)
        if loop_prediction is not None:
            return loop_prediction
        return self._find_action_from_rules(tracker, full_history=full_history)

    def _find_action_from_rules(
        self, tracker: Tracker, *, full_history: bool
    ) -> tuple[str | None, str, bool]:
        # No key looks further back than its own length, so at run time only that many
        # states are built; the training replay builds them all to name sources as Rasa.
        states = prediction_states(tracker, last=None if full_history else self._horizon)
        returning_from_unhappy_path = False
        matching = _possible_keys(self._rules, states)
        predicted: str | None = None
        best: _Key | None = None
        if matching:
            best = max(sorted(matching, key=lambda key: key.text), key=lambda key: len(key.text))
            predicted = best.value
        loop = tracker.active_loop_name
        if loop:
            conditions = [key.value for key in _possible_keys(self._unhappy, states)]
            listen_from_general_rule = (
                predicted == ACTION_LISTEN
                and best is not None
                and not active_loop_name(best.reversed_states[0])
            )
            if listen_from_general_rule:
                if DO_NOT_PREDICT_LOOP_ACTION not in conditions:
                    return loop, best.text if best else "", False
                predicted = None
            if LOOP_WAS_INTERRUPTED in conditions:
                returning_from_unhappy_path = True
        source = best.text if best is not None else (feature_key(states) or "")
        return predicted, source, returning_from_unhappy_path


def _default_action(tracker: Tracker) -> str | None:
    if tracker.latest_action_name != ACTION_LISTEN:
        return None
    intent = tracker.latest_message.intent_name
    return DEFAULT_ACTION_MAPPINGS.get(intent) if intent else None


def _loop_happy_path(tracker: Tracker) -> tuple[str, str, bool] | None:
    loop = tracker.active_loop_name
    if loop is None or tracker.is_active_loop_rejected:
        return None
    if tracker.latest_action and tracker.latest_action.get("action_name") != loop:
        return loop, f"{LOOP_RULES}{loop}", False
    if tracker.latest_action_name == loop:
        return ACTION_LISTEN, f"{LOOP_RULES}{loop}{LOOP_RULES_SEPARATOR}{ACTION_LISTEN}", False
    return None


def _rejected_action(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecutionRejected):
            return event.action_name
        if isinstance(event, ActionExecuted):
            return None
    return None


def _parse_lookup(lookup: dict[str, str]) -> list[_Key]:
    return [
        _Key(key, tuple(reversed(states_from_key(key))), value) for key, value in lookup.items()
    ]


class _KeyIndex:
    """Rule keys grouped by the action their last state follows: a key can only match a
    state after that same action, so the scan starts with that group (plus the keys whose
    last state names no action by name) instead of every key."""

    def __init__(self, keys: list[_Key]) -> None:
        self.keys = keys
        self._by_action: dict[str, list[_Key]] = {}
        self._unnamed: list[_Key] = []
        for key in keys:
            name = _previous_action_name(key.reversed_states[0]) if key.reversed_states else None
            if name is None:
                self._unnamed.append(key)
            else:
                self._by_action.setdefault(name, []).append(key)

    def candidates(self, state: State) -> list[_Key]:
        name = _previous_action_name(state)
        return [*self._by_action.get(name, []), *self._unnamed] if name else self._unnamed


def _previous_action_name(state: State) -> str | None:
    name = state.get(PREVIOUS_ACTION, {}).get("action_name")
    return str(name) if name else None


def _possible_keys(keys: _KeyIndex, states: list[State]) -> list[_Key]:
    if not states:
        return list(keys.keys)
    candidates = keys.candidates(states[-1])
    for index, state in enumerate(reversed(states)):
        candidates = [key for key in candidates if _is_rule_applicable(key, index, state)]
        if not candidates:
            break
    return candidates


def _is_rule_applicable(key: _Key, index: int, state: State) -> bool:
    if index >= len(key.reversed_states):
        return True
    rule_state = key.reversed_states[index]
    rule_previous_action = rule_state.get(PREVIOUS_ACTION)
    current_previous_action = state.get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    return _does_rule_match_state(rule_state, state)


def _does_rule_match_state(rule_state: State, state: State) -> bool:
    for part, rule_sub_state in rule_state.items():
        sub_state = state.get(part, {})
        for name, rule_value in rule_sub_state.items():
            value = sub_state.get(name)
            if rule_value and rule_value != SHOULD_NOT_BE_SET and value != rule_value:
                return False
            if rule_value == SHOULD_NOT_BE_SET and value and value != SHOULD_NOT_BE_SET:
                return False
    return True


def _create_lookup(examples: list[tuple[list[State], str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    ambiguous: set[str] = set()
    for states, action in examples:
        key = feature_key(states)
        if key is None or key in ambiguous:
            continue
        if key in lookup:
            if lookup[key] != action:
                ambiguous.add(key)
                del lookup[key]
        else:
            lookup[key] = action
    return lookup


def _create_loop_unhappy_lookup(examples: list[tuple[list[State], str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for states, action in examples:
        loop = active_loop_name(states[-1])
        if not loop:
            continue
        if len(states) == 1 or not states[-2].get(PREVIOUS_ACTION):
            reduced = [states[-1]]
        else:
            reduced = [{PREVIOUS_ACTION: states[-2][PREVIOUS_ACTION]}, states[-1]]
        key = feature_key(reduced)
        if key is None:
            continue
        if is_prev_action_listen(states[-1]) and action == loop:
            lookup[key] = LOOP_WAS_INTERRUPTED
        elif not is_prev_action_listen(states[-1]) and action != loop:
            lookup[key] = DO_NOT_PREDICT_LOOP_ACTION
    return lookup


def _check_for_incomplete_rules(trackers: list[tuple[Rule, Tracker]], domain: Domain) -> None:
    """Refuse an action that sets fewer slots or loops in one rule than in others."""
    featurised = {name for name, slot in domain.slots.items() if slot.as_feature(None)}
    slots_after: dict[str, set[str]] = defaultdict(set)
    loops_after: dict[str, set[str | None]] = defaultdict(set)
    for _, tracker in trackers:
        action: str | None = None
        for event in tracker.events:
            if isinstance(event, ActionExecuted):
                action = event.action_name
            elif isinstance(event, UserUttered):
                action = None
            elif action and isinstance(event, SlotSet) and event.key in featurised:
                slots_after[action].add(event.key)
            elif action and isinstance(event, ActiveLoop):
                loops_after[action].add(event.name)
    fingerprinted = set(slots_after) | set(loops_after)
    for rule, tracker in trackers:
        states = past_states(tracker)
        following = [state.get(PREVIOUS_ACTION, {}).get("action_name") for state in states[1:]]
        following.append(ACTION_LISTEN)
        for state, next_action in zip(states, following, strict=True):
            previous = state.get(PREVIOUS_ACTION, {}).get("action_name")
            if (
                not previous
                or previous not in fingerprinted
                or RULE_SNIPPET_ACTION in (previous, next_action)
            ):
                continue
            missing = slots_after[previous] - set(state.get(SLOTS, {}))
            expected_loops = loops_after[previous]
            current_loop = state.get(ACTIVE_LOOP, {}).get("name")
            if missing:
                raise DataError(
                    rule.location,
                    f"rule '{rule.name}'",
                    f"incomplete: action '{previous}' does not set slot(s) "
                    f"{sorted(missing)} here although it sets them in other rules; add them "
                    "with slot_was_set or end the rule with wait_for_user_input: false",
                )
            if expected_loops and current_loop not in expected_loops:
                shown = sorted(
                    "null" if name == SHOULD_NOT_BE_SET else str(name) for name in expected_loops
                )
                raise DataError(
                    rule.location,
                    f"rule '{rule.name}'",
                    f"incomplete: form '{previous}' does not set the active_loop it sets in "
                    f"other rules ({', '.join(shown)}); add it or end the rule with "
                    "wait_for_user_input: false",
                )
