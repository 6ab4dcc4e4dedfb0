"""The trained NLU pipeline: training, the on-disk model cache and ``parse``.

``parse`` runs, in Rasa's order: the intent classifier and FallbackClassifier, the
CRFEntityExtractor, RegexEntityExtractor and DateParserEntityExtractor (their entities are
all kept, in that order, as Rasa keeps every extractor's output, overlaps included), then
the EntitySynonymMapper. ``intent_ranking`` holds the classifier's ten best intents, with
``nlu_fallback`` put in front when it is predicted (eleven entries then, as in Rasa);
``text_tokens`` are the jieba tokens of the whole text. Payload messages (``/intent{...}``)
bypass all of it, as Rasa's RegexMessageHandler does. A pipeline is safe to share between
threads.

The learned components and the date search read the first 500 characters of a message;
regexes, lookups and tokens cover all of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Collection
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jieba
import joblib

from bot.engine.code_version import code_version
from bot.engine.nlu.config import NluConfig
from bot.engine.nlu.crf_extractor import CrfEntityExtractor
from bot.engine.nlu.dates import ENTITY_NAME as DATE_ENTITY
from bot.engine.nlu.dates import DateExtractor
from bot.engine.nlu.fallback import fallback_intent, should_fall_back
from bot.engine.nlu.intent_classifier import IntentClassifier, entity_vocabulary
from bot.engine.nlu.patterns import PatternMatcher
from bot.engine.nlu.payload import parse_payload
from bot.engine.nlu.segmenter import WordSegmenter
from bot.engine.nlu.synonyms import SynonymMapper
from bot.engine.nlu.text import normalise, normalise_key
from bot.engine.nlu.training_data import NluTrainingData

NLU_SOURCE_DIR = Path(__file__).resolve().parent
RANKING_LENGTH = 10
REGEX_EXTRACTOR_NAME = "RegexEntityExtractor"
_LIBRARIES = ("scikit-learn", "python-crfsuite", "jieba", "dateparser")
_CACHE_FILE_NAME = re.compile(r"^[0-9a-f]{64}$")

logger = logging.getLogger(__name__)


def model_cache_key(training_data: NluTrainingData, config: NluConfig) -> str:
    """sha256 of what the model is made of: data, config, the NLU's code (package version
    and sources) and library versions."""
    material = {
        "code": code_version(NLU_SOURCE_DIR),
        "libraries": {name: version(name) for name in _LIBRARIES},
        "data": training_data.content(),
        "config": config.content(),
    }
    encoded = json.dumps(material, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


class NluPipeline:
    def __init__(
        self,
        *,
        config: NluConfig,
        intents: frozenset[str],
        annotated_entities: frozenset[str],
        segmenter: WordSegmenter,
        matcher: PatternMatcher,
        classifier: IntentClassifier,
        entity_tagger: CrfEntityExtractor,
        synonyms: SynonymMapper,
        cache_key: str,
    ) -> None:
        self.config = config
        self.cache_key = cache_key
        self._intents = intents
        self._annotated_entities = annotated_entities
        self._segmenter = segmenter
        self._matcher = matcher
        self._classifier = classifier
        self._entity_tagger = entity_tagger
        self._synonyms = synonyms
        self._dates = DateExtractor()

    @property
    def intents(self) -> frozenset[str]:
        return self._intents

    @property
    def entities(self) -> frozenset[str]:
        """Entity names ``parse`` can return for free text."""
        return self._annotated_entities | {DATE_ENTITY}

    @classmethod
    def train(cls, training_data: NluTrainingData, config: NluConfig) -> NluPipeline:
        segmenter, matcher, classifier = train_intent_classifier(training_data)
        entity_tagger = CrfEntityExtractor(segmenter, matcher)
        entity_tagger.fit(training_data.examples)
        pipeline = cls(
            config=config,
            intents=training_data.intents,
            annotated_entities=training_data.entities,
            segmenter=segmenter,
            matcher=matcher,
            classifier=classifier,
            entity_tagger=entity_tagger,
            synonyms=SynonymMapper(training_data.synonyms),
            cache_key=model_cache_key(training_data, config),
        )
        pipeline._dates.warm_up()
        return pipeline

    @classmethod
    def load_or_train(
        cls, training_data: NluTrainingData, config: NluConfig, cache_dir: Path
    ) -> NluPipeline:
        """The cached model for this data and config, trained and cached when missing."""
        key = model_cache_key(training_data, config)
        path = cache_dir / f"{key}.joblib"
        cached = _load_cached(path, key)
        if cached is not None:
            return cached
        pipeline = cls.train(training_data, config)
        try:
            _store(pipeline, path)
        except OSError as error:
            logger.warning("could not cache the NLU model at %s (%s)", path, error)
        return pipeline

    def parse(
        self,
        text: str,
        *,
        known_intents: Collection[str] | None = None,
        known_entities: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Rasa's ``/model/parse`` result for ``text``.

        ``known_intents``/``known_entities`` (the domain's) validate payload messages as
        Rasa does; ``now`` anchors relative dates (default: the local time).
        """
        payload = parse_payload(text, known_intents, known_entities)
        if payload is not None:
            return payload
        normalised = normalise(text)
        ranking = [
            {"name": score.name, "confidence": score.confidence}
            for score in self._classifier.rank(normalised)[:RANKING_LENGTH]
        ]
        intent: dict[str, Any] = dict(ranking[0]) if ranking else {"name": None, "confidence": 0.0}
        fallback = self.config.fallback
        if fallback is not None and should_fall_back(ranking, fallback):
            intent = fallback_intent(fallback)
            ranking.insert(0, fallback_intent(fallback))
        entities = self._entity_tagger.extract(text, normalised)
        entities += self._pattern_entities(text, normalised)
        entities += self._dates.extract(text, normalised, now or datetime.now())
        self._synonyms.apply(entities)
        return {
            "text": text,
            "intent": intent,
            "entities": entities,
            "intent_ranking": ranking,
            "text_tokens": [[start, end] for _, start, end in self._segmenter.words(normalised)],
        }

    def _pattern_entities(self, text: str, normalised: str) -> list[dict[str, Any]]:
        return [
            {
                "entity": match.name,
                "start": match.start,
                "end": match.end,
                "value": text[match.start : match.end],
                "extractor": REGEX_EXTRACTOR_NAME,
            }
            for match in self._matcher.matches(normalised)
            if match.name in self._annotated_entities
        ]

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._dates.warm_up()


