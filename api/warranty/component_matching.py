"""Reading a consumer's fault text (zh, en or both mixed) for the warranty engine.

Two questions are answered here: which component the fault names (`match_component`), and
whether the words suggest a cause that a technician must check because it would exclude free
repair (`suspected_exclusions`). Only explicit mentions count: a symptom such as 不制冷 names
no component, because guessing one would promise a component warranty nobody has diagnosed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

from opencc import OpenCC
from rapidfuzz import fuzz, process

from api.warranty.policy_model import CategoryCode, ComponentCode, ExclusionCode

C = ComponentCode

# Each term is a regex over normalised text (simplified Chinese, lower case). A term that can
# name several components lists them in order of preference when the category does not decide.
_COMPONENT_TERMS: tuple[tuple[str, tuple[ComponentCode, ...]], ...] = (
    (r"压缩机|压机|compressors?|compresser", (C.COMPRESSOR,)),
    (r"风扇电机|风扇马达|[内外]?风机|风扇|fan ?motors?|fans?", (C.FAN_MOTOR,)),
    (r"电动机|电机|马达|motors?", (C.MOTOR, C.FAN_MOTOR)),
    (
        r"程控器|程序控制器|电脑板|控制板|主控板|programm?e? controllers?|control boards?",
        (C.PROGRAMME_CONTROLLER,),
    ),
    (r"液晶面板|面板|panels?", (C.PANEL,)),
    (r"显示屏|显示器|displays?|monitors?", (C.DISPLAY, C.PANEL)),
    (r"屏幕|萤幕|液晶屏|(?<!蓝)屏|screens?|lcd|oled", (C.PANEL, C.DISPLAY)),
    (r"背光灯?|灯条|back ?lights?|led strips?", (C.BACKLIGHT,)),
    (r"逻辑板|t-?con板?|logic boards?", (C.LOGIC_BOARD,)),
    (r"高频头|调谐器|tuners?", (C.TUNER,)),
    (r"磁控管|magnetrons?", (C.MAGNETRON,)),
    (
        r"加热管|发热管|加热棒|电热管|燃烧器|heating elements?|heater elements?|burners?",
        (C.HEATING_ELEMENT,),
    ),
    (r"电池|batter(?:y|ies)", (C.BATTERY,)),
    (r"充电器|充电头|chargers?|charging (?:brick|plug|adapter)s?", (C.CHARGER, C.POWER_ADAPTER)),
    (r"电源适配器|适配器|(?:power |ac )?adapt[eo]rs?|power bricks?", (C.POWER_ADAPTER, C.CHARGER)),
    (r"耳机|耳麦|headsets?|headphones?|earphones?|earbuds?", (C.HEADSET,)),
    (r"主板|主机板|mother ?boards?|main ?boards?", (C.MOTHERBOARD,)),
    (r"处理器|cpu|processors?", (C.CPU,)),
    (r"内存条?|memory|ram", (C.MEMORY,)),
    (
        r"固态硬盘|机械硬盘|硬盘|hard (?:drive|disk)s?|hdd|ssd|disk drives?",
        (C.HARD_DRIVE,),
    ),
    (r"键盘|按键|keyboards?", (C.KEYBOARD,)),
)

# Single English words that a typo may bend ("compresor", "keybord"), for fuzzy matching.
_TYPO_TERMS: dict[str, tuple[ComponentCode, ...]] = {
    "compressor": (C.COMPRESSOR,),
    "magnetron": (C.MAGNETRON,),
    "battery": (C.BATTERY,),
    "motherboard": (C.MOTHERBOARD,),
    "keyboard": (C.KEYBOARD,),
    "backlight": (C.BACKLIGHT,),
    "processor": (C.CPU,),
    "headphones": (C.HEADSET,),
    "earphones": (C.HEADSET,),
    "charger": (C.CHARGER, C.POWER_ADAPTER),
    "adapter": (C.POWER_ADAPTER, C.CHARGER),
    "display": (C.DISPLAY, C.PANEL),
}
_TYPO_MIN_LENGTH = 6
_TYPO_MIN_SCORE = 88

# A clause that says the named part is fine ("压缩机正常", "the screen works") names no fault.
_HEALTHY = re.compile(
    r"没问题|没有问题|没坏|没事|是好的|(?<!不)(?<!不太)(?<!无法)(?<!不能)(?<!没法)(?<!没有)正常"
    r"|\b(?:is|are|seems?|looks?) (?:fine|ok|okay|good|working|normal)\b"
    r"|(?<!not )\bworks\b|\bno problem with\b"
)
# "不是压缩机" / "not the compressor": the component is named only to rule it out.
_RULED_OUT_BEFORE = re.compile(r"(?:不是|并非|不是说)$|\bnot (?:the |my |a )?$")

_CLAUSE_BREAK = re.compile(
    r"[,，。.;；!！?？、\n]|但是|但|可是|不过|然后|\b(?:but|and|then|so|because|however)\b"
)


class DamageCue(StrEnum):
    """What a consumer's words suggest happened, before any category rule is applied."""

    LIQUID = "liquid"
    IMPACT = "impact"
    THIRD_PARTY_REPAIR = "third_party_repair"


