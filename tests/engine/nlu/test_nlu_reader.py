"""Reading ``nlu:`` training data: every construct, and every refusal with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.nlu import load_nlu_training_data, training_data_files
from bot.engine.nlu.training_data import EntityAnnotation
from bot.engine.yaml_source import DataError


def write(tmp_path: Path, text: str, name: str = "nlu.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> DataError:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_nlu_training_data([path])
    return caught.value


def test_block_examples_with_entities_roles_groups_and_synonym_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: "3.1"
nlu:
- intent: inform
  examples: |
    - 型号是[KFR-35GW](product_model)
    - my [Haier]{"entity": "brand", "value": "haier"} fridge
    - from [9am]{"entity": "time_of_day", "role": "from", "group": "window"} please
- intent: greet
  examples:
  - text: hello
  - text: |
      你好
""",
    )
    data = load_nlu_training_data([path])
    texts = {example.text: example for example in data.examples}
    assert set(texts) == {"型号是KFR-35GW", "my Haier fridge", "from 9am please", "hello", "你好"}
    assert texts["型号是KFR-35GW"].entities == (
        EntityAnnotation("product_model", 3, 11, "KFR-35GW"),
    )
    assert texts["my Haier fridge"].entities == (EntityAnnotation("brand", 3, 8, "haier"),)
    assert texts["from 9am please"].entities == (
        EntityAnnotation("time_of_day", 5, 8, "9am", role="from", group="window"),
    )
    assert data.synonyms == {"Haier": "haier"}
    assert data.intents == {"inform", "greet"}
    assert data.entities == {"product_model", "brand", "time_of_day"}
    assert texts["型号是KFR-35GW"].location is not None
    assert texts["型号是KFR-35GW"].location.line == 5
    assert texts["from 9am please"].location.line == 7