def train_intent_classifier(
    training_data: NluTrainingData, dictionary: jieba.Tokenizer | None = None
) -> tuple[WordSegmenter, PatternMatcher, IntentClassifier]:
    """The segmenter, pattern matcher and intent classifier fitted on ``training_data``.

    ``dictionary``: jieba's full dictionary when the caller already has it loaded.
    """
    examples = training_data.examples
    normalised_texts = [normalise(example.text) for example in examples]
    segmenter = WordSegmenter.from_corpus(
        normalised_texts, _domain_words(training_data), dictionary
    )
    matcher = PatternMatcher(training_data.regexes, training_data.lookups)
    vocabulary = PatternMatcher((), entity_vocabulary(examples, training_data.synonyms))
    classifier = IntentClassifier(segmenter, matcher, vocabulary)
    classifier.fit(normalised_texts, [example.intent for example in examples])
    return segmenter, matcher, classifier


def _domain_words(training_data: NluTrainingData) -> list[str]:
    words = [normalise_key(e) for lookup in training_data.lookups for e in lookup.elements]
    words += [normalise_key(text) for text in training_data.synonyms]
    words += [
        normalise_key(example.text[annotation.start : annotation.end])
        for example in training_data.examples
        for annotation in example.entities
    ]
    return words


def _load_cached(path: Path, key: str) -> NluPipeline | None:
    if not path.is_file():
        return None
    try:
        loaded = joblib.load(path)
    except Exception as error:  # unpickling fails in many ways; each means retrain
        logger.warning("NLU model cache %s is unreadable (%s); retraining", path, error)
        return None
    if not isinstance(loaded, NluPipeline) or loaded.cache_key != key:
        logger.warning("NLU model cache %s holds another model; retraining", path)
        return None
    logger.info("NLU model loaded from cache %s", path)
    return loaded


def _store(pipeline: NluPipeline, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        joblib.dump(pipeline, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    for stale in path.parent.glob("*.joblib"):
        if stale != path and _CACHE_FILE_NAME.match(stale.stem):
            stale.unlink(missing_ok=True)
    logger.info("NLU model cached at %s", path)
