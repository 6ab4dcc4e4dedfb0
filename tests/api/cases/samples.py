"""Small but genuine files of every accepted type, and some that must be refused."""

from __future__ import annotations

import struct
import zlib


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xdb\x00C\x00" + bytes(range(1, 65)) + b"\xff\xd9"
)
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00"
    b"\x02\x02D\x01\x00;"
)
WEBP_PAYLOAD = b"VP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
WEBP = b"RIFF" + struct.pack("<I", 4 + len(WEBP_PAYLOAD)) + b"WEBP" + WEBP_PAYLOAD
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
PNG = png_bytes()

WINDOWS_EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)
ZIP_ARCHIVE = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(32)
HTML_PAGE = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
RIFF_WAVE = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24)

ACCEPTED = {
    "image/jpeg": JPEG,
    "image/png": PNG,
    "image/webp": WEBP,
    "image/gif": GIF,
    "application/pdf": PDF,
}
REFUSED = {
    "windows executable": WINDOWS_EXECUTABLE,
    "zip archive": ZIP_ARCHIVE,
    "html page": HTML_PAGE,
    "riff wave audio": RIFF_WAVE,
    "plain text": b"just some text, nothing else",
}
