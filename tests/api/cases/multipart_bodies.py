"""Hand-built multipart/form-data bodies, including ones no well-behaved client would send."""

from __future__ import annotations

from collections.abc import AsyncIterator

BOUNDARY = "----aftersales-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def field_part(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def file_part(
    content: bytes,
    *,
    name: str = "file",
    file_name: str = "upload.bin",
    content_type: str | None = None,
) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
    )
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + content + b"\r\n"


def closing() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + closing()


class ChunkedBody:
    """Feeds a body in chunks and records how much of it the reader consumed."""

    def __init__(self, payload: bytes, chunk_size: int = 64 * 1024) -> None:
        self.payload = payload
        self.chunk_size = chunk_size
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.payload), self.chunk_size):
            chunk = self.payload[start : start + self.chunk_size]
            self.consumed += len(chunk)
            yield chunk
