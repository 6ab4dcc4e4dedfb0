"""The bot's client of the api: every api URL the bot calls is built here.

The bot role acts for one consumer at a time and names them in ``X-Customer-Id``, so the api
shows it only that consumer's cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

from aftersales.request_ids import REQUEST_ID_HOOKS

API_PREFIX = "/api/v1"
API_KEY_HEADER = "X-API-Key"
CUSTOMER_HEADER = "X-Customer-Id"
TELEGRAM_CHANNEL = "tg"
OPEN_CASE_STATUSES = (
    "open",
    "troubleshooting",
    "awaiting_visit",
    "visit_booked",
    "in_repair",
    "resolved",
    "escalated",
)
"""Every status but the final ones (closed, cancelled): a case that still takes files."""


class ApiUnavailable(Exception):
    """The api could not be reached or failed (5xx): worth another try later."""


class ApiRejected(Exception):
    """The api refused the request (4xx); ``code`` is its problem code."""

    def __init__(
        self, status: int, code: str | None, detail: str | None, extra: dict[str, Any]
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True, slots=True)
class UploadedAttachment:
    id: int
    case_id: int
    media_type: str
    kind: str


@dataclass(frozen=True, slots=True)
class FileUpload:
    content: bytes
    file_name: str
    declared_type: str | None
    kind: str
    channel_file_id: str | None = None


def api_http_client(base_url: str, api_key: str, timeout: float) -> httpx.AsyncClient:
    """A client of the api's ``/api/v1`` with one role's key; calls carry the request id."""
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/") + API_PREFIX,
        headers={API_KEY_HEADER: api_key},
        timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
        event_hooks=REQUEST_ID_HOOKS,
    )


class AftersalesApi:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    @classmethod
    def connect(cls, base_url: str, api_key: str, timeout: float) -> AftersalesApi:
        return cls(api_http_client(base_url, api_key, timeout))

    async def close(self) -> None:
        await self._http.aclose()

    async def newest_open_case(self, customer: str) -> int | None:
        page = await self._request(
            "GET",
            "/cases",
            customer,
            params={"customer": customer, "status": ",".join(OPEN_CASE_STATUSES), "limit": 1},
        )
        items = page.get("items") or []
        return int(items[0]["id"]) if items else None

    async def attach(self, customer: str, case_id: int, upload: FileUpload) -> UploadedAttachment:
        data = {"kind": upload.kind}
        if upload.channel_file_id:
            data["channel_file_id"] = upload.channel_file_id
        files = {
            "file": (
                upload.file_name,
                upload.content,
                upload.declared_type or "application/octet-stream",
            )
        }
        body = await self._request(
            "POST", f"/cases/{case_id}/attachments", customer, data=data, files=files
        )
        return UploadedAttachment(
            id=int(body["id"]),
            case_id=int(body["case_id"]),
            media_type=str(body["media_type"]),
            kind=str(body["kind"]),
        )

    async def log_message(self, conversation_id: str, message: dict[str, Any]) -> None:
        await self._request(
            "POST", f"/conversations/{conversation_id}/messages", conversation_id, json=message
        )

    async def lease_outbound(
        self, worker_id: str, *, limit: int, lease_seconds: int
    ) -> list[dict[str, Any]]:
        """Due outbound items of Telegram conversations, leased to this worker."""
        body = {
            "worker_id": worker_id,
            "limit": limit,
            "lease_seconds": lease_seconds,
            "channel": TELEGRAM_CHANNEL,
        }
        page = await self._request("POST", "/outbound/lease", None, json=body)
        return list(page.get("items") or [])

    async def ack_outbound(self, item_id: int, lease_token: str) -> None:
        await self._request(
            "POST", f"/outbound/{item_id}/ack", None, json={"lease_token": lease_token}
        )

    async def fail_outbound(
        self, item_id: int, lease_token: str, error: str, *, blocked: bool = False
    ) -> None:
        body = {"lease_token": lease_token, "error": error[:2000], "blocked": blocked}
        await self._request("POST", f"/outbound/{item_id}/fail", None, json=body)

    async def _request(
        self, method: str, path: str, customer: str | None, **options: Any
    ) -> dict[str, Any]:
        headers = {CUSTOMER_HEADER: customer} if customer is not None else {}
        try:
            response = await self._http.request(method, path, headers=headers, **options)
        except httpx.HTTPError as error:
            raise ApiUnavailable(f"{type(error).__name__}: {error}") from error
        raise_for_problem(response)
        body: dict[str, Any] = response.json()
        return body


def raise_for_problem(response: httpx.Response) -> None:
    """``ApiUnavailable`` for a 5xx answer, ``ApiRejected`` for a 4xx one."""
    if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise ApiUnavailable(f"the api answered {response.status_code}")
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        problem = _problem(response)
        raise ApiRejected(
            response.status_code,
            problem.get("code"),
            problem.get("detail"),
            problem.get("extra") or {},
        )


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
