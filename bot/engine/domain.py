"""The loaded domain: what the assistant knows, says and does (Rasa 3 ``domain.yml``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.engine.constants import (
    DEFAULT_ACTION_NAMES,
    DEFAULT_SLOT_NAMES,
    UTTER_PREFIX,
)
from bot.engine.slots import SlotDefinition


@dataclass(frozen=True, slots=True)
class EntityDefinition:
    name: str
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    influence_conversation: bool = True


@dataclass(frozen=True, slots=True)
class IntentDefinition:
    name: str
    #: Entity labels (``entity``, ``entity#role``, ``entity#group``) that may influence
    #: the dialogue after this intent, as Rasa derives them from use/ignore_entities.
    used_entities: frozenset[str]


@dataclass(frozen=True, slots=True)
class FormDefinition:
    name: str
    required_slots: tuple[str, ...]
    ignored_intents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionConfig:
    expiration_minutes: float = 60
    carry_over_slots: bool = True

    @property
    def sessions_enabled(self) -> bool:
        return self.expiration_minutes > 0


class Domain:
    """Read-only view of a validated domain; build it with :mod:`bot.engine.domain_loader`."""

    def __init__(
        self,
        *,
        intents: Mapping[str, IntentDefinition],
        entities: Mapping[str, EntityDefinition],
        slots: Mapping[str, SlotDefinition],
        responses: Mapping[str, list[dict[str, Any]]],
        forms: Mapping[str, FormDefinition],
        custom_actions: tuple[str, ...],
        session_config: SessionConfig,
        store_entities_as_slots: bool,
        serialised: dict[str, Any],
    ) -> None:
        self.intents = dict(intents)
        self.entities = dict(entities)
        self.slots = dict(slots)
        self.responses = {name: list(variations) for name, variations in responses.items()}
        self.forms = dict(forms)
        self.custom_actions = custom_actions
        self.session_config = session_config
        self.store_entities_as_slots = store_entities_as_slots
        self._serialised = serialised
        response_actions = [name for name in sorted(self.responses) if name not in custom_actions]
        #: Custom actions and response actions, as Rasa's ``Domain.user_actions``.
        self.user_actions: tuple[str, ...] = (*custom_actions, *response_actions)
        user_only = [name for name in self.user_actions if name not in DEFAULT_ACTION_NAMES]
        forms_only = [name for name in self.forms if name not in custom_actions]
        #: Every action the policies may predict, in Rasa's order.
        self.action_names: tuple[str, ...] = (*DEFAULT_ACTION_NAMES, *user_only, *forms_only)
        self._action_name_set = frozenset(self.action_names)

    def as_dict(self) -> dict[str, Any]:
        """The domain as Rasa serialises it for the action server (``Domain.as_dict``)."""
        return copy.deepcopy(self._serialised)

    @property
    def serialised(self) -> dict[str, Any]:
        """``as_dict()`` without the copy, for serialising requests; never mutate it."""
        return self._serialised

    def has_action(self, name: str) -> bool:
        return name in self._action_name_set

    def is_form(self, name: str) -> bool:
        return name in self.forms

    def required_slots(self, form_name: str) -> tuple[str, ...]:
        form = self.forms.get(form_name)
        return form.required_slots if form else ()

    def used_entities(self, intent_name: str | None) -> frozenset[str] | None:
        """Entities featurised after ``intent_name``; ``None`` means "all present ones"."""
        intent = self.intents.get(intent_name) if intent_name else None
        return intent.used_entities if intent else None

    @property
    def user_slots(self) -> list[SlotDefinition]:
        return [slot for slot in self.slots.values() if slot.name not in DEFAULT_SLOT_NAMES]

    @staticmethod
    def is_response_action(name: str) -> bool:
        return name.startswith(UTTER_PREFIX)
