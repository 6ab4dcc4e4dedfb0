"""Errors as RFC 9457 ``application/problem+json`` with a stable machine-readable ``code``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the field at fault, e.g. body.serial.")
    message: str
    type: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    code: str = Field(description="Stable machine-readable error code.")
    detail: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class ApiError(Exception):
    """An expected failure that the client can act on."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers


def not_found(what: str, identifier: object) -> ApiError:
    return ApiError(404, f"{what}_not_found", f"No {what.replace('_', ' ')} {identifier!s}.")


def invalid_field(field: str, code: str, message: str) -> ApiError:
    return ApiError(
        422,
        code,
        message,
        errors=[FieldProblem(field=field, message=message, type=code)],
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}}
    for status in (400, 401, 403, 404, 409, 413, 422)
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problem documents a route may answer with."""
    return {status: PROBLEM_RESPONSES[status] for status in statuses}


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json"),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _title(status: int) -> str:
    return _TITLES.get(status, "Error")


async def _api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    problem = Problem(
        title=_title(error.status),
        status=error.status,
        code=error.code,
        detail=error.detail,
        errors=error.errors,
        extra=error.extra,
    )
    return problem_response(problem, error.headers)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        FieldProblem(
            field=".".join(str(part) for part in item.get("loc", ())),
            message=str(item.get("msg", "")),
            type=str(item.get("type", "value_error")),
        )
        for item in error.errors()
    ]
    problem = Problem(
        title=_title(422),
        status=422,
        code="validation_failed",
        detail="The request has invalid fields.",
        errors=errors,
    )
    return problem_response(problem)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    problem = Problem(
        title=_title(error.status_code),
        status=error.status_code,
        code=code,
        detail=str(error.detail),
    )
    return problem_response(problem, getattr(error, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
