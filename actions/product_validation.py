"""Validation shared by the forms that identify a product: model, serial and purchase date.

The api decides what is valid (catalogue, serial rules); a question the consumer answers
badly is asked again with the reason, and after the third failed answer a person is offered.
When the api cannot be reached the answer is kept as typed, so nothing is lost and the form
moves on.
"""

from __future__ import annotations

import json
import unicodedata
from abc import ABC, abstractmethod
from datetime import date
from typing import Any

import structlog
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import CatalogueModel, ModelRef, ResolutionKind, SerialResult
from actions.conversation import (
    MAX_FAILED_ANSWERS,
    Language,
    clear_failures,
    count_failure,
    customer_of,
    language_of,
    latest_attachments,
    single,
    today,
)
from actions.purchase_dates import AmbiguousDate, NeedsMonth, parse_purchase_date

log = structlog.get_logger(__name__)

MAX_MODEL_CHOICES = 5
#: Failed serials after which the consumer is told where to find it and offered a photo.
SERIAL_HELP_AFTER = 2
SERIAL_LOCATION_CATEGORIES = frozenset(
    {
        "air_conditioner",
        "refrigerator",
        "washing_machine",
        "tv",
        "microwave",
        "water_heater",
        "phone",
        "laptop",
        "furniture",
    }
)


def inform_payload(**entities: str) -> str:
    return "/inform" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def format_date(day: date, language: Language) -> str:
    if language == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


