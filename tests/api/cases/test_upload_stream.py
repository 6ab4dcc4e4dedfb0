"""Reading an upload from the request stream: limits, type detection, malformed bodies."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.cases.attachments.storage import STAGING_DIR_NAME, BlobStore
from api.cases.attachments.upload_stream import FORM_OVERHEAD_BYTES, receive_upload
from api.errors import ApiError
from tests.api.cases.multipart_bodies import (
    CONTENT_TYPE,
    ChunkedBody,
    body,
    field_part,
    file_part,
)
from tests.api.cases.samples import JPEG, PDF, PNG, WINDOWS_EXECUTABLE

LIMIT = 256 * 1024


def _headers(payload: bytes, *, declare_length: bool = True) -> dict[str, str]:
    headers = {"content-type": CONTENT_TYPE}
    if declare_length:
        headers["content-length"] = str(len(payload))
    return headers


def _staged_files(root: Path) -> list[Path]:
    staging = root / STAGING_DIR_NAME
    return list(staging.iterdir()) if staging.exists() else []


async def test_fields_and_file_are_read_and_hashed(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    payload = body(
        field_part("kind", "invoice"),
        file_part(PDF, file_name="发票.pdf", content_type="application/pdf"),
        field_part("channel_file_id", "AgADBAAD"),
    )
    upload = await receive_upload(_headers(payload), ChunkedBody(payload, 7), store, LIMIT)
    try:
        assert upload.fields == {"kind": "invoice", "channel_file_id": "AgADBAAD"}
        assert upload.file.file_name == "发票.pdf"
        assert upload.file.media_type.name == "application/pdf"
        assert upload.file.staged.size == len(PDF)
        assert upload.file.staged.sha256 == hashlib.sha256(PDF).hexdigest()
        assert upload.file.staged.path.read_bytes() == PDF
    finally:
        upload.discard()
    assert _staged_files(tmp_path) == []


async def test_a_file_at_the_limit_is_accepted(tmp_path: Path) -> None:
    content = PNG + bytes(LIMIT - len(PNG))
    payload = body(field_part("kind", "other"), file_part(content))
    upload = await receive_upload(
        _headers(payload), ChunkedBody(payload), BlobStore(tmp_path), LIMIT
    )
    assert upload.file.staged.size == LIMIT
    upload.discard()


async def test_one_byte_over_the_limit_is_refused_while_streaming(tmp_path: Path) -> None:
    content = JPEG + bytes(4 * LIMIT)
    payload = body(file_part(content), field_part("kind", "fault_photo"))
    stream = ChunkedBody(payload, 16 * 1024)
    with pytest.raises(ApiError) as refused:
        await receive_upload(
            _headers(payload, declare_length=False), stream, BlobStore(tmp_path), LIMIT
        )
    assert (refused.value.status, refused.value.code) == (413, "attachment_too_large")
    assert stream.consumed < LIMIT + 2 * stream.chunk_size
    assert _staged_files(tmp_path) == []


async def test_a_declared_length_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    payload = body(file_part(JPEG))
    stream = ChunkedBody(payload)
    headers = {"content-type": CONTENT_TYPE, "content-length": str(LIMIT + FORM_OVERHEAD_BYTES + 1)}
    with pytest.raises(ApiError) as refused:
        await receive_upload(headers, stream, BlobStore(tmp_path), LIMIT)
    assert refused.value.status == 413
    assert stream.consumed == 0


async def test_unrecognised_content_is_refused_after_its_first_bytes(tmp_path: Path) -> None:
    payload = body(
        file_part(
            WINDOWS_EXECUTABLE + bytes(LIMIT // 2), file_name="cat.jpg", content_type="image/jpeg"
        )
    )
    stream = ChunkedBody(payload, 4096)
    with pytest.raises(ApiError) as refused:
        await receive_upload(_headers(payload), stream, BlobStore(tmp_path), LIMIT)
    assert (refused.value.status, refused.value.code) == (415, "unsupported_media_type")
    assert stream.consumed <= 2 * 4096
    assert _staged_files(tmp_path) == []


async def test_a_declared_type_that_contradicts_the_content_is_refused(tmp_path: Path) -> None:
    payload = body(file_part(PNG, file_name="a.jpg", content_type="image/jpeg"))
    with pytest.raises(ApiError) as refused:
        await receive_upload(_headers(payload), ChunkedBody(payload), BlobStore(tmp_path), LIMIT)
    assert refused.value.code == "unsupported_media_type"
    assert "image/png" in refused.value.detail


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (body(field_part("kind", "invoice")), 422, "file_required"),
        (body(file_part(b"")), 422, "empty_file"),
        (body(file_part(b"\xff\xd8")), 415, "unsupported_media_type"),
        (body(file_part(JPEG), file_part(PNG)), 400, "invalid_multipart"),
        (body(file_part(JPEG, name="photo")), 400, "invalid_multipart"),
        (
            body(*[field_part(f"f{n}", "x") for n in range(9)], file_part(JPEG)),
            400,
            "invalid_multipart",
        ),
        (body(field_part("kind", "x" * 2000), file_part(JPEG)), 400, "invalid_multipart"),
        (file_part(JPEG + bytes(100))[:-20], 400, "invalid_multipart"),
        (b"--" + b"not the boundary\r\n" + JPEG, 400, "invalid_multipart"),
    ],
    ids=[
        "no-file",
        "empty-file",
        "too-short-to-tell",
        "two-files",
        "file-in-other-field",
        "too-many-fields",
        "field-too-long",
        "truncated-inside-the-file",
        "wrong-boundary",
    ],
)
async def test_malformed_uploads_are_refused(
    tmp_path: Path, payload: bytes, status: int, code: str
) -> None:
    with pytest.raises(ApiError) as refused:
        await receive_upload(
            _headers(payload), ChunkedBody(payload, 50), BlobStore(tmp_path), LIMIT
        )
    assert (refused.value.status, refused.value.code) == (status, code)
    assert _staged_files(tmp_path) == []


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data", "text/plain; boundary=x", ""]
)
async def test_only_multipart_with_a_boundary_is_read(tmp_path: Path, content_type: str) -> None:
    stream = ChunkedBody(b"{}")
    with pytest.raises(ApiError) as refused:
        await receive_upload({"content-type": content_type}, stream, BlobStore(tmp_path), LIMIT)
    assert (refused.value.status, refused.value.code) == (415, "multipart_required")
    assert stream.consumed == 0
