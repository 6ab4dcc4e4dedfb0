"""A browser as the web chat's api sees it: a cookie jar, messages and button taps."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from bot.webchat.sessions import CONVERSATION_PREFIX, COOKIE_NAME


class ChatClient:
    def __init__(self, base_url: str, *, accept_language: str = "zh-CN,zh;q=0.9") -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, headers={"Accept-Language": accept_language}, timeout=15.0
        )

    async def __aenter__(self) -> ChatClient:
        response = await self.http.get("/chat")
        assert response.status_code == 200, response.text
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    @property
    def conversation_id(self) -> str:
        return CONVERSATION_PREFIX + self.http.cookies[COOKIE_NAME]

    async def say(self, text: str, **fields: Any) -> httpx.Response:
        body = {"message_id": new_message_id(), "text": text, **fields}
        return await self.http.post("/chat/api/messages", json=body)

    async def tap(self, key: str) -> httpx.Response:
        body = {"message_id": new_message_id(), "button": key}
        return await self.http.post("/chat/api/messages", json=body)

    async def send_photo(
        self, content: bytes, media_type: str = "image/png", name: str = "photo.png"
    ) -> httpx.Response:
        return await self.http.post(
            "/chat/api/photos",
            files={"file": (name, content, media_type)},
            data={"message_id": new_message_id()},
        )


def new_message_id() -> str:
    return secrets.token_hex(8)


def texts(response: httpx.Response) -> list[str]:
    return [message["text"] for message in response.json()["messages"]]
