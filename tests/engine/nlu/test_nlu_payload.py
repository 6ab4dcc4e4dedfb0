"""Messages that state their intent (button payloads), as Rasa's RegexMessageHandler."""

from __future__ import annotations

import pytest

from bot.engine.nlu import NluPipeline
from bot.engine.nlu.payload import parse_payload


def test_intent_only(pipeline: NluPipeline) -> None:
    assert pipeline.parse("/greet") == {
        "text": "/greet",
        "intent": {"name": "greet", "confidence": 1.0},
        "intent_ranking": [{"name": "greet", "confidence": 1.0}],
        "entities": [],
    }


def test_entities_span_the_json_and_lists_give_several(pipeline: NluPipeline) -> None:
    text = '  /inform{"product_category": "tv", "brand": ["gree", "haier"]}'
    result = pipeline.parse(text)
    stripped = text.strip()
    assert result["text"] == stripped
    start = stripped.index("{")
    assert result["entities"] == [
        {
            "entity": entity,
            "value": value,
            "start": start,
            "end": len(stripped),
            "extractor": "RegexMessageHandler",
        }
        for entity, value in [("product_category", "tv"), ("brand", "gree"), ("brand", "haier")]
    ]


@pytest.mark.parametrize(
    ("text", "confidence"),
    [("/affirm@0.9", 0.9), ("/affirm@1.5", 1.0), ("/affirm@0.9.1", 0.0), ("/affirm@0", 0.0)],
)
def test_confidence(text: str, confidence: float) -> None:
    result = parse_payload(text)
    assert result is not None
    assert result["intent"] == {"name": "affirm", "confidence": confidence}


def test_malformed_json_gives_no_entities_and_keeps_the_intent() -> None:
    result = parse_payload('/inform{"brand": gree}')
    assert result is not None
    assert result["intent"]["name"] == "inform"
    assert result["entities"] == []
    not_an_object = parse_payload("/inform{[1, 2]}")
    assert not_an_object is not None
    assert not_an_object["entities"] == []


def test_unknown_intents_pass_through_unless_the_domain_is_given(pipeline: NluPipeline) -> None:
    assert pipeline.parse("/made_up")["intent"]["name"] == "made_up"
    classified = pipeline.parse("/made_up", known_intents={"greet"})
    assert classified["intent"]["name"] != "made_up"
    assert "text_tokens" in classified


def test_known_entities_filter_payload_entities() -> None:
    result = parse_payload('/inform{"brand": "gree", "colour": "red"}', known_entities={"brand"})
    assert result is not None
    assert [entity["entity"] for entity in result["entities"]] == ["brand"]


@pytest.mark.parametrize("text", ["/", '/{"a": 1}', "/@0.5", "hello /greet", "//"])
def test_texts_that_are_not_payloads(text: str) -> None:
    if text == "//":
        result = parse_payload(text)
        assert result is not None and result["intent"]["name"] == "/"
        return
    assert parse_payload(text) is None
