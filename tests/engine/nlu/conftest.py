"""Fixtures for the NLU tests: one small bilingual bot, trained once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jieba
import pytest

from bot.engine.nlu import NluConfig, NluPipeline, NluTrainingData
from bot.engine.nlu import segmenter as segmenter_module
from bot.engine.nlu.config import read_nlu_config
from bot.engine.nlu.reader import load_nlu_training_data
from tests.engine.nlu.bots import write_bot


@pytest.fixture(scope="session", autouse=True)
def shared_jieba_dictionary() -> Iterator[jieba.Tokenizer]:
    """Load jieba's full dictionary once for all trainings of the session."""
    dictionary = segmenter_module.full_dictionary()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(segmenter_module, "full_dictionary", lambda: dictionary)
        yield dictionary


@pytest.fixture(scope="session")
def bot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bilingual-bot")
    write_bot(root)
    return root


@pytest.fixture(scope="session")
def training_data(bot_dir: Path) -> NluTrainingData:
    return load_nlu_training_data([bot_dir / "data" / "nlu.yml"])


@pytest.fixture(scope="session")
def config(bot_dir: Path) -> NluConfig:
    return read_nlu_config(bot_dir / "config.yml")


@pytest.fixture(scope="session")
def pipeline(training_data: NluTrainingData, config: NluConfig) -> NluPipeline:
    return NluPipeline.train(training_data, config)
