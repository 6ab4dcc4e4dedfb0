"""The NLU training data as the engine holds it once read and checked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.engine.yaml_source import SourceLocation


@dataclass(frozen=True, slots=True)
class EntityAnnotation:
    """An annotated entity of a training example; ``start``/``end`` index the plain text."""

    entity: str
    start: int
    end: int
    value: str
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class TrainingExample:
    text: str
    intent: str
    entities: tuple[EntityAnnotation, ...] = ()
    location: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RegexFeature:
    """A ``regex:`` pattern; its name is the entity it extracts (when annotated anywhere)."""

    name: str
    pattern: str
    location: SourceLocation | None = field(default=None, compare=False)

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LookupTable:
    name: str
    elements: tuple[str, ...]
    location: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NluTrainingData:
    """Examples, synonyms (surface text → value), regexes and lookup tables."""

    examples: tuple[TrainingExample, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    regexes: tuple[RegexFeature, ...] = ()
    lookups: tuple[LookupTable, ...] = ()

    @cached_property
    def intents(self) -> frozenset[str]:
        return frozenset(example.intent for example in self.examples)

    @cached_property
    def entities(self) -> frozenset[str]:
        """Entity names annotated in at least one example (Rasa's ``entities``)."""
        return frozenset(
            annotation.entity for example in self.examples for annotation in example.entities
        )

    def content(self) -> dict[str, Any]:
        """Everything that shapes a trained model, in a stable JSON-able form."""
        return {
            "examples": [
                [
                    example.text,
                    example.intent,
                    [
                        [a.entity, a.start, a.end, a.value, a.role, a.group]
                        for a in example.entities
                    ],
                ]
                for example in self.examples
            ],
            "synonyms": sorted(self.synonyms.items()),
            "regexes": [[regex.name, regex.pattern] for regex in self.regexes],
            "lookups": [[lookup.name, list(lookup.elements)] for lookup in self.lookups],
        }

    def subset(self, examples: tuple[TrainingExample, ...]) -> NluTrainingData:
        """The same synonyms, regexes and lookups with other examples (cross-validation)."""
        return NluTrainingData(examples, self.synonyms, self.regexes, self.lookups)
