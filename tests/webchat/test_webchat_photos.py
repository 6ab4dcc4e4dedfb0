"""Photos from the page: attached to the consumer's open case in the api and passed to the
engine in the message's metadata; held until a case exists; refused politely when they are
not photos or too large."""

from __future__ import annotations

from typing import Any

from api.auth_roles import Role
from tests.api.cases.samples import png_bytes
from tests.webchat.chat_client import ChatClient, texts
from tests.webchat.conftest import StaffClient, WebChatRunner
from tests.webchat.surveying_engine import SurveyingEngine

PHOTO = png_bytes(4, 3)


async def attachments_of(staff: StaffClient, case_id: int) -> list[dict[str, Any]]:
    response = await staff(Role.AGENT).get(f"/cases/{case_id}/attachments")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def open_case(staff: StaffClient, conversation_id: str) -> int:
    registered = await staff(Role.AGENT).put(f"/customers/{conversation_id}", json={})
    assert registered.status_code in (200, 201), registered.text
    response = await staff(Role.AGENT).post(
        "/cases", json={"customer": conversation_id, "category": "air_conditioner"}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_a_photo_is_attached_to_the_open_case_and_named_to_the_engine(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            case_id = await open_case(staff, page.conversation_id)
            response = await page.send_photo(PHOTO)
            conversation = page.conversation_id

    assert response.status_code == 200, response.text
    [attachment] = await attachments_of(staff, case_id)
    assert (attachment["media_type"], attachment["kind"]) == ("image/png", "fault_photo")
    [sent] = engine.received(conversation)
    assert sent["message"] == "/inform"
    assert sent["metadata"]["attachments"] == [
        {"attachment_id": attachment["id"], "kind": "photo", "media_type": "image/png"}
    ]
    transcript = (await staff(Role.AGENT).get(f"/conversations/{conversation}/messages")).json()[
        "items"
    ]
    first_logged = min(transcript, key=lambda item: item["id"])
    assert (first_logged["text"], first_logged["attachment_id"]) == ("[photo]", attachment["id"])


async def test_a_photo_sent_before_any_case_is_attached_once_there_is_one(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            held = await page.send_photo(PHOTO)
            case_id = await open_case(staff, page.conversation_id)
            await page.say("这是铭牌照片")
            conversation = page.conversation_id

    assert held.status_code == 200
    first = engine.received(conversation)[0]
    assert first["metadata"]["attachments"] == [
        {"attachment_id": None, "kind": "photo", "media_type": "image/png"}
    ]
    [attachment] = await attachments_of(staff, case_id)
    assert attachment["media_type"] == "image/png"


async def test_what_is_not_a_photo_or_too_large_is_refused_in_the_users_language(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    with run_webchat(engine.url, max_upload_bytes=2000) as url:
        async with ChatClient(url, accept_language="en") as page:
            await open_case(staff, page.conversation_id)
            document = await page.send_photo(b"%PDF-1.4", "application/pdf", "invoice.pdf")
            too_large = await page.send_photo(PHOTO + bytes(3000))
            disguised = await page.send_photo(b"just some text", "image/png", "fake.png")

    assert document.status_code == 415
    assert texts(document) == ["Please choose a photo (JPG, PNG, WebP or GIF)."]
    assert too_large.status_code == 413
    assert texts(too_large) == [
        "The file is too large to keep (at most 1 KB). Please send a smaller one."
    ]
    assert disguised.status_code == 415
    assert texts(disguised) == [
        "That file type isn't accepted. Please send a JPG, PNG, WebP or GIF image, or a PDF."
    ]
    assert engine.received() == []
