"""The fault report: its form's validation, and the submission that opens the case."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.api_models import (
    Case,
    CaseDraft,
    CaseStatus,
    TroubleshootingMatch,
    WarrantyDecision,
)
from actions.case_progress import move_case
from actions.conversation import (
    Language,
    clear_failures,
    customer_of,
    language_of,
    latest_text,
    single,
    slot_date,
)
from actions.product_validation import ProductFormValidation
from actions.troubleshooting_steps import start_guide
from actions.warranty_replies import decision_slots, tell_decision, tell_return_options

log = structlog.get_logger(__name__)

#: Longer descriptions are asked to be summed up (the api stores at most 4000 characters).
MAX_DESCRIPTION_CHARS = 2000
SAME_REPORT_WINDOW = timedelta(minutes=30)
RECENT_CASES_LOOKED_AT = 5
ENDED_CASE_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.CANCELLED})
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ValidateFaultReportForm(ProductFormValidation):
    def name(self) -> str:
        return "validate_fault_report_form"

    async def validate_fault_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep the consumer's own words: the whole message the fault was described in."""
        found = str(single(value) or "").strip()
        message = latest_text(tracker).strip()
        description = message if found and found in message else found
        if not _WORD.search(description):
            return self._failed(
                dispatcher, tracker, "fault_description", "utter_fault_description_too_short"
            )
        if len(description) > MAX_DESCRIPTION_CHARS:
            return self._failed(
                dispatcher, tracker, "fault_description", "utter_fault_description_too_long"
            )
        return {
            "fault_description": description,
            "validation_failures": clear_failures(tracker, "fault_description"),
        }


@dataclass(frozen=True, slots=True)
class FaultReport:
    """The answers of a completed fault report form."""

    customer: str
    model: str | None
    serial: str | None
    nameplate_photo: str | None
    purchase_date: date | None
    description: str
    category: str | None
    brand: str | None

    @classmethod
    def of(cls, tracker: Tracker) -> FaultReport:
        purchase = tracker.get_slot("purchase_date")
        category = tracker.get_slot("product_category")
        return cls(
            customer=customer_of(tracker),
            model=tracker.get_slot("product_model"),
            serial=tracker.get_slot("serial_number"),
            nameplate_photo=tracker.get_slot("nameplate_photo"),
            purchase_date=slot_date(purchase),
            description=tracker.get_slot("fault_description") or latest_text(tracker),
            category=category if category and _CODE.match(category) else None,
            brand=tracker.get_slot("brand"),
        )

    def idempotency_key(self) -> str:
        """The same report submitted again (after an outage) opens no second case."""
        fingerprint = "|".join(
            str(part)
            for part in (
                self.customer,
                self.model,
                self.serial,
                self.purchase_date,
                self.description,
            )
        )
        return "report:" + hashlib.sha256(fingerprint.encode()).hexdigest()[:40]

    def case_draft(
        self, match: TroubleshootingMatch, decision: WarrantyDecision | None
    ) -> CaseDraft:
        product = decision.product if decision else None
        model = product.model if product else None
        return CaseDraft(
            category=(model.category if model else None) or self.category,
            brand=(model.brand if model else None) or self.brand,
            model_code=(model.code if model else None) or self.model,
            serial=self.serial,
            purchase_date=self.purchase_date,
            symptom_key=match.guide.symptom if match.guide else None,
            component=decision.fault_component if decision else None,
            fault_description=self.description,
            warranty_snapshot=decision.model_dump(mode="json") if decision else None,
        )


