"""The warranty rules engine: a pure function of a `WarrantyQuery` and a `WarrantyPolicy`.

`decide_warranty` is the entry point. It merges the brand override itself (through
`WarrantyPolicy.rules_for`), so callers pass the whole policy and the brand code. Each rule of
the policy is one small function below; `decide_warranty` only chains them:

1. refuse impossible input (`query_validation.validate_query`);
2. find when the windows start (`resolve_start`);
3. compute every window, stretched by repair time, plus repaired-part guarantees
   (`build_timeline`);
4. decide the fault: confirmed exclusion, missing proof, or the strongest window covering it,
   upgraded by the repeated-repair, repair-time and parts-supply remedies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from api.warranty.component_matching import match_component, suspected_exclusions
from api.warranty.decision_model import (
    EarlierRepair,
    Entitlement,
    PurchaseFacts,
    Reason,
    ReasonCode,
    SuspectedExclusion,
    WarrantyDecision,
    WarrantyQuery,
    WarrantyStatus,
    WindowEnd,
    WindowKind,
)
from api.warranty.decision_texts import (
    exclusion_confirmed_reason,
    part_window_reason,
    reason,
    repair_extension_reason,
    suspected_exclusion,
)
from api.warranty.policy_model import (
    CategoryRules,
    ComponentCode,
    ExclusionCode,
    ProofFallback,
    WarrantyPolicy,
)
from api.warranty.query_validation import validate_query

E = Entitlement
_UNIT_FAULT_KINDS = (WindowKind.RETURN, WindowKind.EXCHANGE, WindowKind.WHOLE_UNIT)
# The window that decides a fault covered by several: the one giving the most rights.
_STRENGTH = (
    WindowKind.RETURN,
    WindowKind.EXCHANGE,
    WindowKind.WHOLE_UNIT,
    WindowKind.MAIN_COMPONENT,
    WindowKind.PART,
    WindowKind.REPAIRED_PART,
)
_ENTITLEMENTS_BY_WINDOW: dict[WindowKind, frozenset[Entitlement]] = {
    WindowKind.RETURN: frozenset({E.RETURN, E.EXCHANGE, E.FREE_REPAIR}),
    WindowKind.EXCHANGE: frozenset({E.EXCHANGE, E.FREE_REPAIR}),
    WindowKind.WHOLE_UNIT: frozenset({E.FREE_REPAIR}),
    WindowKind.MAIN_COMPONENT: frozenset({E.FREE_REPAIR}),
    WindowKind.PART: frozenset({E.FREE_REPAIR}),
    WindowKind.REPAIRED_PART: frozenset({E.FREE_REPAIR}),
}


# --- counting -------------------------------------------------------------------------------


def add_days(start: date, days: int) -> date:
    """Last day of an N-day window: day 0 is `start`, so bought 1 June + 7 days ends 8 June."""
    return start + timedelta(days=days)


def add_months(start: date, months: int) -> date:
    """Last day of an N-month window: the same day N months on, or that month's last day."""
    return start + relativedelta(months=months)


def _days_in_repair(repair: EarlierRepair, as_of: date) -> int:
    return ((repair.handed_back or as_of) - repair.handed_in).days


def _days_waiting_for_parts(repair: EarlierRepair, as_of: date) -> int:
    waited_until = repair.parts_supplied_on or repair.handed_back or as_of
    return (waited_until - repair.handed_in).days


# --- internal values ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaultKey:
    """What makes two faults "the same": the component, or the symptom when no component."""

    component: ComponentCode | None
    symptom: str | None

    @property
    def is_known(self) -> bool:
        return self.component is not None or self.symptom is not None

    def same_as(self, other: FaultKey) -> bool:
        if self.component is not None and other.component is not None:
            return self.component == other.component
        return self.symptom is not None and self.symptom == other.symptom


class StartBasis(StrEnum):
    PROVEN = "proven"  # registered sale, stated date with proof, or a recorded exchange
    MANUFACTURE_DATE = "manufacture_date"
    UNPROVEN = "unproven"


