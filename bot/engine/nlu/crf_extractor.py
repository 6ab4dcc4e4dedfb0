"""Learned entity extraction: a linear-chain CRF (python-crfsuite).

Tokens are single characters for Chinese and letter or digit runs for Latin text (see
``text.sequence_tokens``); entity labels use BILOU tags as Rasa's CRFEntityExtractor does,
and roles and groups get a tagger each when the training data uses them. Features: the
folded token and its neighbours (two each side), token kind and shape, prefixes and
suffixes of Latin words, the position of a Chinese character in its jieba word, and which
regex or lookup covers the token. Only the first ``MAX_TAGGED_CHARACTERS`` characters are
tagged.

A trained tagger is kept as CRFsuite's model bytes and opened in memory: loading a cached
model needs python-crfsuite only, not scikit-learn (which sklearn-crfsuite would import, and
which alone takes about 100 MB in the engine process).
"""

from __future__ import annotations

import bisect
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pycrfsuite

from bot.engine.nlu.patterns import PatternMatcher
from bot.engine.nlu.segmenter import WordSegmenter
from bot.engine.nlu.text import Token, TokenKind, normalise, sequence_tokens
from bot.engine.nlu.training_data import EntityAnnotation, TrainingExample

EXTRACTOR_NAME = "CRFEntityExtractor"
MAX_TAGGED_CHARACTERS = 500
OUTSIDE = "O"
# Rasa's CRFEntityExtractor defaults: L1 and L2 weights 0.1, 50 iterations.
_CRF_ALGORITHM = "lbfgs"
_CRF_PARAMETERS: dict[str, Any] = {
    "c1": 0.1,
    "c2": 0.1,
    "max_iterations": 50,
    "feature.possible_transitions": True,
}
_NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
_LONG_NUMBER = 3

Features = dict[str, str | bool]


@dataclass(frozen=True, slots=True)
class _TaggedSpan:
    label: str
    first: int
    last: int
    confidence: float


class CrfEntityExtractor:
    def __init__(self, segmenter: WordSegmenter, matcher: PatternMatcher) -> None:
        self._segmenter = segmenter
        self._matcher = matcher
        self._entity_tagger: CrfTagger | None = None
        self._role_tagger: CrfTagger | None = None
        self._group_tagger: CrfTagger | None = None
        self._lock = threading.Lock()

    def fit(self, examples: Sequence[TrainingExample]) -> None:
        if not any(example.entities for example in examples):
            return
        sentences = []
        for example in examples:
            normalised = normalise(example.text)
            tokens = sequence_tokens(normalised)
            if tokens:
                sentences.append(
                    (example, tokens, self._features(example.text, normalised, tokens))
                )
        features = [sentence_features for _, _, sentence_features in sentences]
        self._entity_tagger = _trained(
            features, [_bilou_labels(tokens, example.entities) for example, tokens, _ in sentences]
        )
        if any(a.role for example in examples for a in example.entities):
            self._role_tagger = _trained(
                features,
                [
                    _attribute_labels(tokens, example.entities, "role")
                    for example, tokens, _ in sentences
                ],
            )
        if any(a.group for example in examples for a in example.entities):
            self._group_tagger = _trained(
                features,
                [
                    _attribute_labels(tokens, example.entities, "group")
                    for example, tokens, _ in sentences
                ],
            )

    def extract(self, text: str, normalised: str) -> list[dict[str, Any]]:
        if self._entity_tagger is None:
            return []
        tokens = sequence_tokens(normalised[:MAX_TAGGED_CHARACTERS])
        if not tokens:
            return []
        features = self._features(text, normalised, tokens)
        with self._lock:
            spans = _decode_bilou(*_tag(self._entity_tagger, features))
            if not spans:
                return []
            roles = _tag(self._role_tagger, features) if self._role_tagger else None
            groups = _tag(self._group_tagger, features) if self._group_tagger else None
        entities = []
        for span in spans:
            start, end = tokens[span.first].start, tokens[span.last].end
            entity: dict[str, Any] = {
                "entity": span.label,
                "start": start,
                "end": end,
                "confidence_entity": span.confidence,
                "value": text[start:end],
                "extractor": EXTRACTOR_NAME,
            }
            for key, tagged in (("role", roles), ("group", groups)):
                if tagged is not None and (voted := _vote(tagged, span)) is not None:
                    entity[key], entity[f"confidence_{key}"] = voted
            entities.append(entity)
        return entities

    def _features(self, text: str, normalised: str, tokens: Sequence[Token]) -> list[Features]:
        word_positions = self._word_positions(normalised)
        coverage = self._pattern_coverage(normalised, tokens)
        described = [_describe(text, token) for token in tokens]
        sentence: list[Features] = []
        for index, token in enumerate(tokens):
            features: Features = {"bias": True, **described[index]}
            position = word_positions.get(token.start)
            if token.kind is TokenKind.CJK and position is not None:
                features["seg"], features["segword"] = position
            for offset in _NEIGHBOUR_OFFSETS:
                neighbour = index + offset
                if 0 <= neighbour < len(tokens):
                    features[f"{offset}:w"] = described[neighbour]["w"]
                    features[f"{offset}:kind"] = described[neighbour]["kind"]
                else:
                    features[f"{offset}:edge"] = True
            if index > 0:
                features["-1:w|w"] = f"{described[index - 1]['w']}|{described[index]['w']}"
            if index + 1 < len(tokens):
                features["w|+1:w"] = f"{described[index]['w']}|{described[index + 1]['w']}"
            for name, starts_match in coverage.get(index, ()):
                features[f"pattern:{name}"] = True
                if starts_match:
                    features[f"pattern-start:{name}"] = True
            sentence.append(features)
        return sentence

    def _word_positions(self, normalised: str) -> dict[int, tuple[str, str]]:
        positions: dict[int, tuple[str, str]] = {}
        for word, start, end in self._segmenter.words(normalised[:MAX_TAGGED_CHARACTERS]):
            if end - start == 1:
                positions[start] = ("S", word)
                continue
            for offset in range(start, end):
                tag = "B" if offset == start else "E" if offset == end - 1 else "M"
                positions[offset] = (tag, word)
        return positions

    def _pattern_coverage(
        self, normalised: str, tokens: Sequence[Token]
    ) -> dict[int, list[tuple[str, bool]]]:
        coverage: dict[int, list[tuple[str, bool]]] = {}
        starts = [token.start for token in tokens]
        for match in self._matcher.matches(normalised[:MAX_TAGGED_CHARACTERS]):
            index = bisect.bisect_left(starts, match.start)
            while index < len(tokens) and tokens[index].end <= match.end:
                starts_match = tokens[index].start == match.start
                coverage.setdefault(index, []).append((match.name, starts_match))
                index += 1
        return coverage

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _describe(text: str, token: Token) -> dict[str, str]:
    original = text[token.start : token.end]
    word = token.text
    if token.kind is TokenKind.DIGIT and len(word) >= _LONG_NUMBER:
        word = f"<number:{min(len(word), 12)}>"
    description = {"w": word, "kind": token.kind.value, "shape": _shape(original)}
    if token.kind is TokenKind.LATIN:
        description["prefix3"] = token.text[:3]
        description["suffix3"] = token.text[-3:]
        description["length"] = str(min(len(token.text), 8))
    return description


