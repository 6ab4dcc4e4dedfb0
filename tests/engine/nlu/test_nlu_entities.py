"""Entity extraction: CRF, regexes, lookups, synonyms, and how extractors combine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.engine.nlu import NluConfig, NluPipeline, load_nlu_training_data
from bot.engine.nlu.patterns import PatternMatch, PatternMatcher
from bot.engine.nlu.synonyms import SynonymMapper
from bot.engine.nlu.text import normalise
from bot.engine.nlu.training_data import LookupTable, RegexFeature


def by_extractor(result: dict[str, Any], extractor: str) -> list[tuple[str, int, int, Any]]:
    return [
        (e["entity"], e["start"], e["end"], e["value"])
        for e in result["entities"]
        if e["extractor"] == extractor
    ]


def test_regex_entities_have_exact_offsets_into_the_original_text(
    pipeline: NluPipeline,
) -> None:
    text = "我的手机号是１３９１２３４５６７８，谢谢"
    result = pipeline.parse(text)
    assert ("phone", 6, 17, "１３９１２３４５６７８") in by_extractor(
        result, "RegexEntityExtractor"
    )


def test_lookup_matches_chinese_anywhere_and_latin_on_word_boundaries(
    pipeline: NluPipeline,
) -> None:
    result = pipeline.parse("我的ＴＣＬ电视 and the tcl2 thing")
    assert by_extractor(result, "RegexEntityExtractor") == [
        ("brand", 2, 5, "ＴＣＬ"),
        ("product_category", 5, 7, "tv"),
    ]


def test_crf_extracts_entities_with_confidence_and_maps_synonyms(pipeline: NluPipeline) -> None:
    result = pipeline.parse("我的海尔冰箱不制冷了")
    crf = [e for e in result["entities"] if e["extractor"] == "CRFEntityExtractor"]
    assert [(e["entity"], e["start"], e["end"], e["value"]) for e in crf] == [
        ("brand", 2, 4, "haier"),
        ("product_category", 4, 6, "refrigerator"),
    ]
    assert all(0.0 < e["confidence_entity"] <= 1.0 for e in crf)
    assert all(e["processors"] == ["EntitySynonymMapper"] for e in crf)


def test_crf_reads_latin_words_and_model_codes(pipeline: NluPipeline) -> None:
    result = pipeline.parse("the model is KFR-50LW")
    assert ("product_model", 13, 21, "KFR-50LW") in by_extractor(result, "CRFEntityExtractor")


def test_every_extractor_keeps_its_entities_as_rasa_does(pipeline: NluPipeline) -> None:
    result = pipeline.parse("电话13812345678")
    assert [(e["entity"], e["start"], e["end"], e["extractor"]) for e in result["entities"]] == [
        ("phone", 2, 13, "CRFEntityExtractor"),
        ("phone", 2, 13, "RegexEntityExtractor"),
    ]


def test_regexes_without_annotated_entity_only_feed_features(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        "nlu:\n- intent: inform\n  examples: |\n    - case 12345\n    - ticket 55555\n"
        "- intent: greet\n  examples: |\n    - hi\n    - hello\n"
        "- regex: case_id\n  examples: |\n    - [0-9]{5}\n",
        encoding="utf-8",
    )
    pipeline = NluPipeline.train(load_nlu_training_data([nlu]), NluConfig())
    assert pipeline.parse("case 77777")["entities"] == []
    assert pipeline.entities == {"time"}


def test_roles_and_groups_are_learned(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    lines = []
    for start, end in [("9", "11"), ("10", "12"), ("1", "3"), ("2", "4"), ("8", "10"), ("3", "5")]:
        lines.append(
            f'    - from [{start}]{{"entity": "hour", "role": "from", "group": "g1"}} '
            f'to [{end}]{{"entity": "hour", "role": "to", "group": "g1"}}'
        )
    nlu.write_text(
        "nlu:\n- intent: window\n  examples: |\n" + "\n".join(lines) + "\n"
        "- intent: greet\n  examples: |\n    - hi\n    - hello\n",
        encoding="utf-8",
    )
    pipeline = NluPipeline.train(load_nlu_training_data([nlu]), NluConfig())
    entities = pipeline.parse("from 7 to 9")["entities"]
    hours = [e for e in entities if e["entity"] == "hour"]
    assert [(e["value"], e["role"], e["group"]) for e in hours] == [
        ("7", "from", "g1"),
        ("9", "to", "g1"),
    ]
    assert all(0.0 < e["confidence_role"] <= 1.0 for e in hours)


def test_pattern_matcher_reports_every_match_in_pattern_order() -> None:
    matcher = PatternMatcher(
        [RegexFeature("digits", r"[0-9]{3}")],
        [LookupTable("brand", ("TCL", "格力", "A.O.史密斯")), LookupTable("empty", ("  ",))],
    )
    assert matcher.matches(normalise("TCL 123 格力 a.o.史密斯 tclx 456")) == [
        PatternMatch("digits", 4, 7),
        PatternMatch("digits", 24, 27),
        PatternMatch("brand", 0, 3),
        PatternMatch("brand", 8, 10),
        PatternMatch("brand", 11, 18),
    ]


@pytest.mark.parametrize(
    ("value", "mapped", "processed"),
    [
        ("Television", "tv", True),
        ("ＴＥＬＥＶＩＳＩＯＮ", "tv", True),
        ("電視", "tv", True),
        ("TV", "tv", True),
        ("radio", "radio", False),
        (2023, 2023, False),
    ],
)
def test_synonym_mapper(value: object, mapped: object, processed: bool) -> None:
    mapper = SynonymMapper({"television": "tv", "电视": "tv"})
    entities: list[dict[str, Any]] = [{"entity": "product", "value": value, "processors": ["X"]}]
    mapper.apply(entities)
    assert entities[0]["value"] == mapped
    assert entities[0]["processors"] == (["X", "EntitySynonymMapper"] if processed else ["X"])
