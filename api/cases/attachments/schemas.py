"""Response bodies of the attachment endpoints (uploads are multipart, read as a stream)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.cases.attachments.models import AttachmentKind, CaseAttachment

CHANNEL_FILE_ID_PATTERN = r"^[A-Za-z0-9_:.-]{1,256}$"


class AttachmentOut(BaseModel):
    id: int
    case_id: int
    kind: AttachmentKind
    media_type: str = Field(description="Detected from the content, e.g. image/jpeg.")
    size_bytes: int
    sha256: str | None = Field(description="SHA-256 of the content; null once erased.")
    file_name: str = Field(description="The client's file name, made safe.")
    channel_file_id: str | None = Field(description="The chat channel's own id of the file.")
    uploaded_at: datetime
    uploaded_by_role: str
    uploaded_by: str | None
    erased: bool = Field(description="The content was erased with the consumer's data.")

    @classmethod
    def of(cls, attachment: CaseAttachment) -> AttachmentOut:
        return cls(
            id=attachment.id,
            case_id=attachment.case_id,
            kind=AttachmentKind(attachment.kind),
            media_type=attachment.media_type,
            size_bytes=attachment.size_bytes,
            sha256=attachment.sha256,
            file_name=attachment.file_name,
            channel_file_id=attachment.channel_file_id,
            uploaded_at=attachment.uploaded_at,
            uploaded_by_role=attachment.uploaded_by_role,
            uploaded_by=attachment.uploaded_by,
            erased=attachment.erased_at is not None,
        )


class AttachmentList(BaseModel):
    items: list[AttachmentOut]


UPLOAD_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "kind"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "JPEG, PNG, WebP, GIF or PDF; the type is read from "
                        "the content.",
                    },
                    "kind": {"type": "string", "enum": [kind.value for kind in AttachmentKind]},
                    "channel_file_id": {
                        "type": "string",
                        "pattern": CHANNEL_FILE_ID_PATTERN,
                        "description": "The chat channel's id of the file, e.g. a Telegram "
                        "file_id.",
                    },
                },
            }
        }
    },
}
