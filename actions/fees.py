"""What a repair costs, answered from the api's published fee schedule in the conversation's
warranty context: free and why, or the visit fee, the labour range and what decides the
price. Never a number of its own: without a product to look up, or without the api, the
answer says what the price depends on."""

from __future__ import annotations

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import FeeEstimate, WarrantyStatus
from actions.conversation import Language, customer_of, language_of

log = structlog.get_logger(__name__)

_CANNED_BY_STATUS = {
    WarrantyStatus.IN_WARRANTY.value: "utter_fee_free",
    WarrantyStatus.COMPONENT_WARRANTY.value: "utter_warranty_component_warranty",
    WarrantyStatus.OUT_OF_WARRANTY.value: "utter_fee_paid",
}
_KNOWN_STATUSES = frozenset(status.value for status in WarrantyStatus)


class ActionAnswerFee(Action):
    def name(self) -> str:
        return "action_answer_fee"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        estimate = await _estimate(tracker)
        if estimate is not None:
            dispatcher.utter_message(text=fee_answer(estimate, language_of(tracker)))
            return []
        status = tracker.get_slot("warranty_status")
        dispatcher.utter_message(
            response=_CANNED_BY_STATUS.get(str(status), "utter_fee_depends_on_warranty")
        )
        return []


async def _estimate(tracker: Tracker) -> FeeEstimate | None:
    """The api's estimate for the conversation's case, else for its product; None when
    neither is known or the api cannot say."""
    api = api_client.current()
    customer = customer_of(tracker)
    case_id = str(tracker.get_slot("case_id") or "")
    category = tracker.get_slot("product_category")
    try:
        if case_id.isdigit():
            try:
                return await api.fee_estimate(customer, case_id=int(case_id))
            except ApiRejected as rejection:
                log.info("fee estimate of the case refused", code=rejection.code)
        if not category:
            return None
        query: dict[str, str | int] = {"category": str(category)}
        if tracker.get_slot("brand"):
            query["brand"] = str(tracker.get_slot("brand"))
        status = tracker.get_slot("warranty_status")
        if status in _KNOWN_STATUSES:
            query["warranty_status"] = str(status)
        return await api.fee_estimate(customer, **query)
    except ApiUnavailable:
        return None
    except ApiRejected as rejection:
        log.info("fee estimate refused", code=rejection.code)
        return None


def money(fen: int, currency: str, language: Language) -> str:
    amount = f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}"
    if currency == "CNY":
        return f"¥{amount}" if language == "zh" else f"CNY {amount}"
    return f"{currency} {amount}"


def fee_answer(estimate: FeeEstimate, language: Language) -> str:
    reason = estimate.reason.zh if language == "zh" else estimate.reason.en
    if estimate.basis == "free":
        return f"这次维修对您免费：{reason}" if language == "zh" else f"Free for you: {reason}"
    parts = [reason]
    currency = estimate.currency
    if estimate.visit_fee_fen is not None:
        fee = money(estimate.visit_fee_fen, currency, language)
        parts.append(f"上门费 {fee}。" if language == "zh" else f"Visit fee: {fee}.")
    if estimate.labour_min_fen is not None and estimate.labour_max_fen is not None:
        low = money(estimate.labour_min_fen, currency, language)
        high = money(estimate.labour_max_fen, currency, language)
        parts.append(
            f"人工费 {low}–{high}，配件按标价另计。"
            if language == "zh"
            else f"Labour: {low}–{high}, parts extra at list price."
        )
    if estimate.price_factors is not None:
        factors = estimate.price_factors
        parts.append(factors.zh if language == "zh" else factors.en)
    return ("" if language == "zh" else " ").join(parts)
