"""File names as clients send them, made safe to show and to offer for download.

The stored blob is named by its hash, so a name never reaches the file system; it is kept
for people, and a hostile one (``../../etc/passwd``, ``invoice.pdf.exe``, control
characters, a Windows device name) must not mislead them or their tools.
"""

from __future__ import annotations

import re
import unicodedata

from api.cases.attachments.media_types import MediaType

MAX_NAME_CHARS = 120
FALLBACK_STEM = "attachment"

_UNSAFE = re.compile(r'[<>:"|?*\\/]')
_SPACES = re.compile(r"\s+")
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


def safe_file_name(raw: str | None, media_type: MediaType) -> str:
    """A plain file name ending in an extension of ``media_type``."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if f".{extension.lower()}" in media_type.extensions:
        suffix = f".{extension.lower()}"
    else:
        # Keep the client's extension inside the stem so that nobody is misled, but make the
        # name end in what the content really is.
        stem, suffix = name, media_type.extensions[0]
    stem = stem.strip(" .") or FALLBACK_STEM
    if stem.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    return stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
