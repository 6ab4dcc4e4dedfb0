"""The body sent to the action server: Rasa's JSON, with the domain encoded once."""

from __future__ import annotations

import json

from bot.engine.action_client import _DomainEncoding


def body(domain: dict[str, object], action: str = "action_check") -> dict[str, object]:
    return {
        "next_action": action,
        "sender_id": "tg:1",
        "tracker": {"events": [{"event": "user", "text": "空调不制冷"}]},
        "version": "3.6.21",
        "domain": domain,
    }


def test_the_encoded_body_is_the_body() -> None:
    domain = {"intents": ["greet"], "responses": {"utter_greet": [{"text": "你好"}]}}
    encoded = _DomainEncoding().encode(body(domain))
    assert json.loads(encoded) == body(domain)
    assert "你好".encode() in encoded, "UTF-8, not \\u escapes, as httpx sends json="


def test_the_same_domain_is_encoded_once_and_a_new_one_again() -> None:
    encoding = _DomainEncoding()
    domain = {"intents": ["greet"]}
    encoding.encode(body(domain))
    domain["intents"] = ["changed in place"]  # never done to a loaded domain
    assert json.loads(encoding.encode(body(domain, "action_two")))["domain"] == {
        "intents": ["greet"]
    }
    other = {"intents": ["inform"]}
    assert json.loads(encoding.encode(body(other)))["domain"] == other


def test_a_body_without_a_domain_is_encoded_whole() -> None:
    assert json.loads(_DomainEncoding().encode({"next_action": "x"})) == {"next_action": "x"}
