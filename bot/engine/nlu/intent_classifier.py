"""Intent classification: TF-IDF features, a linear SVM and temperature calibration.

The classifier reads the folded text with every entity value it can recognise replaced by
one placeholder character per entity: regex and lookup matches (a model code, serial, phone,
case id, brand or product name) and the spellings that the training data annotates for an
entity whose values are normalised by synonyms (product categories, brands, components).
Which fridge, which part or which phone number the user names says nothing about what they
want; unmasked, these names and numbers, which recur across the data with one intent or
another, outweighed the words around them, and "a new compressor" (a part's price) could not
be told from "a new fridge" (a sale). Features are character n-grams (1–4, within word
boundaries) of that text, its jieba words and pairs of adjacent words, and one token per
entity value found (Rasa's RegexFeaturizer). A LinearSVC separates the intents and
``CalibratedClassifierCV(method="temperature")`` turns its scores into probabilities: a
softmax of the scores times one inverse temperature fitted on held-out folds, so the
probabilities sum to 1 and mean what the fallback thresholds assume. On the project's data
this matched logistic regression's F1 and calibration at a fraction of its training time.
When an intent has a single example nothing can be held out, and the temperature is fitted
on the training data itself. A message that carries no evidence the model knows (unknown
characters, keyboard mashing) gets no ranking at all (see ``rank``).

scikit-learn fits the vectorisers and the model (``intent_training``, imported only to
train). Scoring one message through their ``transform``/``predict_proba`` costs about a
millisecond of input validation, so ``rank`` computes the same TF-IDF vectors (sublinear tf,
idf, L2 per block), scores and softmax straight from the fitted vocabularies, idf weights,
coefficients and temperature (``sklearn_probabilities`` is the reference it is tested
against). Those arrays are all a trained classifier keeps when it is cached, so the engine
loads a cached model without importing scikit-learn and SciPy (about 100 MB of its memory).
Only the first ``MAX_CLASSIFIED_CHARACTERS`` characters are read: an intent is stated early,
and a 10 000-character paste costs no more than a normal message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.engine.nlu.patterns import PatternMatch, PatternMatcher
from bot.engine.nlu.segmenter import WordSegmenter
from bot.engine.nlu.text import collapse_whitespace, normalise_key
from bot.engine.nlu.training_data import LookupTable, TrainingExample

if TYPE_CHECKING:
    from bot.engine.nlu.intent_training import FittedIntentModel

MAX_CLASSIFIED_CHARACTERS = 500
CHARACTER_NGRAMS = (1, 4)
# Placeholders come from Unicode's private use area, which no user text is expected to use.
UNKNOWN_PATTERN_PLACEHOLDER = "\ue000"
_FIRST_PATTERN_PLACEHOLDER = 0xE001
# A message with no known word is still read when at least this share of its letter
# sequences is known (see ``_familiar``).
MIN_FAMILIAR_SHARE = 0.5
_SEQUENCE_LENGTH = 3


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class ClassifierInput:
    """What the classifier reads of a message: masked text and its word tokens."""

    text: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IntentScoring:
    """What scoring needs of a fitted model: vocabularies, idf weights, coefficients."""

    character_vocabulary: Mapping[str, int]
    character_idf: np.ndarray
    word_vocabulary: Mapping[str, int]
    word_idf: np.ndarray
    word_offset: int
    weights: np.ndarray
    bias: np.ndarray
    inverse_temperature: float
    padding_index: int | None


def _tfidf(
    features: Iterable[str], vocabulary: Mapping[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and L2-normalised sublinear TF-IDF values of the known ``features``."""
    counts: dict[int, int] = {}
    for feature in features:
        index = vocabulary.get(feature)
        if index is not None:
            counts[index] = counts.get(index, 0) + 1
    indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
    values = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    values *= idf[indices]
    norm = float(np.sqrt(values @ values))
    if norm > 0.0:
        values /= norm
    return indices, values