# Appliances that take in water to work: 进水 / "water got in" describes their normal
# operation (or a valve fault), not liquid damage.
_WATER_USING_CATEGORIES = frozenset({CategoryCode.WASHING_MACHINE, CategoryCode.WATER_HEATER})

_DRINKS = r"水|咖啡|茶|饮料|果汁|牛奶|可乐|汤|酒"
_WATERS = r"water|toilet|sink|pool|bath|bathtub|river|sea|lake|puddle"

_GENERIC_LIQUID = re.compile(
    r"进了?水(?![阀管口])"
    r"|\bwater (?:has |had )?(?:got|gets|get|gotten|went|came) (?:in|into|inside)\b"
)
_STRONG_LIQUID = re.compile(
    r"泡了?水|泡过水|被水泡|浸了?水|掉(?:进了?|到|在)?水里|落水|淹了|水淹|被淹|淋了?雨|被雨淋"
    rf"|(?:洒|撒|泼|溅)(?:了|到|在)?[^,，。]{{0,6}}?(?:{_DRINKS})"
    rf"|(?:{_DRINKS})(?:被)?(?:洒|撒|泼|溅)(?:了|到|在)"
    r"|\b(?:got|get|gets|gotten|been) (?:wet|soaked|flooded)\b|\bsoaked\b|\bsubmerged\b"
    r"|\bflooded\b|\bspill(?:ed|t|s)?\b|\b(?:water|liquid) damage\b|\brained on\b|\bin the rain\b"
    rf"|\b(?:dropped|fell)(?: it| \w+)? (?:in|into) (?:the |a )?(?:{_WATERS})\b"
)
_IMPACT = re.compile(
    r"摔|跌落|掉(?:到|在)?地上|掉下(?:来|去)|磕(?:了|到|坏|碰)|撞(?:了|到|坏|击)|砸(?:了|到|坏)"
    r"|压(?:坏|碎|弯)|踩(?:了|坏|碎)|碰撞|外力|翻倒|倒地|倒在地上"
    rf"|\bdropped\b(?!(?: it| \w+)? (?:in|into) (?:the |a )?(?:{_WATERS})\b)"
    r"|\bfell (?:off|down|over|from|on|onto)\b|\bknocked (?:\w+ )?(?:over|off|down)\b"
    r"|\bsmashed\b|\bcrushed\b|\bcracked\b|\b(?:was|got|been) hit\b|\b(?:ran|run) over\b"
    r"|\bstepped on\b|\bsat on\b|\bphysical damage\b"
)
# "dropped" / "fell" about calls, signals or readings is not an impact.
_NOT_AN_IMPACT_CONTEXT = re.compile(
    r"\b(?:calls?|connection|signal|wi-?fi|network|bluetooth|temperature|pressure|voltage"
    r"|frames?|speed|price|percent)\b|%|信号|网络|通话|温度|电压"
)
_THIRD_PARTY_REPAIR = re.compile(
    r"自己(?:动手)?(?:拆|修|打开|换)|(?:找|让|请)了?(?:人|别人|朋友|熟人)(?:帮忙)?(?:拆|修|看|换)"
    r"|(?:外面|路边|街边|楼下|小店|维修店|修理店|修理铺|第三方|非官方|非授权|私人)[^,，。]{0,6}?(?:修|拆|换)"
    r"|拆开过|拆过|打开过后盖|开过盖"
    r"|\bopened (?:it |\w+ )?(?:up|myself)\b"
    r"|\bopened (?:the |its )?(?:back|case|casing|cover|back cover|housing|chassis)\b"
    r"|\btook (?:it|\w+) apart\b|\btried to (?:fix|repair|open)\b"
    r"|\b(?:repaired|fixed|replaced|serviced) (?:it |the \w+ )?(?:myself|ourselves)\b"
    r"|\blocal (?:repair\w*|shop|technician|guy|store)\b|\bthird[- ]party\b|\bunofficial\b"
    r"|\bunauthori[sz]ed (?:repair\w*|shop|service|technician)\b|\brepair shop\b"
    r"|\b(?:a|my) friend (?:opened|fixed|repaired)\b"
)
# An authorised service opening the unit is no exclusion.
_AUTHORISED_CONTEXT = re.compile(r"售后|官方|客服|授权(?<!非授权)|\bauthori[sz]ed\b|\bofficial\b")

