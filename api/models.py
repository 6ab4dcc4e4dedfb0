"""Every ORM model, imported in one place so that metadata and migrations see all tables."""

from api.db import Base

__all__ = ["Base"]
