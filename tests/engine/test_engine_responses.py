"""Responses: Rasa's variation choice, slot interpolation and REST message shapes."""

from __future__ import annotations

import random
from collections import Counter

from bot.engine.events import BotUttered
from bot.engine.nlg import ResponseGenerator, bot_utterance
from bot.engine.output import CollectingOutput
from bot.engine.templating import interpolate_text, parse_intent_payload, placeholder_names

RESPONSES = {
    "utter_greet": [
        {"text": "Hello {name}!"},
        {"text": "Hi {name}!"},
        {
            "text": "你好，{name}！",
            "condition": [{"type": "slot", "name": "language", "value": "ZH"}],
        },
        {"text": "您好！", "condition": [{"type": "slot", "name": "language", "value": "zh"}]},
    ],
    "utter_menu": [
        {
            "text": "Pick one",
            "buttons": [{"title": "{name}", "payload": '/inform{"brand": "gree"}'}],
        }
    ],
    "utter_card": [{"custom": {"card": "{name}", "count": 2}, "image": "https://x/{name}.png"}],
    "utter_collector": [{"text": "generic"}, {"text": "collected", "channel": "collector"}],
}


def _generator(seed: int = 3) -> ResponseGenerator:
    return ResponseGenerator(RESPONSES, random.Random(seed))


def test_unset_slot_renders_as_none_like_rasa() -> None:
    assert interpolate_text("Hello {name}!", {"name": None}) == "Hello None!"


def test_unknown_placeholder_leaves_the_whole_text_unchanged() -> None:
    assert interpolate_text("{a} and {b}", {"a": "x"}) == "{a} and {b}"


def test_doubled_braces_are_literal() -> None:
    assert interpolate_text("{{name}} stays", {"name": "x"}) == "{name} stays"
    assert placeholder_names("{{name}} and {slot}") == ["slot"]


def test_unconditional_variations_are_chosen_at_random_and_seedable() -> None:
    seen = Counter(
        _generator(seed).generate("utter_greet", {"name": "Li", "language": "en"}, "collector")[
            "text"
        ]
        for seed in range(40)
    )
    assert set(seen) == {"Hello Li!", "Hi Li!"}
    first = _generator(5).generate("utter_greet", {"name": "Li"}, "collector")
    again = _generator(5).generate("utter_greet", {"name": "Li"}, "collector")
    assert first == again


def test_every_matching_conditional_variation_competes_and_strings_casefold() -> None:
    """Rasa picks at random among all conditional variations whose conditions hold, and
    compares string slot values case-insensitively; unconditional ones are then ignored."""
    seen = {
        _generator(seed).generate("utter_greet", {"name": "李", "language": "zh"}, "collector")[
            "text"
        ]
        for seed in range(40)
    }
    assert seen == {"你好，李！", "您好！"}


def test_channel_variations_apply_to_their_channel_only() -> None:
    assert _generator().generate("utter_collector", {}, "collector")["text"] == "collected"
    assert _generator().generate("utter_collector", {}, "telegram")["text"] == "generic"


def test_buttons_custom_and_image_are_interpolated_payload_json_untouched() -> None:
    menu = _generator().generate("utter_menu", {"name": "Gree"}, "collector")
    assert menu["buttons"] == [{"title": "Gree", "payload": '/inform{"brand": "gree"}'}]
    card = _generator().generate("utter_card", {"name": "tv"}, "collector")
    assert card["custom"] == {"card": "tv", "count": 2}
    assert card["image"] == "https://x/tv.png"


def test_template_variables_override_slots() -> None:
    message = _generator().generate(
        "utter_card", {"name": "slot value"}, "collector", name="given value"
    )
    assert message["custom"]["card"] == "given value"


def test_unknown_response_renders_nothing() -> None:
    assert _generator().generate("utter_missing", {}, "collector") is None


def test_bot_utterance_splits_data_and_metadata_like_rasa() -> None:
    event = bot_utterance(
        {"text": "hi", "image": "https://x/a.png", "utter_action": "utter_x", "id": "v1"}
    )
    assert event.text == "hi"
    assert event.data == {
        "elements": None,
        "quick_replies": None,
        "buttons": None,
        "attachment": "https://x/a.png",
        "image": "https://x/a.png",
        "custom": None,
    }
    assert event.metadata == {"utter_action": "utter_x", "id": "v1"}


def test_rest_messages_match_rasas_collecting_channel() -> None:
    """Plain text splits on blank lines; buttons stay with their text; custom and image
    become messages of their own; an image is not repeated as an attachment."""
    output = CollectingOutput()
    output.send("u1", BotUttered("first\n\nsecond"))
    output.send(
        "u1", bot_utterance({"text": "Pick\n\nnow", "buttons": [{"title": "A", "payload": "/a"}]})
    )
    output.send(
        "u1", bot_utterance({"text": "look", "image": "https://x/a.png", "custom": {"k": 1}})
    )
    assert output.messages == [
        {"recipient_id": "u1", "text": "first"},
        {"recipient_id": "u1", "text": "second"},
        {"recipient_id": "u1", "text": "Pick\n\nnow", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "u1", "text": "look"},
        {"recipient_id": "u1", "custom": {"k": 1}},
        {"recipient_id": "u1", "image": "https://x/a.png"},
    ]


def test_intent_payloads_parse_like_rasa() -> None:
    payload = parse_intent_payload('/inform{"brand": "gree", "language": "zh"}')
    assert payload is not None
    assert payload.intent == "inform"
    assert payload.entities == {"brand": "gree", "language": "zh"}
    assert parse_intent_payload("plain text") is None
    assert parse_intent_payload("/greet").entities == {}
