"""``aftersales nlu-eval``: stratified k-fold cross-validation of intent classification.

Each fold trains the intent classifier on the other folds and predicts its own examples
through the configured FallbackClassifier, so ``nlu_fallback`` counts as a miss. The report
gives precision, recall and F1 per intent, overall and per language (``zh`` when an example
has a Chinese character, ``en`` otherwise), macro-F1 per language, the most frequent
confusions, and how out-of-scope messages are handled: the recall of ``out_of_scope`` and
how often in-scope messages fall to ``out_of_scope`` or ``nlu_fallback``.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from bot.engine.nlu import segmenter
from bot.engine.nlu.config import NluConfig, read_nlu_config
from bot.engine.nlu.fallback import FALLBACK_INTENT, should_fall_back
from bot.engine.nlu.intent_classifier import IntentScore
from bot.engine.nlu.pipeline import RANKING_LENGTH, train_intent_classifier
from bot.engine.nlu.reader import load_nlu_training_data, training_data_files
from bot.engine.nlu.text import contains_han, normalise
from bot.engine.nlu.training_data import NluTrainingData
from bot.engine.yaml_source import DataError

OUT_OF_SCOPE_INTENT = "out_of_scope"
DEFAULT_FOLDS = 5
DEFAULT_MIN_F1 = 0.95
CONFUSIONS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class IntentMetrics:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class ScopeHandling:
    """What happened to out-of-scope and in-scope messages."""

    out_of_scope_examples: int
    out_of_scope_recall: float | None
    out_of_scope_to_fallback: float | None
    in_scope_examples: int
    in_scope_to_out_of_scope: float | None
    in_scope_to_fallback: float | None


@dataclass(frozen=True, slots=True)
class SliceReport:
    """Metrics over all examples or over one language's."""

    name: str
    examples: int
    accuracy: float
    macro_f1: float
    intents: tuple[IntentMetrics, ...]
    scope: ScopeHandling


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    folds: int
    overall: SliceReport
    languages: tuple[SliceReport, ...]
    confusions: tuple[tuple[str, str, int], ...]

    def failing_languages(self, min_f1: float) -> list[str]:
        return [report.name for report in self.languages if report.macro_f1 < min_f1]


def language_of(text: str) -> str:
    return "zh" if contains_han(text) else "en"


