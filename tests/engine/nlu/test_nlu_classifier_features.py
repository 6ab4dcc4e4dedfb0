"""What the intent classifier reads: masked entity values, words, word pairs and patterns."""

from __future__ import annotations

import jieba
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.engine.nlu.annotations import parse_annotated_example
from bot.engine.nlu.intent_classifier import (
    UNKNOWN_PATTERN_PLACEHOLDER,
    IntentClassifier,
    character_ngrams,
    entity_vocabulary,
    mask_matches,
)
from bot.engine.nlu.patterns import PatternMatch, PatternMatcher
from bot.engine.nlu.segmenter import WordSegmenter
from bot.engine.nlu.text import normalise
from bot.engine.nlu.training_data import (
    LookupTable,
    NluTrainingData,
    RegexFeature,
    TrainingExample,
)

PLACEHOLDERS = {"brand": "B", "phone": "P"}


def example(annotated: str, intent: str = "inform") -> TrainingExample:
    text, entities = parse_annotated_example(annotated)
    return TrainingExample(text, intent, entities)


def test_matches_are_replaced_by_their_placeholder() -> None:
    text = "格力 call 13800138000 now"
    matches = [PatternMatch("brand", 0, 2), PatternMatch("phone", 8, 19)]
    assert mask_matches(text, matches, PLACEHOLDERS) == "B call P now"


def test_overlapping_matches_keep_the_earliest_then_the_longest() -> None:
    text = "abcdefgh"
    matches = [
        PatternMatch("phone", 2, 5),
        PatternMatch("brand", 0, 3),
        PatternMatch("phone", 0, 4),
        PatternMatch("brand", 6, 8),
    ]
    assert mask_matches(text, matches, PLACEHOLDERS) == "PefB"


def test_a_pattern_without_a_placeholder_gets_the_generic_one() -> None:
    masked = mask_matches("case #123", [PatternMatch("case_id", 5, 9)], PLACEHOLDERS)
    assert masked == f"case {UNKNOWN_PATTERN_PLACEHOLDER}"


def test_no_match_leaves_the_text_alone() -> None:
    assert mask_matches("nothing here", [], PLACEHOLDERS) == "nothing here"


def test_vocabulary_holds_the_spellings_of_synonym_normalised_values() -> None:
    synonyms = {"压缩机": "compressor", "aircon": "air_conditioner", "Fridge": "refrigerator"}
    examples = [
        example("my [aircon](product_category) [COMPRESSOR](component) is loud", "report_fault"),
        example("换[压缩机](component)多少钱", "ask_fee"),
        example('the [cold box]{"entity": "product_category", "value": "refrigerator"}'),
        example("I live at [12 Baker Street](address)"),
        example("it is [not cooling](fault_description)", "report_fault"),
        example("a [toaster](product_category)"),
    ]
    vocabulary = {table.name: table.elements for table in entity_vocabulary(examples, synonyms)}
    assert vocabulary == {
        "component": ("compressor", "压缩机"),
        "product_category": ("aircon", "cold box"),
    }


def test_vocabulary_is_empty_without_synonyms() -> None:
    assert entity_vocabulary([example("a [fridge](product_category)")], {}) == ()


@pytest.fixture(scope="module")
def segmenter(shared_jieba_dictionary: jieba.Tokenizer) -> WordSegmenter:
    return WordSegmenter.from_corpus(
        ["how much is a new compressor", "新款空调多少钱"], ["压缩机"], shared_jieba_dictionary
    )


def classifier(segmenter: WordSegmenter, vocabulary: tuple[LookupTable, ...]) -> IntentClassifier:
    matcher = PatternMatcher(
        [RegexFeature("phone", r"1[3-9][0-9]{9}")],
        [LookupTable("product_category", ("fridge", "空调"))],
    )
    return IntentClassifier(segmenter, matcher, PatternMatcher((), vocabulary))


def test_classifier_input_masks_entity_values_and_adds_word_pairs(
    segmenter: WordSegmenter,
) -> None:
    model = classifier(segmenter, (LookupTable("component", ("compressor",)),))
    examples = [
        ("a new fridge", "out_of_scope"),
        ("buy a fridge", "out_of_scope"),
        ("call 13800138000", "inform"),
        ("my number is 13912345678", "inform"),
        ("a new compressor", "ask_fee"),
        ("compressor price", "ask_fee"),
    ]
    model.fit([normalise(text) for text, _ in examples], [intent for _, intent in examples])
    item = model.classifier_input("how much is a new compressor for the fridge")
    assert "compressor" not in item.text and "fridge" not in item.text
    assert item.words[:6] == ("how", "much", "is", "a", "new", "for")
    assert "much is" in item.words and "a new" in item.words
    assert item.words[-2:] == ("<product_category>", "<component>")
    phone = model.classifier_input("call 13800138000")
    assert "13800138000" not in phone.text
    assert phone.words == ("call", "<phone>")


def test_a_part_is_told_from_a_product_through_the_vocabulary(segmenter: WordSegmenter) -> None:
    examples = [
        ("how much is a new compressor", "ask_fee"),
        ("price of a new battery", "ask_fee"),
        ("what does a new magnetron cost", "ask_fee"),
        ("how much is a new fridge", "out_of_scope"),
        ("price of a new 空调", "out_of_scope"),
        ("what does a new fridge cost", "out_of_scope"),
        ("hello", "greet"),
        ("hi there", "greet"),
    ]
    parts = ("battery", "compressor", "magnetron", "motherboard")
    model = classifier(segmenter, (LookupTable("component", parts),))
    model.fit([normalise(text) for text, _ in examples], [intent for _, intent in examples])
    assert model.rank("how much is a new motherboard")[0].name == "ask_fee"
    assert model.rank("how much is a new 空调")[0].name == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    ["", "a", "ab", "空调 不制冷", "KFR-35GW/BpR3 坏了", "  two   spaces\tand tab ", "我的AC坏了"],
)
def test_character_ngrams_are_scikit_learns_char_wb(text: str) -> None:
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False)
    assert character_ngrams(text) == reference.build_analyzer()(text)


def test_character_ngrams_match_char_wb_on_the_training_texts(
    training_data: NluTrainingData,
) -> None:
    reference = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 4), lowercase=False
    ).build_analyzer()
    for example in training_data.examples:
        assert character_ngrams(example.text) == reference(example.text), example.text
