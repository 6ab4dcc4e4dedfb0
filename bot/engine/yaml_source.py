"""YAML loading that remembers where every mapping and list came from.

The engine refuses data it cannot honour, and a refusal is only useful when it names the
file and line of the offending construct; plain ``yaml.safe_load`` forgets both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class SourceLocation:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class DataError(ValueError):
    """Training data or domain the engine cannot load, located precisely."""

    def __init__(self, location: SourceLocation | None, construct: str, problem: str) -> None:
        self.location = location
        self.construct = construct
        self.problem = problem
        where = f"{location}: " if location else ""
        super().__init__(f"{where}{construct}: {problem}")


class LocatedDict(dict[str, Any]):
    location: SourceLocation


class LocatedList(list[Any]):
    location: SourceLocation


#: libyaml's parser when PyYAML was built with it: several times faster than the pure
#: Python one, with the same resolver and constructors (and the same marks on nodes).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_for(path: Path) -> type[yaml.SafeLoader]:
    class LocatingLoader(_SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LocatedDict:
        loader.flatten_mapping(node)
        mapping = LocatedDict(loader.construct_pairs(node, deep=True))
        mapping.location = SourceLocation(path, node.start_mark.line + 1)
        return mapping

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LocatedList:
        sequence = LocatedList(loader.construct_sequence(node, deep=True))
        sequence.location = SourceLocation(path, node.start_mark.line + 1)
        return sequence

    LocatingLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping
    )
    LocatingLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence
    )
    return LocatingLoader


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; mappings and lists carry a ``location`` attribute."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(SourceLocation(path, 1), "file", f"cannot be read: {error}") from error
    try:
        return yaml.load(text, Loader=_loader_for(path))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise DataError(SourceLocation(path, line), "yaml", str(error.problem)) from error


def location_of(value: Any, fallback: SourceLocation | None = None) -> SourceLocation | None:
    return getattr(value, "location", fallback)
