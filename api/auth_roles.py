"""The service roles that may call the api."""

from enum import StrEnum


class Role(StrEnum):
    ACTIONS = "actions"
    BOT = "bot"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    BACKEND = "backend"
    ADMIN = "admin"
