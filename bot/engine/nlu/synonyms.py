"""EntitySynonymMapper: replaces an entity's value by the synonym it stands for.

As Rasa: keys are the surface texts of ``synonym:`` items and of annotations whose value
differs from their text, each synonym value also maps to itself (so ``TV`` becomes ``tv``
when ``tv`` is a value), the lookup ignores case, and every entity whose value was looked
up successfully gets ``EntitySynonymMapper`` appended to its ``processors``. The engine
folds keys with the text normaliser, which for ASCII is exactly Rasa's lower-casing and in
addition lets full-width and traditional forms find their synonym.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.engine.nlu.text import normalise_key

PROCESSOR_NAME = "EntitySynonymMapper"


class SynonymMapper:
    def __init__(self, synonyms: Mapping[str, str]) -> None:
        table: dict[str, str] = {}
        for text, value in synonyms.items():
            table[normalise_key(text)] = value
        for value in synonyms.values():
            table.setdefault(normalise_key(value), value)
        self._table = table

    def apply(self, entities: list[dict[str, Any]]) -> None:
        for entity in entities:
            value = self._table.get(normalise_key(str(entity["value"])))
            if value is None:
                continue
            entity["value"] = value
            entity.setdefault("processors", []).append(PROCESSOR_NAME)
