"""The on-disk model cache: a restart with unchanged data loads instead of training."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine.nlu import FallbackSettings, NluConfig, NluPipeline, NluTrainingData
from bot.engine.nlu.pipeline import model_cache_key


def refuse_training(*_: object) -> NluPipeline:
    raise AssertionError("the model was trained although the cache holds it")


def test_second_load_uses_the_cache(
    training_data: NluTrainingData,
    config: NluConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = NluPipeline.load_or_train(training_data, config, tmp_path)
    cached = tmp_path / f"{model_cache_key(training_data, config)}.joblib"
    assert cached.is_file()
    monkeypatch.setattr(NluPipeline, "train", classmethod(refuse_training))
    second = NluPipeline.load_or_train(training_data, config, tmp_path)
    assert second.parse("我的冰箱不制冷了") == first.parse("我的冰箱不制冷了")
    assert second.intents == first.intents
    assert second.entities == first.entities


def test_corrupt_cache_is_retrained_and_replaced(
    training_data: NluTrainingData, config: NluConfig, tmp_path: Path
) -> None:
    cached = tmp_path / f"{model_cache_key(training_data, config)}.joblib"
    cached.write_bytes(b"not a model")
    pipeline = NluPipeline.load_or_train(training_data, config, tmp_path)
    assert pipeline.parse("hello")["intent"]["name"] == "greet"
    assert cached.stat().st_size > 1000


def test_cache_key_follows_data_config_and_engine_version(
    training_data: NluTrainingData, config: NluConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = model_cache_key(training_data, config)
    assert len(key) == 64
    assert model_cache_key(training_data, config) == key
    fewer = training_data.subset(training_data.examples[1:])
    assert model_cache_key(fewer, config) != key
    stricter = replace(config, fallback=FallbackSettings(threshold=0.5))
    assert model_cache_key(training_data, stricter) != key
    assert model_cache_key(training_data, replace(config, assistant_id="other")) == key
    monkeypatch.setattr("bot.engine.nlu.pipeline.NLU_ENGINE_VERSION", "test")
    assert model_cache_key(training_data, config) != key


def test_a_new_model_replaces_stale_cache_files(
    training_data: NluTrainingData, config: NluConfig, tmp_path: Path
) -> None:
    stale = tmp_path / ("0" * 64 + ".joblib")
    stale.write_bytes(b"old model")
    unrelated = tmp_path / "notes.joblib"
    unrelated.write_bytes(b"keep")
    NluPipeline.load_or_train(training_data, config, tmp_path)
    assert not stale.exists()
    assert unrelated.exists()
    assert len(list(tmp_path.glob("*.joblib"))) == 2


def test_an_unwritable_cache_does_not_stop_the_engine(
    training_data: NluTrainingData, config: NluConfig, tmp_path: Path
) -> None:
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("a file where the cache directory should be")
    pipeline = NluPipeline.load_or_train(training_data, config, not_a_directory)
    assert pipeline.parse("hello")["intent"]["name"] == "greet"
    assert list(tmp_path.iterdir()) == [not_a_directory]
