"""How far the fan-out cursor may move over the outbox ids it sees."""

from __future__ import annotations

from datetime import timedelta

from api.webhooks.fan_out import OutboxEntry, contiguous_run
from tests.api.webhooks.steps import T0

GRACE = timedelta(seconds=30)


def _entries(*ids: int) -> list[OutboxEntry]:
    return [OutboxEntry(outbox_id, "case.created") for outbox_id in ids]


def _run(after: int, ids: tuple[int, ...], seen: timedelta | None) -> tuple[list[int], bool]:
    gap_seen_at = None if seen is None else T0 - seen
    taken, stopped = contiguous_run(
        after, _entries(*ids), gap_seen_at=gap_seen_at, now=T0, gap_grace=GRACE
    )
    return [entry.id for entry in taken], stopped


def test_consecutive_ids_are_all_taken() -> None:
    assert _run(4, (5, 6, 7), None) == ([5, 6, 7], False)
    assert _run(4, (), None) == ([], False)


def test_the_cursor_stops_before_a_missing_id() -> None:
    assert _run(4, (5, 7, 8), None) == ([5], True)
    assert _run(4, (6, 7), None) == ([], True)


def test_a_gap_right_after_the_cursor_is_passed_once_the_grace_is_over() -> None:
    assert _run(4, (6, 7), GRACE - timedelta(seconds=1)) == ([], True)
    assert _run(4, (6, 7), GRACE) == ([6, 7], False)


def test_only_the_gap_that_was_seen_is_passed() -> None:
    assert _run(4, (6, 7, 9), GRACE * 10) == ([6, 7], True)
    assert _run(4, (5, 7), GRACE * 10) == ([5], True)
