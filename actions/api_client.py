"""The one client of the api: every URL the actions call is built here.

One `httpx.AsyncClient` per process with explicit timeouts and the actions role's service key.
Every call names the consumer it acts for (``X-Customer-Id``: the conversation's sender id,
e.g. ``tg:123``), so the api scopes what it returns to that consumer. Calls that are safe to
repeat (reads, checks, upserts and case creation with an idempotency key) are retried with
exponential backoff; a status transition is never repeated blindly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

import httpx
import structlog
from httpx_aiohttp import AiohttpTransport
from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from actions.api_models import (
    Availability,
    Case,
    CaseDraft,
    CaseStatus,
    CatalogueModel,
    Customer,
    FeeEstimate,
    Guide,
    Handoff,
    HandoffReason,
    ModelResolution,
    Quote,
    SerialLookup,
    Survey,
    TroubleshootingMatch,
    Visit,
    WarrantyDecision,
)
from actions.settings import ActionsSettings
from aftersales.request_ids import REQUEST_ID_HOOKS

log = structlog.get_logger(__name__)

API_PREFIX = "/api/v1"
API_KEY_HEADER = "X-API-Key"
CUSTOMER_HEADER = "X-Customer-Id"

Result = TypeVar("Result", bound=BaseModel)


class ApiUnavailable(Exception):
    """The api did not answer usefully (unreachable, too slow, or failing): try again later."""


class ApiRejected(Exception):
    """The api answered with a client error (4xx); `code` is its problem code."""

    def __init__(
        self,
        status: int,
        code: str | None,
        detail: str | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        #: The problem's `extra`: its text in zh and en, and e.g. a full window's alternatives.
        self.extra = extra or {}

    def in_language(self, language: str) -> str | None:
        """The api's own explanation for the consumer, when it gives one."""
        text = self.extra.get("en" if language == "en" else "zh")
        return text if isinstance(text, str) and text else None


class _Transient(Exception):
    """A failure worth another try: a transport error or a server error."""


