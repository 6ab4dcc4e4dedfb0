"""Attaching files to cases over HTTP: types by content, limits, dedupe, download."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from api.auth_roles import Role
from api.settings import ApiSettings
from tests.api.cases.samples import ACCEPTED, JPEG, PDF, PNG, REFUSED, WINDOWS_EXECUTABLE
from tests.api.cases.workflow import move, open_case, register_customer
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("categories")

LIMIT = 64 * 1024
CUSTOMER = "tg:9001"


@pytest.fixture
def api_settings(database_url: str, tmp_path: Path) -> ApiSettings:
    return ApiSettings(
        database_url=database_url,
        attachments_dir=tmp_path / "attachments",
        max_attachment_bytes=LIMIT,
    )


@pytest.fixture
async def case_id(admin_client: httpx.AsyncClient) -> int:
    await register_customer(admin_client, CUSTOMER)
    return int((await open_case(admin_client, CUSTOMER))["id"])


def _stored_files(settings: ApiSettings) -> list[Path]:
    root = settings.attachments_dir
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _names_under(root: Path) -> list[str]:
    return [path.name for path in root.rglob("*")]


async def _upload(
    client: httpx.AsyncClient,
    case_id: int,
    content: bytes,
    *,
    name: str = "file.bin",
    declared: str = "application/octet-stream",
    kind: str = "fault_photo",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": (name, content, declared)},
        data={"kind": kind, **fields},
    )


@pytest.mark.parametrize(("media", "content"), ACCEPTED.items(), ids=list(ACCEPTED))
async def test_every_accepted_type_is_stored_by_its_content(
    admin_client: httpx.AsyncClient,
    api_settings: ApiSettings,
    case_id: int,
    media: str,
    content: bytes,
) -> None:
    response = await _upload(admin_client, case_id, content, name="upload", kind="invoice")
    assert response.status_code == 201, response.text
    attachment = response.json()
    digest = hashlib.sha256(content).hexdigest()
    assert attachment["media_type"] == media
    assert attachment["size_bytes"] == len(content)
    assert attachment["sha256"] == digest
    assert attachment["kind"] == "invoice"
    assert attachment["case_id"] == case_id
    assert attachment["erased"] is False
    assert _stored_files(api_settings) == [
        api_settings.attachments_dir / digest[:2] / digest[2:4] / digest
    ]


async def test_an_executable_renamed_to_jpg_is_refused(
    admin_client: httpx.AsyncClient, api_settings: ApiSettings, case_id: int
) -> None:
    response = await _upload(
        admin_client, case_id, WINDOWS_EXECUTABLE, name="holiday.jpg", declared="image/jpeg"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert _stored_files(api_settings) == []
    listed = await admin_client.get(f"/api/v1/cases/{case_id}/attachments")
    assert listed.json()["items"] == []


@pytest.mark.parametrize("content", REFUSED.values(), ids=list(REFUSED))
async def test_other_types_are_refused(
    admin_client: httpx.AsyncClient, case_id: int, content: bytes
) -> None:
    response = await _upload(admin_client, case_id, content, name="x.png")
    assert response.status_code == 415


async def test_a_content_type_that_contradicts_the_bytes_is_refused(
    admin_client: httpx.AsyncClient, case_id: int
) -> None:
    response = await _upload(admin_client, case_id, PNG, name="a.pdf", declared="application/pdf")
    assert response.status_code == 415
    assert "image/png" in response.json()["detail"]


async def test_files_over_the_limit_are_refused(
    admin_client: httpx.AsyncClient, api_settings: ApiSettings, case_id: int
) -> None:
    at_limit = await _upload(admin_client, case_id, JPEG + bytes(LIMIT - len(JPEG)))
    assert at_limit.status_code == 201
    over = await _upload(admin_client, case_id, PNG + bytes(LIMIT - len(PNG) + 1))
    assert over.status_code == 413
    assert over.json()["code"] == "attachment_too_large"
    assert over.json()["extra"] == {"max_bytes": LIMIT}
    assert len(_stored_files(api_settings)) == 1


async def test_the_same_content_twice_is_one_blob_and_one_row(
    admin_client: httpx.AsyncClient, api_settings: ApiSettings, case_id: int
) -> None:
    first = await _upload(admin_client, case_id, PDF, name="invoice.pdf", kind="invoice")
    again = await _upload(admin_client, case_id, PDF, name="copy.pdf", kind="document")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    listed = (await admin_client.get(f"/api/v1/cases/{case_id}/attachments")).json()
    assert [item["id"] for item in listed["items"]] == [first.json()["id"]]
    assert len(_stored_files(api_settings)) == 1


async def test_the_same_content_on_two_cases_shares_one_blob(
    admin_client: httpx.AsyncClient, api_settings: ApiSettings, case_id: int
) -> None:
    other_case = (await open_case(admin_client, CUSTOMER))["id"]
    first = await _upload(admin_client, case_id, JPEG)
    second = await _upload(admin_client, other_case, JPEG)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["sha256"] == second.json()["sha256"]
    assert len(_stored_files(api_settings)) == 1


async def test_the_download_is_the_upload(api_client_for: ApiClientFactory, case_id: int) -> None:
    bot = api_client_for(Role.BOT, customer=CUSTOMER)
    uploaded = await _upload(
        bot, case_id, PDF, name="发票 2026.pdf", kind="invoice", channel_file_id="BQACAgUAAx0"
    )
    attachment = uploaded.json()
    assert (attachment["uploaded_by_role"], attachment["uploaded_by"]) == ("bot", CUSTOMER)
    assert attachment["channel_file_id"] == "BQACAgUAAx0"

    download = await bot.get(f"/api/v1/attachments/{attachment['id']}/content")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E5%8F%91%E7%A5%A8%202026.pdf" in disposition


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../../../etc/cron.d/evil.jpg", "evil.jpg"),
        ("..\\..\\Windows\\System32\\evil.jpg", "evil.jpg"),
        ("/var/lib/attachments/../x.jpg", "x.jpg"),
        ("photo.jpg\x00.exe", "photo.jpg%00.exe.jpg"),
        ("setup.exe", "setup.exe.jpg"),
    ],
)
async def test_file_names_cannot_escape_or_mislead(
    admin_client: httpx.AsyncClient,
    api_settings: ApiSettings,
    tmp_path: Path,
    case_id: int,
    name: str,
    stored: str,
) -> None:
    response = await _upload(admin_client, case_id, JPEG, name=name)
    assert response.status_code == 201
    assert response.json()["file_name"] == stored
    digest = hashlib.sha256(JPEG).hexdigest()
    assert _stored_files(api_settings) == [
        api_settings.attachments_dir / digest[:2] / digest[2:4] / digest
    ]
    assert [name for name in _names_under(tmp_path) if "evil" in name] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "body.kind"),
        ({"kind": "selfie"}, "body.kind"),
        ({"kind": "invoice", "channel_file_id": "bad id/../"}, "body.channel_file_id"),
    ],
)
async def test_upload_fields_are_validated(
    admin_client: httpx.AsyncClient,
    api_settings: ApiSettings,
    case_id: int,
    data: dict[str, str],
    field: str,
) -> None:
    response = await admin_client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": ("a.jpg", JPEG, "image/jpeg")},
        data=data,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert _stored_files(api_settings) == []


async def test_a_json_body_is_not_an_upload(admin_client: httpx.AsyncClient, case_id: int) -> None:
    response = await admin_client.post(
        f"/api/v1/cases/{case_id}/attachments", json={"kind": "invoice"}
    )
    assert response.status_code == 415
    assert response.json()["code"] == "multipart_required"


async def test_closed_cases_take_no_attachments(
    admin_client: httpx.AsyncClient, case_id: int
) -> None:
    await move(admin_client, case_id, "cancelled")
    response = await _upload(admin_client, case_id, JPEG)
    assert response.status_code == 409
    assert response.json()["code"] == "case_final"


@pytest.mark.parametrize(("role", "status"), [(Role.SUPERVISOR, 403), (Role.BACKEND, 403)])
async def test_only_intake_roles_upload(
    api_client_for: ApiClientFactory, case_id: int, role: Role, status: int
) -> None:
    response = await _upload(api_client_for(role), case_id, JPEG)
    assert response.status_code == status


async def test_unknown_attachments_are_not_found(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.get("/api/v1/attachments/424242/content")
    assert response.status_code == 404
    assert response.json()["code"] == "attachment_not_found"
