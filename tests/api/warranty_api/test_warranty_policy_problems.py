"""Policy documents as stored: field paths of their problems, and their canonical form."""

from __future__ import annotations

from typing import Any

import pytest

from api.warranty.policy_model import PolicyFileError, PolicyProblem, parse_policy
from api.warranty.policy_store import shipped_document, validated_document


def _document(**changes: Any) -> dict[str, Any]:
    document = shipped_document()
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        pytest.param(
            _document(categories={"tv": {"whole_unit_months": 0}}),
            PolicyProblem("categories.tv.whole_unit_months", "Input should be greater than 0"),
            id="field-of-a-category",
        ),
        pytest.param(
            _document(categories={"tv": {}}),
            PolicyProblem("categories.tv.whole_unit_months", "Field required"),
            id="missing-after-defaults",
        ),
        pytest.param(
            _document(
                categories={"tv": {"whole_unit_months": 12}},
                brand_overrides={"gree": {"phone": {"whole_unit_months": 24}}},
            ),
            PolicyProblem("brand_overrides.gree.phone", "category phone has no policy"),
            id="override-of-a-missing-category",
        ),
        pytest.param(
            _document(version="2026\u0007"),
            PolicyProblem("version", "must not contain control characters"),
            id="control-character-in-version",
        ),
        pytest.param(
            _document(defaults={**shipped_document()["defaults"], "repair_over_days": 36501}),
            PolicyProblem("defaults.repair_over_days", "at most 36500"),
            id="day-window-beyond-a-century",
        ),
        pytest.param(
            _document(categories={"tv": {"whole_unit_months": 1201}}),
            PolicyProblem("categories.tv.whole_unit_months", "at most 1200"),
            id="month-window-beyond-a-century",
        ),
        pytest.param(
            _document(brand_overrides={"huawei": {"phone": {"parts": {"battery": 5000}}}}),
            PolicyProblem("brand_overrides.huawei.phone.parts.battery", "at most 1200"),
            id="part-window-beyond-a-century",
        ),
        pytest.param(
            _document(version="v" * 65),
            PolicyProblem("version", "at most 64 characters"),
            id="version-longer-than-stored",
        ),
    ],
)
def test_problems_carry_the_field_path(document: dict[str, Any], problem: PolicyProblem) -> None:
    with pytest.raises(PolicyFileError) as raised:
        validated_document(document, source="upload")

    assert problem in raised.value.problems
    assert str(raised.value).startswith("upload")


def test_every_validation_problem_is_listed() -> None:
    document = _document(categories={"tv": {"whole_unit_months": -1, "colour": "red"}})

    with pytest.raises(PolicyFileError) as raised:
        parse_policy(document)

    assert {problem.path for problem in raised.value.problems} == {
        "categories.tv.whole_unit_months",
        "categories.tv.colour",
    }


def test_an_unreadable_document_has_no_field_problems() -> None:
    with pytest.raises(PolicyFileError) as raised:
        parse_policy(["not", "a", "mapping"])

    assert raised.value.problems == ()


def test_the_canonical_form_is_stable_and_complete() -> None:
    exclusions = ["serial_altered", "misuse", "accident"]
    written = _document(defaults={**shipped_document()["defaults"], "exclusions": exclusions})

    policy, canonical = validated_document(written, source="upload")
    reparsed, again = validated_document(canonical, source="stored")

    assert canonical["defaults"]["exclusions"] == ["accident", "misuse", "serial_altered"]
    assert again == canonical
    assert reparsed == policy
    assert "main_components" not in canonical["categories"]["furniture"]


def test_a_century_long_window_is_accepted() -> None:
    document = _document(categories={"tv": {"whole_unit_months": 1200}})

    policy, _ = validated_document(document, source="upload")

    rules = policy.rules_for("tv")
    assert rules is not None and rules.whole_unit_months == 1200