@dataclass(frozen=True, slots=True)
class WarrantyStart:
    basis: StartBasis
    purchase_date: date | None  # starts return and exchange windows and the presumption
    unit_start: date | None  # starts whole-unit, component and part windows
    exchange_date: date | None
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class Window:
    kind: WindowKind
    ends_on: date
    component: ComponentCode | None = None
    symptom: str | None = None
    handed_back: date | None = None  # repaired-part guarantees only

    @property
    def restarts_with_unit(self) -> bool:
        return self.kind not in (WindowKind.RETURN, WindowKind.EXCHANGE)

    def running_on(self, day: date) -> bool:
        return day <= self.ends_on


@dataclass(frozen=True, slots=True)
class Timeline:
    windows: tuple[Window, ...]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: WarrantyStatus
    entitlements: frozenset[Entitlement]
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class Remedy:
    entitlements: frozenset[Entitlement]
    reason: Reason


# --- entry point ----------------------------------------------------------------------------


def decide_warranty(query: WarrantyQuery, policy: WarrantyPolicy) -> WarrantyDecision:
    """Decide the fault in `query` under `policy`, as on `query.as_of`.

    Raises `InvalidWarrantyInput` for input that cannot be decided (refused, not decided).
    """
    validate_query(query)
    rules = policy.rules_for(query.category, query.brand) if query.category else None
    if rules is None:
        return _unknown_product(query, policy.version)

    fault = _fault_key(query, rules)
    start = resolve_start(query.purchase, rules)
    timeline = build_timeline(start, rules, query.repairs, query.as_of)
    confirmed = frozenset(ExclusionCode(code) for code in query.confirmed_exclusions)
    effective_exclusions = tuple(
        code for code in ExclusionCode if code in confirmed and rules.excludes(code)
    )

    if effective_exclusions:
        verdict = _excluded_verdict(effective_exclusions)
    elif start.basis is StartBasis.UNPROVEN:
        verdict = _unproven_verdict(query.purchase, timeline, query.as_of)
    else:
        verdict = _covered_verdict(fault, start, timeline, rules, query.repairs, query.as_of)

    reasons = [
        *start.reasons,
        *timeline.reasons,
        *_exclusions_not_in_category(confirmed, rules),
        *_presumption_reason(start, rules, query.as_of, excluded=bool(effective_exclusions)),
        *verdict.reasons,
    ]
    return WarrantyDecision(
        status=verdict.status,
        entitlements=tuple(e for e in Entitlement if e in verdict.entitlements),
        fault_component=fault.component,
        windows=tuple(_window_end(window, query.as_of) for window in timeline.windows),
        suspected_exclusions=_suspected(query, rules, confirmed, verdict.status),
        reasons=tuple(reasons),
        policy_version=policy.version,
        as_of=query.as_of,
    )


# --- when the windows start -----------------------------------------------------------------


def resolve_start(purchase: PurchaseFacts, rules: CategoryRules) -> WarrantyStart:
    """The start of the windows: registered sale, proven stated date, exchange or manufacture."""
    reasons = list(_registered_date_reasons(purchase))
    proven_purchase = purchase.registered_sale_date or (
        purchase.stated_purchase_date if purchase.has_proof_of_purchase else None
    )
    exchanged = purchase.exchange_date
    if exchanged is not None:
        reasons.append(reason(ReasonCode.EXCHANGE_RESTART, exchanged=exchanged))
    if proven_purchase is not None or exchanged is not None:
        return WarrantyStart(
            StartBasis.PROVEN,
            purchase_date=proven_purchase,
            unit_start=exchanged or proven_purchase,
            exchange_date=exchanged,
            reasons=tuple(reasons),
        )
    manufactured = purchase.manufacture_date
    if rules.without_proof is ProofFallback.MANUFACTURE_DATE and manufactured is not None:
        unit_start = add_days(manufactured, rules.manufacture_offset_days)
        reasons.append(
            reason(
                ReasonCode.MANUFACTURE_DATE_START,
                manufactured=manufactured,
                offset=rules.manufacture_offset_days,
                start=unit_start,
            )
        )
        return WarrantyStart(StartBasis.MANUFACTURE_DATE, None, unit_start, None, tuple(reasons))
    # Unproven: windows are counted from the consumer's stated date only to tell whether proof
    # could change anything.
    stated = purchase.stated_purchase_date
    return WarrantyStart(StartBasis.UNPROVEN, stated, stated, None, tuple(reasons))


