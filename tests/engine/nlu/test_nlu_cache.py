"""The on-disk model cache: a restart with unchanged data loads instead of training."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine import code_version
from bot.engine.nlu import FallbackSettings, NluConfig, NluPipeline, NluTrainingData, pipeline
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


def test_cache_key_follows_data_config_and_code(
    training_data: NluTrainingData,
    config: NluConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = model_cache_key(training_data, config)
    assert len(key) == 64
    assert model_cache_key(training_data, config) == key
    fewer = training_data.subset(training_data.examples[1:])
    assert model_cache_key(fewer, config) != key
    stricter = replace(config, fallback=FallbackSettings(threshold=0.5))
    assert model_cache_key(training_data, stricter) != key
    assert model_cache_key(training_data, replace(config, assistant_id="other")) == key
    sources = shutil.copytree(pipeline.NLU_SOURCE_DIR, tmp_path / "nlu")
    monkeypatch.setattr(pipeline, "NLU_SOURCE_DIR", sources)
    assert model_cache_key(training_data, config) == key, "the same sources elsewhere"
    with (sources / "fallback.py").open("a", encoding="utf-8") as source:
        source.write("\n# changed\n")
    changed_code = model_cache_key(training_data, config)
    assert changed_code != key
    monkeypatch.setattr(code_version, "package_version", lambda: "9.9.9")
    assert model_cache_key(training_data, config) not in {key, changed_code}


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


LOAD_CACHED = """
import json, sys
from pathlib import Path
from bot.engine.nlu import NluPipeline
from bot.engine.nlu.config import read_nlu_config
from bot.engine.nlu.reader import load_nlu_training_data

def refuse(*_):
    raise SystemExit("trained instead of loading the cache")

bot, cache = Path(sys.argv[1]), Path(sys.argv[2])
NluPipeline.train = classmethod(refuse)
loaded = NluPipeline.load_or_train(
    load_nlu_training_data([bot / "data" / "nlu.yml"]), read_nlu_config(bot / "config.yml"), cache
)
print(json.dumps(loaded.parse(sys.argv[3]), ensure_ascii=False))
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & {"sklearn", "scipy"})))
"""


def test_a_cached_model_loads_without_scikit_learn(
    bot_dir: Path, training_data: NluTrainingData, config: NluConfig, tmp_path: Path
) -> None:
    """Training needs scikit-learn and SciPy; serving a cached model needs neither, which
    keeps about 100 MB out of the engine process."""
    trained = NluPipeline.load_or_train(training_data, config, tmp_path)
    text = "我的冰箱不制冷了 my fridge is broken"
    loading = subprocess.run(
        [sys.executable, "-c", LOAD_CACHED, str(bot_dir), str(tmp_path), text],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    parsed, imported = (json.loads(line) for line in loading.stdout.splitlines()[-2:])
    assert parsed == json.loads(json.dumps(trained.parse(text), ensure_ascii=False))
    assert imported == []
