"""Properties every decision keeps, whatever the dates, category and component."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.warranty.decision_model import (
    Entitlement,
    FaultReport,
    PurchaseFacts,
    WarrantyDecision,
    WarrantyQuery,
    WarrantyStatus,
)
from api.warranty.policy_model import CategoryCode, default_policy
from api.warranty.policy_rules import decide_warranty

POLICY = default_policy()
FREE_STATUSES = {WarrantyStatus.IN_WARRANTY, WarrantyStatus.COMPONENT_WARRANTY}


@st.composite
def proven_queries(draw: st.DrawFn) -> WarrantyQuery:
    category = draw(st.sampled_from(list(CategoryCode)))
    rules = POLICY.categories[category]
    bought = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31)))
    as_of = bought + timedelta(days=draw(st.integers(min_value=0, max_value=4000)))
    component = draw(st.sampled_from([None, *rules.components]))
    return WarrantyQuery(
        as_of=as_of,
        category=category.value,
        purchase=PurchaseFacts(registered_sale_date=bought),
        fault=FaultReport(component=component),
    )


def _decide(query: WarrantyQuery) -> WarrantyDecision:
    return decide_warranty(query, POLICY)


@settings(max_examples=120, deadline=None)
@given(proven_queries())
def test_entitlements_agree_with_the_status(query: WarrantyQuery) -> None:
    decision = _decide(query)

    assert list(decision.entitlements) == sorted(decision.entitlements, key=list(Entitlement).index)
    if decision.status in FREE_STATUSES:
        assert Entitlement.FREE_REPAIR in decision.entitlements
        assert Entitlement.PAID_REPAIR not in decision.entitlements
    else:
        assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
        assert decision.entitlements == (Entitlement.PAID_REPAIR,)


@settings(max_examples=120, deadline=None)
@given(proven_queries())
def test_windows_are_ordered_and_their_state_matches_the_date(query: WarrantyQuery) -> None:
    decision = _decide(query)
    ends = {window.code: window.ends_on for window in decision.windows}

    assert ends["return"] <= ends["exchange"] <= ends["whole_unit"]
    for window in decision.windows:
        assert window.running is (query.as_of <= window.ends_on)


@settings(max_examples=80, deadline=None)
@given(proven_queries(), st.integers(min_value=1, max_value=2000))
def test_without_repairs_coverage_never_comes_back_later(
    query: WarrantyQuery, later_days: int
) -> None:
    earlier = _decide(query)
    later = _decide(
        WarrantyQuery(
            as_of=query.as_of + timedelta(days=later_days),
            category=query.category,
            purchase=query.purchase,
            fault=query.fault,
        )
    )

    if earlier.status is WarrantyStatus.OUT_OF_WARRANTY:
        assert later.status is WarrantyStatus.OUT_OF_WARRANTY
    free_later = set(later.entitlements) - {Entitlement.PAID_REPAIR}
    assert free_later <= set(earlier.entitlements)
