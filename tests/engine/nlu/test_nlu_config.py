"""Reading config.yml: the FallbackClassifier settings and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.nlu import FallbackSettings, read_nlu_config
from bot.engine.yaml_source import DataError


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_language_assistant_and_fallback_thresholds(tmp_path: Path) -> None:
    config = read_nlu_config(
        config_file(
            tmp_path,
            "recipe: default.v1\nlanguage: zh\nassistant_id: aftersales\npipeline:\n"
            "  - name: JiebaTokenizer\n  - name: DIETClassifier\n    epochs: 100\n"
            "  - name: FallbackClassifier\n    threshold: 0.45\n    ambiguity_threshold: 0.05\n"
            "policies:\n  - name: RulePolicy\n",
        )
    )
    assert config.language == "zh"
    assert config.assistant_id == "aftersales"
    assert config.fallback == FallbackSettings(threshold=0.45, ambiguity_threshold=0.05)
    assert config.components == ("JiebaTokenizer", "DIETClassifier", "FallbackClassifier")


def test_fallback_defaults_are_rasas(tmp_path: Path) -> None:
    config = read_nlu_config(config_file(tmp_path, "pipeline:\n  - name: FallbackClassifier\n"))
    assert config.fallback == FallbackSettings(threshold=0.3, ambiguity_threshold=0.1)
    assert config.language == "en"


def test_pipeline_without_fallback_classifier_has_no_fallback(tmp_path: Path) -> None:
    config = read_nlu_config(config_file(tmp_path, "pipeline:\n  - name: DIETClassifier\n"))
    assert config.fallback is None


def test_missing_pipeline_means_rasas_default_pipeline_with_fallback(tmp_path: Path) -> None:
    assert read_nlu_config(config_file(tmp_path, "language: en\n")).fallback == FallbackSettings()
    assert read_nlu_config(config_file(tmp_path, "")).fallback == FallbackSettings()


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("language: zh\nimporters: []\n", 1, "unknown key(s) importers"),
        ("recipe: graph.v2\n", 1, "only 'default.v1'"),
        ("pipeline:\n  - name: FallbackClassifier\n    threshold: 1.5\n", 2, "between 0 and 1"),
        ("pipeline:\n  - name: FallbackClassifier\n    threshold: high\n", 2, "must be a number"),
        ("pipeline:\n  - name: FallbackClassifier\n    thresold: 0.3\n", 2, "thresold"),
        (
            "pipeline:\n  - name: FallbackClassifier\n  - name: FallbackClassifier\n",
            3,
            "listed twice",
        ),
        ("pipeline:\n  - epochs: 3\n", 2, "needs a name"),
        ("language: [zh]\n", 1, "language code"),
    ],
)
def test_refusals(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(DataError) as caught:
        read_nlu_config(config_file(tmp_path, text))
    assert caught.value.location is not None
    assert caught.value.location.line == line
    assert fragment in str(caught.value)
