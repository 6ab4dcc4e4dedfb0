"""Typed warranty policy data: one policy version, validated from YAML.

A policy file has a ``defaults`` block that every category inherits, one block per category
that overrides those defaults, and optional per-brand blocks that override a category again.
Loading resolves every category and every brand override into a complete `CategoryRules`,
so a mistake anywhere in the file is reported at load time, never at decision time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    ValidationError,
    model_validator,
)

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")


class CategoryCode(StrEnum):
    AIR_CONDITIONER = "air_conditioner"
    REFRIGERATOR = "refrigerator"
    WASHING_MACHINE = "washing_machine"
    TV = "tv"
    MICROWAVE = "microwave"
    WATER_HEATER = "water_heater"
    PHONE = "phone"
    LAPTOP = "laptop"
    FURNITURE = "furniture"


class ComponentCode(StrEnum):
    COMPRESSOR = "compressor"
    FAN_MOTOR = "fan_motor"
    MOTOR = "motor"
    PROGRAMME_CONTROLLER = "programme_controller"
    PANEL = "panel"
    BACKLIGHT = "backlight"
    LOGIC_BOARD = "logic_board"
    TUNER = "tuner"
    MAGNETRON = "magnetron"
    HEATING_ELEMENT = "heating_element"
    BATTERY = "battery"
    CHARGER = "charger"
    HEADSET = "headset"
    MOTHERBOARD = "motherboard"
    CPU = "cpu"
    MEMORY = "memory"
    DISPLAY = "display"
    HARD_DRIVE = "hard_drive"
    KEYBOARD = "keyboard"
    POWER_ADAPTER = "power_adapter"


class ExclusionCode(StrEnum):
    MISUSE = "misuse"
    ACCIDENT = "accident"
    LIQUID_DAMAGE = "liquid_damage"
    UNAUTHORISED_REPAIR = "unauthorised_repair"
    SERIAL_ALTERED = "serial_altered"


class ProofFallback(StrEnum):
    """What a category does when there is neither a registered sale nor proof of purchase."""

    NEEDS_PROOF = "needs_proof"
    MANUFACTURE_DATE = "manufacture_date"


BrandCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
PolicyVersion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class CategoryRules(BaseModel):
    """The complete, resolved rules of one category (optionally for one brand)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    return_days: PositiveInt
    exchange_days: PositiveInt
    whole_unit_months: PositiveInt
    main_components: dict[ComponentCode, PositiveInt] = Field(default_factory=dict)
    parts: dict[ComponentCode, PositiveInt] = Field(
        default_factory=dict,
        description="Parts with a window of their own; a fault of one is decided by it alone.",
    )
    exclusions: frozenset[ExclusionCode]
    without_proof: ProofFallback
    manufacture_offset_days: NonNegativeInt
    presumed_quality_fault_months: PositiveInt
    repaired_part_guarantee_days: PositiveInt
    repair_over_days: PositiveInt
    parts_supply_days: PositiveInt

    @model_validator(mode="after")
    def _check_consistency(self) -> CategoryRules:
        if self.exchange_days < self.return_days:
            raise ValueError("exchange_days must not be shorter than return_days")
        shared = sorted(set(self.main_components) & set(self.parts))
        if shared:
            raise ValueError(f"listed both as main component and as part: {', '.join(shared)}")
        return self

    def excludes(self, exclusion: ExclusionCode) -> bool:
        return exclusion in self.exclusions

    def is_part(self, component: ComponentCode | None) -> bool:
        return component is not None and component in self.parts

    def is_main_component(self, component: ComponentCode | None) -> bool:
        return component is not None and component in self.main_components

    @property
    def components(self) -> tuple[ComponentCode, ...]:
        """Main components first, then parts, in policy order."""
        return (*self.main_components, *self.parts)

    def with_override(self, patch: CategoryRulesPatch) -> CategoryRules:
        """These rules with a brand's patch applied (component months merged per component)."""
        return CategoryRules.model_validate(patch.merged_onto(self.model_dump()))


