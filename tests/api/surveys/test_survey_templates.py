"""Survey templates as data: the shipped ones, their validation, and seeding them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import func, select

from api.seeding import DEMO_DATA_DIR, SeedError, load_seed_files, read_seed_file
from api.surveys.models import SurveyTemplate
from api.surveys.questions import QuestionKind, SurveySource, TemplateDocument
from api.surveys.seed import load_templates
from api.surveys.templates import shipped_templates
from tests.api.surveys.steps import committed, scheduled, shanghai

DEMO_FILE = DEMO_DATA_DIR / "60_surveys.yaml"


def _scale(key: str, low: int = 1, high: int = 5, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "scale",
        "min": low,
        "max": high,
        "text": {"zh": f"{key}？", "en": f"{key}?"},
        **extra,
    }


def _template(*questions: dict[str, Any]) -> dict[str, Any]:
    return {"source": "visit", "name": {"zh": "回访", "en": "Follow-up"}, "questions": questions}


def test_the_shipped_templates_ask_what_the_policy_asks() -> None:
    templates = shipped_templates()
    visit, handoff = templates[SurveySource.VISIT], templates[SurveySource.HANDOFF]
    with_fee = visit.questions_for(fee_charged=True)
    assert [(q.key, q.kind, q.min, q.max, q.required) for q in with_fee] == [
        ("overall", QuestionKind.SCALE, 1, 5, True),
        ("response_speed", QuestionKind.SCALE, 1, 5, True),
        ("attitude", QuestionKind.SCALE, 1, 5, True),
        ("solved", QuestionKind.YES_NO, None, None, True),
        ("fee_reasonable", QuestionKind.SCALE, 1, 5, True),
        ("nps", QuestionKind.SCALE, 0, 10, True),
        ("comment", QuestionKind.TEXT, None, None, False),
    ]
    assert "fee_reasonable" not in [q.key for q in visit.questions_for(fee_charged=False)]
    assert [q.key for q in handoff.questions] == ["overall", "solved", "nps", "comment"]
    for question in [*visit.questions, *handoff.questions]:
        assert question.text.zh.strip() and question.text.en.strip()
        assert question.text.zh != question.text.en
    scores = {q.key: q for q in with_fee if q.kind is QuestionKind.SCALE}
    assert [s for s in range(0, 11) if scores["nps"].is_low(s)] == [0, 1, 2, 3, 4, 5, 6]
    assert [s for s in range(1, 6) if scores["attitude"].is_low(s)] == [1, 2]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ((_scale("overall"), _scale("overall")), "repeated: overall"),
        ((_scale("overall", 0, 10),), "overall: the report reads it as a 1–5 scale"),
        ((_scale("overall"), _scale("nps", 1, 10)), "nps: the report reads it as a 0–10 scale"),
        ((_scale("speed", 5, 5),), "a scale needs min < max"),
        ((_scale("speed", low_at_most=5),), "low_at_most must lie in"),
        (
            ({"key": "solved", "kind": "yes_no", "min": 0, "text": {"zh": "是", "en": "y"}},),
            "only scale questions have",
        ),
        ((_scale("speed", required=False),), "at least one question must always be asked"),
        ((_scale("speed", only_when="fee_charged"),), "at least one question must always"),
        ((_scale("Speed"),), "String should match pattern"),
        ((), "at least 1 item"),
    ],
)
def test_broken_templates_are_refused(questions: tuple[dict[str, Any], ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TemplateDocument.model_validate(_template(*questions))


async def _stored(app: FastAPI) -> dict[str, list[str]]:
    async with app.state.session_factory() as session:
        rows = (await session.execute(select(SurveyTemplate))).scalars()
        return {row.source: [q["key"] for q in row.questions] for row in rows}


async def test_seeding_stores_and_replaces_templates_that_new_surveys_use(
    api_app: FastAPI,
) -> None:
    assert read_seed_file(DEMO_FILE) == {"survey_templates": [{"file": "default"}]}
    async with committed(api_app) as session:
        assert await load_seed_files(session, [DEMO_FILE]) == {"survey_templates": 2}
    async with committed(api_app) as session:
        assert await load_seed_files(session, [DEMO_FILE]) == {"survey_templates": 0}
    stored = await _stored(api_app)
    assert stored["visit"] == [
        "overall",
        "response_speed",
        "attitude",
        "solved",
        "fee_reasonable",
        "nps",
        "comment",
    ]
    assert stored["handoff"] == ["overall", "solved", "nps", "comment"]

    operator_template = _template(_scale("overall", low_at_most=1), _scale("tidiness"))
    async with committed(api_app) as session:
        assert await load_templates(session, [operator_template]) == 1
    assert (await _stored(api_app))["visit"] == ["overall", "tidiness"]
    survey = await scheduled(api_app, conversation_id="web:kiosk-1", completed_at=shanghai(1, 10))
    assert [q["key"] for q in survey.questions] == ["overall", "tidiness"]
    async with api_app.state.session_factory() as session:
        count = (await session.execute(select(func.count()).select_from(SurveyTemplate))).scalar()
    assert count == 2


async def test_bad_seed_items_name_the_item(api_app: FastAPI) -> None:
    for item, message in (
        ({"file": "premium"}, "unknown template file 'premium'; shipped: default"),
        ({"file": "default", "source": "visit"}, "must have no other keys"),
        ({"source": "repair", "name": {"zh": "x", "en": "x"}, "questions": []}, "source"),
    ):
        async with api_app.state.session_factory() as session:
            with pytest.raises(SeedError, match=r"survey_templates\[1\]") as raised:
                await load_templates(session, [{"file": "default"}, item])
        assert message in str(raised.value)
    assert await _stored(api_app) == {}