def tokens_as_given(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tokens


def character_ngrams(text: str) -> list[str]:
    """Character n-grams of each whitespace-separated word padded with one space each side,
    lengths ``CHARACTER_NGRAMS``; a word shorter than a length yields itself once (the
    n-grams of scikit-learn's ``analyzer="char_wb"``)."""
    shortest, longest = CHARACTER_NGRAMS
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for length in range(shortest, longest + 1):
            if len(padded) <= length:
                grams.append(padded)
                break
            grams.extend(padded[i : i + length] for i in range(len(padded) - length + 1))
    return grams


def mask_matches(
    text: str, matches: Iterable[PatternMatch], placeholders: Mapping[str, str]
) -> str:
    """``text`` with each match replaced by its pattern's placeholder.

    Where matches overlap the earliest wins, and of those starting together the longest.
    """
    pieces: list[str] = []
    position = 0
    for match in sorted(matches, key=lambda m: (m.start, -m.end)):
        if match.start < position:
            continue
        pieces.append(text[position : match.start])
        pieces.append(placeholders.get(match.name, UNKNOWN_PATTERN_PLACEHOLDER))
        position = match.end
    pieces.append(text[position:])
    return "".join(pieces)


def _familiar(item: ClassifierInput, scoring: IntentScoring) -> bool:
    """Whether a message none of whose words the model knows still looks like known text.

    Without words (emoji, punctuation) any known character counts. With words, misspelt
    ones (``thnks``, ``hiii``) share most of their letter sequences (n-grams of three or
    more characters) with the training data and keyboard mashing (``asdfgh``) shares few.
    """
    grams = character_ngrams(item.text)
    if not item.words:
        return any(
            scoring.character_vocabulary.get(gram) not in (None, scoring.padding_index)
            for gram in grams
        )
    sequences = [gram for gram in grams if len(gram) >= _SEQUENCE_LENGTH and gram.strip()]
    known = sum(gram in scoring.character_vocabulary for gram in sequences)
    return bool(sequences) and known >= MIN_FAMILIAR_SHARE * len(sequences)


def entity_vocabulary(
    examples: Iterable[TrainingExample], synonyms: Mapping[str, str]
) -> tuple[LookupTable, ...]:
    """Per entity, the annotated spellings of values that synonyms normalise.

    An annotation counts when its value, looked up as the EntitySynonymMapper would, is one
    of the synonym values: those entities have a closed set of values (categories, brands,
    components), so every spelling of them is a name, not a free text such as an address
    or a symptom.
    """
    table = {normalise_key(text): value for text, value in synonyms.items()}
    canonical_values = set(synonyms.values())
    table.update({normalise_key(value): value for value in canonical_values})
    spellings: dict[str, set[str]] = {}
    for example in examples:
        for annotation in example.entities:
            value = table.get(normalise_key(annotation.value), annotation.value)
            if value in canonical_values:
                surface = normalise_key(example.text[annotation.start : annotation.end])
                spellings.setdefault(annotation.entity, set()).add(surface)
    return tuple(
        LookupTable(entity, tuple(sorted(names))) for entity, names in sorted(spellings.items())
    )


class IntentClassifier:
    """``matcher``: the data's regexes and lookups; ``vocabulary``: ``entity_vocabulary``."""

    def __init__(
        self, segmenter: WordSegmenter, matcher: PatternMatcher, vocabulary: PatternMatcher
    ) -> None:
        self._segmenter = segmenter
        self._matcher = matcher
        self._vocabulary = vocabulary
        self._classes: tuple[str, ...] = ()
        self._placeholders: dict[str, str] = {}
        self._scoring: IntentScoring | None = None
        self._fitted: FittedIntentModel | None = None

    def fit(self, normalised_texts: Sequence[str], intents: Sequence[str]) -> None:
        # scikit-learn is imported to train only: a cached classifier is loaded without it.
        from bot.engine.nlu.intent_training import fit_intent_model

        texts = [self._readable(text) for text in normalised_texts]
        matches = [self._entity_values(text) for text in texts]
        names = sorted({match.name for found in matches for match in found})
        self._placeholders = {
            name: chr(_FIRST_PATTERN_PLACEHOLDER + index) for index, name in enumerate(names)
        }
        inputs = [self._input(text, found) for text, found in zip(texts, matches, strict=True)]
        self._classes = tuple(sorted(set(intents)))
        self._fitted = fit_intent_model(inputs, intents) if len(self._classes) > 1 else None
        self._scoring = self._fitted.scoring if self._fitted is not None else None

    def rank(self, normalised: str) -> list[IntentScore]:
        """Every intent with its probability, most likely first.

        Empty for blank text, for text without words whose characters the model has never
        seen (an unknown emoji, another script) and for text with words of which it knows
        none that does not look like known text either (keyboard mashing, see
        ``_familiar``): like an empty message, it carries no evidence, and the fallback
        takes it.
        """
        text = self._readable(normalised)
        if not text or not self._classes:
            return []
        if len(self._classes) == 1:
            return [IntentScore(self._classes[0], 1.0)]
        probabilities = self._probabilities(self.classifier_input(text))
        if probabilities is None:
            return []
        order = np.argsort(-probabilities, kind="stable")
        return [IntentScore(self._classes[i], float(probabilities[i])) for i in order]

    def sklearn_probabilities(self, normalised: str) -> dict[str, float]:
        """The fitted model's own ``predict_proba``: the reference ``rank`` must agree with.

        Only in the process that trained: the scikit-learn objects are not cached."""
        if self._fitted is None:
            raise ValueError("no scikit-learn model: a single intent, or a cached classifier")
        return self._fitted.probabilities(self.classifier_input(self._readable(normalised)))

    def classifier_input(self, readable: str) -> ClassifierInput:
        """The masked text and words the model reads for whitespace-collapsed folded text."""
        return self._input(readable, self._entity_values(readable))

    def _probabilities(self, item: ClassifierInput) -> np.ndarray | None:
        """Intent probabilities; None when ``item`` carries no evidence (see ``rank``)."""
        scoring = self._fitted_scoring()
        character_indices, character_values = _tfidf(
            character_ngrams(item.text),
            scoring.character_vocabulary,
            scoring.character_idf,
        )
        word_indices, word_values = _tfidf(item.words, scoring.word_vocabulary, scoring.word_idf)
        if not word_indices.size and not _familiar(item, scoring):
            return None
        indices = np.concatenate([character_indices, word_indices + scoring.word_offset])
        values = np.concatenate([character_values, word_values])
        scores = values @ scoring.weights[indices] + scoring.bias
        if scores.shape[0] == 1:
            # A binary SVM has one score; the calibrator reads it as the logits (-s, s).
            scores = np.array([-scores[0], scores[0]])
        logits = scoring.inverse_temperature * scores
        exponentials = np.exp(logits - logits.max())
        return exponentials / exponentials.sum()

    def _fitted_scoring(self) -> IntentScoring:
        if self._scoring is None:
            raise ValueError("the classifier is not fitted")
        return self._scoring

    @staticmethod
    def _readable(normalised: str) -> str:
        return collapse_whitespace(normalised[:MAX_CLASSIFIED_CHARACTERS])

    def _entity_values(self, text: str) -> list[PatternMatch]:
        return [*self._matcher.matches(text), *self._vocabulary.matches(text)]

    def _input(self, text: str, matches: Sequence[PatternMatch]) -> ClassifierInput:
        masked = mask_matches(text, matches, self._placeholders)
        words = [
            word
            for word, _, _ in self._segmenter.words(masked)
            if any(char.isalnum() for char in word)
        ]
        pairs = [f"{first} {second}" for first, second in pairwise(words)]
        patterns = [f"<{match.name}>" for match in matches]
        return ClassifierInput(masked, (*words, *pairs, *patterns))

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_fitted": None}
