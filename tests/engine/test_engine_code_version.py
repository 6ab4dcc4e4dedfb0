"""The code version in the model caches' keys: the package version and a digest of the
sources that shape a model."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from bot.engine import code_version, model_cache


def write_sources(root: Path) -> Path:
    (root / "nlu").mkdir(parents=True)
    (root / "processor.py").write_text("A = 1\n", encoding="utf-8")
    (root / "nlu" / "pipeline.py").write_text("B = 1\n", encoding="utf-8")
    (root / "notes.txt").write_text("not code\n", encoding="utf-8")
    return root


def test_the_digest_follows_the_content_and_names_of_the_sources(tmp_path: Path) -> None:
    root = write_sources(tmp_path / "engine")
    digest = code_version.source_digest(root)
    assert code_version.source_digest(write_sources(tmp_path / "copy")) == digest
    (root / "notes.txt").write_text("edited\n", encoding="utf-8")
    assert code_version.source_digest(root) == digest, "only Python sources count"
    (root / "processor.py").write_text("A = 2\n", encoding="utf-8")
    edited = code_version.source_digest(root)
    assert edited != digest
    (root / "processor.py").rename(root / "policy.py")
    assert code_version.source_digest(root) not in {digest, edited}


def test_skipped_directories_do_not_count(tmp_path: Path) -> None:
    root = write_sources(tmp_path / "engine")
    digest = code_version.source_digest(root, skip_dirs={"nlu"})
    (root / "nlu" / "pipeline.py").write_text("B = 2\n", encoding="utf-8")
    assert code_version.source_digest(root, skip_dirs={"nlu"}) == digest
    assert code_version.source_digest(root) != code_version.source_digest(
        write_sources(tmp_path / "copy")
    )


def test_the_version_names_the_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_sources(tmp_path / "engine")
    installed = version(code_version.PACKAGE_NAME)
    assert code_version.code_version(root).startswith(f"{installed}+")
    monkeypatch.setattr(code_version, "PACKAGE_NAME", "a-package-that-is-not-installed")
    assert code_version.code_version(root).startswith("not installed+")


def test_an_upgrade_changes_the_dialogue_model_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_cache, "ENGINE_DIR", write_sources(tmp_path / "engine"))
    key = model_cache.cache_key("data")
    monkeypatch.setattr(code_version, "package_version", lambda: "99.0.0")
    assert model_cache.cache_key("data") != key