class ActionSubmitFaultReport(Action):
    """Open the case, tell the warranty decision, then do what the consumer came for:
    troubleshooting by default, or the warranty, a return or a visit asked for earlier."""

    def name(self) -> str:
        return "action_submit_fault_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        report = FaultReport.of(tracker)
        language = language_of(tracker)
        api = api_client.current()
        try:
            match = await api.match_troubleshooting(
                report.customer,
                report.description,
                category=report.category,
                brand=report.brand,
                model_code=report.model,
            )
            decision = await _warranty_decision(api, report)
            case = await _open_case(api, report, report.case_draft(match, decision), language)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_report_not_saved")
            return [SlotSet("awaiting", "report_retry")]
        except ApiRejected as rejection:
            log.warning("fault report refused", code=rejection.code, detail=rejection.detail)
            dispatcher.utter_message(response="utter_report_failed")
            return [SlotSet("awaiting", None)]

        events: list[EventType] = [
            SlotSet("case_id", str(case.id)),
            SlotSet("symptom", match.guide.symptom if match.guide else None),
            SlotSet("pending_goal", None),
            SlotSet("validation_failures", None),
        ]
        dispatcher.utter_message(response="utter_case_created", case_id=str(case.id))
        if decision is not None:
            tell_decision(dispatcher, decision, language)
            events += decision_slots(decision)
        elif report.nameplate_photo:
            dispatcher.utter_message(response="utter_warranty_from_photo")
        return events + await self._next_step(
            dispatcher, tracker, api, case.id, match, decision, language
        )

    async def _next_step(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        api: AftersalesApi,
        case_id: int,
        match: TroubleshootingMatch,
        decision: WarrantyDecision | None,
        language: Language,
    ) -> list[EventType]:
        customer = customer_of(tracker)
        goal = tracker.get_slot("pending_goal")
        if match.safety_alert and match.safety is not None:
            dispatcher.utter_message(text=match.safety.message.in_language(language))
            dispatcher.utter_message(response="utter_offer_human")
            return [SlotSet("awaiting", None)]
        if goal == "check_warranty":
            dispatcher.utter_message(response="utter_warranty_next_steps")
            return [SlotSet("awaiting", None)]
        if goal == "return_exchange":
            entitlements = [item.value for item in decision.entitlements] if decision else []
            tell_return_options(dispatcher, entitlements)
            return [SlotSet("awaiting", None)]
        if goal != "book_visit" and match.guide is not None and match.guide.steps:
            await move_case(api, customer, case_id, CaseStatus.TROUBLESHOOTING)
            return start_guide(dispatcher, match.guide, language, match.error_code)
        if goal != "book_visit":
            dispatcher.utter_message(response="utter_no_troubleshooting_guide")
        await move_case(api, customer, case_id, CaseStatus.AWAITING_VISIT)
        dispatcher.utter_message(response="utter_offer_visit")
        return [SlotSet("awaiting", "visit_offer")]


async def _open_case(
    api: AftersalesApi, report: FaultReport, draft: CaseDraft, language: Language
) -> Case:
    """Open the case, registering the consumer first if the api does not know them yet."""
    earlier = await _same_unit_just_reported(api, report)
    if earlier is not None:
        log.info("fault report joins the case just opened", case_id=earlier.id)
        return earlier
    key = report.idempotency_key()
    try:
        return await api.create_case(report.customer, draft, idempotency_key=key)
    except ApiRejected as rejection:
        if rejection.code != "customer_not_found":
            raise
    await api.update_customer(report.customer, locale=language)
    return await api.create_case(report.customer, draft, idempotency_key=key)


async def _same_unit_just_reported(api: AftersalesApi, report: FaultReport) -> Case | None:
    """A case the consumer opened for the same unit in the last minutes and is still working.

    A report of that unit now is the same report again: its answer never reached the consumer,
    or the engine stopped between opening the case and recording it, and the form asked once
    more. Its description may differ (the form took the next message for it), so the content
    key alone would open a second case.
    """
    if not report.serial:
        return None
    try:
        recent = await api.list_cases(report.customer, limit=RECENT_CASES_LOOKED_AT)
    except ApiRejected:
        return None  # a consumer the api does not know yet has no cases
    since = datetime.now(UTC) - SAME_REPORT_WINDOW
    for case in recent:
        if (
            case.serial == report.serial
            and case.created_at >= since
            and case.status not in ENDED_CASE_STATUSES
        ):
            return case
    return None


async def _warranty_decision(api: AftersalesApi, report: FaultReport) -> WarrantyDecision | None:
    """The decision for the report; None without a serial (a nameplate photo instead), or
    when the api refuses the facts (an engineer then decides)."""
    if not report.serial:
        return None
    try:
        return await api.check_warranty(
            report.customer,
            serial=report.serial,
            fault_description=report.description,
            model_code=report.model,
            category=report.category,
            brand=report.brand,
            purchase_date=report.purchase_date,
        )
    except ApiRejected as rejection:
        log.info("warranty check refused", code=rejection.code, detail=rejection.detail)
        return None
