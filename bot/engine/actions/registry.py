"""Which implementation runs an action name (Rasa's ``action_for_name_or_text``)."""

from __future__ import annotations

from bot.engine.actions.base import Action
from bot.engine.actions.defaults import ActionBotResponse, default_actions
from bot.engine.actions.extract_slots import ActionExtractSlots
from bot.engine.actions.forms import FormAction
from bot.engine.actions.remote import RemoteAction
from bot.engine.constants import ACTION_EXTRACT_SLOTS, UTTER_PREFIX
from bot.engine.domain import Domain

_DEFAULTS = default_actions()


class UnknownActionError(LookupError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"'{name}' is not an action of the domain")


def action_for_name(name: str, domain: Domain) -> Action:
    if name == ACTION_EXTRACT_SLOTS:
        return ActionExtractSlots()
    if not domain.has_action(name):
        raise UnknownActionError(name)
    overridden = name in domain.user_actions or domain.is_form(name)
    if name in _DEFAULTS and not overridden:
        return _DEFAULTS[name]
    if name.startswith(UTTER_PREFIX):
        return ActionBotResponse(name)
    if domain.is_form(name):
        return FormAction(name)
    return RemoteAction(name)
