"""CSAT and NPS arithmetic on small groups, including the empty and the extreme ones."""

from __future__ import annotations

from api.surveys.figures import SurveyFacts, figures_of, percent
from api.surveys.questions import QuestionKind

DIMENSIONS = [("overall", QuestionKind.SCALE), ("solved", QuestionKind.YES_NO)]


def test_no_answers_give_no_figures_rather_than_zero() -> None:
    figures = figures_of([SurveyFacts(completed=False)], DIMENSIONS)
    assert (figures.surveys, figures.responded, figures.completed) == (1, 0, 0)
    assert (figures.csat, figures.nps) == (None, None)
    assert [(d.key, d.answers, d.average, d.yes_percent) for d in figures.dimensions] == [
        ("overall", 0, None, None),
        ("solved", 0, None, None),
    ]


def test_only_detractors_give_minus_100_and_only_promoters_100() -> None:
    detractors = [SurveyFacts(True, {"nps": score}) for score in (0, 3, 6)]
    assert figures_of(detractors, []).nps == -100.0
    promoters = [SurveyFacts(True, {"nps": score}) for score in (9, 10)]
    assert figures_of(promoters, []).nps == 100.0
    passives = [SurveyFacts(True, {"nps": score}) for score in (7, 8)]
    assert (figures_of(passives, []).nps, figures_of(passives, []).passives) == (0.0, 2)


def test_csat_counts_4_and_5_as_satisfied_and_a_text_answer_as_a_response() -> None:
    facts = [
        SurveyFacts(True, {"overall": 3}, {"solved": True}),
        SurveyFacts(True, {"overall": 4}, {"solved": False}),
        SurveyFacts(False, {"overall": 5}),
        SurveyFacts(False, texts=1),
    ]
    figures = figures_of(facts, DIMENSIONS)
    assert (figures.csat, figures.csat_answers, figures.responded) == (66.7, 3, 4)
    overall, solved = figures.dimensions
    assert (overall.average, solved.yes_percent) == (4.0, 50.0)
    assert percent(1, 3) == 33.3 and percent(0, 0) is None