def _shape(original: str) -> str:
    shape: list[str] = []
    for char in original:
        mark = "X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
        if not shape or shape[-1] != mark:
            shape.append(mark)
    return "".join(shape)[:8]


class CrfTagger:
    """A trained CRFsuite model: its bytes, and a tagger opened on them."""

    def __init__(self, model: bytes) -> None:
        self.model = model
        self.tagger = _opened(model)

    def __getstate__(self) -> dict[str, Any]:
        return {"model": self.model}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.model = state["model"]
        self.tagger = _opened(self.model)


def _opened(model: bytes) -> pycrfsuite.Tagger:
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model)
    return tagger


def _trained(features: list[list[Features]], labels: list[list[str]]) -> CrfTagger:
    trainer = pycrfsuite.Trainer(algorithm=_CRF_ALGORITHM, verbose=False)
    trainer.set_params(_CRF_PARAMETERS)
    for sentence, sentence_labels in zip(features, labels, strict=True):
        trainer.append(sentence, sentence_labels)
    with tempfile.NamedTemporaryFile(suffix=".crfsuite") as model_file:
        trainer.train(model_file.name, holdout=-1)
        return CrfTagger(model_file.read())


def _token_range(tokens: Sequence[Token], annotation: EntityAnnotation) -> range:
    inside = [
        index
        for index, token in enumerate(tokens)
        if token.start >= annotation.start and token.end <= annotation.end
    ]
    return range(inside[0], inside[-1] + 1) if inside else range(0)


def _bilou_labels(tokens: Sequence[Token], entities: Sequence[EntityAnnotation]) -> list[str]:
    labels = [OUTSIDE] * len(tokens)
    for annotation in entities:
        span = _token_range(tokens, annotation)
        if len(span) == 1:
            labels[span[0]] = f"U-{annotation.entity}"
            continue
        for index in span:
            prefix = "B" if index == span[0] else "L" if index == span[-1] else "I"
            labels[index] = f"{prefix}-{annotation.entity}"
    return labels


def _attribute_labels(
    tokens: Sequence[Token], entities: Sequence[EntityAnnotation], attribute: str
) -> list[str]:
    labels = [OUTSIDE] * len(tokens)
    for annotation in entities:
        value = getattr(annotation, attribute)
        if value:
            for index in _token_range(tokens, annotation):
                labels[index] = value
    return labels


def _tag(tagger: CrfTagger, features: list[Features]) -> tuple[list[str], list[float]]:
    crfsuite = tagger.tagger
    labels = crfsuite.tag(features)
    confidences = [crfsuite.marginal(label, index) for index, label in enumerate(labels)]
    return labels, confidences


def _decode_bilou(labels: list[str], confidences: list[float]) -> list[_TaggedSpan]:
    """Spans of consecutive tags of one entity; a B or U tag always opens a new span."""
    spans: list[_TaggedSpan] = []
    open_span: _TaggedSpan | None = None
    for index, tag in enumerate(labels):
        if tag == OUTSIDE:
            open_span = None
            continue
        prefix, _, entity = tag.partition("-")
        continues = open_span is not None and open_span.label == entity and prefix in ("I", "L")
        if continues and open_span is not None:
            open_span = _TaggedSpan(
                entity, open_span.first, index, min(open_span.confidence, confidences[index])
            )
            spans[-1] = open_span
        else:
            open_span = _TaggedSpan(entity, index, index, confidences[index])
            spans.append(open_span)
        if prefix in ("L", "U"):
            open_span = None
    return spans


def _vote(tagged: tuple[list[str], list[float]], span: _TaggedSpan) -> tuple[str, float] | None:
    labels, confidences = tagged
    inside = [
        (labels[index], confidences[index])
        for index in range(span.first, span.last + 1)
        if labels[index] != OUTSIDE
    ]
    if not inside:
        return None
    label, _ = Counter(label for label, _ in inside).most_common(1)[0]
    chosen = [confidence for tag, confidence in inside if tag == label]
    return label, sum(chosen) / (span.last - span.first + 1)
