"""Intent classification and the FallbackClassifier on the small bilingual bot."""

from __future__ import annotations

import math

import pytest

from bot.engine.nlu import FALLBACK_INTENT, FallbackSettings, NluPipeline
from bot.engine.nlu.fallback import should_fall_back
from bot.engine.nlu.text import normalise


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("你好啊", "greet"),
        ("hello there", "greet"),
        ("我的冰箱不制冷了", "report_fault"),
        ("my fridge stopped cooling", "report_fault"),
        ("還在保修期嗎", "check_warranty"),
        ("ＩＳ ＩＴ ＳＴＩＬＬ ＵＮＤＥＲ ＷＡＲＲＡＮＴＹ", "check_warranty"),
        ("please 派个师傅上门", "book_visit"),
        ("my 空调 stopped cooling", "report_fault"),
        ("拜拜 see you", "goodbye"),
    ],
)
def test_one_model_classifies_chinese_english_mixed_full_width_and_traditional(
    pipeline: NluPipeline, text: str, intent: str
) -> None:
    result = pipeline.parse(text)
    assert result["intent"]["name"] == intent
    assert result["intent"]["confidence"] > 0.5
    assert result["intent_ranking"][0] == result["intent"]


def test_result_has_rasas_parse_shape(pipeline: NluPipeline) -> None:
    result = pipeline.parse("hello there")
    assert set(result) == {"text", "intent", "entities", "intent_ranking", "text_tokens"}
    assert result["text"] == "hello there"
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["text_tokens"] == [[0, 5], [6, 11]]


def test_probabilities_are_calibrated_and_ranked(pipeline: NluPipeline) -> None:
    result = pipeline.parse("my tv is broken")
    confidences = [entry["confidence"] for entry in result["intent_ranking"]]
    assert len(confidences) == len(pipeline.intents) == 7
    assert confidences == sorted(confidences, reverse=True)
    assert math.isclose(sum(confidences), 1.0, rel_tol=1e-9)
    assert all(0.0 <= confidence <= 1.0 for confidence in confidences)


@pytest.mark.parametrize(
    "text",
    ["你好", "my 电視 is broken", "hello qwxz", "派师傅 please", "格力 KFR-72LW 13800138000"],
)
def test_fast_scoring_equals_scikit_learn(pipeline: NluPipeline, text: str) -> None:
    classifier = pipeline._classifier
    fast = {score.name: score.confidence for score in classifier.rank(normalise(text))}
    reference = classifier.sklearn_probabilities(normalise(text))
    assert fast.keys() == reference.keys()
    for intent, probability in reference.items():
        assert fast[intent] == pytest.approx(probability, abs=1e-9)


@pytest.mark.parametrize("text", ["qwxz zzq", "asdfgh", "lorem ipsum dolor", "ㄅㄆㄇ"])
def test_text_whose_words_were_never_seen_has_no_ranking_and_falls_back(
    pipeline: NluPipeline, text: str
) -> None:
    # Gibberish shares letters with real words, so its characters alone would still score.
    assert pipeline._classifier.sklearn_probabilities(normalise(text))
    result = pipeline.parse(text)
    assert result["intent"] == {"name": FALLBACK_INTENT, "confidence": 0.3}
    assert result["intent_ranking"] == [{"name": FALLBACK_INTENT, "confidence": 0.3}]


@pytest.mark.parametrize(("text", "intent"), [("helloo", "greet"), ("warrantyy", "check_warranty")])
def test_a_misspelt_word_is_still_read(pipeline: NluPipeline, text: str, intent: str) -> None:
    assert pipeline.parse(text)["intent"]["name"] == intent


def test_one_known_word_among_unknown_ones_is_enough_evidence(pipeline: NluPipeline) -> None:
    result = pipeline.parse("hello qwxz zzq")
    assert result["intent"]["name"] == "greet"
    assert len(result["intent_ranking"]) == len(pipeline.intents)


@pytest.mark.parametrize("text", ["", "   \n", "😀🙃", "𓀀𓀁"])
def test_text_without_known_features_has_no_intent_and_falls_back(
    pipeline: NluPipeline, text: str
) -> None:
    result = pipeline.parse(text)
    assert result["intent"] == {"name": FALLBACK_INTENT, "confidence": 0.3}
    assert result["intent_ranking"] == [{"name": FALLBACK_INTENT, "confidence": 0.3}]
    assert result["entities"] == []
    assert result["text"] == text


def test_without_fallback_classifier_blank_text_has_no_intent(pipeline: NluPipeline) -> None:
    pipeline_without_fallback = _with_fallback(pipeline, None)
    result = pipeline_without_fallback.parse("  ")
    assert result["intent"] == {"name": None, "confidence": 0.0}
    assert result["intent_ranking"] == []
    assert pipeline_without_fallback.parse("qwxz zzq")["intent"]["name"] != FALLBACK_INTENT


def test_ambiguity_threshold_triggers_the_fallback(pipeline: NluPipeline) -> None:
    clear = pipeline.parse("my fridge stopped cooling")
    top, second = clear["intent_ranking"][:2]
    margin = top["confidence"] - second["confidence"]
    strict = _with_fallback(
        pipeline, FallbackSettings(threshold=0.0, ambiguity_threshold=margin + 1e-6)
    )
    lenient = _with_fallback(
        pipeline, FallbackSettings(threshold=0.0, ambiguity_threshold=margin - 1e-6)
    )
    assert strict.parse("my fridge stopped cooling")["intent"] == {
        "name": FALLBACK_INTENT,
        "confidence": 0.0,
    }
    assert lenient.parse("my fridge stopped cooling")["intent"]["name"] == "report_fault"


def test_fallback_rules() -> None:
    settings = FallbackSettings(threshold=0.3, ambiguity_threshold=0.1)

    def ranking(*confidences: float) -> list[dict[str, object]]:
        return [{"name": f"i{n}", "confidence": c} for n, c in enumerate(confidences)]

    assert should_fall_back([], settings)
    assert should_fall_back(ranking(0.29), settings)
    assert not should_fall_back(ranking(0.3), settings)
    assert should_fall_back(ranking(0.5, 0.45), settings)
    assert not should_fall_back(ranking(0.5, 0.39), settings)


def test_ten_thousand_characters_are_classified(pipeline: NluPipeline) -> None:
    text = "我的冰箱不制冷了。" * 1200
    result = pipeline.parse(text)
    assert result["intent"]["name"] == "report_fault"
    assert result["text_tokens"][-1][1] == len(text)


def _with_fallback(pipeline: NluPipeline, settings: FallbackSettings | None) -> NluPipeline:
    from copy import copy
    from dataclasses import replace

    changed = copy(pipeline)
    changed.config = replace(pipeline.config, fallback=settings)
    return changed
