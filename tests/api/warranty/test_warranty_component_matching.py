"""Recognising the component and suspected causes in zh, en and mixed fault texts."""

from __future__ import annotations

import pytest

from api.warranty.component_matching import (
    DamageCue,
    find_damage_cues,
    match_component,
    suspected_exclusions,
)
from api.warranty.decision_model import WarrantyStatus
from api.warranty.policy_model import ExclusionCode, default_policy
from tests.api.warranty.warranty_builders import decide


def _components(category: str) -> tuple:
    rules = default_policy().rules_for(category)
    assert rules is not None
    return rules.components


COMPONENT_CASES = [
    ("air_conditioner", "压缩机不转", "compressor"),
    ("air_conditioner", "AC的compressor坏了", "compressor"),
    ("air_conditioner", "外机风扇不转", "fan_motor"),
    ("air_conditioner", "fan motor makes a grinding noise", "fan_motor"),
    ("air_conditioner", "电机异响", "fan_motor"),
    ("air_conditioner", "压缩机正常，风扇不转", "fan_motor"),
    ("air_conditioner", "the compressor works but the fan does not spin", "fan_motor"),
    ("air_conditioner", "不制冷", None),
    ("refrigerator", "壓縮機不轉", "compressor"),
    ("refrigerator", "the compresor is very loud", "compressor"),
    ("refrigerator", "不是压缩机的问题，是门关不严", None),
    ("refrigerator", "COMPRESSOR keeps clicking", "compressor"),
    ("washing_machine", "电机异响", "motor"),
    ("washing_machine", "the motor hums but the drum will not turn", "motor"),
    ("washing_machine", "电脑板坏了，按键没反应", "programme_controller"),
    ("washing_machine", "programme controller stuck on rinse", "programme_controller"),
    ("tv", "屏幕有竖线", "panel"),
    ("tv", "螢幕閃爍", "panel"),
    ("tv", "背光不亮但有声音", "backlight"),
    ("tv", "T-CON板烧了", "logic_board"),
    ("tv", "no channels, the tuner seems dead", "tuner"),
    ("tv", "screen has a dead line", "panel"),
    ("microwave", "磁控管坏了不加热", "magnetron"),
    ("microwave", "magnatron replaced last year", "magnetron"),
    ("water_heater", "燃烧器打不着火", "heating_element"),
    ("water_heater", "heating element burnt out", "heating_element"),
    ("water_heater", "加热管漏电", "heating_element"),
    ("phone", "battery drains in two hours", "battery"),
    ("phone", "电池鼓包", "battery"),
    ("phone", "充电器不能充电", "charger"),
    ("phone", "耳机一边没声音", "headset"),
    ("phone", "earphones crackle", "headset"),
    ("phone", "屏幕碎了，电池也不耐用", "battery"),
    ("phone", "电池充电不正常", "battery"),
    ("phone", "battery is fine but the screen flickers", "panel"),
    ("laptop", "屏幕有竖线", "display"),
    ("laptop", "充电器坏了", "power_adapter"),
    ("laptop", "power adaptor gets very hot", "power_adapter"),
    ("laptop", "ＣＰＵ过热降频", "cpu"),
    ("laptop", "keybord keys stuck", "keyboard"),
    ("laptop", "硬盘有异响", "hard_drive"),
    ("laptop", "SSD not detected", "hard_drive"),
    ("laptop", "内存条松了", "memory"),
    ("laptop", "mainboard short circuit", "motherboard"),
    ("laptop", "电脑蓝屏", None),
    ("laptop", "the program crashes", None),
    ("laptop", "the screen displayed an error", "display"),
    ("laptop", "phone not charged overnight", None),
]


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [pytest.param(*case, id=f"{case[0]}:{case[1]}") for case in COMPONENT_CASES],
)
def test_component_from_fault_text(category: str, text: str, expected: str | None) -> None:
    assert match_component(text, _components(category)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("充电器坏了", "charger", id="charger-without-category"),
        pytest.param("屏幕有竖线", "panel", id="screen-without-category"),
        pytest.param("", None, id="empty-text"),
        pytest.param("😀😀😀", None, id="emoji-only"),
    ],
)
def test_component_without_a_category(text: str, expected: str | None) -> None:
    assert match_component(text) == expected


def test_a_component_outside_the_category_is_still_recognised() -> None:
    assert match_component("空调的电池没电了", _components("air_conditioner")) == "battery"


def test_long_text_is_handled() -> None:
    text = "它一直嗡嗡响。" * 1500 + "最后压缩机停了"

    assert match_component(text, _components("refrigerator")) == "compressor"


