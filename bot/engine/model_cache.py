"""Trained dialogue models kept on disk, next to the NLU's cached models.

Reading the domain and training the rules (with Rasa's contradiction checks) is the
engine's own share of its start-up; the result depends only on the project files and on
the engine's code (its package version and its sources), so both are in the cache key: a
model is reused exactly when neither changed. A file that cannot be read back is ignored
and the model rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import structlog

from bot.engine.code_version import code_version

logger = structlog.get_logger(__name__)

ENGINE_DIR = Path(__file__).resolve().parent
#: The NLU keys its own cache; its code does not shape the dialogue model.
_NOT_DIALOGUE_CODE = {"nlu", "stories"}


def cache_key(data_fingerprint: str) -> str:
    digest = hashlib.sha256()
    digest.update(data_fingerprint.encode())
    digest.update(f"{sys.version_info[:2]}".encode())
    digest.update(code_version(ENGINE_DIR, skip_dirs=_NOT_DIALOGUE_CODE).encode())
    return digest.hexdigest()[:32]


def cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"dialogue-{key}.pickle"


def load_cached(path: Path) -> Any | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception as error:  # a truncated or foreign file fails in many ways: rebuild
        logger.warning("dialogue_model.cache_unreadable", path=str(path), error=str(error))
        return None


def store(value: Any, path: Path) -> None:
    """Write atomically: a concurrent reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
