"""Load ``domain.yml`` (or every file of ``domain/``) into a validated :class:`Domain`.

Files merge like Rasa merges them. Everything the engine cannot honour exactly as Rasa
would, and every reference to an intent, entity, slot, form, action or response that does
not exist, is refused with a :class:`DataError` naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.engine.constants import (
    ACTION_EXTRACT_SLOTS,
    ACTION_LISTEN,
    DEFAULT_ACTION_NAMES,
    DEFAULT_CATEGORICAL_SLOT_VALUE,
    DEFAULT_INTENTS,
    ENGINE_DEFAULT_ACTIONS,
    ENTITY_LABEL_SEPARATOR,
    REQUESTED_SLOT,
    RULE_SNIPPET_ACTION,
    SESSION_START_METADATA_SLOT,
    TRAINING_DATA_FORMAT_VERSION,
    UTTER_PREFIX,
)
from bot.engine.domain import (
    Domain,
    EntityDefinition,
    FormDefinition,
    IntentDefinition,
    SessionConfig,
)
from bot.engine.domain_checks import boolean, check_mapping, check_variation, number, string_list
from bot.engine.slots import SlotDefinition, SlotType
from bot.engine.yaml_source import DataError, SourceLocation, load_yaml, location_of

DOMAIN_KEYS = (
    "version",
    "intents",
    "entities",
    "slots",
    "actions",
    "forms",
    "responses",
    "session_config",
    "config",
)
_LIST_SECTIONS = ("intents", "entities", "actions")
_DICT_SECTIONS = ("slots", "forms", "responses")
_SLOT_KEYS = {
    SlotType.TEXT: {"type", "mappings", "initial_value", "influence_conversation"},
    SlotType.BOOL: {"type", "mappings", "initial_value", "influence_conversation"},
    SlotType.LIST: {"type", "mappings", "initial_value", "influence_conversation"},
    SlotType.ANY: {"type", "mappings", "initial_value", "influence_conversation"},
    SlotType.CATEGORICAL: {"type", "mappings", "initial_value", "influence_conversation", "values"},
    SlotType.FLOAT: {
        "type",
        "mappings",
        "initial_value",
        "influence_conversation",
        "min_value",
        "max_value",
    },
}


def domain_paths(data_dir: Path) -> list[Path]:
    """``domain.yml`` or every YAML file under ``domain/`` (never both)."""
    single = [
        data_dir / name for name in ("domain.yml", "domain.yaml") if (data_dir / name).is_file()
    ]
    directory = data_dir / "domain"
    split = (
        sorted(
            path
            for path in directory.rglob("*")
            if path.is_file() and path.suffix in {".yml", ".yaml"}
        )
        if directory.is_dir()
        else []
    )
    if single and split:
        raise DataError(
            SourceLocation(single[0], 1),
            "domain",
            f"both {single[0].name} and {directory.name}/ exist; keep exactly one of them",
        )
    if len(single) > 1:
        raise DataError(
            SourceLocation(single[1], 1), "domain", "domain.yml and domain.yaml both exist"
        )
    paths = single or split
    if not paths:
        raise DataError(None, "domain", f"no domain.yml and no domain/ directory in {data_dir}")
    return paths


def load_domain(paths: Iterable[Path]) -> Domain:
    merged, seen = _merge_files(list(paths))
    locations = {
        (section, name): where
        for section, items in seen.items()
        for name, (_, where) in items.items()
    }
    return _DomainBuilder(merged, locations).build()


_Seen = dict[str, dict[str, tuple[Any, SourceLocation | None]]]


def _merge_files(paths: list[Path]) -> tuple[dict[str, Any], _Seen]:
    merged: dict[str, Any] = {}
    seen: _Seen = {}
    for path in paths:
        content = load_yaml(path)
        if content is None:
            continue
        if not isinstance(content, dict):
            raise DataError(
                location_of(content, SourceLocation(path, 1)), "domain", "must be a mapping"
            )
        for key, value in content.items():
            where = location_of(value, location_of(content))
            if key not in DOMAIN_KEYS:
                hint = " (end-to-end bot texts are not supported)" if key == "e2e_actions" else ""
                raise DataError(where, f"domain key '{key}'", f"unknown or unsupported{hint}")
            if key == "version":
                _check_version(value, where)
                merged.setdefault("version", str(value))
            elif key in _LIST_SECTIONS:
                _merge_list_section(key, value, where, merged, seen)
            elif key in _DICT_SECTIONS:
                _merge_dict_section(key, value, where, merged, seen)
            else:
                _merge_single(key, value, where, merged, seen)
    return merged, seen


def _check_version(value: Any, where: SourceLocation | None) -> None:
    if not isinstance(value, str) or not value.startswith("3."):
        raise DataError(
            where, "version", f"must be a Rasa 3.x format version string, got {value!r}"
        )


def _item_name(item: Any, where: SourceLocation | None, section: str) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and len(item) == 1:
        name = next(iter(item))
        if isinstance(name, str):
            return name
    raise DataError(
        location_of(item, where),
        section,
        f"each item must be a name or a one-key mapping, got {item!r}",
    )


def _merge_list_section(
    key: str,
    value: Any,
    where: SourceLocation | None,
    merged: dict[str, Any],
    seen: dict[str, dict[str, tuple[Any, SourceLocation | None]]],
) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise DataError(where, key, "must be a list")
    items = merged.setdefault(key, [])
    known = seen.setdefault(key, {})
    for item in value:
        name = _item_name(item, where, key)
        item_where = location_of(item, where)
        if name in known:
            if _plain(known[name][0]) != _plain(item):
                raise DataError(
                    item_where, f"{key[:-1]} '{name}'", f"defined differently at {known[name][1]}"
                )
            continue
        known[name] = (item, item_where)
        items.append(item)


def _merge_dict_section(
    key: str,
    value: Any,
    where: SourceLocation | None,
    merged: dict[str, Any],
    seen: dict[str, dict[str, tuple[Any, SourceLocation | None]]],
) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise DataError(where, key, "must be a mapping")
    section = merged.setdefault(key, {})
    known = seen.setdefault(key, {})
    for name, item in value.items():
        item_where = location_of(item, where)
        if name in known:
            if _plain(known[name][0]) != _plain(item):
                raise DataError(
                    item_where, f"{key} '{name}'", f"defined differently at {known[name][1]}"
                )
            continue
        known[name] = (item, item_where)
        section[name] = item


def _merge_single(
    key: str,
    value: Any,
    where: SourceLocation | None,
    merged: dict[str, Any],
    seen: dict[str, dict[str, tuple[Any, SourceLocation | None]]],
) -> None:
    known = seen.setdefault(key, {})
    if key in known and _plain(known[key][0]) != _plain(value):
        raise DataError(where, key, f"defined differently at {known[key][1]}")
    known[key] = (value, where)
    merged[key] = value


def _plain(value: Any) -> Any:
    """Builtin types only (drops source locations) for comparison and serialisation."""
    return json.loads(json.dumps(value))


class _DomainBuilder:
    def __init__(
        self, merged: dict[str, Any], locations: dict[tuple[str, str], SourceLocation | None]
    ) -> None:
        self.data = merged
        self.locations = locations

    def where(self, section: str, name: str, node: Any = None) -> SourceLocation | None:
        """Where an item was written: its own node, else the list or mapping holding it."""
        return location_of(node, self.locations.get((section, name)))

    def build(self) -> Domain:
        entities = self._entities()
        intents = self._intents(entities)
        custom_actions = self._actions()
        session_config = self._session_config()
        store_entities_as_slots = self._config()
        slots = self._slots()
        forms = self._forms(slots, intents, custom_actions)
        slots = _with_default_slots(slots, forms)
        responses = self._responses(slots, intents, entities)
        self._check_actions_against_responses(responses, forms)
        self._check_slot_mappings(slots, entities, intents, forms, custom_actions)
        return Domain(
            intents=intents,
            entities=entities,
            slots=slots,
            responses=responses,
            forms=forms,
            custom_actions=tuple(custom_actions),
            session_config=session_config,
            store_entities_as_slots=store_entities_as_slots,
            serialised=self._serialised(),
        )

    # entities and intents ---------------------------------------------------------

    def _entities(self) -> dict[str, EntityDefinition]:
        entities: dict[str, EntityDefinition] = {}
        for item in self.data.get("entities", []):
            where = self.where("entities", _item_name(item, None, "entities"), item)
            if isinstance(item, str):
                entities[item] = EntityDefinition(item)
                continue
            name, properties = next(iter(item.items()))
            if not isinstance(properties, dict) or not properties:
                raise DataError(
                    where,
                    f"entity '{name}'",
                    "needs roles, groups or influence_conversation after ':'",
                )
            unknown = set(properties) - {"roles", "groups", "influence_conversation"}
            if unknown:
                raise DataError(where, f"entity '{name}'", f"unsupported keys {sorted(unknown)}")
            entities[name] = EntityDefinition(
                name,
                roles=tuple(
                    string_list(properties.get("roles", []), where, f"entity '{name}' roles")
                ),
                groups=tuple(
                    string_list(properties.get("groups", []), where, f"entity '{name}' groups")
                ),
                influence_conversation=boolean(
                    properties.get("influence_conversation", True), where, f"entity '{name}'"
                ),
            )
        return entities

    def _intents(self, entities: dict[str, EntityDefinition]) -> dict[str, IntentDefinition]:
        intents: dict[str, IntentDefinition] = {}
        default_ignored = [
            name for name, entity in entities.items() if not entity.influence_conversation
        ]
        for item in self.data.get("intents", []):
            where = self.where("intents", _item_name(item, None, "intents"), item)
            if isinstance(item, str):
                name, properties = item, {}
            else:
                name, properties = next(iter(item.items()))
                if not isinstance(properties, dict) or not properties:
                    raise DataError(
                        where,
                        f"intent '{name}'",
                        "remove the ':' or give use_entities/ignore_entities",
                    )
                unknown = set(properties) - {"use_entities", "ignore_entities"}
                if unknown:
                    raise DataError(
                        where, f"intent '{name}'", f"unsupported keys {sorted(unknown)}"
                    )
            if name.startswith("/") or "/" in name:
                raise DataError(where, f"intent '{name}'", "retrieval intents are not supported")
            intents[name] = IntentDefinition(
                name, _used_entities(name, properties, entities, default_ignored, where)
            )
        for name in DEFAULT_INTENTS:
            if name not in intents:
                intents[name] = IntentDefinition(
                    name, _used_entities(name, {}, entities, default_ignored, None)
                )
        return intents

    # actions, session, config -------------------------------------------------------

    def _actions(self) -> list[str]:
        names = []
        for item in self.data.get("actions", []):
            name = _item_name(item, None, "actions")
            where = self.where("actions", name, item)
            if isinstance(item, dict):
                options = item[name]
                if not isinstance(options, dict) or set(options) - {"send_domain"}:
                    raise DataError(
                        where, f"action '{name}'", "the only supported option is send_domain"
                    )
            if name in {ACTION_LISTEN, ACTION_EXTRACT_SLOTS, RULE_SNIPPET_ACTION}:
                raise DataError(
                    where, f"action '{name}'", "this default action cannot be overridden"
                )
            if name in DEFAULT_ACTION_NAMES and name not in ENGINE_DEFAULT_ACTIONS:
                raise DataError(
                    where, f"action '{name}'", "this Rasa default action is not supported"
                )
            names.append(name)
        return names

    def _session_config(self) -> SessionConfig:
        raw = self.data.get("session_config")
        if raw is None:
            return SessionConfig()
        where = location_of(raw)
        if not isinstance(raw, dict):
            raise DataError(where, "session_config", "must be a mapping")
        unknown = set(raw) - {"session_expiration_time", "carry_over_slots_to_new_session"}
        if unknown:
            raise DataError(where, "session_config", f"unsupported keys {sorted(unknown)}")
        expiration = raw.get("session_expiration_time")
        if expiration is None:
            expiration = 60
        if (
            isinstance(expiration, bool)
            or not isinstance(expiration, int | float)
            or expiration < 0
        ):
            raise DataError(
                where, "session_config", "session_expiration_time must be minutes (>= 0)"
            )
        carry_over = boolean(
            raw.get("carry_over_slots_to_new_session", True),
            where,
            "carry_over_slots_to_new_session",
        )
        return SessionConfig(float(expiration), carry_over)

    def _config(self) -> bool:
        raw = self.data.get("config")
        if raw is None:
            return True
        where = location_of(raw)
        if not isinstance(raw, dict) or set(raw) - {"store_entities_as_slots"}:
            raise DataError(where, "config", "the only supported key is store_entities_as_slots")
        return boolean(raw.get("store_entities_as_slots", True), where, "store_entities_as_slots")

    # slots and forms ---------------------------------------------------------------

    def _slots(self) -> dict[str, SlotDefinition]:
        slots: dict[str, SlotDefinition] = {}
        for name, raw in self.data.get("slots", {}).items():
            slots[name] = _slot(name, raw, self.where("slots", name, raw))
        return slots

    def _forms(
        self,
        slots: dict[str, SlotDefinition],
        intents: dict[str, IntentDefinition],
        custom_actions: list[str],
    ) -> dict[str, FormDefinition]:
        forms: dict[str, FormDefinition] = {}
        for name, raw in self.data.get("forms", {}).items():
            where = self.where("forms", name, raw)
            if not isinstance(raw, dict) or "required_slots" not in raw:
                raise DataError(
                    where, f"form '{name}'", "needs required_slots (Rasa 3 form format)"
                )
            unknown = set(raw) - {"required_slots", "ignored_intents"}
            if unknown:
                raise DataError(where, f"form '{name}'", f"unsupported keys {sorted(unknown)}")
            required = raw["required_slots"]
            if not isinstance(required, list) or not required:
                raise DataError(
                    location_of(required, where),
                    f"form '{name}' required_slots",
                    "must be a non-empty list of slot names",
                )
            for slot_name in required:
                if slot_name not in slots:
                    raise DataError(
                        location_of(required, where),
                        f"form '{name}'",
                        f"unknown slot '{slot_name}'",
                    )
            ignored = raw.get("ignored_intents", [])
            ignored = [ignored] if isinstance(ignored, str) else ignored
            for intent in string_list(ignored, where, f"form '{name}' ignored_intents"):
                if intent not in intents:
                    raise DataError(
                        where, f"form '{name}' ignored_intents", f"unknown intent '{intent}'"
                    )
            if name in custom_actions:
                raise DataError(where, f"form '{name}'", "a custom action may not replace a form")
            forms[name] = FormDefinition(name, tuple(required), tuple(ignored))
        return forms

    # responses ------------------------------------------------------------------------

    def _responses(
        self,
        slots: dict[str, SlotDefinition],
        intents: dict[str, IntentDefinition],
        entities: dict[str, EntityDefinition],
    ) -> dict[str, list[dict[str, Any]]]:
        responses: dict[str, list[dict[str, Any]]] = {}
        for name, variations in self.data.get("responses", {}).items():
            where = self.where("responses", name, variations)
            if not name.startswith(UTTER_PREFIX) or "/" in name:
                raise DataError(
                    where,
                    f"response '{name}'",
                    "names must start with 'utter_' (no retrieval responses)",
                )
            if not isinstance(variations, list) or not variations:
                raise DataError(
                    where, f"response '{name}'", "must be a non-empty list of variations"
                )
            for variation in variations:
                check_variation(
                    name, variation, location_of(variation, where), slots, intents, entities
                )
            responses[name] = [_plain(variation) for variation in variations]
        return responses

    def _check_actions_against_responses(
        self, responses: dict[str, list[dict[str, Any]]], forms: dict[str, FormDefinition]
    ) -> None:
        for item in self.data.get("actions", []):
            name = _item_name(item, None, "actions")
            if name.startswith(UTTER_PREFIX) and name not in responses:
                raise DataError(
                    self.where("actions", name, item),
                    f"action '{name}'",
                    "an utter_ action needs a response of that name",
                )
        for name in forms:
            if name in responses or name in DEFAULT_ACTION_NAMES:
                raise DataError(
                    self.where("forms", name), f"form '{name}'", "the name is already an action"
                )

    def _check_slot_mappings(
        self,
        slots: dict[str, SlotDefinition],
        entities: dict[str, EntityDefinition],
        intents: dict[str, IntentDefinition],
        forms: dict[str, FormDefinition],
        custom_actions: list[str],
    ) -> None:
        raw_slots = self.data.get("slots", {})
        for name in slots:
            raw = raw_slots.get(name)
            if raw is None:
                continue
            for raw_mapping in raw.get("mappings", []):
                where = location_of(raw_mapping, self.where("slots", name, raw))
                check_mapping(
                    name, raw_mapping, where, slots, entities, intents, forms, custom_actions
                )

    def _serialised(self) -> dict[str, Any]:
        data = _plain(self.data)
        intents = data.get("intents")
        if intents:
            for item in intents:
                if isinstance(item, dict):
                    properties = next(iter(item.values()))
                    for key in ("use_entities", "ignore_entities"):
                        if key in properties and not properties[key]:
                            properties[key] = []
            data["intents"] = sorted(
                intents, key=lambda item: item if isinstance(item, str) else next(iter(item))
            )
        cleaned = {key: value for key, value in data.items() if value not in ({}, [], None)}
        cleaned.setdefault(
            "session_config",
            {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
        )
        cleaned.setdefault("version", TRAINING_DATA_FORMAT_VERSION)
        return cleaned


def _used_entities(
    intent: str,
    properties: dict[str, Any],
    entities: dict[str, EntityDefinition],
    default_ignored: list[str],
    where: SourceLocation | None,
) -> frozenset[str]:
    use = properties.get("use_entities", True)
    ignore = properties.get("ignore_entities", default_ignored)
    use = use or []
    ignore = ignore or []
    roles = {name: entity.roles for name, entity in entities.items()}
    groups = {name: entity.groups for name, entity in entities.items()}

    def labels(names: Iterable[str]) -> set[str]:
        result = set()
        for name in names:
            result.update(f"{name}{ENTITY_LABEL_SEPARATOR}{role}" for role in roles.get(name, ()))
            result.update(
                f"{name}{ENTITY_LABEL_SEPARATOR}{group}" for group in groups.get(name, ())
            )
        return result

    if use is True:
        included = (set(entities) - set(default_ignored)) | labels(entities)
    else:
        listed = string_list(use, where, f"intent '{intent}' use_entities")
        _check_known_entities(listed, entities, where, f"intent '{intent}' use_entities")
        included = set(listed) | labels(listed)
    listed_ignored = string_list(ignore, where, f"intent '{intent}' ignore_entities")
    _check_known_entities(listed_ignored, entities, where, f"intent '{intent}' ignore_entities")
    excluded = set(listed_ignored) | labels(listed_ignored)
    return frozenset(included - excluded)


def _check_known_entities(
    names: list[str],
    entities: dict[str, EntityDefinition],
    where: SourceLocation | None,
    construct: str,
) -> None:
    for name in names:
        if name not in entities:
            raise DataError(where, construct, f"unknown entity '{name}'")


def _slot(name: str, raw: Any, where: SourceLocation | None) -> SlotDefinition:
    construct = f"slot '{name}'"
    if not isinstance(raw, dict):
        raise DataError(where, construct, "must be a mapping with a type and mappings")
    try:
        slot_type = SlotType(raw.get("type"))
    except ValueError:
        raise DataError(where, construct, f"unsupported slot type {raw.get('type')!r}") from None
    unknown = set(raw) - _SLOT_KEYS[slot_type]
    if unknown:
        raise DataError(
            where, construct, f"unsupported keys {sorted(unknown)} for a {slot_type} slot"
        )
    mappings = raw.get("mappings")
    if not isinstance(mappings, list):
        raise DataError(
            where, construct, "needs a list of mappings (Rasa 3 removed slot auto-fill)"
        )
    influence = boolean(
        raw.get("influence_conversation", slot_type is not SlotType.ANY), where, construct
    )
    if slot_type is SlotType.ANY and influence:
        raise DataError(where, construct, "an 'any' slot cannot influence the conversation")
    values: tuple[str, ...] = ()
    if slot_type is SlotType.CATEGORICAL:
        raw_values = raw.get("values", [])
        if not isinstance(raw_values, list) or None in raw_values:
            raise DataError(where, construct, "values must be a list without null")
        lowered = [str(value).lower() for value in raw_values]
        if DEFAULT_CATEGORICAL_SLOT_VALUE not in lowered:
            lowered.append(DEFAULT_CATEGORICAL_SLOT_VALUE)
        values = tuple(lowered)
    min_value, max_value = 0.0, 1.0
    if slot_type is SlotType.FLOAT:
        min_value = number(raw.get("min_value", 0.0), where, construct)
        max_value = number(raw.get("max_value", 1.0), where, construct)
        if min_value >= max_value:
            raise DataError(where, construct, "min_value must be smaller than max_value")
    return SlotDefinition(
        name=name,
        type=slot_type,
        mappings=tuple(_plain(mapping) for mapping in mappings),
        initial_value=_plain(raw.get("initial_value")),
        influence_conversation=influence,
        values=values,
        min_value=min_value,
        max_value=max_value,
    )


def _with_default_slots(
    slots: dict[str, SlotDefinition], forms: dict[str, FormDefinition]
) -> dict[str, SlotDefinition]:
    result = dict(slots)
    if forms and REQUESTED_SLOT not in result:
        result[REQUESTED_SLOT] = SlotDefinition(
            REQUESTED_SLOT, SlotType.TEXT, influence_conversation=False
        )
    if SESSION_START_METADATA_SLOT in result:
        raise DataError(None, f"slot '{SESSION_START_METADATA_SLOT}'", "is reserved by Rasa")
    result[SESSION_START_METADATA_SLOT] = SlotDefinition(
        SESSION_START_METADATA_SLOT, SlotType.ANY, influence_conversation=False
    )
    return result
