"""Entity annotations inside training examples (Rasa 3 syntax).

``[text](entity)`` and ``[text]{"entity": "e", "value": "v", "role": "r", "group": "g"}``.
The Rasa 1 form ``[text](entity:value)`` is refused: Rasa 3 writes a synonym with the
JSON form (or a ``synonym:`` item).
"""

from __future__ import annotations

import json
import re

from bot.engine.nlu.training_data import EntityAnnotation

_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^)]*)\)|\{(?P<attributes>[^}]*)\})"
)
_NAME = re.compile(r"^[^\s:{}()\[\]\"]+$")
_ATTRIBUTE_KEYS = frozenset({"entity", "value", "role", "group"})


class AnnotationError(ValueError):
    """An example whose entity markup cannot be read."""


def parse_annotated_example(raw: str) -> tuple[str, tuple[EntityAnnotation, ...]]:
    """Return the plain text of ``raw`` and its entities, offsets into the plain text."""
    pieces: list[str] = []
    entities: list[EntityAnnotation] = []
    consumed = 0
    plain_length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[consumed : match.start()]
        pieces.append(before)
        plain_length += len(before)
        text = match.group("text")
        if text != text.strip():
            raise AnnotationError(
                f"entity text [{text}] starts or ends with whitespace; move it outside []"
            )
        entity, value, role, group = _entity_attributes(match, text)
        entities.append(
            EntityAnnotation(entity, plain_length, plain_length + len(text), value, role, group)
        )
        pieces.append(text)
        plain_length += len(text)
        consumed = match.end()
    pieces.append(raw[consumed:])
    return "".join(pieces), tuple(entities)


def _entity_attributes(match: re.Match[str], text: str) -> tuple[str, str, str | None, str | None]:
    if match.group("entity") is not None:
        name = match.group("entity").strip()
        if ":" in name:
            entity, _, value = name.partition(":")
            raise AnnotationError(
                f"[{text}]({name}) is the Rasa 1 synonym form, which Rasa 3 does not read; "
                f'write [{text}]{{"entity": "{entity}", "value": "{value}"}}'
            )
        return _checked_name(name, "entity", text), text, None, None
    attributes = _attributes(match.group("attributes"), text)
    entity = _checked_name(attributes.get("entity"), "entity", text)
    value = attributes.get("value", text)
    role = attributes.get("role")
    group = attributes.get("group")
    return (
        entity,
        _checked_value(value, text),
        None if role is None else _checked_name(role, "role", text),
        None if group is None else _checked_name(group, "group", text),
    )


def _attributes(body: str, text: str) -> dict[str, object]:
    try:
        attributes = json.loads("{" + body + "}")
    except json.JSONDecodeError as error:
        raise AnnotationError(
            f"[{text}]{{{body}}}: the entity attributes are not valid JSON ({error.msg})"
        ) from error
    unknown = sorted(set(attributes) - _ATTRIBUTE_KEYS)
    if unknown:
        raise AnnotationError(
            f"[{text}]{{{body}}}: unknown attribute(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_ATTRIBUTE_KEYS))}"
        )
    if "entity" not in attributes:
        raise AnnotationError(f'[{text}]{{{body}}}: the "entity" attribute is missing')
    return attributes


def _checked_name(name: object, what: str, text: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise AnnotationError(f"[{text}]: {what} name {name!r} is empty or not a plain name")
    return name


def _checked_value(value: object, text: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AnnotationError(f"[{text}]: the entity value must be a non-empty string")
    return value
