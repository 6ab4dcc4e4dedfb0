"""The zh and en sentences of a warranty decision: reasons, suspected exclusions, input errors.

Templates take typed values; dates, components and exclusions are rendered per language, so a
rule only says which facts it fired on.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from api.warranty.decision_model import (
    InputErrorCode,
    InvalidWarrantyInput,
    Reason,
    ReasonCode,
    SuspectedExclusion,
)
from api.warranty.policy_model import ComponentCode, ExclusionCode

Language = Literal["zh", "en"]

COMPONENT_NAMES: dict[ComponentCode, tuple[str, str]] = {
    ComponentCode.COMPRESSOR: ("压缩机", "compressor"),
    ComponentCode.FAN_MOTOR: ("风扇电机", "fan motor"),
    ComponentCode.MOTOR: ("电机", "motor"),
    ComponentCode.PROGRAMME_CONTROLLER: ("程控器", "programme controller"),
    ComponentCode.PANEL: ("屏幕面板", "panel"),
    ComponentCode.BACKLIGHT: ("背光", "backlight"),
    ComponentCode.LOGIC_BOARD: ("逻辑板", "logic board"),
    ComponentCode.TUNER: ("高频头", "tuner"),
    ComponentCode.MAGNETRON: ("磁控管", "magnetron"),
    ComponentCode.HEATING_ELEMENT: ("加热管/燃烧器", "heating element or burner"),
    ComponentCode.BATTERY: ("电池", "battery"),
    ComponentCode.CHARGER: ("充电器", "charger"),
    ComponentCode.HEADSET: ("耳机", "wired headset"),
    ComponentCode.MOTHERBOARD: ("主板", "motherboard"),
    ComponentCode.CPU: ("处理器", "CPU"),
    ComponentCode.MEMORY: ("内存", "memory"),
    ComponentCode.DISPLAY: ("显示屏", "display"),
    ComponentCode.HARD_DRIVE: ("硬盘", "hard drive"),
    ComponentCode.KEYBOARD: ("键盘", "keyboard"),
    ComponentCode.POWER_ADAPTER: ("电源适配器", "power adapter"),
}

EXCLUSION_NAMES: dict[ExclusionCode, tuple[str, str]] = {
    ExclusionCode.MISUSE: ("使用不当", "use outside the product's instructions"),
    ExclusionCode.ACCIDENT: ("意外损坏", "accidental damage"),
    ExclusionCode.LIQUID_DAMAGE: ("液体进入造成的损坏", "liquid damage"),
    ExclusionCode.UNAUTHORISED_REPAIR: (
        "非授权方拆修",
        "opening or repair by someone other than an authorised service provider",
    ),
    ExclusionCode.SERIAL_ALTERED: (
        "序列号或凭证被改动或与型号不符",
        "a serial number or proof of purchase that was altered or does not match the model",
    ),
}

# What the technician looks for; worded about the unit, never about the consumer.
_SUSPECTED_CHECKS: dict[ExclusionCode, tuple[str, str]] = {
    ExclusionCode.MISUSE: (
        "是否存在超出使用说明的使用情况",
        "for use outside the instructions",
    ),
    ExclusionCode.ACCIDENT: (
        "是否有外力或意外造成的损伤",
        "for signs of impact or accidental damage",
    ),
    ExclusionCode.LIQUID_DAMAGE: (
        "机内是否有液体进入的痕迹",
        "for signs of liquid inside the unit",
    ),
    ExclusionCode.UNAUTHORISED_REPAIR: (
        "是否曾由非授权方拆修",
        "whether the unit was opened or repaired outside authorised service",
    ),
    ExclusionCode.SERIAL_ALTERED: (
        "序列号和凭证是否与型号相符",
        "whether the serial number and proof match the model",
    ),
}

_REASONS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.UNKNOWN_PRODUCT: (
        "无法确定产品或其类别，需要提供型号或产品类别后才能判断保修。",
        "The product or its category could not be identified; a model or category is needed "
        "to decide the warranty.",
    ),
    ReasonCode.REGISTERED_DATE_DIFFERS: (
        "以登记的销售日期{registered}为准，与所述购买日期{stated}不一致。",
        "The registered sale date {registered} is used; it differs from the stated purchase "
        "date {stated}.",
    ),
    ReasonCode.EXCHANGE_RESTART: (
        "本机是{exchanged}换货所得：整机及部件保修期自该日重新计算，退货期和换货期不重新计算，"
        "重复维修次数重新计数。",
        "This unit is a replacement given on {exchanged}: its whole-unit and component windows "
        "start on that day; the return and exchange windows do not restart, and repeated "
        "repairs are counted anew.",
    ),
    ReasonCode.MANUFACTURE_DATE_START: (
        "没有购机凭证：保修期自生产日期{manufactured}后{offset}天即{start}起计算（此前同样在保），"
        "仅提供免费维修，不适用退货或换货。",
        "Without proof of purchase the warranty starts on {start}, {offset} days after the "
        "manufacture date {manufactured}, and covers the time before it too; it gives free "
        "repair only, no return or exchange.",
    ),
    ReasonCode.NEEDS_PROOF: (
        "没有登记的销售记录或购机凭证：请提供发票或购机凭证的照片，或由客服人员判断。",
        "There is no registered sale and no proof of purchase: a photo of the invoice or "
        "receipt is needed, or an agent will decide.",
    ),
    ReasonCode.STATED_DATE_OUTSIDE_WINDOWS: (
        "即使按所述购买日期{stated}计算，所有保修期也已于{last_end}结束。",
        "Even counted from the stated purchase date {stated}, every window ended by {last_end}.",
    ),
    ReasonCode.REPAIR_TIME_EXTENSION: (
        "{handed_in}至{handed_back}维修用时{days}天，已加到{handed_in}仍在有效期内的各保修期。",
        "The repair from {handed_in} to {handed_back} took {days} days, added to every window "
        "still running on {handed_in}.",
    ),
    ReasonCode.PRESUMED_QUALITY_FAULT: (
        "购买后{months}个月内（至{until}）出现的故障推定为质量问题；除外情形仍须技术人员检测确认。",
        "Within {months} months of purchase (until {until}) a fault is presumed to be a quality "
        "fault; any exclusion still needs a technician's confirmation.",
    ),
    ReasonCode.RETURN_WINDOW: (
        "故障在{days}天退货期内（至{ends_on}）：可选择退货、换货或免费维修。",
        "The fault is within the {days}-day return window (until {ends_on}): return, exchange "
        "or free repair, at the consumer's choice.",
    ),
    ReasonCode.EXCHANGE_WINDOW: (
        "故障在{days}天换货期内（至{ends_on}）：可选择换货或免费维修。",
        "The fault is within the {days}-day exchange window (until {ends_on}): exchange or free "
        "repair, at the consumer's choice.",
    ),
    ReasonCode.WHOLE_UNIT_WINDOW: (
        "故障在{months}个月整机保修期内（至{ends_on}）：免费维修。",
        "The fault is within the {months}-month whole-unit warranty (until {ends_on}): free "
        "repair.",
    ),
    ReasonCode.MAIN_COMPONENT_WINDOW: (
        "{component}是主要部件，在其{months}个月保修期内（至{ends_on}）：免费维修该部件。",
        "The {component} is a main component within its {months}-month warranty (until "
        "{ends_on}): free repair of that component.",
    ),
    ReasonCode.PART_OWN_WINDOW: (
        "{component}只按其自身{months}个月保修期判断，该保修期至{ends_on}：免费维修。",
        "The {component} is decided by its own {months}-month window alone, which runs until "
        "{ends_on}: free repair.",
    ),
    ReasonCode.REPAIRED_PART_GUARANTEE: (
        "{subject}于{handed_back}修复后保修至{ends_on}（修复后{days}天与原保修期两者中较晚者）："
        "免费维修。",
        "The {subject} repaired on {handed_back} is covered until {ends_on} (the later of "
        "{days} days after the repair and the end of the window that covered it): free repair.",
    ),
    ReasonCode.NO_FREE_WINDOW: (
        "适用于此故障的保修期已于{last_end}全部结束：付费维修，维修前先报价。",
        "Every window that applies to this fault ended by {last_end}: paid repair, with a "
        "quote before any work.",
    ),
    ReasonCode.REPEATED_REPAIR: (
        "同一故障已免费维修{count}次后再次出现，仍在保修期内：可选择换货、退货或免费维修。",
        "The same fault is back after {count} free repairs and still inside a free window: "
        "exchange, return or free repair, at the consumer's choice.",
    ),
    ReasonCode.REPAIR_OVER_LIMIT: (
        "{handed_in}送修的免费维修用时{days}天，超过{limit}天：可免费换货。",
        "The free repair handed in on {handed_in} took {days} days, more than {limit}: free "
        "exchange.",
    ),
    ReasonCode.PARTS_NOT_SUPPLIED: (
        "{handed_in}送修的免费维修等待配件{days}天，超过{limit}天仍未供应：可免费换货。",
        "The free repair handed in on {handed_in} waited {days} days for parts, more than "
        "{limit}: free exchange.",
    ),
    ReasonCode.EXCLUSION_CONFIRMED: (
        "经确认存在{exclusion}，此故障不在免费保修范围内：付费维修，维修前先报价。",
        "{exclusion_title} was confirmed, so this fault is outside free warranty: paid repair, "
        "with a quote before any work.",
    ),
    ReasonCode.EXCLUSION_NOT_IN_CATEGORY: (
        "此品类不将{exclusion}列为除外情形，不影响判断；如属意外损坏，应确认为意外损坏。",
        "This category does not exclude {exclusion}, so it does not change the decision; if the "
        "damage was accidental, confirm accidental damage instead.",
    ),
}

_REPAIR_IN_PROGRESS: tuple[str, str] = (
    "{handed_in}送修至今（{handed_back}）仍在维修，已用时{days}天，已加到{handed_in}仍在有效期内的各保修期。",
    "The repair handed in on {handed_in} is still under way on {handed_back} after {days} days, "
    "added to every window still running on {handed_in}.",
)

_PART_WINDOW_ENDED: tuple[str, str] = (
    "{component}只按其自身{months}个月保修期判断，该保修期已于{ends_on}结束。",
    "The {component} is decided by its own {months}-month window alone, which ended on {ends_on}.",
)

_INPUT_ERRORS: dict[InputErrorCode, tuple[str, str]] = {
    InputErrorCode.PURCHASE_DATE_IN_FUTURE: (
        "购买日期{value}晚于判断日期{as_of}。",
        "The purchase date {value} is after the decision date {as_of}.",
    ),
    InputErrorCode.PURCHASE_DATE_BEFORE_LAUNCH: (
        "购买日期{value}早于该型号的上市日期{launch}。",
        "The purchase date {value} is before the model's launch on {launch}.",
    ),
    InputErrorCode.EXCHANGE_DATE_IN_FUTURE: (
        "换货日期{value}晚于判断日期{as_of}。",
        "The exchange date {value} is after the decision date {as_of}.",
    ),
    InputErrorCode.EXCHANGE_DATE_BEFORE_PURCHASE: (
        "换货日期{value}早于购买日期{purchase}。",
        "The exchange date {value} is before the purchase date {purchase}.",
    ),
    InputErrorCode.MANUFACTURE_DATE_IN_FUTURE: (
        "生产日期{value}晚于判断日期{as_of}。",
        "The manufacture date {value} is after the decision date {as_of}.",
    ),
    InputErrorCode.REPAIR_DATE_IN_FUTURE: (
        "维修日期{value}晚于判断日期{as_of}。",
        "The repair date {value} is after the decision date {as_of}.",
    ),
    InputErrorCode.REPAIR_DATES_OUT_OF_ORDER: (
        "日期{value}早于送修日期{handed_in}。",
        "The date {value} is before the hand-in date {handed_in}.",
    ),
    InputErrorCode.REPAIR_BEFORE_PURCHASE: (
        "送修日期{value}早于购买日期{purchase}。",
        "The hand-in date {value} is before the purchase date {purchase}.",
    ),
    InputErrorCode.UNKNOWN_COMPONENT: (
        "未知的部件代码{value}。",
        "Unknown component code {value}.",
    ),
    InputErrorCode.UNKNOWN_EXCLUSION: (
        "未知的除外代码{value}。",
        "Unknown exclusion code {value}.",
    ),
}


def reason(code: ReasonCode, **values: object) -> Reason:
    zh, en = _REASONS[code]
    return Reason(code=code, zh=render(zh, "zh", values), en=render(en, "en", values))


def repair_extension_reason(*, in_progress: bool, **values: object) -> Reason:
    zh, en = _REPAIR_IN_PROGRESS if in_progress else _REASONS[ReasonCode.REPAIR_TIME_EXTENSION]
    return Reason(
        code=ReasonCode.REPAIR_TIME_EXTENSION,
        zh=render(zh, "zh", values),
        en=render(en, "en", values),
    )


def part_window_reason(*, running: bool, **values: object) -> Reason:
    zh, en = _REASONS[ReasonCode.PART_OWN_WINDOW] if running else _PART_WINDOW_ENDED
    return Reason(
        code=ReasonCode.PART_OWN_WINDOW, zh=render(zh, "zh", values), en=render(en, "en", values)
    )


def exclusion_confirmed_reason(exclusion: ExclusionCode) -> Reason:
    title = EXCLUSION_NAMES[exclusion][1]
    return reason(
        ReasonCode.EXCLUSION_CONFIRMED,
        exclusion=exclusion,
        exclusion_title=title[:1].upper() + title[1:],
    )


def suspected_exclusion(code: ExclusionCode) -> SuspectedExclusion:
    check_zh, check_en = _SUSPECTED_CHECKS[code]
    return SuspectedExclusion(
        code=code,
        zh=f"技术人员检测时会查看{check_zh}；只有经确认，本次维修才按付费维修处理，维修前会先报价。",
        en=f"During the inspection a technician will check {check_en}; only if that is "
        "confirmed would this repair be paid, with a quote before any work.",
    )


def invalid_input(code: InputErrorCode, field: str, **values: object) -> InvalidWarrantyInput:
    zh, en = _INPUT_ERRORS[code]
    return InvalidWarrantyInput(
        code, field, en=render(en, "en", values), zh=render(zh, "zh", values)
    )


def render(template: str, language: Language, values: dict[str, object]) -> str:
    rendered = {name: _render_value(value, language) for name, value in values.items()}
    return template.format(**rendered)


def format_date(value: date, language: Language) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if language == "zh" else value.isoformat()


def _render_value(value: object, language: Language) -> str:
    index = 0 if language == "zh" else 1
    if isinstance(value, date):
        return format_date(value, language)
    if isinstance(value, ComponentCode):
        return COMPONENT_NAMES[value][index]
    if isinstance(value, ExclusionCode):
        return EXCLUSION_NAMES[value][index]
    if isinstance(value, StrEnum):
        return value.value
    return str(value)