def _registered_date_reasons(purchase: PurchaseFacts) -> Iterator[Reason]:
    registered, stated = purchase.registered_sale_date, purchase.stated_purchase_date
    if registered is not None and stated is not None and registered != stated:
        yield reason(ReasonCode.REGISTERED_DATE_DIFFERS, registered=registered, stated=stated)


# --- the windows ----------------------------------------------------------------------------


def build_timeline(
    start: WarrantyStart,
    rules: CategoryRules,
    repairs: Sequence[EarlierRepair],
    as_of: date,
) -> Timeline:
    """Every window of the unit, extended by repair time, then the repaired-part guarantees."""
    extended, reasons = _extend_for_repair_time(_base_windows(start, rules), repairs, start, as_of)
    guarantees = _repaired_part_windows(extended, repairs, rules, start)
    return Timeline(windows=(*extended, *guarantees), reasons=reasons)


def _base_windows(start: WarrantyStart, rules: CategoryRules) -> tuple[Window, ...]:
    windows: list[Window] = []
    if start.purchase_date is not None:
        bought = start.purchase_date
        windows.append(Window(WindowKind.RETURN, add_days(bought, rules.return_days)))
        windows.append(Window(WindowKind.EXCHANGE, add_days(bought, rules.exchange_days)))
    if start.unit_start is None:
        return tuple(windows)
    unit_start = start.unit_start
    windows.append(Window(WindowKind.WHOLE_UNIT, add_months(unit_start, rules.whole_unit_months)))
    for component, months in rules.main_components.items():
        windows.append(
            Window(WindowKind.MAIN_COMPONENT, add_months(unit_start, months), component=component)
        )
    for component, months in rules.parts.items():
        windows.append(Window(WindowKind.PART, add_months(unit_start, months), component=component))
    return tuple(windows)


def _on_current_unit(repair: EarlierRepair, start: WarrantyStart) -> bool:
    return start.exchange_date is None or repair.handed_in >= start.exchange_date


def _extended_by(window: Window, repair: EarlierRepair, start: WarrantyStart) -> bool:
    if window.restarts_with_unit and not _on_current_unit(repair, start):
        return False
    return window.running_on(repair.handed_in)


def _extend_for_repair_time(
    windows: tuple[Window, ...],
    repairs: Sequence[EarlierRepair],
    start: WarrantyStart,
    as_of: date,
) -> tuple[tuple[Window, ...], tuple[Reason, ...]]:
    """Add each repair's days to every window still running on its hand-in day, in order."""
    current = list(windows)
    reasons: list[Reason] = []
    for repair in sorted(repairs, key=lambda item: item.handed_in):
        days = _days_in_repair(repair, as_of)
        stretched = [i for i, window in enumerate(current) if _extended_by(window, repair, start)]
        if days == 0 or not stretched:
            continue
        for i in stretched:
            current[i] = dataclasses.replace(
                current[i], ends_on=current[i].ends_on + timedelta(days=days)
            )
        reasons.append(
            repair_extension_reason(
                in_progress=repair.handed_back is None,
                handed_in=repair.handed_in,
                handed_back=repair.handed_back or as_of,
                days=days,
            )
        )
    return tuple(current), tuple(reasons)


def _repair_key(repair: EarlierRepair) -> FaultKey:
    component = ComponentCode(repair.component) if repair.component is not None else None
    return FaultKey(component, repair.symptom)


