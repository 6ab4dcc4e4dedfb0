"""Print story results as ``rasa test`` does: each failed story with its expected steps
next to what happened, then the summary ``N passed, M failed``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.stories.reader import (
    ANY_VALUE,
    Expectation,
    ExpectedAction,
    ExpectedLoop,
    ExpectedSlots,
    UserTurn,
)
from bot.engine.stories.runner import (
    ActualAction,
    ActualItem,
    ActualLoop,
    ActualSlot,
    NluCheck,
    StoryResult,
    TurnResult,
)
from bot.engine.yaml_source import SourceLocation

_VERDICT_WIDTH = 12


@dataclass(frozen=True, slots=True)
class Summary:
    stories: int
    passed: int
    dialogue_failures: int
    nlu_only_failures: int
    errors: int
    texts: int
    intents_right: int
    entities_right: int
    understood: int

    @property
    def failed(self) -> int:
        return self.stories - self.passed

    @property
    def intent_accuracy(self) -> float:
        return self.intents_right / self.texts if self.texts else 1.0

    @property
    def understood_fraction(self) -> float:
        return self.understood / self.texts if self.texts else 1.0


def summarise(results: Sequence[StoryResult]) -> Summary:
    checks = [check for result in results for check in result.nlu]
    return Summary(
        stories=len(results),
        passed=sum(result.passed for result in results),
        dialogue_failures=sum(
            result.error is None and result.dialogue_failure is not None for result in results
        ),
        nlu_only_failures=sum(
            result.error is None and result.dialogue_failure is None and bool(result.nlu_failures)
            for result in results
        ),
        errors=sum(result.error is not None for result in results),
        texts=len(checks),
        intents_right=sum(check.intent_ok for check in checks),
        entities_right=sum(check.entities_ok for check in checks),
        understood=sum(check.ok for check in checks),
    )


def summary_lines(summary: Summary, *, nlu_checked: bool) -> list[str]:
    lines = []
    if nlu_checked:
        lines.append(
            f"NLU: {summary.understood} of {summary.texts} texts understood as annotated "
            f"({summary.understood_fraction:.1%}); intent right for {summary.intents_right} "
            f"({summary.intent_accuracy:.1%}), entities right for {summary.entities_right}"
        )
    causes = [
        f"{count} {label}"
        for count, label in (
            (summary.dialogue_failures, "dialogue"),
            (summary.nlu_only_failures, "NLU only"),
            (summary.errors, "errors"),
        )
        if count
    ]
    detail = f" ({', '.join(causes)})" if causes else ""
    stories = "story" if summary.stories == 1 else "stories"
    lines.append(
        f"{summary.stories} {stories}: {summary.passed} passed, {summary.failed} failed{detail}"
    )
    return lines


def failure_report(result: StoryResult, root: Path | None = None) -> list[str]:
    """What went wrong in one story: its NLU mismatches and its first dialogue mismatch."""
    lines = [f"FAILED {result.story.name}  ({_where(result.story.location, root)})"]
    if result.error is not None:
        lines.append(f"  error: {result.error}")
    for check in result.nlu_failures:
        lines.extend(_nlu_lines(check, root))
    failed = result.dialogue_failure
    if failed is not None:
        lines.extend(_turn_lines(failed, root))
    return lines


def _nlu_lines(check: NluCheck, root: Path | None) -> list[str]:
    lines = [f"  turn {check.turn} ({_line(check.user.location)}) NLU: {check.user.text!r}"]
    if not check.intent_ok:
        confidence = f" ({check.confidence:.2f})" if check.confidence is not None else ""
        lines.append(
            f"    intent: expected {check.user.intent}, predicted {check.intent}{confidence}"
        )
    if not check.entities_ok:
        missing = sorted(map(str, check.expected_entities - check.entities))
        extra = sorted(map(str, check.entities - check.expected_entities))
        if missing:
            lines.append(f"    entities missing: {', '.join(missing)}")
        if extra:
            lines.append(f"    entities not annotated: {', '.join(extra)}")
    return lines


def _turn_lines(turn: TurnResult, root: Path | None) -> list[str]:
    lines = [
        f"  turn {turn.index} ({_line(turn.turn.user.location)}) {_user(turn.turn.user)}",
        f"    dialogue: {turn.problem}",
        "    expected:",
    ]
    for step in turn.steps:
        verdict = step.verdict.value.ljust(_VERDICT_WIDTH)
        detail = f"   <- {step.detail}" if step.detail else ""
        lines.append(f"      {verdict}{render_expectation(step.expectation)}{detail}")
    lines.append("    actual:")
    lines.extend(f"      {render_actual(item)}" for item in turn.actual.items)
    return lines


def render_expectation(expectation: Expectation) -> str:
    if isinstance(expectation, ExpectedAction):
        return f"- action: {expectation.name}"
    if isinstance(expectation, ExpectedLoop):
        return f"- active_loop: {_yaml(expectation.name)}"
    assert isinstance(expectation, ExpectedSlots)
    return f"- slot_was_set: {_slots(expectation.values)}"


def render_actual(item: ActualItem) -> str:
    if isinstance(item, ActualAction):
        return f"- action: {item.name}"
    if isinstance(item, ActualLoop):
        return f"- active_loop: {_yaml(item.name)}"
    assert isinstance(item, ActualSlot)
    return f"- slot_was_set: {_slots([(item.name, item.value)])}"


def _slots(values: Iterable[tuple[str, Any]]) -> str:
    return ", ".join(
        f"{name}: {'<any>' if value is ANY_VALUE else _yaml(value)}" for name, value in values
    )


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _user(user: UserTurn) -> str:
    said = f"user: {user.text!r}" if user.text is not None else f"payload {user.message_text()}"
    if user.is_external:
        said = f"external event {user.message_text()}"
    return f"{said} -> intent {user.intent}"


def _line(location: SourceLocation | None) -> str:
    return f"line {location.line}" if location else "line ?"


def _where(location: SourceLocation | None, root: Path | None) -> str:
    if location is None:
        return "?"
    path = location.path
    if root is not None and path.is_relative_to(root):
        path = path.relative_to(root)
    return f"{path}:{location.line}"
