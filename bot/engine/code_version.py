"""The version of the code that builds a cached model, for the caches' keys.

A cached model is only as good as the code that trained it: the key of each cache holds
the installed package's version and a digest of the source files that shape the model,
so an upgrade (or any edit of those files) never loads a model older code built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGE_NAME = "aftersales-assistant"


def package_version() -> str:
    try:
        return version(PACKAGE_NAME)
    except PackageNotFoundError:
        # Run from a source tree that was never installed: the source digest still counts.
        return "not installed"


def source_digest(root: Path, *, skip_dirs: Collection[str] = ()) -> str:
    """sha256 over the ``*.py`` files under ``root`` (path and content), leaving out those
    inside a sub-directory named in ``skip_dirs``."""
    digest = hashlib.sha256()
    for path in _sources(root, skip_dirs):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def code_version(root: Path, *, skip_dirs: Collection[str] = ()) -> str:
    return f"{package_version()}+{source_digest(root, skip_dirs=skip_dirs)}"


def _sources(root: Path, skip_dirs: Collection[str]) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.py")
        if not set(skip_dirs).intersection(path.relative_to(root).parts[:-1])
    )