# 有没有 / 是不是 ask a question ("有没有进水" = "did water get in?"); they negate nothing.
_ZH_NEGATION_BEFORE = re.compile(
    r"(?<![有是])(?:没有?|未曾?|从未|从来没有?|并没有?|并未|不曾|根本没有?|也没有?|都没有?|不)"
    r"(?:[有被让曾再给把是]|[让找]人|别人|它)?\s*$"
)
_EN_NEGATORS = frozenset(
    {"not", "never", "no", "nobody", "nothing", "without", "didn't", "didnt", "haven't",
     "havent", "hasn't", "hasnt", "wasn't", "wasnt", "weren't", "isn't", "don't", "doesn't"}
)  # fmt: skip
_EN_NEGATION_REACH = 3
# "not sure if water got in" voices a doubt, not a denial.
_EN_DOUBT = frozenset({"sure", "know", "idea", "whether", "if", "certain"})


NORMALISED_TEXTS = 256


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    components: tuple[ComponentCode, ...]


@lru_cache(maxsize=NORMALISED_TEXTS)
def normalise(text: str) -> str:
    """Full-width to half-width, traditional to simplified Chinese, lower case.

    Kept for the last few texts: one decision reads its fault text for the component and again
    for damage cues, and the traditional-to-simplified conversion is the costly part."""
    return _to_simplified(unicodedata.normalize("NFKC", text)).lower()


def match_component(
    text: str, candidates: Collection[ComponentCode] | None = None
) -> ComponentCode | None:
    """The component the fault text names, or None.

    Mentions of a component in `candidates` (the category's own components) win over others;
    among those, the first mention wins. A component named only to say it is fine, or to rule
    it out, does not count.
    """
    mentions = list(_component_mentions(normalise(text)))
    if candidates is not None:
        for mention in mentions:
            for component in mention.components:
                if component in candidates:
                    return component
    return mentions[0].components[0] if mentions else None


def find_damage_cues(text: str, *, category: str | None = None) -> frozenset[DamageCue]:
    """Causes the consumer's words suggest, negated mentions ("没进水", "not dropped") left out."""
    cues: set[DamageCue] = set()
    for clause in _clauses(normalise(text)):
        if _has_cue(_STRONG_LIQUID, clause) or (
            category not in _WATER_USING_CATEGORIES and _has_cue(_GENERIC_LIQUID, clause)
        ):
            cues.add(DamageCue.LIQUID)
        if _has_cue(_IMPACT, clause) and not _NOT_AN_IMPACT_CONTEXT.search(clause):
            cues.add(DamageCue.IMPACT)
        if _has_cue(_THIRD_PARTY_REPAIR, clause) and not _AUTHORISED_CONTEXT.search(clause):
            cues.add(DamageCue.THIRD_PARTY_REPAIR)
    return frozenset(cues)


