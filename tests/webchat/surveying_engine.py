"""The engine stand-in of the web chat tests: the REST channel of ``EngineStub`` plus
``trigger_intent``, which answers a survey falling due with a question and score buttons."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from tests.bot.stubs import EngineStub

SURVEY_QUESTION = {"zh": "请为本次服务打分：", "en": "How would you rate the service?"}


class SurveyingEngine(EngineStub):
    def __init__(self) -> None:
        super().__init__()
        self._triggered: list[tuple[str, dict[str, Any]]] = []
        self._trigger_lock = threading.Lock()

        @self.app.post("/conversations/{conversation_id}/trigger_intent")
        async def trigger_intent(conversation_id: str, request: Request) -> JSONResponse:
            body = await request.json()
            with self._trigger_lock:
                self._triggered.append((conversation_id, body))
            question = {
                "recipient_id": conversation_id,
                "text": SURVEY_QUESTION["zh"],
                "buttons": [
                    {"title": f"{score} 分", "payload": f'/inform{{"score": {score}}}'}
                    for score in (5, 4, 3)
                ],
            }
            return JSONResponse({"tracker": {}, "messages": [question]})

    def triggered(self) -> list[tuple[str, dict[str, Any]]]:
        with self._trigger_lock:
            return list(self._triggered)
