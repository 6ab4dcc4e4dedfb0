"""Fitting the intent classifier with scikit-learn: TF-IDF vectorisers, a linear SVM and
temperature calibration (see ``intent_classifier`` for the model). Imported only to train."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.svm import LinearSVC

from bot.engine.nlu.intent_classifier import (
    ClassifierInput,
    IntentScoring,
    character_ngrams,
    tokens_as_given,
)

SVM_REGULARISATION = 1.0
MAX_CALIBRATION_FOLDS = 5


@dataclass(frozen=True, slots=True)
class FittedIntentModel:
    """The fitted scikit-learn objects, and the arrays that scoring reads from them."""

    characters: TfidfVectorizer
    words: TfidfVectorizer
    model: CalibratedClassifierCV
    scoring: IntentScoring

    def probabilities(self, item: ClassifierInput) -> dict[str, float]:
        features = scipy.sparse.hstack(
            [self.characters.transform([item.text]), self.words.transform([item.words])],
            format="csr",
        )
        probabilities = self.model.predict_proba(features)[0]
        classes = self.model.classes_
        return {str(name): float(p) for name, p in zip(classes, probabilities, strict=True)}


def fit_intent_model(
    inputs: Sequence[ClassifierInput], intents: Sequence[str]
) -> FittedIntentModel:
    characters = TfidfVectorizer(
        analyzer=character_ngrams, lowercase=False, sublinear_tf=True, dtype=np.float64
    )
    words = TfidfVectorizer(
        analyzer=tokens_as_given, lowercase=False, sublinear_tf=True, dtype=np.float64
    )
    features = scipy.sparse.hstack(
        [
            characters.fit_transform([item.text for item in inputs]),
            words.fit_transform([item.words for item in inputs]),
        ],
        format="csr",
    )
    model = _calibrated_svm(features, intents)
    return FittedIntentModel(characters, words, model, _scoring(characters, words, model))


def _calibrated_svm(
    features: scipy.sparse.csr_matrix, intents: Sequence[str]
) -> CalibratedClassifierCV:
    smallest = min(Counter(intents).values())
    if smallest >= 2:
        model = CalibratedClassifierCV(
            LinearSVC(C=SVM_REGULARISATION, random_state=0),
            method="temperature",
            cv=min(MAX_CALIBRATION_FOLDS, smallest),
            ensemble=False,
        )
    else:
        svm = LinearSVC(C=SVM_REGULARISATION, random_state=0).fit(features, intents)
        model = CalibratedClassifierCV(FrozenEstimator(svm), method="temperature")
    return model.fit(features, intents)


def _scoring(
    characters: TfidfVectorizer, words: TfidfVectorizer, model: CalibratedClassifierCV
) -> IntentScoring:
    calibrated = model.calibrated_classifiers_[0]
    svm = calibrated.estimator
    if isinstance(svm, FrozenEstimator):
        svm = svm.estimator
    return IntentScoring(
        character_vocabulary=dict(characters.vocabulary_),
        character_idf=characters.idf_.astype(np.float64),
        word_vocabulary=dict(words.vocabulary_),
        word_idf=words.idf_.astype(np.float64),
        word_offset=len(characters.vocabulary_),
        weights=np.ascontiguousarray(svm.coef_.T, dtype=np.float64),
        bias=np.asarray(svm.intercept_, dtype=np.float64),
        inverse_temperature=float(calibrated.calibrators[0].beta_),
        padding_index=characters.vocabulary_.get(" "),
    )
