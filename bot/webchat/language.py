"""The language a browser asks for: ``Accept-Language``, or the one chosen on the page."""

from __future__ import annotations

from bot.telegram.language import Language, language_from_code


def language_from_accept(header: str | None, default: Language) -> Language:
    """Chinese when Chinese is the most wanted of Chinese and English, else English; a
    header naming neither gives ``default``.

    Only zh and en are offered, so ``fr, en;q=0.8, zh;q=0.5`` answers in English.
    """
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        tag = tag.strip().lower()
        if not (tag.startswith("zh") or tag == "en" or tag.startswith("en-")):
            continue
        weight = _weight(parameters)
        if weight <= 0:
            continue
        candidate = (weight, -position, language_from_code(tag, default))
        if best is None or candidate > best:
            best = candidate
    return best[2] if best is not None else default


def _weight(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
