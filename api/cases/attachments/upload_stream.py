"""Reading a multipart upload from the request stream, within limits, as it arrives.

The file part goes straight into a staged blob (hashed and counted chunk by chunk), so an
oversized upload is refused as soon as it passes the limit and no body is ever held in memory
whole. The content's type is decided from its first bytes, before the rest is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from api.cases.attachments.media_types import (
    SIGNATURE_BYTES,
    MediaType,
    allowed_names,
    declaration_agrees,
    detect_media_type,
)
from api.cases.attachments.storage import BlobStore, BlobTooLargeError, StagedBlob
from api.errors import ApiError, invalid_field

FILE_FIELD = "file"
MAX_FIELDS = 8
MAX_FIELD_BYTES = 1024
FORM_OVERHEAD_BYTES = 16 * 1024
"""Room for boundaries, part headers and the small fields beside the file."""


@dataclass
class ReceivedFile:
    staged: StagedBlob
    file_name: str | None
    media_type: MediaType


@dataclass
class ReceivedUpload:
    fields: dict[str, str]
    file: ReceivedFile

    def discard(self) -> None:
        self.file.staged.discard()


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "attachment_too_large",
        f"The file is larger than the {limit} bytes an attachment may have.",
        extra={"max_bytes": limit},
    )


def _malformed(detail: str) -> ApiError:
    return ApiError(400, "invalid_multipart", detail)


def _unsupported(detail: str) -> ApiError:
    return ApiError(
        415,
        "unsupported_media_type",
        f"{detail} Accepted: {allowed_names()}.",
        extra={"accepted": allowed_names().split(", ")},
    )


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    file_name: str | None = None
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


class _UploadReader:
    def __init__(self, store: BlobStore, max_file_bytes: int) -> None:
        self._store = store
        self._max_file_bytes = max_file_bytes
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        self._fields: dict[str, str] = {}
        self._field_count = 0
        self._file_events: list[tuple[str, bytes]] = []
        self._file_part: _Part | None = None
        self._staged: StagedBlob | None = None
        self._media_type: MediaType | None = None
        self._file_complete = False

    # Parser callbacks: synchronous, so file data is queued and written after each chunk.
    def on_part_begin(self) -> None:
        self._part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._part.headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        part = self._part
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise _malformed('Every part needs a Content-Disposition header with a "name".')
        part.name = _decode(options[b"name"])
        part.is_file = b"filename" in options
        if not part.is_file:
            self._field_count += 1
            if self._field_count > MAX_FIELDS:
                raise _malformed(f"At most {MAX_FIELDS} form fields are accepted.")
            return
        if part.name != FILE_FIELD:
            raise _malformed(f'Send the file in the form field "{FILE_FIELD}", not "{part.name}".')
        if self._file_part is not None:
            raise _malformed("Send one file per upload.")
        part.file_name = _decode(options[b"filename"])
        self._file_part = part
        self._file_events.append(("begin", b""))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self._file_events.append(("data", data[start:end]))
            return
        if len(self._part.data) + (end - start) > MAX_FIELD_BYTES:
            raise _malformed(f'The form field "{self._part.name}" is longer than allowed.')
        self._part.data += data[start:end]

    def on_part_end(self) -> None:
        if self._part.is_file:
            self._file_events.append(("end", b""))
        else:
            self._fields[self._part.name] = _decode(bytes(self._part.data))

    # After each chunk: the queued file events, in order.
    async def drain_file_events(self) -> None:
        events, self._file_events = self._file_events, []
        for kind, data in events:
            if kind == "begin":
                self._staged = await self._store.stage(self._max_file_bytes)
            elif kind == "data":
                assert self._staged is not None
                try:
                    await self._staged.write(data)
                except BlobTooLargeError:
                    raise too_large(self._max_file_bytes) from None
                if self._media_type is None and self._staged.size >= SIGNATURE_BYTES:
                    self._media_type = self._decide_media_type()
            else:
                assert self._staged is not None
                await self._staged.finish()
                self._file_complete = True
                if self._media_type is None and self._staged.size:
                    self._media_type = self._decide_media_type()

    def _decide_media_type(self) -> MediaType:
        assert self._staged is not None and self._file_part is not None
        detected = detect_media_type(self._staged.head)
        if detected is None:
            raise _unsupported("The file's content is not an accepted type.")
        declared = self._file_part.headers.get(b"content-type")
        if not declaration_agrees(_decode(declared) if declared else None, detected):
            raise _unsupported(
                f"The file was sent as {_decode(declared or b'')} but its content is "
                f"{detected.name}."
            )
        return detected

    def result(self) -> ReceivedUpload:
        if self._staged is None or self._file_part is None:
            raise invalid_field(f"body.{FILE_FIELD}", "file_required", "Send the file to attach.")
        if not self._file_complete:
            raise _malformed("The multipart body ended inside the file.")
        if self._staged.size == 0:
            raise invalid_field(f"body.{FILE_FIELD}", "empty_file", "The file is empty.")
        assert self._media_type is not None
        received = ReceivedFile(self._staged, self._file_part.file_name, self._media_type)
        return ReceivedUpload(fields=self._fields, file=received)

    def discard(self) -> None:
        if self._staged is not None:
            self._staged.discard()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("Form fields and file names must be UTF-8.") from None


async def receive_upload(
    headers: Mapping[str, str],
    body: AsyncIterator[bytes],
    store: BlobStore,
    max_file_bytes: int,
) -> ReceivedUpload:
    """Read a ``multipart/form-data`` body with one ``file`` part and a few small fields.

    The caller owns the returned staged file: it must keep or discard it.
    """
    content_type, options = parse_options_header(headers.get("content-type"))
    if content_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise ApiError(
            415,
            "multipart_required",
            "Upload the file as multipart/form-data with a boundary.",
        )
    max_body_bytes = max_file_bytes + FORM_OVERHEAD_BYTES
    declared_length = headers.get("content-length")
    if declared_length and declared_length.isdigit() and int(declared_length) > max_body_bytes:
        raise too_large(max_file_bytes)

    reader = _UploadReader(store, max_file_bytes)
    parser = MultipartParser(
        options[b"boundary"],
        {
            "on_part_begin": reader.on_part_begin,
            "on_header_field": reader.on_header_field,
            "on_header_value": reader.on_header_value,
            "on_header_end": reader.on_header_end,
            "on_headers_finished": reader.on_headers_finished,
            "on_part_data": reader.on_part_data,
            "on_part_end": reader.on_part_end,
        },
    )
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > max_body_bytes:
                raise too_large(max_file_bytes)
            try:
                parser.write(chunk)
            except FormParserError as error:
                raise _malformed(f"The multipart body is malformed: {error}") from None
            await reader.drain_file_events()
        try:
            parser.finalize()
        except FormParserError as error:
            raise _malformed(f"The multipart body is malformed: {error}") from None
        await reader.drain_file_events()
        return reader.result()
    except BaseException:
        reader.discard()
        raise
