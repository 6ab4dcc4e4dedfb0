"""Attachment endpoints: streamed upload, listing, and download of the stored bytes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import FileResponse

from api.auth_roles import Role
from api.cases import service as cases_service
from api.cases.actors import Actor
from api.cases.attachments import service
from api.cases.attachments.schemas import UPLOAD_REQUEST_BODY, AttachmentList, AttachmentOut
from api.cases.attachments.storage import BlobStore
from api.cases.attachments.upload_stream import receive_upload
from api.cases.schemas import MAX_ID
from api.customers.caller import Caller, Settings, caller_with_roles
from api.db import DbSession
from api.errors import PROBLEM_JSON, Problem, problem_responses

router = APIRouter(tags=["attachments"])

UPLOADERS = (Role.ACTIONS, Role.BOT, Role.AGENT)
READERS = (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND)
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "sandbox",
}

_PROBLEM: dict[str, Any] = {"model": Problem, "content": {PROBLEM_JSON: {}}}


@router.post(
    "/cases/{case_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    summary="Attach a file (multipart: file, kind, channel_file_id)",
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
    responses={
        200: {"model": AttachmentOut, "description": "The same content was attached before."},
        **problem_responses(400, 404, 409, 413, 422),
        415: _PROBLEM,
    },
)
async def upload_attachment(
    case_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    response: Response,
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*UPLOADERS)],
) -> AttachmentOut:
    case = await cases_service.get_case(session, case_id, customer=caller.customer)
    service.ensure_accepts_attachments(case)
    store = BlobStore(settings.attachments_dir)
    upload = await receive_upload(
        request.headers, request.stream(), store, settings.max_attachment_bytes
    )
    try:
        fields = service.UploadFields.parse(upload.fields)
        attachment, created = await service.add_attachment(
            session, store, case, upload.file, fields, Actor(caller.role, caller.actor_id)
        )
    finally:
        upload.discard()
    if not created:
        response.status_code = status.HTTP_200_OK
    return AttachmentOut.of(attachment)


@router.get(
    "/cases/{case_id}/attachments",
    summary="A case's attachments, oldest first",
    responses=problem_responses(400, 404),
)
async def list_attachments(
    case_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*READERS)],
) -> AttachmentList:
    case = await cases_service.get_case(session, case_id, customer=caller.customer)
    attachments = await service.list_attachments(session, case.id)
    return AttachmentList(items=[AttachmentOut.of(item) for item in attachments])


@router.get(
    "/attachments/{attachment_id}/content",
    summary="Download an attachment's bytes",
    response_class=FileResponse,
    responses={
        200: {"description": "The stored bytes, with the detected media type."},
        **problem_responses(400, 404),
        410: _PROBLEM,
    },
)
async def download_attachment(
    attachment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*READERS)],
) -> FileResponse:
    attachment = await service.get_attachment(session, attachment_id, customer=caller.customer)
    path = service.content_path(BlobStore(settings.attachments_dir), attachment)
    return FileResponse(
        path,
        media_type=attachment.media_type,
        filename=attachment.file_name,
        content_disposition_type="attachment",
        headers=DOWNLOAD_HEADERS,
    )