CUE_CASES = [
    ("手机进水了", "phone", {DamageCue.LIQUID}),
    ("泡水后开不了机", "phone", {DamageCue.LIQUID}),
    ("掉进水里了", "phone", {DamageCue.LIQUID}),
    ("water got in after the rain", "phone", {DamageCue.LIQUID}),
    ("I dropped it in the toilet", "phone", {DamageCue.LIQUID}),
    ("咖啡洒在键盘上", "laptop", {DamageCue.LIQUID}),
    ("没进水", "phone", set()),
    ("没有进水，也没有摔过", "phone", set()),
    ("no water got in", "phone", set()),
    ("it never got wet", "phone", set()),
    ("不确定是不是进水了", "phone", {DamageCue.LIQUID}),
    ("有没有进水我也不知道", "phone", {DamageCue.LIQUID}),
    ("not sure if water got in", "phone", {DamageCue.LIQUID}),
    ("洗衣机不进水", "washing_machine", set()),
    ("洗衣机一直进水停不下来", "washing_machine", set()),
    ("进水阀坏了", "refrigerator", set()),
    ("热水器漏水", "water_heater", set()),
    ("摔了", "phone", {DamageCue.IMPACT}),
    ("不小心摔了一下", "phone", {DamageCue.IMPACT}),
    ("从桌上掉到地上", "phone", {DamageCue.IMPACT}),
    ("I dropped it on the floor", "phone", {DamageCue.IMPACT}),
    ("it fell off the table", "laptop", {DamageCue.IMPACT}),
    ("not dropped", "phone", set()),
    ("I never dropped it", "phone", set()),
    ("calls dropped all day", "phone", set()),
    ("the wifi connection dropped", "laptop", set()),
    ("temperature dropped to 2 degrees", "refrigerator", set()),
    ("没摔过", "phone", set()),
    ("自己拆过", "laptop", {DamageCue.THIRD_PARTY_REPAIR}),
    ("找人修过", "tv", {DamageCue.THIRD_PARTY_REPAIR}),
    ("在路边小店换过屏", "phone", {DamageCue.THIRD_PARTY_REPAIR}),
    ("opened by a local repairman", "tv", {DamageCue.THIRD_PARTY_REPAIR}),
    ("I took it apart to clean the fan", "laptop", {DamageCue.THIRD_PARTY_REPAIR}),
    ("售后拆过", "laptop", set()),
    ("repaired at the authorised service centre", "tv", set()),
    ("没有自己拆过", "laptop", set()),
    ("I opened the door and the light is off", "refrigerator", set()),
    ("摔了之后进水了", "phone", {DamageCue.IMPACT, DamageCue.LIQUID}),
    ("dropped it, then water got in", "phone", {DamageCue.IMPACT, DamageCue.LIQUID}),
]


@pytest.mark.parametrize(
    ("text", "category", "expected"),
    [pytest.param(*case, id=f"{case[1]}:{case[0]}") for case in CUE_CASES],
)
def test_damage_cues(text: str, category: str, expected: set[DamageCue]) -> None:
    assert find_damage_cues(text, category=category) == expected


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        pytest.param("phone", "进水了", (ExclusionCode.LIQUID_DAMAGE,), id="phone-liquid"),
        pytest.param("laptop", "water got in", (ExclusionCode.LIQUID_DAMAGE,), id="laptop-liquid"),
        pytest.param("refrigerator", "进水了", (ExclusionCode.ACCIDENT,), id="fridge-liquid"),
        pytest.param("tv", "soaked in the flood", (ExclusionCode.ACCIDENT,), id="tv-liquid"),
        pytest.param(
            "furniture", "沙发泡水了", (ExclusionCode.ACCIDENT,), id="furniture-liquid-accident"
        ),
        pytest.param(
            "phone",
            "摔了也自己拆过",
            (ExclusionCode.ACCIDENT, ExclusionCode.UNAUTHORISED_REPAIR),
            id="ordered-codes",
        ),
    ],
)
def test_suspected_exclusions_follow_the_category_policy(
    category: str, text: str, expected: tuple[ExclusionCode, ...]
) -> None:
    rules = default_policy().rules_for(category)
    assert rules is not None

    assert suspected_exclusions(text, category=category, exclusions=rules.exclusions) == expected


def test_liquid_is_not_suggested_where_no_exclusion_could_apply() -> None:
    assert suspected_exclusions("进水了", category="tv", exclusions=frozenset()) == ()


@pytest.mark.parametrize(
    ("category", "text", "status", "component"),
    [
        pytest.param(
            "air_conditioner",
            "压缩机不转",
            WarrantyStatus.COMPONENT_WARRANTY,
            "compressor",
            id="matched-main-component",
        ),
        pytest.param(
            "air_conditioner", "不制冷", WarrantyStatus.OUT_OF_WARRANTY, None, id="no-component"
        ),
        pytest.param(
            "laptop", "屏幕有竖线", WarrantyStatus.COMPONENT_WARRANTY, "display", id="laptop-screen"
        ),
    ],
)
def test_the_engine_uses_the_component_named_in_the_text(
    category: str, text: str, status: WarrantyStatus, component: str | None
) -> None:
    decision = decide(category, "2026-06-01", text=text)

    assert decision.status is status
    assert decision.fault_component == component


def test_an_explicit_component_wins_over_the_text() -> None:
    decision = decide("air_conditioner", "2026-06-01", text="压缩机不转", component="fan_motor")

    assert decision.fault_component == "fan_motor"