def _repaired_part_windows(
    windows: tuple[Window, ...],
    repairs: Sequence[EarlierRepair],
    rules: CategoryRules,
    start: WarrantyStart,
) -> tuple[Window, ...]:
    """Per repaired part: the later of N days after hand-back and the window that covered it."""
    latest: dict[FaultKey, Window] = {}
    for repair in repairs:
        key = _repair_key(repair)
        if repair.handed_back is None or not key.is_known or not _on_current_unit(repair, start):
            continue
        ends_on = add_days(repair.handed_back, rules.repaired_part_guarantee_days)
        if not repair.paid:
            covering = _windows_for_fault(key, windows, rules)
            ends_on = max(
                [ends_on, *(w.ends_on for w in covering if w.running_on(repair.handed_in))]
            )
        if key not in latest or ends_on > latest[key].ends_on:
            latest[key] = Window(
                WindowKind.REPAIRED_PART,
                ends_on,
                component=key.component,
                symptom=key.symptom,
                handed_back=repair.handed_back,
            )
    return tuple(latest.values())


def _windows_for_fault(
    fault: FaultKey, windows: Iterable[Window], rules: CategoryRules
) -> list[Window]:
    """The windows that can cover `fault`; a part's own window alone decides a part's fault."""
    in_scope: list[Window] = []
    part_fault = rules.is_part(fault.component)
    for window in windows:
        if window.kind is WindowKind.REPAIRED_PART:
            matches = FaultKey(window.component, window.symptom).same_as(fault)
        elif part_fault:
            matches = window.kind is WindowKind.PART and window.component == fault.component
        else:
            matches = window.kind in _UNIT_FAULT_KINDS or (
                window.kind is WindowKind.MAIN_COMPONENT and window.component == fault.component
            )
        if matches:
            in_scope.append(window)
    return in_scope


# --- the decision ---------------------------------------------------------------------------


def _fault_key(query: WarrantyQuery, rules: CategoryRules) -> FaultKey:
    if query.fault.component is not None:
        component: ComponentCode | None = ComponentCode(query.fault.component)
    else:
        component = match_component(query.fault.text, rules.components)
    return FaultKey(component, query.fault.symptom)


def _excluded_verdict(exclusions: Sequence[ExclusionCode]) -> Verdict:
    return Verdict(
        WarrantyStatus.OUT_OF_WARRANTY,
        frozenset({E.PAID_REPAIR}),
        tuple(exclusion_confirmed_reason(code) for code in exclusions),
    )


def _unproven_verdict(purchase: PurchaseFacts, timeline: Timeline, as_of: date) -> Verdict:
    """`needs_proof`, unless even the stated date puts the unit outside every window."""
    stated = purchase.stated_purchase_date
    windows = timeline.windows
    if stated is not None and windows and not any(w.running_on(as_of) for w in windows):
        last_end = max(window.ends_on for window in windows)
        return Verdict(
            WarrantyStatus.OUT_OF_WARRANTY,
            frozenset({E.PAID_REPAIR}),
            (
                reason(ReasonCode.STATED_DATE_OUTSIDE_WINDOWS, stated=stated, last_end=last_end),
                reason(ReasonCode.NO_FREE_WINDOW, last_end=last_end),
            ),
        )
    return Verdict(WarrantyStatus.NEEDS_PROOF, frozenset(), (reason(ReasonCode.NEEDS_PROOF),))


