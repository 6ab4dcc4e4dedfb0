"""Slot definitions and Rasa's featurisation of slot values.

Rules compare slot *features*, not values: a text slot is only "set" or "unset", a
categorical slot is a one-hot vector over its values, and so on. Reproducing Rasa's
featurisation exactly is what makes a rule's ``slot_was_set`` condition match here when
it would match in Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.engine.constants import DEFAULT_CATEGORICAL_SLOT_VALUE


class SlotType(StrEnum):
    TEXT = "text"
    BOOL = "bool"
    CATEGORICAL = "categorical"
    FLOAT = "float"
    LIST = "list"
    ANY = "any"


def bool_from_any(value: Any) -> bool:
    """Rasa's conversion of a slot value to a truth value; raises when it has none."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1.0
    if isinstance(value, str):
        if value.isnumeric():
            return float(value) == 1.0
        if value.strip().lower() == "true":
            return True
        if value.strip().lower() == "false":
            return False
        raise ValueError(f"cannot convert {value!r} to a truth value")
    raise TypeError(f"cannot convert {type(value).__name__} to a truth value")


@dataclass(frozen=True, slots=True)
class SlotDefinition:
    name: str
    type: SlotType
    mappings: tuple[dict[str, Any], ...] = ()
    initial_value: Any = None
    influence_conversation: bool = True
    #: Categorical values, lower-cased, with Rasa's catch-all value appended.
    values: tuple[str, ...] = ()
    min_value: float = 0.0
    max_value: float = 1.0

    def coerce(self, value: Any) -> Any:
        """The value as the slot stores it (a list slot wraps a single value)."""
        if self.type is SlotType.LIST and value and not isinstance(value, list):
            return [value]
        return value

    def as_feature(self, value: Any) -> list[float]:
        """Rasa's feature vector for ``value``; empty when the slot is not featurised."""
        if not self.influence_conversation:
            return []
        match self.type:
            case SlotType.TEXT:
                return [1.0 if value is not None else 0.0]
            case SlotType.LIST:
                try:
                    return [1.0 if value is not None and len(value) > 0 else 0.0]
                except TypeError:
                    return [0.0]
            case SlotType.BOOL:
                if value is None:
                    return [0.0, 0.0]
                try:
                    return [1.0, float(bool_from_any(value))]
                except (TypeError, ValueError):
                    return [0.0, 0.0]
            case SlotType.FLOAT:
                try:
                    capped = max(self.min_value, min(self.max_value, float(value)))
                except (TypeError, ValueError):
                    return [0.0, 0.0]
                covered = abs(self.max_value - self.min_value) or 1
                return [1.0, (capped - self.min_value) / covered]
            case SlotType.CATEGORICAL:
                return self._categorical_feature(value)
            case SlotType.ANY:
                return []

    def _categorical_feature(self, value: Any) -> list[float]:
        features = [0.0] * len(self.values)
        if value is None:
            return features
        wanted = str(value).lower()
        index = (
            self.values.index(wanted)
            if wanted in self.values
            else self.values.index(DEFAULT_CATEGORICAL_SLOT_VALUE)
        )
        features[index] = 1.0
        return features

    def categorical_value_is_known(self, value: Any) -> bool:
        return str(value).lower() in self.values and (
            str(value).lower() != DEFAULT_CATEGORICAL_SLOT_VALUE
        )
