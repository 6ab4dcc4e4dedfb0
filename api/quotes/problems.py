"""The refusals of the quote endpoints and of a paid completion, in zh and en."""

from __future__ import annotations

from decimal import Decimal

from api.errors import ApiError, FieldProblem


def _yuan(fen: int) -> str:
    return f"¥{Decimal(fen) / 100:.2f}"


def bilingual(
    status: int,
    code: str,
    *,
    en: str,
    zh: str,
    errors: list[FieldProblem] | None = None,
    **extra: object,
) -> ApiError:
    return ApiError(status, code, en, errors=errors, extra={"zh": zh, "en": en, **extra})


def off_schedule(problems: list[FieldProblem]) -> ApiError:
    listed = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return bilingual(
        422,
        "quote_off_schedule",
        en=f"The quote departs from the published fee schedule ({listed}); correct it or give "
        "an override_reason.",
        zh="报价与公布的收费标准不符；请更正，或填写 override_reason 说明原因。",
        errors=problems,
    )


def category_unknown(case_id: int) -> ApiError:
    return bilingual(
        422,
        "category_unknown",
        en=f"Case {case_id} has no category yet; a quote is checked against its schedule.",
        zh=f"工单 {case_id} 尚未确定品类，无法按收费标准核对报价。",
    )


def visit_closed(visit_id: int, status: str) -> ApiError:
    return bilingual(
        409,
        "visit_closed",
        en=f"Visit {visit_id} is {status}; quotes are for open visits only.",
        zh=f"上门服务 {visit_id} 已结束（{status}），不能再报价或确认报价。",
        visit_status=status,
    )


def quote_not_pending(quote_id: int, status: str) -> ApiError:
    return bilingual(
        409,
        "quote_not_pending",
        en=f"Quote {quote_id} is {status}; only a pending quote can be approved or declined.",
        zh=f"报价 {quote_id} 当前状态为 {status}，只有待确认的报价才能同意或拒绝。",
        quote_status=status,
    )


def quote_not_approved(visit_id: int, charged_fen: int) -> ApiError:
    return bilingual(
        409,
        "quote_not_approved",
        en=f"Visit {visit_id} has no approved quote, so no fee can be charged "
        f"({_yuan(charged_fen)} asked); post a quote and get the consumer's approval first.",
        zh=f"上门服务 {visit_id} 没有用户同意的报价，不能收费（拟收 {_yuan(charged_fen)}）；"
        "请先提交报价并取得用户同意。",
        charged_fen=charged_fen,
    )


def fee_above_approved_quote(charged_fen: int, approved_fen: int, quote_id: int) -> ApiError:
    return bilingual(
        409,
        "fee_above_approved_quote",
        en=f"The fee charged ({_yuan(charged_fen)}) is above the approved quote "
        f"({_yuan(approved_fen)}); a higher fee needs a new quote and the consumer's consent.",
        zh=f"实收费用（{_yuan(charged_fen)}）高于用户同意的报价（{_yuan(approved_fen)}）；"
        "收取更高费用需要提交新报价并取得用户同意。",
        charged_fen=charged_fen,
        approved_fen=approved_fen,
        quote_id=quote_id,
    )