class AftersalesApi:
    def __init__(
        self, http: httpx.AsyncClient, *, retry_attempts: int = 3, retry_backoff: float = 0.2
    ) -> None:
        self._http = http
        self._retry_attempts = retry_attempts
        self._retry_backoff = retry_backoff

    @classmethod
    def from_settings(cls, settings: ActionsSettings) -> AftersalesApi:
        http = httpx.AsyncClient(
            base_url=settings.api_url.rstrip("/") + API_PREFIX,
            headers={API_KEY_HEADER: settings.api_key.get_secret_value()},
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            event_hooks=REQUEST_ID_HOOKS,
            # aiohttp underneath: its connection pool stays cheap with many connections, where
            # httpcore's scans every pooled connection on each request.
            transport=AiohttpTransport(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
            ),
        )
        return cls(
            http, retry_attempts=settings.retry_attempts, retry_backoff=settings.retry_backoff
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- catalogue ----------------------------------------------------------------------

    async def resolve_model(
        self, customer: str, text: str, *, category: str | None = None, limit: int = 5
    ) -> ModelResolution:
        params: dict[str, Any] = {"q": text[:200], "limit": limit}
        if category:
            params["category"] = category
        return await self._call(
            ModelResolution, "GET", "/catalogue/models/resolve", customer, params=params
        )

    async def get_model(self, customer: str, code: str) -> CatalogueModel | None:
        try:
            return await self._call(CatalogueModel, "GET", f"/catalogue/models/{code}", customer)
        except ApiRejected as rejection:
            if rejection.status == httpx.codes.NOT_FOUND:
                return None
            raise

    async def lookup_serial(
        self, customer: str, serial: str, *, model_code: str | None = None
    ) -> SerialLookup:
        body = {"serial": serial, "model_code": model_code}
        return await self._call(SerialLookup, "POST", "/units/lookup", customer, json=body)

    # --- warranty and troubleshooting ---------------------------------------------------

    async def check_warranty(
        self,
        customer: str,
        *,
        serial: str,
        fault_description: str,
        model_code: str | None = None,
        category: str | None = None,
        brand: str | None = None,
        purchase_date: date | None = None,
        component: str | None = None,
        symptom: str | None = None,
    ) -> WarrantyDecision:
        body = {
            "serial": serial,
            "fault_description": fault_description,
            "model_code": model_code,
            "category": category,
            "brand": brand,
            "purchase_date": purchase_date.isoformat() if purchase_date else None,
            "component": component,
            "symptom": symptom,
        }
        return await self._call(WarrantyDecision, "POST", "/warranty/check", customer, json=body)

    async def match_troubleshooting(
        self,
        customer: str,
        text: str,
        *,
        category: str | None = None,
        brand: str | None = None,
        model_code: str | None = None,
    ) -> TroubleshootingMatch:
        params = {"text": text, "category": category, "brand": brand, "model": model_code}
        return await self._call(
            TroubleshootingMatch,
            "GET",
            "/troubleshooting/match",
            customer,
            params={key: value for key, value in params.items() if value},
        )

    async def get_guide(self, customer: str, guide_id: int) -> Guide:
        return await self._call(Guide, "GET", f"/troubleshooting/guides/{guide_id}", customer)

    # --- cases --------------------------------------------------------------------------

    async def create_case(self, customer: str, draft: CaseDraft, *, idempotency_key: str) -> Case:
        """Open a case; repeating the call with the same key returns the same case."""
        body = {
            **draft.model_dump(mode="json", exclude_none=True),
            "customer": customer,
            "conversation_id": customer,
            "idempotency_key": idempotency_key,
        }
        return await self._call(Case, "POST", "/cases", customer, json=body)

    async def get_case(self, customer: str, case_id: int) -> Case | None:
        try:
            return await self._call(Case, "GET", f"/cases/{case_id}", customer)
        except ApiRejected as rejection:
            if rejection.status == httpx.codes.NOT_FOUND:
                return None
            raise

    async def fee_estimate(self, customer: str, **query: str | int) -> FeeEstimate:
        """``case_id``, or ``category`` with ``brand`` and ``warranty_status`` if known."""
        return await self._call(FeeEstimate, "GET", "/fees/estimate", customer, params=query)

    async def visit_quotes(self, customer: str, visit_id: int) -> list[Quote]:
        found = await self._json("GET", f"/visits/{visit_id}/quotes", customer)
        return [Quote.model_validate(item) for item in found]

    async def decide_quote(self, customer: str, quote_id: int, *, approve: bool) -> Quote:
        """Repeating a decision changes nothing, so a lost answer is safely asked again."""
        decision = {"decision": "approve" if approve else "decline"}
        return await self._call(
            Quote, "POST", f"/quotes/{quote_id}/decision", customer, json=decision
        )

    async def list_cases(self, customer: str, *, limit: int = 5) -> list[Case]:
        page = await self._json("GET", "/cases", customer, params={"limit": limit})
        return [Case.model_validate(item) for item in page["items"]]

    async def transition_case(
        self, customer: str, case_id: int, to: CaseStatus, *, note: str | None = None
    ) -> Case:
        body = {"to": to.value, "note": note}
        return await self._call(
            Case, "POST", f"/cases/{case_id}/transitions", customer, json=body, retry=False
        )

    # --- handoffs -----------------------------------------------------------------------

    async def open_handoff(
        self,
        customer: str,
        reason: HandoffReason,
        *,
        summary: str | None = None,
        case_id: int | None = None,
    ) -> Handoff:
        """Queue the conversation for a person; while one is open the api returns that one."""
        body = {
            "conversation_id": customer,
            "reason": reason.value,
            "summary": summary,
            "case_id": case_id,
        }
        return await self._call(
            Handoff,
            "POST",
            "/handoffs",
            customer,
            json={key: value for key, value in body.items() if value is not None},
        )

    # --- visits -------------------------------------------------------------------------

    async def visit_availability(
        self, customer: str, case_id: int, *, address: str | None = None
    ) -> Availability:
        """Open windows for the case, earliest first. With none inside the service level the
        api hands the case to a person (once)."""
        params: dict[str, Any] = {"case_id": case_id}
        if address:
            params["address"] = address
        return await self._call(
            Availability, "GET", "/visits/availability", customer, params=params
        )

    async def book_visit(
        self,
        customer: str,
        case_id: int,
        *,
        window_start: datetime,
        address: str,
        contact_phone: str,
        fee_accepted: bool | None,
        idempotency_key: str,
    ) -> Visit:
        """Book the visit; repeating the call with the same key returns the same visit."""
        body: dict[str, Any] = {
            "case_id": case_id,
            "window_start": window_start.isoformat(),
            "address": address,
            "contact_phone": contact_phone,
            "idempotency_key": idempotency_key,
        }
        if fee_accepted is not None:
            body["fee_consent"] = {"accepted": fee_accepted}
        return await self._call(Visit, "POST", "/visits", customer, json=body)

    async def case_visits(self, customer: str, case_id: int) -> list[Visit]:
        visits = await self._json("GET", f"/cases/{case_id}/visits", customer)
        return [Visit.model_validate(item) for item in visits]

    async def reschedule_visit(
        self, customer: str, visit_id: int, *, window_start: datetime
    ) -> Visit:
        body = {"window_start": window_start.isoformat()}
        return await self._call(
            Visit, "POST", f"/visits/{visit_id}/reschedule", customer, json=body, retry=False
        )

    async def cancel_visit(self, customer: str, visit_id: int, *, reason: str) -> Visit:
        body = {"reason": reason}
        return await self._call(
            Visit, "POST", f"/visits/{visit_id}/cancel", customer, json=body, retry=False
        )

    # --- surveys ------------------------------------------------------------------------

    async def open_survey(self, customer: str) -> Survey | None:
        """The consumer's survey waiting for answers, if any."""
        page = await self._json("GET", "/surveys", customer, params={"status": "open", "limit": 1})
        items = page["items"]
        return Survey.model_validate(items[0]) if items else None

    async def answer_survey(
        self, customer: str, survey_id: int, answers: dict[str, bool | int | str]
    ) -> Survey:
        """Record the answers (repeating them replaces them with the same values)."""
        body = {
            "answers": [{"question": key, "value": value} for key, value in answers.items()],
            "finish": True,
        }
        return await self._call(
            Survey, "POST", f"/surveys/{survey_id}/answers", customer, json=body
        )

    # --- customers ----------------------------------------------------------------------

    async def update_customer(self, customer: str, **fields: Any) -> Customer:
        return await self._call(Customer, "PUT", f"/customers/{customer}", customer, json=fields)

    # --- transport ----------------------------------------------------------------------

    async def _call(
        self,
        result: type[Result],
        method: str,
        path: str,
        customer: str,
        *,
        retry: bool = True,
        **request: Any,
    ) -> Result:
        return result.model_validate(
            await self._json(method, path, customer, retry=retry, **request)
        )

    async def _json(
        self, method: str, path: str, customer: str, *, retry: bool = True, **request: Any
    ) -> Any:
        headers = {CUSTOMER_HEADER: customer}

        async def send() -> httpx.Response:
            return await self._send(method, path, headers=headers, **request)

        response = await self._with_retries(send) if retry else await self._once(send)
        if response.status_code >= httpx.codes.BAD_REQUEST:
            problem = _problem(response)
            extra = problem.get("extra")
            raise ApiRejected(
                response.status_code,
                problem.get("code"),
                problem.get("detail"),
                extra if isinstance(extra, dict) else None,
            )
        return response.json()

    async def _send(self, method: str, path: str, **request: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **request)
        except httpx.TransportError as error:
            raise _Transient(f"{method} {path}: {type(error).__name__}") from error
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise _Transient(f"{method} {path}: {response.status_code}")
        return response

    async def _once(self, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        try:
            return await send()
        except _Transient as error:
            log.warning("api call failed", error=str(error))
            raise ApiUnavailable(str(error)) from error

    async def _with_retries(self, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry_attempts),
            wait=wait_exponential(multiplier=self._retry_backoff, max=2.0),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            response: httpx.Response = await retrying(send)
        except _Transient as error:
            log.warning("api call failed after retries", error=str(error))
            raise ApiUnavailable(str(error)) from error
        return response


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# --- the process's client ---------------------------------------------------------------------

_current: AftersalesApi | None = None


def install(api: AftersalesApi) -> None:
    """Make `api` the client every action uses (at server start, or a test's own client)."""
    global _current
    _current = api


def current() -> AftersalesApi:
    """The process's client, created from the settings on first use."""
    if _current is None:
        install(AftersalesApi.from_settings(ActionsSettings()))
    assert _current is not None
    return _current


async def close() -> None:
    global _current
    if _current is not None:
        await _current.aclose()
        _current = None
