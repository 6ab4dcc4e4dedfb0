"""Spotting danger in a consumer's own words, before any troubleshooting is offered.

A gas smell, smoke or sparks, electricity meeting water and a swollen battery are never
troubleshot remotely: the consumer gets the safety instructions at once and a person takes
over. The check ignores the product category on purpose: a consumer who reports a TV fault and
mentions a gas smell must still be told what to do.

Detection errs on the side of an alarm. Only a plain denial in the same clause ("没有燃气味",
"no smoke or sparks") silences a mention; a question ("有没有漏电?", "is it leaking gas?") or a
doubt ("not sure whether it smells of gas") still raises it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from api.troubleshooting.text import normalise


class Hazard(StrEnum):
    GAS_LEAK = "gas_leak"
    SMOKE_OR_FIRE = "smoke_or_fire"
    ELECTRICITY_AND_WATER = "electricity_and_water"
    SWOLLEN_BATTERY = "swollen_battery"


@dataclass(frozen=True, slots=True)
class SafetyMessage:
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class SafetyFinding:
    """The hazards found, in order of urgency, and the words that revealed them."""

    hazards: tuple[Hazard, ...]
    triggers: tuple[str, ...]

    @property
    def message(self) -> SafetyMessage:
        return SafetyMessage(
            zh="\n".join(SAFETY_MESSAGES[hazard].zh for hazard in self.hazards),
            en="\n".join(SAFETY_MESSAGES[hazard].en for hazard in self.hazards),
        )


_HANDOVER_ZH = "我们正在为您转接人工客服。"
_HANDOVER_EN = "We are connecting you to a member of our team now."

SAFETY_MESSAGES: dict[Hazard, SafetyMessage] = {
    Hazard.GAS_LEAK: SafetyMessage(
        zh=(
            "您描述的情况可能是燃气泄漏，请立即：关闭燃气阀门；打开门窗通风；不要开关任何电器、"
            "电灯，不要插拔插头，不要点火，也不要在室内打电话；离开房间，到室外后拨打燃气公司的"
            f"抢修电话。{_HANDOVER_ZH}"
        ),
        en=(
            "What you describe may be a gas leak. Please act now: close the gas valve; open the "
            "windows and doors; do not switch any light or appliance on or off, do not plug or "
            "unplug anything, make no flame and do not make a phone call indoors; leave the room "
            f"and call your gas company's emergency line from outside. {_HANDOVER_EN}"
        ),
    ),
    Hazard.SMOKE_OR_FIRE: SafetyMessage(
        zh=(
            "请立即停止使用这台设备。如果可以安全操作，请关机并拔下插头，或断开家里的空气开关；"
            "不要打开机壳，也不要向冒烟或通电的设备泼水。如果出现明火或烟越来越大，请马上离开并"
            f"拨打 119。{_HANDOVER_ZH}"
        ),
        en=(
            "Please stop using the appliance now. If you can do so safely, switch it off and "
            "unplug it, or switch off the circuit breaker. Do not open the casing and do not pour "
            "water on a smoking or live appliance. If there are flames or the smoke grows, leave "
            f"at once and call the fire service (119 in mainland China). {_HANDOVER_EN}"
        ),
    ),
    Hazard.ELECTRICITY_AND_WATER: SafetyMessage(
        zh=(
            "请不要触碰这台设备、插座或有水的地方。请先在配电箱断开总电源（空气开关），确认断电后"
            f"再处理积水；在技术人员检查之前，请不要再通电使用。{_HANDOVER_ZH}"
        ),
        en=(
            "Please do not touch the appliance, the socket or any wet area. First switch off the "
            "power at the main breaker; only once the power is off, deal with the water. Please "
            "do not switch the appliance on again until a technician has checked it. "
            f"{_HANDOVER_EN}"
        ),
    ),
    Hazard.SWOLLEN_BATTERY: SafetyMessage(
        zh=(
            "电池鼓包有起火的风险。请立即停止充电和使用，拔下充电器；不要按压、弯折或刺穿电池，"
            "也不要自行拆机；请把设备放在通风、远离易燃物的地方（例如瓷砖地面上）。"
            f"{_HANDOVER_ZH}"
        ),
        en=(
            "A swollen battery can catch fire. Please stop charging and using the device now and "
            "unplug the charger. Do not press, bend or puncture the battery and do not open the "
            "device yourself. Keep it in a ventilated place away from anything that can burn, "
            f"for example on a tiled floor. {_HANDOVER_EN}"
        ),
    ),
}

# English terms are bounded by ASCII letters only: "漏电了" and "smells like gas!" both match,
# "gasket" does not.
_GAS_ZH = r"燃气|煤气|天然气|液化气|瓦斯"
_ELECTRICS_ZH = r"插座|插头|插线板|排插|接线板|电源线|电线|线路|电路|开关|电箱|配电箱|电表"
# A gap between two words of a pattern may not hold a denial ("电池没有鼓包").
_ZH_GAP = r"(?:(?![没不未无])[^,，。]){0,6}?"
_EN_GAP = r"(?:(?!not\b|no\b|n't)[^.,;!?]){0,20}?"
_ELECTRICS_EN = (
    r"sockets?|outlets?|plugs?|power (?:strip|point|board)s?|extension (?:lead|cord|cable)s?"
    r"|wiring|wires?|electrics|fuse ?box|breaker box|switch(?:es)?"
)

_HAZARD_PATTERNS: dict[Hazard, tuple[str, ...]] = {
    Hazard.GAS_LEAK: (
        rf"(?:{_GAS_ZH})的?(?:味|臭味|气味)",
        rf"(?:{_GAS_ZH})(?:在|有点|好像)?(?:泄漏|泄露|漏气|外泄|漏了|漏出)",
        rf"(?:泄漏|泄露|漏)了?(?:{_GAS_ZH})",
        rf"闻到了?(?:一股)?(?:很浓的|浓浓的|很重的)?(?:{_GAS_ZH}|臭鸡蛋)",
        r"臭鸡蛋的?(?:味|气味)",
        r"smell(?:s|ing|ed)? (?:of |like )?(?:any |some )?(?:natural |lpg |propane )?gas",
        r"(?:gas|propane|lpg) (?:smell|odou?r|leak)",
        r"leak(?:s|ing|ed)? gas",
        r"gas (?:is |was )?(?:leaking|leaked|escaping)",
        r"(?:smell(?:s|ing)? (?:of|like) )?rotten eggs?(?: smell)?",
    ),
    Hazard.SMOKE_OR_FIRE: (
        r"冒(?:黑|白|青)?烟|起烟|烟雾|有烟",
        r"火花|冒火|火星|电火花|拉弧",
        r"微波炉(?:里面?|内部?)?(?:一直|会|在)?打火|(?:里面|内部)(?:一直|会|在)?打火",
        r"(?<![打点不])着火|起火|失火|火灾",
        r"烧焦|焦味|焦糊|糊味|烧糊|烧塑料|塑料烧|胶皮味|烧线|线烧",
        r"smok(?:e|es|ed|ing|y)",
        r"sparks?|sparking|sparked|arcing",
        r"(?:caught|catch|catches|catching) (?:on )?fire|on fire|in flames"
        r"|flames? (?:coming|shooting)",
        r"burn(?:ing|t) (?:smell|odou?r|plastic|rubber)",
        r"smell(?:s|ing)? (?:of |like )?(?:something )?(?:burning|burnt|smoke|melting)",
    ),
    Hazard.ELECTRICITY_AND_WATER: (
        r"漏电(?!保护|开关|插头|断路|器)",
        r"触电|被电到|被电了|电到(?:我|人|手)|电了我|电了一下|麻手|外壳(?:带电|有电)"
        rf"|摸{_ZH_GAP}(?:麻|有电)",
        rf"(?:水|积水)(?:漏|流|溅|渗|淌|泡|洒)?(?:进|到|在|入)了?(?:{_ELECTRICS_ZH})",
        rf"(?:{_ELECTRICS_ZH})(?:里|上|里面)?(?:进水|进了水|泡水|泡了水|湿了|有水|全是水|被水泡)",
        r"electric(?:al)? shock|(?:got|get|gets|getting|gave me) (?:a )?shock|shocked me"
        r"|tingl(?:e|es|ing) when|(?:casing|case|body|metal) (?:is )?live"
        r"|(?:current|electric(?:ity|al)?) leak(?:age|ing)?|leak(?:s|ing)? (?:current|electricity)",
        r"water (?:(?:is|has|got|gets|went|came|ran|runs|running|leaked|leaking|leaks|dripped"
        r"|dripping|drips|spilled|spilling|splashed|splashing|pooled|pooling) )+(?:in|into|on|onto"
        r"|near|over|inside|under|around|reached) (?:the |a |my |our )?(?:\w+ )?(?:"
        + _ELECTRICS_EN
        + r")",
        rf"(?:{_ELECTRICS_EN}) (?:is |are |got |get |has |have )?(?:wet|soaked|flooded|under water"
        r"|got water|water in)",
    ),
    Hazard.SWOLLEN_BATTERY: (
        rf"电池{_ZH_GAP}(?:鼓|胀|膨胀|凸起|变形)",
        rf"(?:鼓包|膨胀){_ZH_GAP}电池",
        rf"(?:手机|电脑|笔记本|平板|充电宝|后盖){_ZH_GAP}鼓包",
        r"(?:后盖|屏幕|外壳|触控板|键盘)(?:被)?(?:顶起|撑起|顶开|撑开|鼓起)",
        rf"batter(?:y|ies){_EN_GAP}(?:swell\w*|swollen|bulg\w*|puff\w*|expand\w*)",
        r"(?:swollen|swelling|bulging|puffed(?: up)?|puffy|expanded) batter(?:y|ies)",
        r"(?:back (?:cover|glass)|case|screen|trackpad|touchpad) (?:is )?(?:lifting|bulging"
        r"|popping (?:up|off|out)|pushed (?:up|out)|separating)",
    ),
}

# Ignition sparks are how a gas appliance lights: "打火" and "sparks but no flame" are not a
# fire. Microwave arcing ("微波炉打火") has a pattern of its own above.
_IGNITION_CONTEXT = re.compile(
    r"点火|打火(?!花)|打不着|点不着|打不了火|点不了火|点火针|熄火"
    r"|(?<![a-z])(?:ignit\w*|pilot|click\w*|won'?t light|doesn'?t light|not light\w*)(?![a-z])"
)
_SPARK_TERMS = re.compile(r"火花|火星|电火花|(?<![a-z])spark\w*(?![a-z])")

_CLAUSE_BREAK = re.compile(
    r"[,，。.;；!！?？、\n]|但是|但|可是|不过|而且|然后"
    r"|(?<![a-z])(?:but|and|then|however|though|although|also)(?![a-z])"
)
# 有没有 / 是不是 ask a question and negate nothing.
_ZH_DENIAL_BEFORE = re.compile(
    r"(?<![有是])(?:没有?|未|无|不|并没有?|并未|从来没有?|从没有?|根本没有?|也没有?|都没有?)"
    r"(?:闻到|看到|看见|发现|见到|有|什么|任何|一点|出现)?(?:什么|任何|一点)?的?$"
)
_ZH_DENIAL_AFTER = re.compile(r"^(?:一点|什么的)?(?:都|也|倒是|倒)没有?")
_EN_NEGATORS = frozenset(
    {"no", "not", "never", "without", "nothing", "none", "cannot", "cant", "dont", "doesnt",
     "didnt", "isnt", "arent", "wasnt", "werent", "havent", "hasnt", "neither", "nor"}
)  # fmt: skip
_EN_DOUBT = frozenset({"sure", "know", "certain", "tell", "whether", "if", "stop", "help"})
_EN_NEGATION_REACH = 3


def detect_hazards(text: str) -> SafetyFinding | None:
    """The hazards the text reports (not denies), or None when it reports none."""
    normalised = normalise(text)
    ignition_context = _IGNITION_CONTEXT.search(normalised) is not None
    found: dict[Hazard, list[str]] = {}
    for clause in _clauses(normalised):
        for hazard, patterns in _COMPILED.items():
            for pattern in patterns:
                for match in pattern.finditer(clause):
                    if ignition_context and _SPARK_TERMS.fullmatch(match.group()):
                        continue
                    if _is_denied(clause[: match.start()], clause[match.end() :]):
                        continue
                    found.setdefault(hazard, []).append(match.group().strip())
    if not found:
        return None
    hazards = tuple(hazard for hazard in Hazard if hazard in found)
    triggers = tuple(dict.fromkeys(trigger for hazard in hazards for trigger in found[hazard]))
    return SafetyFinding(hazards=hazards, triggers=triggers)


def _compile(pattern: str) -> re.Pattern[str]:
    # Latin patterns must not start or end inside a longer word ("gasket", "unsmoked" aside).
    return re.compile(rf"(?<![a-z])(?:{pattern})(?![a-z])")


_COMPILED: dict[Hazard, tuple[re.Pattern[str], ...]] = {
    hazard: tuple(_compile(pattern) for pattern in patterns)
    for hazard, patterns in _HAZARD_PATTERNS.items()
}


def _clauses(text: str) -> Iterator[str]:
    for clause in _CLAUSE_BREAK.split(text):
        if clause.strip():
            yield clause


def _is_denied(before: str, after: str) -> bool:
    if _ZH_DENIAL_BEFORE.search(before) or _ZH_DENIAL_AFTER.search(after):
        return True
    words = [word.replace("'", "") for word in re.findall(r"[a-z']+", before)]
    recent = words[-_EN_NEGATION_REACH:]
    negations = [index for index, word in enumerate(recent) if word in _EN_NEGATORS]
    if not negations:
        return False
    # "not sure if it smells of gas" voices a doubt and "can't stop sparking" an alarm.
    return not _EN_DOUBT.intersection(recent[negations[-1] + 1 :])
