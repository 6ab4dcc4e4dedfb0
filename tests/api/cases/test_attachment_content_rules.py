"""Telling file types apart by content, and making client file names safe."""

from __future__ import annotations

import pytest

from api.cases.attachments.file_names import MAX_NAME_CHARS, safe_file_name
from api.cases.attachments.media_types import (
    ALLOWED_MEDIA_TYPES,
    declaration_agrees,
    detect_media_type,
)
from tests.api.cases.samples import ACCEPTED, REFUSED

BY_NAME = {media.name: media for media in ALLOWED_MEDIA_TYPES}


@pytest.mark.parametrize(("expected", "content"), ACCEPTED.items(), ids=list(ACCEPTED))
def test_every_accepted_type_is_recognised_by_its_content(expected: str, content: bytes) -> None:
    detected = detect_media_type(content[:12])
    assert detected is not None
    assert detected.name == expected


@pytest.mark.parametrize("content", REFUSED.values(), ids=list(REFUSED))
def test_other_content_is_not_recognised(content: bytes) -> None:
    assert detect_media_type(content) is None


def test_too_short_content_is_not_recognised() -> None:
    assert detect_media_type(b"\xff\xd8") is None
    assert detect_media_type(b"RIFF\x00\x00\x00\x00WEB") is None


@pytest.mark.parametrize(
    ("declared", "agrees"),
    [
        (None, True),
        ("", True),
        ("application/octet-stream", True),
        ("image/jpeg", True),
        ("IMAGE/JPEG; charset=binary", True),
        ("image/jpg", True),
        ("image/png", False),
        ("application/x-msdownload", False),
        ("text/html", False),
    ],
)
def test_a_declared_type_must_agree_with_the_content(declared: str | None, agrees: bool) -> None:
    assert declaration_agrees(declared, BY_NAME["image/jpeg"]) is agrees


@pytest.mark.parametrize(
    ("raw", "media", "safe"),
    [
        ("invoice.pdf", "application/pdf", "invoice.pdf"),
        ("photo.JPEG", "image/jpeg", "photo.jpeg"),
        ("../../etc/passwd.jpg", "image/jpeg", "passwd.jpg"),
        ("..\\..\\windows\\win.ini", "image/png", "win.ini.png"),
        ("/absolute/path/shot.png", "image/png", "shot.png"),
        ("malware.exe", "image/jpeg", "malware.exe.jpg"),
        ("invoice.pdf.exe", "application/pdf", "invoice.pdf.exe.pdf"),
        ("no_extension", "image/gif", "no_extension.gif"),
        ("..", "image/png", "attachment.png"),
        ("", "application/pdf", "attachment.pdf"),
        (None, "image/webp", "attachment.webp"),
        ("CON.jpg", "image/jpeg", "_CON.jpg"),
        ("a\x00b\u202ec<d>e|f?.png", "image/png", "abc_d_e_f_.png"),
        ("发票  2026\t03.pdf", "application/pdf", "发票 2026 03.pdf"),
        (" .hidden.png", "image/png", "hidden.png"),
    ],
)
def test_file_names_are_made_safe(raw: str | None, media: str, safe: str) -> None:
    assert safe_file_name(raw, BY_NAME[media]) == safe


def test_long_file_names_are_shortened_keeping_the_extension() -> None:
    name = safe_file_name("x" * 500 + ".pdf", BY_NAME["application/pdf"])
    assert len(name) == MAX_NAME_CHARS
    assert name.endswith(".pdf")
