"""The shipped policy file, loading errors, and brand overrides merged onto a category."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.warranty.decision_model import WarrantyStatus
from api.warranty.policy_model import (
    DEFAULT_POLICY_PATH,
    CategoryCode,
    ComponentCode,
    ExclusionCode,
    PolicyFileError,
    ProofFallback,
    load_policy,
    parse_policy,
)
from tests.api.warranty.warranty_builders import decide, entitlements

MINIMAL = {
    "version": "test.1",
    "defaults": {
        "return_days": 7,
        "exchange_days": 15,
        "presumed_quality_fault_months": 6,
        "repaired_part_guarantee_days": 90,
        "repair_over_days": 30,
        "parts_supply_days": 90,
        "without_proof": "needs_proof",
        "manufacture_offset_days": 90,
        "exclusions": ["misuse", "accident", "unauthorised_repair", "serial_altered"],
    },
    "categories": {
        "air_conditioner": {
            "whole_unit_months": 12,
            "main_components": {"compressor": 36, "fan_motor": 36},
        },
        "phone": {"whole_unit_months": 12, "parts": {"battery": 6}},
    },
}


def _with(**changes: object) -> dict[str, object]:
    document = yaml.safe_load(yaml.safe_dump(MINIMAL))
    document.update(changes)
    return document


def test_the_shipped_policy_validates_and_matches_the_published_defaults() -> None:
    policy = load_policy(DEFAULT_POLICY_PATH)

    assert policy.version == "2026.1"
    assert set(policy.categories) == set(CategoryCode)
    for rules in policy.categories.values():
        assert (rules.return_days, rules.exchange_days, rules.whole_unit_months) == (7, 15, 12)
        assert rules.repaired_part_guarantee_days == 90
        assert (rules.repair_over_days, rules.parts_supply_days) == (30, 90)
        assert rules.presumed_quality_fault_months == 6
    phone = policy.categories[CategoryCode.PHONE]
    assert phone.parts == {
        ComponentCode.BATTERY: 6,
        ComponentCode.CHARGER: 12,
        ComponentCode.HEADSET: 3,
    }
    assert phone.without_proof is ProofFallback.MANUFACTURE_DATE
    assert policy.categories[CategoryCode.AIR_CONDITIONER].main_components == {
        ComponentCode.COMPRESSOR: 36,
        ComponentCode.FAN_MOTOR: 36,
    }
    assert set(policy.categories[CategoryCode.LAPTOP].main_components.values()) == {24}
    assert policy.categories[CategoryCode.FURNITURE].components == ()


def test_only_phone_and_laptop_exclude_liquid_by_default() -> None:
    policy = load_policy()

    excluding = {
        code
        for code, rules in policy.categories.items()
        if rules.excludes(ExclusionCode.LIQUID_DAMAGE)
    }
    assert excluding == {CategoryCode.PHONE, CategoryCode.LAPTOP}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(["not", "a", "mapping"], "mapping at the top level", id="top-level-list"),
        pytest.param(_with(version=2026.1), "version", id="version-not-a-string"),
        pytest.param(_with(categories={}), "categories", id="no-categories"),
        pytest.param(
            _with(categories={"dishwasher": {"whole_unit_months": 12}}),
            "categories.dishwasher",
            id="unknown-category",
        ),
        pytest.param(
            _with(categories={"tv": {"whole_unit_months": -1}}),
            "categories.tv.whole_unit_months",
            id="negative-months",
        ),
        pytest.param(
            _with(categories={"tv": {"whole_unit_month": 12}}),
            "categories.tv.whole_unit_month",
            id="misspelt-field",
        ),
        pytest.param(
            _with(categories={"tv": {"whole_unit_months": 12, "main_components": {"screen": 36}}}),
            "categories.tv.main_components.screen",
            id="unknown-component",
        ),
        pytest.param(
            _with(categories={"tv": {"whole_unit_months": 12, "exclusions": ["bad_luck"]}}),
            "categories.tv.exclusions",
            id="unknown-exclusion",
        ),
        pytest.param(
            _with(categories={"tv": {"whole_unit_months": 12, "exchange_days": 5}}),
            "exchange_days must not be shorter than return_days",
            id="exchange-shorter-than-return",
        ),
        pytest.param(
            _with(
                categories={
                    "phone": {
                        "whole_unit_months": 12,
                        "main_components": {"battery": 12},
                        "parts": {"battery": 6},
                    }
                }
            ),
            "listed both as main component and as part: battery",
            id="component-and-part-at-once",
        ),
        pytest.param(
            _with(categories={"tv": {}}),
            "categories.tv.whole_unit_months: Field required",
            id="category-without-whole-unit-window",
        ),
        pytest.param(
            _with(brand_overrides={"gree": {"tv": {"whole_unit_months": 24}}}),
            "brand_overrides.gree.tv: category tv has no policy",
            id="override-of-a-category-without-policy",
        ),
        pytest.param(
            _with(brand_overrides={"Gree!": {"air_conditioner": {"whole_unit_months": 24}}}),
            "brand_overrides.Gree!",
            id="malformed-brand-code",
        ),
        pytest.param(
            _with(brand_overrides={"gree": {"air_conditioner": {"return_days": 30}}}),
            "brand_overrides.gree.air_conditioner",
            id="override-breaking-consistency",
        ),
    ],
)
def test_a_broken_policy_gives_a_clear_error(document: object, message: str) -> None:
    with pytest.raises(PolicyFileError) as raised:
        parse_policy(document, source="broken.yaml")

    assert str(raised.value).startswith("broken.yaml")
    assert message in str(raised.value)


def test_invalid_yaml_file_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text("version: '1'\ncategories: {tv: [unclosed\n", encoding="utf-8")

    with pytest.raises(PolicyFileError, match=r"policy\.yaml: not valid YAML"):
        load_policy(broken)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot be read"):
        load_policy(tmp_path / "absent.yaml")


def test_a_valid_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(MINIMAL, allow_unicode=True), encoding="utf-8")

    policy = load_policy(path)

    assert policy.version == "test.1"
    assert policy.rules_for("phone") is not None
    assert policy.rules_for("tv") is None


BRANDED = parse_policy(
    _with(
        brand_overrides={
            "gree": {"air_conditioner": {"main_components": {"compressor": 120}}},
            "huawei": {"phone": {"parts": {"battery": 12}}},
        }
    )
)


def test_brand_override_merges_per_component() -> None:
    gree = BRANDED.rules_for("air_conditioner", "gree")
    plain = BRANDED.rules_for("air_conditioner", "midea")
    assert gree is not None and plain is not None

    assert gree.main_components == {ComponentCode.COMPRESSOR: 120, ComponentCode.FAN_MOTOR: 36}
    assert plain.main_components[ComponentCode.COMPRESSOR] == 36
    assert gree.whole_unit_months == 12
    assert gree.exclusions == plain.exclusions


def test_unknown_category_has_no_rules() -> None:
    assert BRANDED.rules_for("dishwasher", "gree") is None


@pytest.mark.parametrize(
    ("brand", "as_of", "status"),
    [
        pytest.param("gree", "2035-03-10", WarrantyStatus.COMPONENT_WARRANTY, id="gree-120m-last"),
        pytest.param("gree", "2035-03-11", WarrantyStatus.OUT_OF_WARRANTY, id="gree-120m+1"),
        pytest.param("midea", "2028-03-11", WarrantyStatus.OUT_OF_WARRANTY, id="midea-36m+1"),
        pytest.param(None, "2028-03-10", WarrantyStatus.COMPONENT_WARRANTY, id="no-brand-36m"),
    ],
)
def test_brand_compressor_warranty_of_ten_years(
    brand: str | None, as_of: str, status: WarrantyStatus
) -> None:
    decision = decide("air_conditioner", as_of, brand=brand, component="compressor", policy=BRANDED)

    assert decision.status is status


def test_brand_override_on_a_phone_part() -> None:
    huawei = decide("phone", "2025-12-01", brand="huawei", component="battery", policy=BRANDED)
    other = decide("phone", "2025-12-01", brand="xiaomi", component="battery", policy=BRANDED)

    assert entitlements(huawei) == ("free_repair",)
    assert entitlements(other) == ("paid_repair",)
    assert huawei.policy_version == "test.1"