class ProductFormValidation(FormValidationAction, ABC):
    """validate_<slot> methods for product_model, serial_number and purchase_date."""

    @abstractmethod
    def name(self) -> str: ...

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A nameplate photo stands in for the serial number (an engineer reads it)."""
        if tracker.get_slot("serial_number") is None and (
            tracker.get_slot("nameplate_photo") is not None or _nameplate_photo(tracker)
        ):
            return ["nameplate_photo" if slot == "serial_number" else slot for slot in domain_slots]
        return domain_slots

    async def extract_nameplate_photo(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        photo = _nameplate_photo(tracker)
        if photo is None or tracker.get_slot("nameplate_photo") == photo:
            return {}
        dispatcher.utter_message(response="utter_nameplate_photo_received")
        return {"nameplate_photo": photo}

    async def validate_nameplate_photo(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {
            "nameplate_photo": value,
            "validation_failures": clear_failures(tracker, "serial_number"),
        }

    # --- product model ------------------------------------------------------------------

    async def validate_product_model(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(single(value) or "").strip()
        if not text:
            return self._failed(dispatcher, tracker, "product_model", "utter_model_not_found")
        customer, language = customer_of(tracker), language_of(tracker)
        api = api_client.current()
        try:
            resolution = await api.resolve_model(
                customer, text, category=tracker.get_slot("product_category")
            )
            if resolution.kind is ResolutionKind.NONE and tracker.get_slot("product_category"):
                resolution = await api.resolve_model(customer, text)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return {"product_model": text}
        except ApiRejected as rejection:
            log.info("model text refused by the api", code=rejection.code)
            return self._failed(dispatcher, tracker, "product_model", "utter_model_not_found")
        if resolution.kind is ResolutionKind.EXACT and resolution.candidates:
            return await self._accept_model(resolution.candidates[0], tracker)
        if resolution.candidates:
            buttons = [
                {
                    "title": f"{candidate.name(language)} ({candidate.code})",
                    "payload": inform_payload(product_model=candidate.code),
                }
                for candidate in resolution.candidates[:MAX_MODEL_CHOICES]
            ]
            dispatcher.utter_message(response="utter_model_candidates", buttons=buttons)
            return {"product_model": None}
        return self._failed(dispatcher, tracker, "product_model", "utter_model_not_found")

    async def _accept_model(self, model: ModelRef, tracker: Tracker) -> dict[str, Any]:
        details = await _catalogue_model(customer_of(tracker), model.code)
        launch = details.launch_date if details else None
        return {
            "product_model": model.code,
            "product_category": model.category,
            "brand": model.brand,
            "product_launch_date": launch.isoformat() if launch else None,
            "validation_failures": clear_failures(tracker, "product_model"),
        }

    # --- serial number ------------------------------------------------------------------

    async def validate_serial_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        serial = "".join(unicodedata.normalize("NFKC", str(single(value) or "")).split())
        if not serial:
            return await self._serial_failed(dispatcher, tracker, None)
        customer = customer_of(tracker)
        try:
            lookup = await api_client.current().lookup_serial(
                customer, serial, model_code=tracker.get_slot("product_model")
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return {"serial_number": serial}
        except ApiRejected as rejection:
            log.info("serial refused by the api", code=rejection.code)
            return await self._serial_failed(dispatcher, tracker, None)
        if lookup.result is SerialResult.INVALID:
            return await self._serial_failed(
                dispatcher, tracker, lookup.reason(language_of(tracker))
            )
        accepted: dict[str, Any] = {
            "serial_number": lookup.serial,
            "validation_failures": clear_failures(tracker, "serial_number"),
        }
        if lookup.unit is not None and tracker.get_slot("product_model") != lookup.unit.model:
            accepted |= await self._accept_model(
                ModelRef(
                    code=lookup.unit.model,
                    name_zh=lookup.unit.model,
                    name_en=lookup.unit.model,
                    category=lookup.unit.category,
                    brand=lookup.unit.brand,
                ),
                tracker,
            )
            accepted["validation_failures"] = clear_failures(tracker, "serial_number")
        return accepted

    async def _serial_failed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str | None
    ) -> dict[str, Any]:
        count, counts = count_failure(tracker, "serial_number")
        if reason:
            dispatcher.utter_message(text=reason)
        else:
            dispatcher.utter_message(response="utter_serial_invalid")
        if count >= SERIAL_HELP_AFTER:
            await self._explain_serial_location(dispatcher, tracker)
            dispatcher.utter_message(response="utter_serial_photo_offer")
        if count >= MAX_FAILED_ANSWERS:
            dispatcher.utter_message(response="utter_offer_human")
        return {"serial_number": None, "validation_failures": counts}

    async def _explain_serial_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> None:
        language = language_of(tracker)
        model_code = tracker.get_slot("product_model")
        if model_code:
            model = await _catalogue_model(customer_of(tracker), model_code)
            hint = model.serial_hint(language) if model else None
            if hint:
                dispatcher.utter_message(text=hint)
                return
        category = tracker.get_slot("product_category")
        if category in SERIAL_LOCATION_CATEGORIES:
            dispatcher.utter_message(response=f"utter_serial_where_{category}")
        else:
            dispatcher.utter_message(response="utter_serial_where_generic")

    # --- purchase date ------------------------------------------------------------------

    async def validate_purchase_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(single(value) or "")
        parsed = parse_purchase_date(text, today())
        if isinstance(parsed, AmbiguousDate):
            language = language_of(tracker)
            buttons = [
                {
                    "title": format_date(option, language),
                    "payload": inform_payload(purchase_date=option.isoformat()),
                }
                for option in (parsed.month_first, parsed.day_first)
            ]
            dispatcher.utter_message(response="utter_purchase_date_ambiguous", buttons=buttons)
            return {"purchase_date": None}
        if isinstance(parsed, NeedsMonth):
            return self._failed(
                dispatcher, tracker, "purchase_date", "utter_purchase_date_needs_month"
            )
        if parsed is None:
            return self._failed(
                dispatcher, tracker, "purchase_date", "utter_purchase_date_unparsed"
            )
        if parsed > today():
            return self._failed(dispatcher, tracker, "purchase_date", "utter_purchase_date_future")
        launch = await self._launch_date(tracker)
        if launch is not None and parsed < launch:
            return self._failed(
                dispatcher, tracker, "purchase_date", "utter_purchase_date_before_launch"
            )
        return {
            "purchase_date": parsed.isoformat(),
            "validation_failures": clear_failures(tracker, "purchase_date"),
        }

    async def _launch_date(self, tracker: Tracker) -> date | None:
        known = tracker.get_slot("product_launch_date")
        if known:
            return date.fromisoformat(known)
        model_code = tracker.get_slot("product_model")
        if not model_code:
            return None
        model = await _catalogue_model(customer_of(tracker), model_code)
        return model.launch_date if model else None

    # --- shared -------------------------------------------------------------------------

    @staticmethod
    def _failed(
        dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, response: str
    ) -> dict[str, Any]:
        count, counts = count_failure(tracker, slot)
        dispatcher.utter_message(response=response)
        if count >= MAX_FAILED_ANSWERS:
            dispatcher.utter_message(response="utter_too_many_attempts")
            dispatcher.utter_message(response="utter_offer_human")
        return {slot: None, "validation_failures": counts}


def _nameplate_photo(tracker: Tracker) -> str | None:
    """The id of a photo sent with the latest message while the serial number is asked for."""
    if tracker.get_slot("requested_slot") not in {"serial_number", "nameplate_photo"}:
        return None
    photos = [
        attachment
        for attachment in latest_attachments(tracker)
        if attachment.get("kind") == "photo"
        or str(attachment.get("media_type", "")).startswith("image/")
    ]
    return str(photos[-1]["attachment_id"]) if photos else None


async def _catalogue_model(customer: str, code: str) -> CatalogueModel | None:
    """The catalogue entry of a model; None when unknown or while the api is unreachable."""
    try:
        return await api_client.current().get_model(customer, code)
    except (ApiUnavailable, ApiRejected):
        return None
