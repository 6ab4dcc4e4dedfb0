"""What kind of service a case asks for, where it happens, and how urgent it is."""

from __future__ import annotations

from enum import StrEnum


class ServiceType(StrEnum):
    REPAIR = "repair"
    INSTALLATION = "installation"
    MAINTENANCE = "maintenance"
    RETURN = "return"
    EXCHANGE = "exchange"


class ServiceMode(StrEnum):
    ONSITE = "onsite"
    CARRY_IN = "carry_in"
    MAIL_IN = "mail_in"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


# Portable devices go to a service point; everything else is served at the consumer's home.
_CARRY_IN_CATEGORIES = frozenset({"phone", "laptop"})


def default_service_mode(category: str | None) -> ServiceMode:
    return ServiceMode.CARRY_IN if category in _CARRY_IN_CATEGORIES else ServiceMode.ONSITE
