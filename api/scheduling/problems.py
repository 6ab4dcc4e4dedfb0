"""The scheduling refusals a consumer may see, each with its text in Chinese and English.

Every problem carries ``extra.zh`` and ``extra.en`` so that the assistant can relay it in the
consumer's language; ``detail`` is the English text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.errors import ApiError, FieldProblem
from api.scheduling.gazetteer import Area


def bilingual(
    status: int, code: str, *, en: str, zh: str, field: str | None = None, **extra: Any
) -> ApiError:
    errors = [FieldProblem(field=field, message=en, type=code)] if field else None
    return ApiError(status, code, en, errors=errors, extra={"zh": zh, "en": en, **extra})


def _area_list(areas: Sequence[Area]) -> list[dict[str, str]]:
    return [{"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en} for a in areas]


def area_not_served(served_cities: Sequence[Area], field: str) -> ApiError:
    zh_names = "、".join(city.name_zh for city in served_cities)
    en_names = ", ".join(city.name_en for city in served_cities)
    return bilingual(
        422,
        "area_not_served",
        en=f"We cannot recognise a served city in this address. Onsite service is available "
        f"in: {en_names}. Please give the city and district.",
        zh=f"暂时无法识别该地址所在的服务城市。目前提供上门服务的城市：{zh_names}。请提供城市和区。",
        field=field,
        served_cities=_area_list(served_cities),
    )


def area_ambiguous(candidates: Sequence[Area], field: str) -> ApiError:
    zh_names = "、".join(city.name_zh for city in candidates)
    en_names = ", ".join(city.name_en for city in candidates)
    return bilingual(
        422,
        "area_ambiguous",
        en=f"This district name exists in more than one city ({en_names}); please add the city.",
        zh=f"该区名在多个城市都有（{zh_names}），请补充城市名称。",
        field=field,
        candidate_cities=_area_list(candidates),
    )


def district_required(city: Area, districts: Sequence[Area], field: str) -> ApiError:
    return bilingual(
        422,
        "district_required",
        en=f"Please add the district of the address in {city.name_en}.",
        zh=f"请补充地址所在的{city.name_zh}的区。",
        field=field,
        city=_area_list([city])[0],
        districts=_area_list(districts),
    )


def category_not_served(area: Area, category: str, field: str) -> ApiError:
    return bilingual(
        422,
        "area_not_served",
        en=f"No technician for {category} serves {area.name_en} yet.",
        zh=f"{area.name_zh}暂时没有可上门维修该类产品（{category}）的技师。",
        field=field,
        area=_area_list([area])[0],
        category=category,
    )


def address_required() -> ApiError:
    return bilingual(
        422,
        "address_required",
        en="An address is needed: send one, or store it on the customer's profile.",
        zh="需要上门地址：请提供地址，或在个人资料中保存地址。",
        field="body.address",
    )


def category_required(case_id: int) -> ApiError:
    return bilingual(
        422,
        "category_required",
        en=f"Case {case_id} has no product category yet; set it before booking a visit.",
        zh=f"工单 {case_id} 还没有产品类别，请先补充再预约上门。",
        field="case_id",
    )


def not_onsite(case_id: int, mode: str) -> ApiError:
    return bilingual(
        409,
        "not_onsite",
        en=f"Case {case_id} is served {mode.replace('_', '-')}, not onsite; no visit is needed.",
        zh=f"工单 {case_id} 为送修/寄修服务，不需要预约上门。",
        service_mode=mode,
    )


def case_not_bookable(case_id: int, status: str) -> ApiError:
    return bilingual(
        409,
        "case_not_bookable",
        en=f"Case {case_id} is {status}; a visit cannot be booked for it now.",
        zh=f"工单 {case_id} 当前状态为 {status}，暂时无法预约上门。",
        case_status=status,
    )


def visit_already_booked(case_id: int, visit_id: int) -> ApiError:
    return bilingual(
        409,
        "visit_already_booked",
        en=f"Case {case_id} already has visit {visit_id}; reschedule or cancel it instead.",
        zh=f"工单 {case_id} 已有上门预约（{visit_id}），如需调整请改约或取消。",
        visit_id=visit_id,
    )


def fee_consent_required() -> ApiError:
    return bilingual(
        422,
        "fee_consent_required",
        en="This repair is paid: the consumer must accept the quoted fee before the visit "
        "is booked (fee_consent.accepted = true).",
        zh="本次维修需要收费：预约上门前需要您确认同意报价的费用。",
        field="body.fee_consent",
    )


def charge_without_consent() -> ApiError:
    return bilingual(
        422,
        "fee_consent_required",
        en="A fee can be charged only when the consumer accepted a quote before the visit; "
        "this visit has no recorded consent.",
        zh="用户在上门前没有同意报价，不能收取费用。",
        field="body.fee_charged",
    )


def fee_above_quote(charged: str, quoted: str) -> ApiError:
    return bilingual(
        422,
        "fee_above_quote",
        en=f"The fee charged ({charged}) is above the quote the consumer accepted ({quoted}); "
        "a new consent is needed first.",
        zh=f"实收费用（{charged}）高于用户同意的报价（{quoted}），需要先重新取得用户同意。",
        field="body.fee_charged",
    )


def invalid_window(start: str, labels: Sequence[str], field: str) -> ApiError:
    return bilingual(
        422,
        "invalid_window",
        en=f"{start} is not the start of a visit window; windows are {', '.join(labels)} "
        "local time.",
        zh=f"{start} 不是可预约时段的开始时间；可预约时段为 {'、'.join(labels)}（当地时间）。",
        field=field,
        windows=list(labels),
    )


def window_too_soon(start: str, earliest: str, field: str) -> ApiError:
    return bilingual(
        422,
        "window_too_soon",
        en=f"The window starting {start} has passed or starts too soon; the earliest bookable "
        f"start is after {earliest}.",
        zh=f"{start} 开始的时段已过或即将开始，请选择 {earliest} 之后的时段。",
        field=field,
    )


def window_too_far(start: str, days: int, field: str) -> ApiError:
    return bilingual(
        422,
        "window_too_far",
        en=f"The window starting {start} is more than {days} days ahead.",
        zh=f"{start} 开始的时段超过了 {days} 天的预约范围。",
        field=field,
    )


def window_full(start: str, alternatives: list[dict[str, Any]]) -> ApiError:
    return bilingual(
        409,
        "window_full",
        en=f"The window starting {start} is fully booked; please choose another window.",
        zh=f"{start} 开始的时段已约满，请选择其他时段。",
        alternatives=alternatives,
    )


def too_early_for_no_show(start: str) -> ApiError:
    return bilingual(
        409,
        "too_early_for_no_show",
        en=f"A no-show can be reported only once the window has started ({start}).",
        zh=f"时段开始（{start}）之后才能登记用户不在。",
    )


def case_has_active_visit(case_id: int, target: str, visit_id: int, visit_status: str) -> ApiError:
    return bilingual(
        409,
        "case_has_active_visit",
        en=f"Case {case_id} cannot be {target} while visit {visit_id} is {visit_status}; "
        "complete, cancel or mark the visit as a no-show first.",
        zh=f"工单 {case_id} 的上门服务（{visit_id}）尚未结束，暂时不能办结；"
        "请先完成、取消该上门服务或登记未能上门。",
        visit_id=visit_id,
        visit_status=visit_status,
    )


def visit_in_progress(case_id: int, visit_id: int) -> ApiError:
    return bilingual(
        409,
        "visit_in_progress",
        en=f"Case {case_id} cannot be cancelled while the technician is working on visit "
        f"{visit_id}; complete the visit first.",
        zh=f"技师正在进行上门服务（{visit_id}），工单 {case_id} 暂时不能取消；请先完成该上门服务。",
        visit_id=visit_id,
    )
