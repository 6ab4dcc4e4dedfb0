"""A technician's quote for paid work, put to the consumer: the cause, the work, each line
(genuine part or not) and the total, with buttons to approve or decline; the decision is
recorded in the api. The approved total is the most the visit may charge."""

from __future__ import annotations

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import LocalizedText, Quote, QuoteLine
from actions.conversation import Language, customer_of, language_of, latest_intent
from actions.fees import money

log = structlog.get_logger(__name__)

AWAITING_DECISION = "quote_decision"
_BUTTONS = {
    "zh": [("同意报价", "/affirm"), ("不修了", "/deny")],
    "en": [("Approve the quote", "/affirm"), ("Decline", "/deny")],
}
_NOT_PENDING = {
    "zh": "这份报价已处理过，或已被工程师的新报价取代；请以最新的报价为准。",
    "en": "This quote has already been decided or replaced by a newer one from the engineer; "
    "please go by the latest quote.",
}
_NOT_FOUND = {
    "zh": "没有找到这份报价，工程师会再与您确认。",
    "en": "That quote could not be found; the engineer will confirm it with you again.",
}
_UNAVAILABLE = {
    "zh": "系统繁忙，暂时无法取得报价，请稍后回复“同意”或“不修了”，或直接与工程师确认。",
    "en": "The system is busy and the quote cannot be shown right now. Please reply "
    "“approve” or “decline” in a moment, or settle it with the engineer directly.",
}
_DECISION_NOT_SAVED = {
    "zh": "系统繁忙，您的决定暂未保存，请稍后再回复一次“同意”或“不修了”。",
    "en": "The system is busy and your decision is not saved yet; please reply “approve” or "
    "“decline” again in a moment.",
}


class ActionPresentQuote(Action):
    def name(self) -> str:
        return "action_present_quote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        quote_id, visit_id = _number(tracker, "quote_id"), _number(tracker, "visit_id")
        if quote_id is None or visit_id is None:
            dispatcher.utter_message(text=_NOT_FOUND[language])
            return []
        try:
            quotes = await api_client.current().visit_quotes(customer_of(tracker), visit_id)
        except ApiUnavailable:
            dispatcher.utter_message(text=_UNAVAILABLE[language])
            return [SlotSet("quote_id", str(quote_id)), SlotSet("awaiting", AWAITING_DECISION)]
        except ApiRejected as rejection:
            log.info("quote not shown", code=rejection.code)
            dispatcher.utter_message(text=_NOT_FOUND[language])
            return []
        quote = next((found for found in quotes if found.id == quote_id), None)
        if quote is None:
            dispatcher.utter_message(text=_NOT_FOUND[language])
            return []
        if quote.status != "pending":
            dispatcher.utter_message(text=_NOT_PENDING[language])
            return []
        buttons = [{"title": title, "payload": payload} for title, payload in _BUTTONS[language]]
        dispatcher.utter_message(text=quote_text(quote, language), buttons=buttons)
        return [SlotSet("quote_id", str(quote.id)), SlotSet("awaiting", AWAITING_DECISION)]


class ActionDecideQuote(Action):
    def name(self) -> str:
        return "action_decide_quote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        quote_id = _number(tracker, "quote_id")
        if quote_id is None:
            dispatcher.utter_message(text=_NOT_FOUND[language])
            return [SlotSet("awaiting", None)]
        approve = latest_intent(tracker) == "affirm"
        try:
            quote = await api_client.current().decide_quote(
                customer_of(tracker), quote_id, approve=approve
            )
        except ApiUnavailable:
            dispatcher.utter_message(text=_DECISION_NOT_SAVED[language])
            # Still awaited: the next yes or no is sent again.
            return [SlotSet("awaiting", AWAITING_DECISION)]
        except ApiRejected as rejection:
            log.info("quote decision refused", code=rejection.code)
            gone = rejection.code == "quote_not_pending"
            dispatcher.utter_message(text=(_NOT_PENDING if gone else _NOT_FOUND)[language])
            return [SlotSet("awaiting", None)]
        dispatcher.utter_message(text=decision_text(quote, language))
        return [SlotSet("awaiting", None)]


def quote_text(quote: Quote, language: Language) -> str:
    def said(text: LocalizedText) -> str:
        return text.zh if language == "zh" else text.en

    total = money(quote.total_fen, quote.currency, language)
    lines = [_line(line, quote.currency, language) for line in quote.lines]
    if language == "zh":
        parts = [
            f"工程师的报价（工单 {quote.case_id}）：",
            f"故障原因：{said(quote.cause)}",
            f"维修内容：{said(quote.work)}",
            *lines,
            f"合计：{total}",
        ]
        if quote.risks is not None:
            parts.append(f"风险提示：{said(quote.risks)}")
        parts.append("是否同意按此报价维修？同意后收费不会超过此金额。")
    else:
        parts = [
            f"The engineer's quote (case {quote.case_id}):",
            f"Cause: {said(quote.cause)}",
            f"Work: {said(quote.work)}",
            *lines,
            f"Total: {total}",
        ]
        if quote.risks is not None:
            parts.append(f"Risks: {said(quote.risks)}")
        parts.append("Do you approve this quote? You will not be charged more than this total.")
    return "\n".join(parts)


def _line(line: QuoteLine, currency: str, language: Language) -> str:
    description = line.description.zh if language == "zh" else line.description.en
    count = f" ×{line.quantity}" if line.quantity != 1 else ""
    origin = ""
    if line.kind == "part" and line.genuine is not None:
        if language == "zh":
            origin = "（原厂配件）" if line.genuine else "（非原厂配件）"
        else:
            origin = " (genuine part)" if line.genuine else " (non-genuine part)"
    return f"· {description}{origin}{count}: {money(line.total_fen, currency, language)}"


def decision_text(quote: Quote, language: Language) -> str:
    total = money(quote.total_fen, quote.currency, language)
    if quote.status == "approved":
        if language == "zh":
            return f"好的，已确认报价。工程师会按报价维修，收费不会超过 {total}。"
        return f"Approved. The engineer goes ahead; you will not be charged more than {total}."
    if language == "zh":
        return "好的，已记录您不同意此报价，工程师不会进行收费维修。如需人工帮助，回复“人工”即可。"
    return (
        "Noted: you declined the quote, so no paid repair will be done. Reply “agent” if "
        "you would like to talk it over with a person."
    )


def _number(tracker: Tracker, name: str) -> int | None:
    """The id from the triggering message's entities, else from its slot."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and str(entity.get("value", "")).isdigit():
            return int(entity["value"])
    value = str(tracker.get_slot(name) or "")
    return int(value) if value.isdigit() else None
