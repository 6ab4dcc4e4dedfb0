"""The project's own NLU data: its conventions and the quality bar the model must hold.

The bar is macro-F1 of at least 0.95 per language on held-out examples. It is checked with
3 stratified folds (``aftersales nlu-eval`` reports 5): each fold trains on two thirds of
the data, so the bar holds with less data than the shipped model learns from.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.engine.nlu import (
    NluConfig,
    NluTrainingData,
    load_nlu_training_data,
    read_nlu_config,
    training_data_files,
)
from bot.engine.nlu.evaluation import EvaluationReport, cross_validate
from bot.engine.nlu.fallback import should_fall_back
from bot.engine.nlu.intent_classifier import IntentClassifier
from bot.engine.nlu.pipeline import train_intent_classifier
from bot.engine.nlu.text import normalise, normalise_key

NLU_DIR = Path(__file__).resolve().parents[3] / "nlu_data"
MIN_MACRO_F1 = 0.95
MAX_IN_SCOPE_FALLBACK = 0.05
MIN_OUT_OF_SCOPE_RECALL = 0.85
NEAR_DUPLICATE_RATIO = 90
CLOSED_CLASS_ENTITIES = ("product_category", "brand", "component")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project_data() -> NluTrainingData:
    return load_nlu_training_data(training_data_files(NLU_DIR / "data"))


@pytest.fixture(scope="module")
def project_config() -> NluConfig:
    return read_nlu_config(NLU_DIR / "config.yml")


@pytest.fixture(scope="module")
def report(project_data: NluTrainingData, project_config: NluConfig) -> EvaluationReport:
    return cross_validate(project_data, project_config, folds=3)


@pytest.fixture(scope="module")
def classifier(project_data: NluTrainingData) -> IntentClassifier:
    return train_intent_classifier(project_data)[2]


def test_each_language_reaches_the_macro_f1_target(report: EvaluationReport) -> None:
    assert [language.name for language in report.languages] == ["en", "zh"]
    for language in report.languages:
        weakest = sorted(language.intents, key=lambda metrics: metrics.f1)[:3]
        detail = ", ".join(f"{metrics.intent} {metrics.f1:.3f}" for metrics in weakest)
        assert language.macro_f1 >= MIN_MACRO_F1, (
            f"{language.name} macro-F1 {language.macro_f1:.3f}; weakest: {detail}"
        )


def test_in_scope_messages_rarely_fall_back(report: EvaluationReport) -> None:
    for language in report.languages:
        share = language.scope.in_scope_to_fallback
        assert share is not None and share < MAX_IN_SCOPE_FALLBACK, language.name


def test_out_of_scope_messages_are_recognised(report: EvaluationReport) -> None:
    for language in report.languages:
        recall = language.scope.out_of_scope_recall
        assert recall is not None and recall >= MIN_OUT_OF_SCOPE_RECALL, language.name


@pytest.mark.parametrize(
    "text", ["asdfghjkl", "qwxz zzq", "zxcvbnm qwerty", "ksdjf lskdjf woeiru", "ㄅㄆㄇ"]
)
def test_gibberish_falls_back(
    classifier: IntentClassifier, project_config: NluConfig, text: str
) -> None:
    assert project_config.fallback is not None
    ranking = [
        {"name": score.name, "confidence": score.confidence}
        for score in classifier.rank(normalise(text))
    ]
    assert should_fall_back(ranking, project_config.fallback)


def test_no_two_examples_of_an_intent_are_near_duplicates(project_data: NluTrainingData) -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in project_data.examples:
        by_intent[example.intent].append(normalise_key(example.text))
    pairs = [
        (intent, first, second)
        for intent, texts in by_intent.items()
        for index, first in enumerate(texts)
        for second in texts[index + 1 :]
        if fuzz.ratio(first, second) > NEAR_DUPLICATE_RATIO
    ]
    assert pairs == []


def test_every_spelling_of_a_category_brand_or_component_has_a_code(
    project_data: NluTrainingData,
) -> None:
    synonyms = {normalise_key(text): value for text, value in project_data.synonyms.items()}
    codes = set(project_data.synonyms.values())
    unmapped = {
        (annotation.entity, example.text[annotation.start : annotation.end])
        for example in project_data.examples
        for annotation in example.entities
        if annotation.entity in CLOSED_CLASS_ENTITIES
        and synonyms.get(normalise_key(annotation.value), annotation.value) not in codes
    }
    assert unmapped == set()
