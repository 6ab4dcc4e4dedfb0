"""Cross-validation report and the ``aftersales nlu-eval`` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.cli import main
from bot.engine.nlu import NluConfig, NluTrainingData
from bot.engine.nlu.evaluation import (
    cross_validate,
    format_report,
    language_of,
    run_nlu_eval,
)


def test_report_per_intent_and_language(training_data: NluTrainingData, config: NluConfig) -> None:
    report = cross_validate(training_data, config, folds=3)
    assert report.folds == 3
    assert report.overall.examples == len(training_data.examples)
    assert [language.name for language in report.languages] == ["en", "zh"]
    assert sum(language.examples for language in report.languages) == report.overall.examples
    assert {m.intent for m in report.overall.intents} == set(training_data.intents)
    assert sum(m.support for m in report.overall.intents) == report.overall.examples
    for language in report.languages:
        assert 0.0 <= language.macro_f1 <= 1.0
        f1s = [m.f1 for m in language.intents]
        assert language.macro_f1 == pytest.approx(sum(f1s) / len(f1s))
    scope = report.overall.scope
    assert scope.out_of_scope_examples == 12
    assert scope.in_scope_examples == report.overall.examples - 12
    assert scope.out_of_scope_recall is not None and 0.0 <= scope.out_of_scope_recall <= 1.0
    assert all(true != predicted for true, predicted, _ in report.confusions)
    assert len(report.confusions) <= 10
    text = format_report(report, min_f1=0.0)
    assert "[zh]" in text and "[en]" in text and "out_of_scope: recall" in text
    assert "macro-F1 zh" in text and "BELOW" not in text


def test_report_is_reproducible(training_data: NluTrainingData, config: NluConfig) -> None:
    assert cross_validate(training_data, config, folds=2, seed=7) == cross_validate(
        training_data, config, folds=2, seed=7
    )


def test_folds_must_fit_the_data(training_data: NluTrainingData, config: NluConfig) -> None:
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_validate(training_data, config, folds=1)
    tiny = training_data.subset(training_data.examples[:3])
    with pytest.raises(ValueError, match="cannot be split"):
        cross_validate(tiny, config, folds=5)


def test_exit_code_follows_the_minimum_f1(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_nlu_eval(bot_dir, folds=2, min_f1=0.0) == 0
    passing = capsys.readouterr().out
    assert "NLU cross-validation (2 folds" in passing
    assert run_nlu_eval(bot_dir, folds=2, min_f1=1.01) == 1
    assert "BELOW" in capsys.readouterr().out


def test_language_is_chinese_when_a_chinese_character_appears() -> None:
    assert language_of("my 空调 is broken") == "zh"
    assert language_of("ＭＹ ＴＶ") == "en"


def test_cli_command(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["nlu-eval", "--data-dir", str(bot_dir), "--folds", "2", "--min-f1", "0.1"]
    assert main(arguments) == 0
    assert "macro-F1 en" in capsys.readouterr().out


def test_cli_reports_data_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text(
        "nlu:\n- intent: a/b\n  examples: |\n    - x\n", encoding="utf-8"
    )
    assert main(["nlu-eval", "--data-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "nlu.yml:2" in error and "retrieval intents" in error
