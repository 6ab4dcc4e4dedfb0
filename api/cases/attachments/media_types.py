"""The media types an attachment may have, told apart by the content's first bytes.

A client's Content-Type and file name are claims; the signature at the start of the content
is what a viewer will act on, so it alone decides.
"""

from __future__ import annotations

from dataclasses import dataclass

SIGNATURE_BYTES = 12
"""How many leading bytes `detect_media_type` needs to tell every allowed type apart."""


@dataclass(frozen=True, slots=True)
class MediaType:
    name: str
    extensions: tuple[str, ...]
    """File name extensions, the canonical one first."""

    def matches(self, head: bytes) -> bool:
        if self.name == "image/webp":
            return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        return any(head.startswith(signature) for signature in _SIGNATURES[self.name])


_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}

ALLOWED_MEDIA_TYPES: tuple[MediaType, ...] = (
    MediaType("image/jpeg", (".jpg", ".jpeg", ".jpe")),
    MediaType("image/png", (".png",)),
    MediaType("image/webp", (".webp",)),
    MediaType("image/gif", (".gif",)),
    MediaType("application/pdf", (".pdf",)),
)

# Clients that do not know what they send say so; anything more specific must agree.
_UNSPECIFIC_DECLARATIONS = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_DECLARED_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}


def detect_media_type(head: bytes) -> MediaType | None:
    """The allowed type whose signature ``head`` starts with, or None."""
    return next((media for media in ALLOWED_MEDIA_TYPES if media.matches(head)), None)


def declaration_agrees(declared: str | None, detected: MediaType) -> bool:
    """Whether a client's declared Content-Type is absent, unspecific, or the detected type."""
    if declared is None:
        return True
    name = declared.split(";", 1)[0].strip().lower()
    if name in _UNSPECIFIC_DECLARATIONS:
        return True
    return _DECLARED_ALIASES.get(name, name) == detected.name


def allowed_names() -> str:
    return ", ".join(media.name for media in ALLOWED_MEDIA_TYPES)
