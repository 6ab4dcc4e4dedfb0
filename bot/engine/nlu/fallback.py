"""FallbackClassifier: ``nlu_fallback`` when the classifier is unsure (Rasa 3 semantics).

The fallback is predicted when the top confidence is below ``threshold`` or when the top two
are closer than ``ambiguity_threshold``; its confidence is the threshold, and it is put
first in the ranking ahead of the classifier's own ranking.
"""

from __future__ import annotations

from typing import Any

from bot.engine.nlu.config import FallbackSettings

FALLBACK_INTENT = "nlu_fallback"


def should_fall_back(ranking: list[dict[str, Any]], settings: FallbackSettings) -> bool:
    if not ranking:
        return True
    if ranking[0]["confidence"] < settings.threshold:
        return True
    if len(ranking) >= 2:
        return ranking[0]["confidence"] - ranking[1]["confidence"] < settings.ambiguity_threshold
    return False


def fallback_intent(settings: FallbackSettings) -> dict[str, Any]:
    return {"name": FALLBACK_INTENT, "confidence": settings.threshold}
