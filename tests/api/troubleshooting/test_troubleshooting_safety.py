"""Danger in the consumer's own words: reported dangers alarm, denied ones do not."""

from __future__ import annotations

import pytest

from api.troubleshooting.safety import SAFETY_MESSAGES, Hazard, detect_hazards

GAS, FIRE, SHOCK, BATTERY = (
    Hazard.GAS_LEAK,
    Hazard.SMOKE_OR_FIRE,
    Hazard.ELECTRICITY_AND_WATER,
    Hazard.SWOLLEN_BATTERY,
)

REPORTED = [
    ("热水器打不着火，有燃气味", GAS),
    ("厨房里有一股煤气味", GAS),
    ("燃氣味很重", GAS),
    ("闻到臭鸡蛋味", GAS),
    ("好像天然气泄漏了", GAS),
    ("I smell gas in the kitchen", GAS),
    ("it smells like gas", GAS),
    ("there is a gas leak", GAS),
    ("not sure if it smells of gas", GAS),
    ("有没有燃气味我也不知道", GAS),
    ("微波炉里面冒火花", FIRE),
    ("微波炉打火了", FIRE),
    ("电视后面冒烟了", FIRE),
    ("插座那里有烧焦的味道", FIRE),
    ("空调外机着火了", FIRE),
    ("the microwave is sparking", FIRE),
    ("smoke coming out of the tv", FIRE),
    ("there's a burning smell from the back", FIRE),
    ("the charger caught fire", FIRE),
    ("洗衣机漏水，水漏到插座了", SHOCK),
    ("插座进水了", SHOCK),
    ("热水器漏电", SHOCK),
    ("摸外壳有点麻", SHOCK),
    ("不知道是不是漏电", SHOCK),
    ("water is leaking onto the socket", SHOCK),
    ("I got a shock from the washing machine", SHOCK),
    ("手机电池鼓包了", BATTERY),
    ("電池鼓包", BATTERY),
    ("后盖被顶起来了", BATTERY),
    ("the battery is swollen", BATTERY),
    ("my laptop battery is bulging", BATTERY),
]

DENIED_OR_HARMLESS = [
    "没有燃气味",
    "没闻到煤气味，就是打不着火",
    "no gas smell",
    "I don't smell gas, it just won't ignite",
    "燃气味一点都没有",
    "冒烟都没有",
    "电视不冒烟",
    "there is no smoke or sparks",
    "电池没有鼓包",
    "battery is not swollen",
    # Ordinary faults that share words with a danger.
    "热水器打不着火",
    "点不着火",
    "打着火了但是又熄灭",
    "it clicks and sparks but won't light",
    "漏电保护插头跳闸了",
    "my water heater plug tripped",
    "桌面贴皮鼓包",
    "the wooden door swelled",
    "the gasket is broken",
    "fire tv remote does not work",
    "冷气不冷",
    "洗衣机不排水",
]


@pytest.mark.parametrize(("text", "hazard"), REPORTED, ids=[r[0] for r in REPORTED])
def test_reported_dangers_raise_an_alarm(text: str, hazard: Hazard) -> None:
    finding = detect_hazards(text)
    assert finding is not None
    assert finding.hazards == (hazard,)
    assert finding.triggers
    assert finding.message == SAFETY_MESSAGES[hazard]


@pytest.mark.parametrize("text", DENIED_OR_HARMLESS)
def test_denied_or_harmless_words_raise_no_alarm(text: str) -> None:
    assert detect_hazards(text) is None


def test_a_denial_covers_its_own_clause_only() -> None:
    finding = detect_hazards("没有燃气味，但是插座冒烟了")
    assert finding is not None
    assert finding.hazards == (FIRE,)
    english = detect_hazards("no gas smell but the socket is sparking")
    assert english is not None and english.hazards == (FIRE,)


def test_several_dangers_are_listed_most_urgent_first() -> None:
    finding = detect_hazards("the battery is swollen and I smell gas")
    assert finding is not None
    assert finding.hazards == (GAS, BATTERY)
    assert finding.message.en.index("gas") < finding.message.en.index("swollen battery")


def test_every_safety_message_tells_what_to_do_and_hands_over() -> None:
    for hazard in Hazard:
        message = SAFETY_MESSAGES[hazard]
        assert "人工客服" in message.zh
        assert "member of our team" in message.en
    gas = SAFETY_MESSAGES[GAS]
    for instruction in ("关闭燃气阀门", "打开门窗", "不要开关任何电器", "离开房间", "燃气公司"):
        assert instruction in gas.zh
    for instruction in (
        "close the gas valve",
        "open the windows",
        "switch",
        "leave",
        "gas company",
    ):
        assert instruction in gas.en
