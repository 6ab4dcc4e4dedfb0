"""Survey answers: tapped or typed scores, within their range."""

from __future__ import annotations

import pytest

from actions.survey import ValidateSurveyForm
from tests.actions.conversations import build_tracker, run

FORM = "survey_form"


@pytest.mark.parametrize(
    ("slot", "typed", "score"),
    [
        ("survey_overall", "五星", 5.0),
        ("survey_overall", "给4分吧", 4.0),
        ("survey_nps", "打8分吧", 8.0),
        ("survey_nps", "10", 10.0),
        ("survey_nps", "I'd say 9", 9.0),
        ("survey_nps", "十分", 10.0),
    ],
)
async def test_a_typed_score_counts_like_a_tapped_one(slot: str, typed: str, score: float) -> None:
    tracker = build_tracker(text=typed, slots={"requested_slot": slot}, active_loop=FORM)
    turn = await run(ValidateSurveyForm(), tracker)
    assert turn.slots[slot] == score
    assert turn.messages == []


@pytest.mark.parametrize(
    ("slot", "score"), [("survey_overall", 9), ("survey_overall", 0), ("survey_nps", 11)]
)
async def test_a_score_out_of_range_is_asked_again(slot: str, score: int) -> None:
    tracker = build_tracker(
        text=f'/inform{{"score":{score}}}',
        slots={"requested_slot": slot},
        candidates={slot: score},
        active_loop=FORM,
    )
    turn = await run(ValidateSurveyForm(), tracker)
    assert turn.slots[slot] is None
    assert turn.responses == ["utter_survey_score_invalid"]


async def test_a_tapped_score_is_kept() -> None:
    tracker = build_tracker(
        text='/inform{"score":0}',
        slots={"requested_slot": "survey_nps"},
        candidates={"survey_nps": 0},
        active_loop=FORM,
    )
    turn = await run(ValidateSurveyForm(), tracker)
    assert turn.slots["survey_nps"] == 0.0


async def test_words_without_a_score_fill_nothing() -> None:
    tracker = build_tracker(
        text="还行吧", slots={"requested_slot": "survey_overall"}, active_loop=FORM
    )
    turn = await run(ValidateSurveyForm(), tracker)
    assert "survey_overall" not in turn.slots


async def test_the_comment_is_kept_verbatim_and_a_skip_is_an_empty_comment() -> None:
    comment = build_tracker(
        text="  师傅很专业 👍  ",
        slots={"requested_slot": "survey_comment"},
        candidates={"survey_comment": "  师傅很专业 👍  "},
        active_loop=FORM,
    )
    assert (await run(ValidateSurveyForm(), comment)).slots["survey_comment"] == "师傅很专业 👍"
    skipped = build_tracker(
        text="/deny",
        intent="deny",
        slots={"requested_slot": "survey_comment"},
        candidates={"survey_comment": ""},
        active_loop=FORM,
    )
    assert (await run(ValidateSurveyForm(), skipped)).slots["survey_comment"] == ""
