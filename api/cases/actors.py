"""Who changes a case: recorded with every transition and upload."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth_roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    id: str | None
    """An agent's or system's own id, or the consumer's channel identity; None if unknown."""
