"""Reads the ``nlu:`` sections of Rasa 3 training data files.

Supported items: ``intent`` with ``examples`` (a block of ``- `` lines or a list of
``{text: ...}``), ``synonym``, ``regex`` and ``lookup`` (inline examples). Everything the
engine would otherwise silently ignore or misread is refused with a ``DataError`` naming the
file and line: example ``metadata``, retrieval intents (``faq/ask``), unknown keys, lines not
starting with ``-``, the Rasa 1 ``[text](entity:value)`` form, invalid regexes, annotations
that do not fall on token boundaries, the same example under two intents and a text mapped
to two synonym values. Sections other than ``nlu:`` (``rules:``, ``stories:``,
``responses:``) belong to the dialogue side and are skipped here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine.nlu.annotations import AnnotationError, parse_annotated_example
from bot.engine.nlu.text import normalise, normalise_key, sequence_tokens
from bot.engine.nlu.training_data import (
    EntityAnnotation,
    LookupTable,
    NluTrainingData,
    RegexFeature,
    TrainingExample,
)
from bot.engine.yaml_source import DataError, SourceLocation, load_yaml, location_of

DATA_FILE_KEYS = frozenset({"version", "nlu", "rules", "stories", "responses"})
SUPPORTED_FORMAT_MAJOR_VERSIONS = frozenset({"2", "3"})
_ITEM_KINDS = ("intent", "synonym", "regex", "lookup")
_EXAMPLES_BLOCK_KEY = re.compile(r"^\s*(?:-\s+)?examples\s*:\s*\|[-+0-9]*\s*(?:#.*)?$")
_KEY_SEARCH_LINES = 12


def training_data_files(data_dir: Path) -> list[Path]:
    """The YAML files of a Rasa ``data/`` directory, in a stable order."""
    return sorted(path for pattern in ("*.yml", "*.yaml") for path in data_dir.rglob(pattern))


def load_nlu_training_data(paths: Iterable[Path]) -> NluTrainingData:
    """Read and check the ``nlu:`` sections of ``paths`` (files without one add nothing)."""
    collector = _Collector()
    for path in paths:
        collector.read_file(path)
    return collector.finish()


@dataclass(frozen=True, slots=True)
class _SourceFile:
    path: Path
    lines: list[str]

    def block_line_numbers(self, item_line: int, block: list[str]) -> list[int] | None:
        """File line of each line of an ``examples: |`` block, when it can be told."""
        last = min(len(self.lines), item_line - 1 + _KEY_SEARCH_LINES)
        for index in range(item_line - 1, last):
            if not _EXAMPLES_BLOCK_KEY.match(self.lines[index]):
                continue
            numbers = []
            for offset, content in enumerate(block):
                file_index = index + 1 + offset
                if file_index >= len(self.lines):
                    return None
                if self.lines[file_index].strip() != content.strip():
                    return None
                numbers.append(file_index + 1)
            return numbers
        return None


@dataclass
class _Collector:
    examples: list[TrainingExample] = field(default_factory=list)
    synonyms: dict[str, tuple[str, str, SourceLocation | None]] = field(default_factory=dict)
    regexes: list[RegexFeature] = field(default_factory=list)
    lookups: list[LookupTable] = field(default_factory=list)

    def read_file(self, path: Path) -> None:
        document = load_yaml(path)
        file_location = SourceLocation(path, 1)
        if document is None:
            return
        if not isinstance(document, dict):
            raise DataError(file_location, "file", "must be a mapping of sections (nlu:, ...)")
        unknown = sorted(str(key) for key in document if key not in DATA_FILE_KEYS)
        if unknown:
            raise DataError(
                location_of(document, file_location),
                "file",
                f"unknown section(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(DATA_FILE_KEYS))}",
            )
        _check_version(document.get("version"), location_of(document, file_location))
        items = document.get("nlu")
        if items is None:
            return
        if not isinstance(items, list):
            raise DataError(
                location_of(items, location_of(document, file_location)), "nlu", "must be a list"
            )
        source = _SourceFile(path, path.read_text(encoding="utf-8").splitlines())
        for item in items:
            self._read_item(item, source, location_of(items, file_location))

    def _read_item(self, item: Any, source: _SourceFile, fallback: SourceLocation | None) -> None:
        location = location_of(item, fallback)
        if not isinstance(item, dict):
            raise DataError(location, "nlu item", "must be a mapping (intent:, synonym:, ...)")
        kinds = [kind for kind in _ITEM_KINDS if kind in item]
        if len(kinds) != 1:
            raise DataError(
                location,
                "nlu item",
                f"needs exactly one of {', '.join(_ITEM_KINDS)}; found {sorted(map(str, item))}",
            )
        kind = kinds[0]
        name = item[kind]
        construct = f"{kind} {name!r}"
        if "metadata" in item:
            raise DataError(location, construct, "metadata is not supported by the embedded engine")
        unknown = sorted(str(key) for key in item if key not in (kind, "examples"))
        if unknown:
            raise DataError(
                location, construct, f"unknown key(s) {', '.join(unknown)}; allowed: examples"
            )
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise DataError(location, construct, "the name must be a non-empty plain string")
        if item.get("examples") is None:
            raise DataError(location, construct, "has no examples")
        if kind == "intent":
            self._read_intent(name, item["examples"], source, location, construct)
            return
        lines = _block_examples(item["examples"], source, location, construct)
        if kind == "synonym":
            for text, line_location in lines:
                self._add_synonym(text, name, line_location, construct)
        elif kind == "regex":
            for pattern, line_location in lines:
                self.regexes.append(_regex_feature(name, pattern, line_location, construct))
        else:
            self.lookups.append(LookupTable(name, tuple(text for text, _ in lines), location))

    def _read_intent(
        self,
        intent: str,
        examples: Any,
        source: _SourceFile,
        location: SourceLocation | None,
        construct: str,
    ) -> None:
        if "/" in intent:
            raise DataError(
                location,
                construct,
                "retrieval intents (intent/sub-intent) need Rasa's ResponseSelector, "
                "which the embedded engine does not provide",
            )
        if isinstance(examples, list):
            raw_examples = _listed_examples(examples, location, construct)
        else:
            raw_examples = _block_examples(examples, source, location, construct)
        for raw, example_location in raw_examples:
            try:
                text, entities = parse_annotated_example(raw)
            except AnnotationError as error:
                raise DataError(example_location, f"{construct} example", str(error)) from error
            _check_token_boundaries(text, entities, example_location, construct)
            for annotation in entities:
                surface = text[annotation.start : annotation.end]
                if surface != annotation.value:
                    self._add_synonym(surface, annotation.value, example_location, construct)
            self.examples.append(TrainingExample(text, intent, entities, example_location))

    def _add_synonym(
        self, text: str, value: str, location: SourceLocation | None, construct: str
    ) -> None:
        key = normalise_key(text)
        known = self.synonyms.get(key)
        if known is not None and known[1] != value:
            raise DataError(
                location,
                construct,
                f"{text!r} already maps to {known[1]!r} (at {known[2]}); "
                f"it cannot also map to {value!r}",
            )
        if known is None:
            self.synonyms[key] = (text, value, location)

    def finish(self) -> NluTrainingData:
        examples = _without_duplicates(self.examples)
        if not examples:
            raise DataError(None, "nlu", "the training data has no intent examples")
        synonyms = {text: value for text, value, _ in self.synonyms.values()}
        return NluTrainingData(examples, synonyms, tuple(self.regexes), tuple(self.lookups))


def _check_version(version: Any, location: SourceLocation | None) -> None:
    if version is None:
        return
    if not isinstance(version, str):
        raise DataError(location, "version", 'must be a quoted string such as "3.1"')
    if version.split(".")[0] not in SUPPORTED_FORMAT_MAJOR_VERSIONS:
        raise DataError(location, "version", f"{version!r} is not a Rasa 2 or 3 data format")


def _listed_examples(
    examples: list[Any], location: SourceLocation | None, construct: str
) -> list[tuple[str, SourceLocation | None]]:
    listed = []
    for entry in examples:
        entry_location = location_of(entry, location_of(examples, location))
        if not isinstance(entry, dict) or "text" not in entry:
            raise DataError(entry_location, f"{construct} example", "must be a {text: ...} entry")
        if "metadata" in entry:
            raise DataError(
                entry_location,
                f"{construct} example",
                "metadata is not supported by the embedded engine",
            )
        unknown = sorted(str(key) for key in entry if key != "text")
        if unknown:
            raise DataError(
                entry_location, f"{construct} example", f"unknown key(s) {', '.join(unknown)}"
            )
        text = entry["text"]
        if not isinstance(text, str) or not text.strip():
            raise DataError(entry_location, f"{construct} example", "text must be non-empty")
        listed.append((text.strip("\n\r "), entry_location))
    if not listed:
        raise DataError(location, construct, "has no examples")
    return listed


def _block_examples(
    block: Any, source: _SourceFile, location: SourceLocation | None, construct: str
) -> list[tuple[str, SourceLocation | None]]:
    if not isinstance(block, str):
        raise DataError(location, construct, "examples must be a block of '- ' lines")
    block_lines = block.splitlines()
    item_line = location.line if location is not None else 1
    numbers = source.block_line_numbers(item_line, block_lines)
    examples = []
    for index, line in enumerate(block_lines):
        line_location = (
            SourceLocation(source.path, numbers[index]) if numbers is not None else location
        )
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("-"):
            raise DataError(line_location, construct, f"example line must start with '-': {line}")
        text = stripped[1:].strip("\n\r ")
        if not text:
            raise DataError(line_location, construct, "empty example")
        examples.append((text, line_location))
    if not examples:
        raise DataError(location, construct, "has no examples")
    return examples


def _regex_feature(
    name: str, pattern: str, location: SourceLocation | None, construct: str
) -> RegexFeature:
    feature = RegexFeature(name, pattern, location)
    try:
        compiled = feature.compiled()
    except re.error as error:
        raise DataError(location, construct, f"invalid regular expression: {error}") from error
    if compiled.fullmatch(""):
        raise DataError(location, construct, f"pattern {pattern!r} matches the empty string")
    return feature


def _check_token_boundaries(
    text: str,
    entities: tuple[EntityAnnotation, ...],
    location: SourceLocation | None,
    construct: str,
) -> None:
    if not entities:
        return
    tokens = sequence_tokens(normalise(text))
    starts = {token.start for token in tokens}
    ends = {token.end for token in tokens}
    for annotation in entities:
        if annotation.start not in starts or annotation.end not in ends:
            surface = text[annotation.start : annotation.end]
            raise DataError(
                location,
                f"{construct} example",
                f"entity [{surface}]({annotation.entity}) splits a word of {text!r}; "
                "annotate whole words (letters and digits are separate words)",
            )


def _without_duplicates(examples: list[TrainingExample]) -> tuple[TrainingExample, ...]:
    seen: dict[str, TrainingExample] = {}
    kept = []
    for example in examples:
        key = normalise_key(example.text)
        first = seen.get(key)
        if first is None:
            seen[key] = example
            kept.append(example)
            continue
        if first.intent != example.intent:
            raise DataError(
                example.location,
                f"intent {example.intent!r} example",
                f"{example.text!r} is also an example of {first.intent!r} (at {first.location})",
            )
        if first.entities != example.entities:
            raise DataError(
                example.location,
                f"intent {example.intent!r} example",
                f"{example.text!r} appears again (at {first.location}) with other entities",
            )
    return tuple(kept)
