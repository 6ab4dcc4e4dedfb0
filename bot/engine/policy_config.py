"""The ``policies`` part of ``config.yml``: which dialogue policies Rasa would train.

The engine reproduces RulePolicy. MemoizationPolicy is accepted because, with stories
refused, it has nothing to memorise and never predicts; any other policy (TEDPolicy,
UnexpecTEDIntentPolicy, ...) would change what Rasa predicts and is refused. Without a
``policies`` list Rasa trains its default policies, TEDPolicy among them, so the list
is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.constants import ACTION_DEFAULT_FALLBACK, DEFAULT_CORE_FALLBACK_THRESHOLD
from bot.engine.yaml_source import DataError, SourceLocation, load_yaml, location_of

_MEMOIZATION = {"MemoizationPolicy", "AugmentedMemoizationPolicy"}
_RULE_POLICY_OPTIONS = {
    "name",
    "priority",
    "core_fallback_threshold",
    "core_fallback_action_name",
    "enable_fallback_prediction",
    "restrict_rules",
    "check_for_contradictions",
    "use_nlu_confidence_as_score",
}
_FIXED_OPTIONS = {
    "restrict_rules": True,
    "check_for_contradictions": True,
    "use_nlu_confidence_as_score": False,
}


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    core_fallback_threshold: float = DEFAULT_CORE_FALLBACK_THRESHOLD
    fallback_action: str = ACTION_DEFAULT_FALLBACK
    enable_fallback_prediction: bool = True
    assistant_id: str | None = None


def read_policy_config(path: Path) -> PolicyConfig:
    file_location = SourceLocation(path, 1)
    if not path.is_file():
        raise DataError(file_location, "config", "config.yml is missing (it must list policies)")
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise DataError(file_location, "config", "must be a mapping")
    policies = document.get("policies")
    where = location_of(policies, location_of(document, file_location))
    if not isinstance(policies, list) or not policies:
        raise DataError(
            where,
            "policies",
            "list the policies explicitly (RulePolicy); Rasa's default policies include "
            "TEDPolicy, which the engine does not reproduce",
        )
    rule_policy: dict[str, Any] | None = None
    for item in policies:
        item_where = location_of(item, where)
        name = item.get("name") if isinstance(item, dict) else None
        if name == "RulePolicy":
            rule_policy = item
        elif name not in _MEMOIZATION:
            raise DataError(item_where, f"policy '{name}'", "not supported: use RulePolicy only")
    if rule_policy is None:
        raise DataError(where, "policies", "RulePolicy is required")
    return _rule_policy_config(rule_policy, location_of(rule_policy, where), document)


def _rule_policy_config(
    options: dict[str, Any], where: SourceLocation | None, document: dict[str, Any]
) -> PolicyConfig:
    unknown = set(options) - _RULE_POLICY_OPTIONS
    if unknown:
        raise DataError(where, "RulePolicy", f"unsupported options {sorted(unknown)}")
    for option, supported in _FIXED_OPTIONS.items():
        if option in options and options[option] != supported:
            raise DataError(where, f"RulePolicy {option}", f"only {supported!r} is supported")
    threshold = options.get("core_fallback_threshold", DEFAULT_CORE_FALLBACK_THRESHOLD)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 <= threshold <= 1
    ):
        raise DataError(where, "RulePolicy core_fallback_threshold", "must be between 0 and 1")
    fallback_action = options.get("core_fallback_action_name", ACTION_DEFAULT_FALLBACK)
    enabled = options.get("enable_fallback_prediction", True)
    if not isinstance(fallback_action, str) or not isinstance(enabled, bool):
        raise DataError(where, "RulePolicy", "invalid fallback options")
    assistant_id = document.get("assistant_id")
    return PolicyConfig(
        core_fallback_threshold=float(threshold),
        fallback_action=fallback_action,
        enable_fallback_prediction=enabled,
        assistant_id=assistant_id if isinstance(assistant_id, str) else None,
    )
