"""Reads ``config.yml`` for the NLU side.

Honoured: ``language`` (recorded; one model serves zh, en and mixed text), ``assistant_id``,
and the ``FallbackClassifier`` entry of ``pipeline`` with its ``threshold`` (default 0.3)
and ``ambiguity_threshold`` (default 0.1). With no ``pipeline`` at all Rasa trains its
default pipeline, which ends in a FallbackClassifier with those defaults, so the engine
applies them too; with a pipeline that lists no FallbackClassifier no fallback is predicted.

Every other component is accepted and stands for the engine's own fixed pipeline: text
folding and jieba segmentation (tokenizers), character n-gram, word and word-pair TF-IDF
(featurizers), a calibrated linear SVM (intent classifiers such as DIETClassifier),
CRFEntityExtractor, RegexEntityExtractor, DateParserEntityExtractor (in place of Duckling) and
EntitySynonymMapper. Their options are not read. ``policies`` belongs to the dialogue side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine.yaml_source import DataError, SourceLocation, load_yaml, location_of

CONFIG_KEYS = frozenset({"recipe", "language", "pipeline", "policies", "assistant_id"})
SUPPORTED_RECIPE = "default.v1"
FALLBACK_COMPONENT = "FallbackClassifier"
FALLBACK_OPTIONS = frozenset({"name", "threshold", "ambiguity_threshold"})


@dataclass(frozen=True, slots=True)
class FallbackSettings:
    threshold: float = 0.3
    ambiguity_threshold: float = 0.1


@dataclass(frozen=True, slots=True)
class NluConfig:
    language: str = "en"
    assistant_id: str | None = None
    fallback: FallbackSettings | None = field(default_factory=FallbackSettings)
    components: tuple[str, ...] = ()

    def content(self) -> dict[str, Any]:
        """What shapes a trained model or its answers, for the model cache key."""
        fallback = None
        if self.fallback is not None:
            fallback = [self.fallback.threshold, self.fallback.ambiguity_threshold]
        return {"language": self.language, "fallback": fallback}


def read_nlu_config(path: Path) -> NluConfig:
    document = load_yaml(path)
    file_location = SourceLocation(path, 1)
    if document is None:
        return NluConfig()
    location = location_of(document, file_location)
    if not isinstance(document, dict):
        raise DataError(file_location, "config", "must be a mapping")
    unknown = sorted(str(key) for key in document if key not in CONFIG_KEYS)
    if unknown:
        raise DataError(
            location,
            "config",
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(CONFIG_KEYS))}",
        )
    recipe = document.get("recipe", SUPPORTED_RECIPE)
    if recipe != SUPPORTED_RECIPE:
        raise DataError(location, "recipe", f"only {SUPPORTED_RECIPE!r} is supported")
    language = document.get("language", "en")
    if not isinstance(language, str) or not language.strip():
        raise DataError(location, "language", "must be a language code such as zh or en")
    assistant_id = document.get("assistant_id")
    if assistant_id is not None and not isinstance(assistant_id, str):
        raise DataError(location, "assistant_id", "must be a string")
    pipeline = document.get("pipeline")
    if not pipeline:
        return NluConfig(language, assistant_id, FallbackSettings(), ())
    if not isinstance(pipeline, list):
        raise DataError(location, "pipeline", "must be a list of components")
    components: list[str] = []
    fallback: FallbackSettings | None = None
    for component in pipeline:
        component_location = location_of(component, location_of(pipeline, location))
        if not isinstance(component, dict) or not isinstance(component.get("name"), str):
            raise DataError(component_location, "pipeline", "each component needs a name")
        name = component["name"]
        components.append(name)
        if name == FALLBACK_COMPONENT:
            if fallback is not None:
                raise DataError(component_location, name, "listed twice")
            fallback = _fallback_settings(component, component_location)
    return NluConfig(language, assistant_id, fallback, tuple(components))


def _fallback_settings(
    component: dict[str, Any], location: SourceLocation | None
) -> FallbackSettings:
    unknown = sorted(str(key) for key in component if key not in FALLBACK_OPTIONS)
    if unknown:
        raise DataError(location, FALLBACK_COMPONENT, f"unknown option(s) {', '.join(unknown)}")
    defaults = FallbackSettings()
    return FallbackSettings(
        threshold=_probability(component, "threshold", defaults.threshold, location),
        ambiguity_threshold=_probability(
            component, "ambiguity_threshold", defaults.ambiguity_threshold, location
        ),
    )


def _probability(
    component: dict[str, Any], key: str, default: float, location: SourceLocation | None
) -> float:
    value = component.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(location, f"{FALLBACK_COMPONENT} {key}", "must be a number")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise DataError(location, f"{FALLBACK_COMPONENT} {key}", "must be between 0 and 1")
    return float(value)