def _covered_verdict(
    fault: FaultKey,
    start: WarrantyStart,
    timeline: Timeline,
    rules: CategoryRules,
    repairs: Sequence[EarlierRepair],
    as_of: date,
) -> Verdict:
    in_scope = _windows_for_fault(fault, timeline.windows, rules)
    part_reasons = tuple(_part_reasons(fault, in_scope, rules, as_of))
    covering = _strongest([window for window in in_scope if window.running_on(as_of)])
    if covering is None:
        last_end = max(window.ends_on for window in in_scope)
        return Verdict(
            WarrantyStatus.OUT_OF_WARRANTY,
            frozenset({E.PAID_REPAIR}),
            (*part_reasons, reason(ReasonCode.NO_FREE_WINDOW, last_end=last_end)),
        )
    verdict = _window_verdict(covering, rules, part_reasons)
    if not rules.is_part(fault.component):
        verdict = _with_remedies(verdict, fault, start, rules, repairs, as_of)
    if start.basis is StartBasis.MANUFACTURE_DATE:
        verdict = dataclasses.replace(
            verdict, entitlements=verdict.entitlements - {E.RETURN, E.EXCHANGE}
        )
    return verdict


def _strongest(windows: Sequence[Window]) -> Window | None:
    return min(windows, key=lambda window: _STRENGTH.index(window.kind), default=None)


def _window_verdict(
    window: Window, rules: CategoryRules, part_reasons: tuple[Reason, ...]
) -> Verdict:
    status = (
        WarrantyStatus.IN_WARRANTY
        if window.kind in _UNIT_FAULT_KINDS
        else WarrantyStatus.COMPONENT_WARRANTY
    )
    return Verdict(
        status,
        _ENTITLEMENTS_BY_WINDOW[window.kind],
        (*part_reasons, *_coverage_reasons(window, rules)),
    )


def _coverage_reasons(window: Window, rules: CategoryRules) -> Iterator[Reason]:
    if window.kind is WindowKind.RETURN:
        yield reason(ReasonCode.RETURN_WINDOW, days=rules.return_days, ends_on=window.ends_on)
    elif window.kind is WindowKind.EXCHANGE:
        yield reason(ReasonCode.EXCHANGE_WINDOW, days=rules.exchange_days, ends_on=window.ends_on)
    elif window.kind is WindowKind.WHOLE_UNIT:
        yield reason(
            ReasonCode.WHOLE_UNIT_WINDOW, months=rules.whole_unit_months, ends_on=window.ends_on
        )
    elif window.kind is WindowKind.MAIN_COMPONENT and window.component is not None:
        yield reason(
            ReasonCode.MAIN_COMPONENT_WINDOW,
            component=window.component,
            months=rules.main_components[window.component],
            ends_on=window.ends_on,
        )
    elif window.kind is WindowKind.REPAIRED_PART and window.handed_back is not None:
        yield reason(
            ReasonCode.REPAIRED_PART_GUARANTEE,
            subject=window.component or window.symptom,
            handed_back=window.handed_back,
            days=rules.repaired_part_guarantee_days,
            ends_on=window.ends_on,
        )


def _part_reasons(
    fault: FaultKey, in_scope: Sequence[Window], rules: CategoryRules, as_of: date
) -> Iterator[Reason]:
    component = fault.component
    if component is None or not rules.is_part(component):
        return
    for window in in_scope:
        if window.kind is WindowKind.PART:
            yield part_window_reason(
                component=component,
                months=rules.parts[component],
                ends_on=window.ends_on,
                running=window.running_on(as_of),
            )


def _with_remedies(
    verdict: Verdict,
    fault: FaultKey,
    start: WarrantyStart,
    rules: CategoryRules,
    repairs: Sequence[EarlierRepair],
    as_of: date,
) -> Verdict:
    """Upgrade a covered fault by the repeated-repair, repair-time and parts-supply rules."""
    free_repairs = [r for r in repairs if not r.paid and _on_current_unit(r, start)]
    remedies = [
        remedy
        for remedy in (
            _repeated_repair_remedy(fault, free_repairs),
            _repair_over_limit_remedy(free_repairs, rules, as_of),
            _parts_not_supplied_remedy(free_repairs, rules, as_of),
        )
        if remedy is not None
    ]
    if not remedies:
        return verdict
    return Verdict(
        WarrantyStatus.IN_WARRANTY,
        verdict.entitlements.union(*(remedy.entitlements for remedy in remedies)),
        (*verdict.reasons, *(remedy.reason for remedy in remedies)),
    )