def test_synonym_regex_and_lookup_items(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
nlu:
- intent: inform
  examples: |
    - 电话[13800138000](phone)
- synonym: tv
  examples: |
    - 电视
    - television
- regex: phone
  examples: |
    - 1[3-9][0-9]{9}
- lookup: brand
  examples: |
    - 格力
    - Gree
""",
    )
    data = load_nlu_training_data([path])
    assert data.synonyms == {"电视": "tv", "television": "tv"}
    assert [(regex.name, regex.pattern) for regex in data.regexes] == [("phone", "1[3-9][0-9]{9}")]
    assert [(lookup.name, lookup.elements) for lookup in data.lookups] == [
        ("brand", ("格力", "Gree"))
    ]


def test_files_without_nlu_and_other_sections_are_read_quietly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write(data_dir, "rules:\n- rule: r\n  steps: []\n", "rules.yml")
    write(data_dir, "", "empty.yml")
    write(data_dir, "nlu:\n- intent: greet\n  examples: |\n    - hi\n", "nlu.yaml")
    data = load_nlu_training_data(training_data_files(data_dir))
    assert [example.text for example in data.examples] == ["hi"]


def test_same_text_twice_in_one_intent_is_kept_once(tmp_path: Path) -> None:
    path = write(tmp_path, "nlu:\n- intent: greet\n  examples: |\n    - hi\n    - HI\n")
    assert [example.text for example in load_nlu_training_data([path]).examples] == ["hi"]


@pytest.mark.parametrize(
    ("document", "line", "fragment"),
    [
        (
            "nlu:\n- intent: inform\n  examples: |\n    - ok\n    - [电视](product:tv)\n",
            5,
            "Rasa 1 synonym form",
        ),
        (
            'nlu:\n- intent: inform\n  examples: |\n    - [tv]{"entity": "x", "colour": "red"}\n',
            4,
            "unknown attribute(s) colour",
        ),
        ("nlu:\n- intent: inform\n  examples: |\n    - [tv]{entity: x}\n", 4, "not valid JSON"),
        ('nlu:\n- intent: inform\n  examples: |\n    - [tv]{"value": "x"}\n', 4, "is missing"),
        ("nlu:\n- intent: inform\n  examples: |\n    - [ tv ](product)\n", 4, "whitespace"),
        ("nlu:\n- intent: inform\n  examples: |\n    - [iph](m)one 13\n", 4, "splits a word"),
        ("nlu:\n- intent: faq/ask\n  examples: |\n    - what\n", 2, "retrieval intents"),
        (
            "nlu:\n- intent: greet\n  metadata:\n    sentiment: x\n  examples: |\n    - hi\n",
            2,
            "metadata is not supported",
        ),
        (
            "nlu:\n- intent: greet\n  examples:\n  - text: hi\n    metadata: {a: 1}\n",
            4,
            "metadata is not supported",
        ),
        ("nlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n", 5, "must start with '-'"),
        ("nlu:\n- intent: greet\n  examples: |\n    - hi\n    -\n", 5, "empty example"),
        ("nlu:\n- intent: greet\n  example: |\n    - hi\n", 2, "unknown key(s) example"),
        ("nlu:\n- intent: greet\n", 2, "has no examples"),
        ("nlu:\n- intent: greet\n  examples:\n", 2, "has no examples"),
        ('nlu:\n- intent: ""\n  examples: |\n    - hi\n', 2, "non-empty plain string"),
        ("nlu:\n- examples: |\n    - hi\n", 2, "needs exactly one of"),
        ("nlu:\n- hi there\n", 2, "must be a mapping"),
        ("nlu:\n- regex: phone\n  examples: |\n    - 1[3-9\n", 4, "invalid regular expression"),
        ("nlu:\n- regex: phone\n  examples: |\n    - \\d*\n", 4, "matches the empty string"),
        ("nlu:\n- lookup: brand\n  examples:\n  - gree\n", 2, "block of '- ' lines"),
        ('version: "1.0"\nnlu: []\n', 1, "not a Rasa 2 or 3 data format"),
        ("version: 3.1\nnlu: []\n", 1, "quoted string"),
        ("nlu: []\nstorys: []\n", 1, "unknown section(s) storys"),
        ("nlu:\n  intent: greet\n", 2, "must be a list"),
        (
            "nlu:\n- intent: greet\n  examples: |\n    - 你们好\n"
            "- intent: goodbye\n  examples: |\n    - bye\n    - 你們好\n",
            8,
            "also an example of 'greet'",
        ),
        (
            "nlu:\n- synonym: tv\n  examples: |\n    - 电视\n"
            "- synonym: television\n  examples: |\n    - 電視\n",
            7,
            "already maps to 'tv'",
        ),
        (
            'nlu:\n- intent: inform\n  examples: |\n    - [TV]{"entity": "p", "value": "tv"}\n'
            "- synonym: screen\n  examples: |\n    - tv\n",
            7,
            "already maps to 'tv'",
        ),
        (
            "nlu:\n- intent: inform\n  examples: |\n    - a [tv](product)\n"
            "- intent: inform\n  examples: |\n    - a tv\n",
            7,
            "with other entities",
        ),
    ],
)
def test_refusals_name_the_file_and_line(
    tmp_path: Path, document: str, line: int, fragment: str
) -> None:
    error = refusal(tmp_path, document)
    assert error.location is not None
    assert error.location.path == tmp_path / "nlu.yml"
    assert error.location.line == line
    assert fragment in str(error)
    assert str(error).startswith(f"{tmp_path / 'nlu.yml'}:{line}: ")


def test_training_data_without_examples_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "nlu:\n- synonym: tv\n  examples: |\n    - 电视\n")
    with pytest.raises(DataError, match="no intent examples"):
        load_nlu_training_data([path])


def test_broken_yaml_is_located(tmp_path: Path) -> None:
    error = refusal(tmp_path, "nlu:\n- intent: greet\n  examples: [\n")
    assert error.location is not None
    assert error.location.line == 4
