"""Normalising and tokenising consumer text in Chinese, English or both mixed.

Every piece of text the matcher compares (match phrases and the consumer's words alike) goes
through `normalise` first, so full-width letters, traditional characters and capitals never
decide a match.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache, lru_cache

import jieba
import snowballstemmer
from opencc import OpenCC

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_SPACES = re.compile(r"\s+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Words that say nothing about a fault. Negations ("not", "no", 不, 没) stay: they are
# exactly what separates "won't drain" from "drains".
_ZH_STOPWORDS = frozenset(
    {
        "的", "了", "我", "我们", "我家", "家里", "是", "吗", "呢", "啊", "吧", "呀", "哦", "嘛",
        "很", "都", "也", "就", "还", "又", "在", "这", "那", "个", "一个", "一直", "有点",
        "有些", "好像", "感觉", "怎么", "怎么办", "怎么回事", "为什么", "请问", "一下", "现在",
        "今天", "昨天", "突然", "老是", "总是", "经常", "已经", "到底", "然后", "而且", "但是",
        "可是", "帮", "帮忙", "麻烦", "你好", "您好", "谢谢",
    }
)  # fmt: skip
_EN_STOPWORDS = frozenset(
    {
        "a", "an", "the", "my", "our", "your", "his", "her", "its", "it", "it's", "this", "that",
        "these", "those", "i", "me", "we", "you", "he", "she", "they", "is", "am", "are", "was",
        "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "of", "to",
        "in", "on", "at", "for", "with", "from", "by", "and", "or", "so", "just", "really",
        "very", "please", "help", "hi", "hello", "thanks", "thank", "some", "any", "all",
        "still", "again", "now", "today", "suddenly", "keeps", "keep", "always",
    }
)  # fmt: skip


@cache
def _simplifier() -> OpenCC:
    return OpenCC("t2s")


@cache
def _segmenter() -> jieba.Tokenizer:
    # A tokenizer of our own: the module-level jieba dictionary is shared process state.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), simplified Chinese, lower case, single spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    simplified = _simplifier().convert(folded).lower()
    return _SPACES.sub(" ", simplified).strip()


def chinese_part(normalised: str) -> str:
    """The Chinese characters of a text, run together (fuzzy matching of Chinese ignores spaces)."""
    return "".join(_CJK_RUN.findall(normalised))


def english_words(normalised: str) -> list[str]:
    """The Latin-script words of a normalised text, apostrophes dropped ("won't" -> "wont")."""
    return [word.replace("'", "") for word in _LATIN_WORD.findall(normalised)]


def tokens(normalised: str) -> frozenset[str]:
    """Content words: jieba search-mode words for Chinese, stemmed words for English."""
    found: set[str] = set()
    for run in _CJK_RUN.findall(normalised):
        found.update(
            word for word in _segmenter().lcut_for_search(run) if word not in _ZH_STOPWORDS
        )
    found.update(_stem(word) for word in english_words(normalised) if word not in _EN_STOPWORDS)
    return frozenset(found)


def stemmed_english(normalised: str) -> str:
    """The English words of a text, stop words dropped and stemmed, joined by spaces."""
    return " ".join(_stem(word) for word in english_words(normalised) if word not in _EN_STOPWORDS)