def cross_validate(
    training_data: NluTrainingData, config: NluConfig, folds: int = DEFAULT_FOLDS, seed: int = 0
) -> EvaluationReport:
    examples = training_data.examples
    intents = np.array([example.intent for example in examples])
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    if len(examples) < folds:
        raise ValueError(f"{len(examples)} examples cannot be split into {folds} folds")
    predicted = np.empty(len(examples), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    dictionary = segmenter.full_dictionary()
    for train_indices, test_indices in splitter.split(np.zeros(len(examples)), intents):
        fold_data = training_data.subset(tuple(examples[i] for i in train_indices))
        _, _, classifier = train_intent_classifier(fold_data, dictionary)
        for index in test_indices:
            predicted[index] = _predict(classifier.rank(normalise(examples[index].text)), config)
    truth = [str(intent) for intent in intents]
    guesses = [str(guess) for guess in predicted]
    languages = [language_of(example.text) for example in examples]
    slices = [
        _slice_report(
            language,
            [t for t, lang in zip(truth, languages, strict=True) if lang == language],
            [g for g, lang in zip(guesses, languages, strict=True) if lang == language],
        )
        for language in sorted(set(languages))
    ]
    confusions = Counter(
        (t, g) for t, g in zip(truth, guesses, strict=True) if t != g and g != FALLBACK_INTENT
    )
    return EvaluationReport(
        folds=folds,
        overall=_slice_report("all", truth, guesses),
        languages=tuple(slices),
        confusions=tuple(
            (t, g, count) for (t, g), count in confusions.most_common(CONFUSIONS_SHOWN)
        ),
    )


def _predict(scores: Sequence[IntentScore], config: NluConfig) -> str:
    ranking = [
        {"name": score.name, "confidence": score.confidence} for score in scores[:RANKING_LENGTH]
    ]
    if config.fallback is not None and should_fall_back(ranking, config.fallback):
        return FALLBACK_INTENT
    return str(ranking[0]["name"]) if ranking else FALLBACK_INTENT


def _slice_report(name: str, truth: list[str], guesses: list[str]) -> SliceReport:
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guesses, labels=labels, zero_division=0
    )
    intents = tuple(
        IntentMetrics(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    )
    correct = sum(t == g for t, g in zip(truth, guesses, strict=True))
    return SliceReport(
        name=name,
        examples=len(truth),
        accuracy=correct / len(truth) if truth else 0.0,
        macro_f1=float(np.mean(f1)) if labels else 0.0,
        intents=intents,
        scope=_scope_handling(truth, guesses),
    )


def _share(guesses: list[str], wanted: str) -> float | None:
    return sum(g == wanted for g in guesses) / len(guesses) if guesses else None


def _scope_handling(truth: list[str], guesses: list[str]) -> ScopeHandling:
    pairs = list(zip(truth, guesses, strict=True))
    outside = [g for t, g in pairs if t == OUT_OF_SCOPE_INTENT]
    inside = [g for t, g in pairs if t != OUT_OF_SCOPE_INTENT]
    return ScopeHandling(
        out_of_scope_examples=len(outside),
        out_of_scope_recall=_share(outside, OUT_OF_SCOPE_INTENT),
        out_of_scope_to_fallback=_share(outside, FALLBACK_INTENT),
        in_scope_examples=len(inside),
        in_scope_to_out_of_scope=_share(inside, OUT_OF_SCOPE_INTENT),
        in_scope_to_fallback=_share(inside, FALLBACK_INTENT),
    )


def _percent(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 100:5.1f}%"


def format_report(report: EvaluationReport, min_f1: float = DEFAULT_MIN_F1) -> str:
    lines = [f"NLU cross-validation ({report.folds} folds, {report.overall.examples} examples)"]
    for slice_report in (report.overall, *report.languages):
        lines += ["", _format_slice(slice_report)]
    lines += ["", "Most confused intents (true -> predicted, count):"]
    if not report.confusions:
        lines.append("  none")
    lines += [f"  {t} -> {g}: {count}" for t, g, count in report.confusions]
    lines.append("")
    for language in report.languages:
        verdict = "ok" if language.macro_f1 >= min_f1 else "BELOW"
        lines.append(
            f"macro-F1 {language.name}: {language.macro_f1:.3f} (minimum {min_f1:.3f}) {verdict}"
        )
    return "\n".join(lines)


def _format_slice(report: SliceReport) -> str:
    scope = report.scope
    width = max([len("intent"), *(len(m.intent) for m in report.intents)])
    lines = [
        f"[{report.name}] {report.examples} examples, accuracy {report.accuracy:.3f}, "
        f"macro-F1 {report.macro_f1:.3f}",
        f"  {'intent':<{width}}  precision  recall     f1  support",
    ]
    lines += [
        f"  {m.intent:<{width}}  {m.precision:9.3f}  {m.recall:6.3f}  {m.f1:5.3f}  {m.support:7d}"
        for m in report.intents
    ]
    lines += [
        f"  out_of_scope: recall {_percent(scope.out_of_scope_recall)}, "
        f"to nlu_fallback {_percent(scope.out_of_scope_to_fallback)} "
        f"({scope.out_of_scope_examples} examples)",
        f"  in scope: to out_of_scope {_percent(scope.in_scope_to_out_of_scope)}, "
        f"to nlu_fallback {_percent(scope.in_scope_to_fallback)} "
        f"({scope.in_scope_examples} examples)",
    ]
    return "\n".join(lines)


def run_nlu_eval(nlu_dir: Path, folds: int, min_f1: float, seed: int = 0) -> int:
    """Cross-validate the bot in ``nlu_dir`` and print the report.

    Returns 0, 1 when a language's macro-F1 is below ``min_f1``, 2 when the data cannot be
    evaluated.
    """
    try:
        training_data = load_nlu_training_data(training_data_files(nlu_dir / "data"))
        config = read_nlu_config(nlu_dir / "config.yml")
        report = cross_validate(training_data, config, folds=folds, seed=seed)
    except (DataError, ValueError) as error:
        print(f"nlu-eval: {error}", file=sys.stderr)
        return 2
    print(format_report(report, min_f1))
    return 1 if report.failing_languages(min_f1) else 0