def _repeated_repair_remedy(
    fault: FaultKey, free_repairs: Sequence[EarlierRepair]
) -> Remedy | None:
    if not fault.is_known:
        return None
    same_fault = [
        repair
        for repair in free_repairs
        if repair.handed_back is not None and _repair_key(repair).same_as(fault)
    ]
    if len(same_fault) < 2:
        return None
    return Remedy(
        frozenset({E.RETURN, E.EXCHANGE, E.FREE_REPAIR}),
        reason(ReasonCode.REPEATED_REPAIR, count=len(same_fault)),
    )


def _repair_over_limit_remedy(
    free_repairs: Sequence[EarlierRepair], rules: CategoryRules, as_of: date
) -> Remedy | None:
    for repair in sorted(free_repairs, key=lambda item: item.handed_in):
        days = _days_in_repair(repair, as_of)
        if days > rules.repair_over_days:
            return Remedy(
                frozenset({E.EXCHANGE}),
                reason(
                    ReasonCode.REPAIR_OVER_LIMIT,
                    handed_in=repair.handed_in,
                    days=days,
                    limit=rules.repair_over_days,
                ),
            )
    return None


def _parts_not_supplied_remedy(
    free_repairs: Sequence[EarlierRepair], rules: CategoryRules, as_of: date
) -> Remedy | None:
    for repair in sorted(free_repairs, key=lambda item: item.handed_in):
        if not repair.waited_for_parts:
            continue
        days = _days_waiting_for_parts(repair, as_of)
        if days > rules.parts_supply_days:
            return Remedy(
                frozenset({E.EXCHANGE}),
                reason(
                    ReasonCode.PARTS_NOT_SUPPLIED,
                    handed_in=repair.handed_in,
                    days=days,
                    limit=rules.parts_supply_days,
                ),
            )
    return None


def _exclusions_not_in_category(
    confirmed: frozenset[ExclusionCode], rules: CategoryRules
) -> Iterator[Reason]:
    for code in ExclusionCode:
        if code in confirmed and not rules.excludes(code):
            yield reason(ReasonCode.EXCLUSION_NOT_IN_CATEGORY, exclusion=code)


def _presumption_reason(
    start: WarrantyStart, rules: CategoryRules, as_of: date, *, excluded: bool
) -> Iterator[Reason]:
    if excluded or start.basis is not StartBasis.PROVEN or start.purchase_date is None:
        return
    months = rules.presumed_quality_fault_months
    until = add_months(start.purchase_date, months)
    if as_of <= until:
        yield reason(ReasonCode.PRESUMED_QUALITY_FAULT, months=months, until=until)


def _suspected(
    query: WarrantyQuery,
    rules: CategoryRules,
    confirmed: frozenset[ExclusionCode],
    status: WarrantyStatus,
) -> tuple[SuspectedExclusion, ...]:
    if status is WarrantyStatus.OUT_OF_WARRANTY:
        return ()
    codes = suspected_exclusions(
        query.fault.text, category=query.category, exclusions=rules.exclusions
    )
    return tuple(suspected_exclusion(code) for code in codes if code not in confirmed)


def _window_end(window: Window, as_of: date) -> WindowEnd:
    return WindowEnd(
        kind=window.kind,
        component=window.component,
        symptom=window.symptom,
        ends_on=window.ends_on,
        running=window.running_on(as_of),
    )


def _unknown_product(query: WarrantyQuery, version: str) -> WarrantyDecision:
    component = (
        ComponentCode(query.fault.component)
        if query.fault.component is not None
        else match_component(query.fault.text)
    )
    return WarrantyDecision(
        status=WarrantyStatus.UNKNOWN_PRODUCT,
        entitlements=(),
        fault_component=component,
        windows=(),
        suspected_exclusions=(),
        reasons=(reason(ReasonCode.UNKNOWN_PRODUCT),),
        policy_version=version,
        as_of=query.as_of,
    )
