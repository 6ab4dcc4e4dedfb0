"""The trained dialogue model is cached next to the NLU's, keyed by the project files and
the engine's code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import model_cache
from bot.engine.model import load_dialogue_model
from bot.engine.rule_policy import RulePolicy
from tests.engine.dialogue_bots import PRODUCT_DOMAIN, PRODUCT_RULES, write_bot


def refuse_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def train(*args: object, **kwargs: object) -> RulePolicy:
        raise AssertionError("the rules were trained again")

    monkeypatch.setattr(RulePolicy, "train", train)


def test_a_second_load_reuses_the_trained_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    first = load_dialogue_model(root, tmp_path / "cache")
    [cached] = (tmp_path / "cache").glob("dialogue-*.pickle")
    refuse_training(monkeypatch)
    second = load_dialogue_model(root, tmp_path / "cache")
    assert second.fingerprint == first.fingerprint
    assert second.policy.rule_count == first.policy.rule_count
    assert sorted(second.domain.intents) == sorted(first.domain.intents)
    assert list((tmp_path / "cache").glob("dialogue-*.pickle")) == [cached]


def test_the_same_files_elsewhere_load_as_that_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    load_dialogue_model(root, tmp_path / "cache")
    copy = shutil.copytree(root, tmp_path / "copy")
    refuse_training(monkeypatch)
    assert load_dialogue_model(copy, tmp_path / "cache").data_dir == copy


def test_changed_files_train_a_new_model(tmp_path: Path) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    first = load_dialogue_model(root, tmp_path / "cache")
    rules = root / "data" / "rules.yml"
    rules.write_text(
        rules.read_text(encoding="utf-8")
        + "- rule: thanks\n  steps:\n  - intent: thanks\n  - action: utter_welcome\n",
        encoding="utf-8",
    )
    second = load_dialogue_model(root, tmp_path / "cache")
    assert second.fingerprint != first.fingerprint
    assert second.policy.rule_count > first.policy.rule_count
    assert len(list((tmp_path / "cache").glob("dialogue-*.pickle"))) == 2


def test_an_unreadable_cache_file_is_replaced(tmp_path: Path) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    expected = load_dialogue_model(root, tmp_path / "cache")
    [cached] = (tmp_path / "cache").glob("dialogue-*.pickle")
    cached.write_bytes(b"not a pickle")
    reloaded = load_dialogue_model(root, tmp_path / "cache")
    assert reloaded.policy.rule_count == expected.policy.rule_count
    assert model_cache.load_cached(cached) is not None


def test_without_a_cache_directory_nothing_is_written(tmp_path: Path) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    load_dialogue_model(root)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bot"]


def test_the_key_follows_the_engine_code_but_not_the_nlu_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = tmp_path / "engine"
    (engine / "nlu").mkdir(parents=True)
    (engine / "processor.py").write_text("A = 1\n", encoding="utf-8")
    (engine / "nlu" / "pipeline.py").write_text("B = 1\n", encoding="utf-8")
    monkeypatch.setattr(model_cache, "ENGINE_DIR", engine)
    key = model_cache.cache_key("data")
    assert model_cache.cache_key("other data") != key
    (engine / "nlu" / "pipeline.py").write_text("B = 2\n", encoding="utf-8")
    assert model_cache.cache_key("data") == key
    (engine / "processor.py").write_text("A = 2\n", encoding="utf-8")
    assert model_cache.cache_key("data") != key