def suspected_exclusions(
    text: str, *, category: str | None, exclusions: Collection[ExclusionCode]
) -> tuple[ExclusionCode, ...]:
    """The exclusions of `exclusions` that the words suggest, in `ExclusionCode` order.

    Liquid counts as `liquid_damage` where the category excludes it, otherwise as `accident`.
    """
    suggested: set[ExclusionCode] = set()
    for cue in find_damage_cues(text, category=category):
        if cue is DamageCue.LIQUID:
            liquid_excluded = ExclusionCode.LIQUID_DAMAGE in exclusions
            suggested.add(
                ExclusionCode.LIQUID_DAMAGE if liquid_excluded else ExclusionCode.ACCIDENT
            )
        elif cue is DamageCue.IMPACT:
            suggested.add(ExclusionCode.ACCIDENT)
        else:
            suggested.add(ExclusionCode.UNAUTHORISED_REPAIR)
    return tuple(code for code in ExclusionCode if code in suggested and code in exclusions)


@cache
def _component_pattern() -> re.Pattern[str]:
    alternatives = (
        f"(?P<t{index}>{_ascii_bounded(term)})" for index, (term, _) in enumerate(_COMPONENT_TERMS)
    )
    return re.compile("|".join(alternatives))


def _ascii_bounded(term: str) -> str:
    # \b does not separate "的" from "compressor" (both are word characters), so English terms
    # are bounded by ASCII letters only; "AC的compressor坏了" then still names the compressor.
    return rf"(?<![a-z])(?:{term})(?![a-z])"


def _component_mentions(text: str) -> Iterator[_Mention]:
    for clause_start, clause in _clauses_with_offsets(text):
        if _HEALTHY.search(clause):
            continue
        found = [*_exact_mentions(clause), *_typo_mentions(clause)]
        for mention in sorted(found, key=lambda item: item.start):
            if not _RULED_OUT_BEFORE.search(clause[: mention.start]):
                yield _Mention(clause_start + mention.start, mention.components)


def _exact_mentions(clause: str) -> Iterator[_Mention]:
    for match in _component_pattern().finditer(clause):
        index = int(match.lastgroup.removeprefix("t")) if match.lastgroup else 0
        yield _Mention(match.start(), _COMPONENT_TERMS[index][1])


def _typo_mentions(clause: str) -> Iterator[_Mention]:
    pattern = _component_pattern()
    for word in re.finditer(r"[a-z]+", clause):
        token = word.group()
        if len(token) < _TYPO_MIN_LENGTH or pattern.fullmatch(token):
            continue
        best = process.extractOne(
            token, _TYPO_TERMS.keys(), scorer=fuzz.ratio, score_cutoff=_TYPO_MIN_SCORE
        )
        # A word one letter longer or shorter can be a typo; "displayed" is another word.
        if best is not None and abs(len(best[0]) - len(token)) <= 1:
            yield _Mention(word.start(), _TYPO_TERMS[best[0]])


def _clauses(text: str) -> list[str]:
    return [clause for _, clause in _clauses_with_offsets(text)]


def _clauses_with_offsets(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for separator in _CLAUSE_BREAK.finditer(text):
        if separator.start() > start:
            yield start, text[start : separator.start()]
        start = separator.end()
    if start < len(text):
        yield start, text[start:]


def _has_cue(pattern: re.Pattern[str], clause: str) -> bool:
    return any(not _is_negated(clause[: match.start()]) for match in pattern.finditer(clause))


def _is_negated(before: str) -> bool:
    if _ZH_NEGATION_BEFORE.search(before):
        return True
    words = re.findall(r"[a-z']+", before)[-_EN_NEGATION_REACH:]
    negators = [i for i, word in enumerate(words) if word in _EN_NEGATORS or word.endswith("n't")]
    return bool(negators) and not _EN_DOUBT.intersection(words[negators[-1] + 1 :])


@cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


def _to_simplified(text: str) -> str:
    return _converter().convert(text)
