"""Every response an action names exists in the domain, in both languages."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from actions.api_models import CaseStatus, WarrantyStatus
from actions.conversation import REQUEST_INTENTS
from actions.product_validation import SERIAL_LOCATION_CATEGORIES
from tests.actions.conversations import DOMAIN

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"


def _named_responses() -> Iterator[tuple[str, str]]:
    """(file, name) of every literal response name in the actions' code."""
    for path in sorted(ACTIONS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("utter_")
                and not node.value.endswith("_")
            ):
                yield path.name, node.value


def test_the_actions_name_only_responses_of_the_domain() -> None:
    names = list(_named_responses())
    assert len(names) > 40, "the scan found the actions' responses"
    assert [(file, name) for file, name in names if name not in DOMAIN["responses"]] == []


def test_every_family_of_responses_chosen_at_run_time_is_complete() -> None:
    families = {
        "utter_warranty_": [status.value for status in WarrantyStatus],
        "utter_status_label_": [status.value for status in CaseStatus],
        "utter_serial_where_": sorted(SERIAL_LOCATION_CATEGORIES),
        "utter_choice_": list(REQUEST_INTENTS),
    }
    missing = [
        prefix + member
        for prefix, members in families.items()
        for member in members
        if prefix + member not in DOMAIN["responses"]
    ]
    assert missing == []