class CategoryRulesPatch(BaseModel):
    """A partial `CategoryRules`: the defaults block, a category block or a brand override."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    return_days: PositiveInt | None = None
    exchange_days: PositiveInt | None = None
    whole_unit_months: PositiveInt | None = None
    main_components: dict[ComponentCode, PositiveInt] | None = None
    parts: dict[ComponentCode, PositiveInt] | None = None
    exclusions: frozenset[ExclusionCode] | None = None
    without_proof: ProofFallback | None = None
    manufacture_offset_days: NonNegativeInt | None = None
    presumed_quality_fault_months: PositiveInt | None = None
    repaired_part_guarantee_days: PositiveInt | None = None
    repair_over_days: PositiveInt | None = None
    parts_supply_days: PositiveInt | None = None

    def merged_onto(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """`base` with every field this patch sets replaced; component tables merge per key."""
        merged = dict(base)
        for name, value in self.model_dump(exclude_none=True).items():
            if name in ("main_components", "parts"):
                merged[name] = {**(base.get(name) or {}), **value}
            else:
                merged[name] = value
        return merged


class PolicyDocument(BaseModel):
    """The shape of a policy file, before categories and overrides are resolved."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: PolicyVersion
    defaults: CategoryRulesPatch = CategoryRulesPatch()
    categories: dict[CategoryCode, CategoryRulesPatch] = Field(min_length=1)
    brand_overrides: dict[BrandCode, dict[CategoryCode, CategoryRulesPatch]] = Field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True)
class WarrantyPolicy:
    """One version of the warranty policy, every category and brand override resolved."""

    version: str
    categories: Mapping[CategoryCode, CategoryRules]
    brand_rules: Mapping[tuple[str, CategoryCode], CategoryRules] = field(default_factory=dict)

    def rules_for(self, category: str, brand: str | None = None) -> CategoryRules | None:
        """The rules of `category`, with `brand`'s override merged on; None for no such category."""
        try:
            category_code = CategoryCode(category)
        except ValueError:
            return None
        if brand is not None and (brand, category_code) in self.brand_rules:
            return self.brand_rules[(brand, category_code)]
        return self.categories.get(category_code)


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One mistake in a policy document: the dotted path of the field at fault, and why."""

    path: str
    message: str


class PolicyFileError(ValueError):
    """A policy file that cannot be read, parsed or validated; the message says where and why.

    `problems` lists each mistake of an invalid document with its field path (empty when the
    file could not be read or parsed at all).
    """

    def __init__(self, message: str, problems: tuple[PolicyProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


def parse_policy(data: object, *, source: str = "<policy>") -> WarrantyPolicy:
    """Validate an already-parsed policy document and resolve it into a `WarrantyPolicy`."""
    if not isinstance(data, Mapping):
        raise PolicyFileError(f"{source}: the policy must be a mapping at the top level")
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise _invalid(source, exc) from exc
    categories = {
        code: _resolve(source, f"categories.{code}", patch.merged_onto({}), document.defaults)
        for code, patch in document.categories.items()
    }
    brand_rules: dict[tuple[str, CategoryCode], CategoryRules] = {}
    for brand, overrides in document.brand_overrides.items():
        for code, patch in overrides.items():
            location = f"brand_overrides.{brand}.{code}"
            if code not in categories:
                problem = PolicyProblem(location, f"category {code} has no policy")
                raise PolicyFileError(f"{source}: {location}: {problem.message}", (problem,))
            brand_rules[(brand, code)] = _apply_brand(source, location, categories[code], patch)
    return WarrantyPolicy(version=document.version, categories=categories, brand_rules=brand_rules)


def load_policy(path: Path | str = DEFAULT_POLICY_PATH) -> WarrantyPolicy:
    """Read and validate a policy YAML file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(f"{source}: cannot be read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyFileError(f"{source}: not valid YAML: {exc}") from exc
    return parse_policy(data, source=source)


@cache
def default_policy() -> WarrantyPolicy:
    """The shipped default policy, loaded once per process."""
    return load_policy(DEFAULT_POLICY_PATH)


def _resolve(
    source: str, location: str, category_fields: dict[str, Any], defaults: CategoryRulesPatch
) -> CategoryRules:
    inherited = defaults.merged_onto({})
    try:
        return CategoryRules.model_validate({**inherited, **category_fields})
    except ValidationError as exc:
        raise _invalid(source, exc, prefix=location) from exc


def _apply_brand(
    source: str, location: str, rules: CategoryRules, patch: CategoryRulesPatch
) -> CategoryRules:
    try:
        return rules.with_override(patch)
    except ValidationError as exc:
        raise _invalid(source, exc, prefix=location) from exc


def _invalid(source: str, exc: ValidationError, *, prefix: str = "") -> PolicyFileError:
    leading = prefix.split(".") if prefix else []
    problems = tuple(
        PolicyProblem(".".join([*leading, *(str(part) for part in error["loc"])]), error["msg"])
        for error in exc.errors(include_url=False)
    )
    lines = [f"{source}: invalid warranty policy"]
    lines.extend(f"  {problem.path or '(document)'}: {problem.message}" for problem in problems)
    return PolicyFileError("\n".join(lines), problems)
