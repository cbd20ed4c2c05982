"""Properties over generated cases: stronger proof never helps the customer's claim and never weakens a
rejection; and the promises every recommendation keeps, whatever the evidence."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from disputes.policy import CustomerHistory, PastClaim, PolicySettings, recommend
from disputes.policy.names import best_order_name
from schemas.common import Resolution
from schemas.proof import RecipientRelation
from schemas.recommendation import Recommendation
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW
from tests.unit.policy.builders import (
    DELIVERED_AT,
    HIGH_VALUE,
    OPENED_AT,
    RECEIVED_AT,
    SLA,
    dispute,
    evidence,
    snapshot,
)

NAMES = ["Ayşe Yılmaz", "AYSE YILMAZ", "A. Yılmaz", "Ayşe Yılmazer", "Yılmaz", "Ahmet Yılmaz", "Mehmet Kaya",
         "M. K.", "Şükrü Güneş", "Ayşe Hanım"]
ORDER = snapshot()
REPEAT_CLAIMER = CustomerHistory(tuple(PastClaim(OPENED_AT - timedelta(days=d), f"ord-{d}/shp-{d}", None) for d in (20, 60)))
FOR_CUSTOMER = (Act.REFUND, Act.RESHIP)


def name_score(name: str) -> float:
    return best_order_name(name, ORDER.recipient_name, ORDER.buyer_name).score


@dataclass(frozen=True)
class Scenario:
    proof: dict[str, Any]
    case: dict[str, Any]
    history: CustomerHistory
    now: datetime
    settings: PolicySettings

    def advise(self, **stronger: Any) -> Recommendation:
        d = dispute(evidence(**{**self.proof, **stronger}), **self.case)
        return recommend(d, self.history, self.now, self.settings)


scenarios = st.builds(
    Scenario,
    proof=st.fixed_dictionaries({
        "relation": st.sampled_from(list(RecipientRelation)),
        "received_by": st.sampled_from([*NAMES, None]),
        "signature": st.booleans(),
        "photo": st.booleans(),
        "document": st.booleans(),
        "metres": st.floats(0, 3_000),
        "accuracy": st.none() | st.floats(0, 500),
        "delivered_at": st.sampled_from(  # consistent, a different time than tracked, after the report
            [DELIVERED_AT, DELIVERED_AT + timedelta(hours=8), OPENED_AT + timedelta(hours=1)]
        ),
        "received_at": st.sampled_from([RECEIVED_AT, SLA.evidence_due + timedelta(hours=1)]),
    }),
    case=st.fixed_dictionaries({
        "value_minor": st.sampled_from([129_900, HIGH_VALUE]),
        "preference": st.sampled_from(list(Resolution)),
        "reshippable": st.booleans(),
        "decided_before": st.booleans(),
    }),
    history=st.sampled_from([CustomerHistory(), REPEAT_CLAIMER]),
    now=st.sampled_from([NOW, SLA.evidence_due + timedelta(days=2)]),
    settings=st.sampled_from([PolicySettings(), PolicySettings(auto_reject_enabled=True)]),
)


def assert_no_weaker(weaker: Recommendation, stronger: Recommendation) -> None:
    """`stronger` came from stronger proof: it is no more for the customer, and no less a rejection."""
    if stronger.action in FOR_CUSTOMER:
        assert weaker.action in FOR_CUSTOMER
        assert stronger.confidence <= weaker.confidence
        assert weaker.auto_resolve or not stronger.auto_resolve
    if weaker.action is Act.REJECT:
        assert stronger.action is Act.REJECT
        assert stronger.confidence >= weaker.confidence


@settings(max_examples=300, deadline=None)
@given(scenarios)
def test_adding_a_signature_never_helps_the_claim(s: Scenario) -> None:
    assert_no_weaker(s.advise(signature=False), s.advise(signature=True))


@settings(max_examples=300, deadline=None)
@given(scenarios)
def test_adding_a_photo_never_helps_the_claim(s: Scenario) -> None:
    assert_no_weaker(s.advise(photo=False), s.advise(photo=True))


@settings(max_examples=300, deadline=None)
@given(scenarios, st.floats(0, 1))
def test_moving_the_scan_closer_never_helps_the_claim(s: Scenario, factor: float) -> None:
    metres = s.proof["metres"]
    assert_no_weaker(s.advise(), s.advise(metres=metres * factor))


@settings(max_examples=300, deadline=None)
@given(scenarios, st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_a_better_name_match_never_helps_the_claim(s: Scenario, one: str, other: str) -> None:
    worse, better = sorted((one, other), key=name_score)
    assert_no_weaker(s.advise(received_by=worse), s.advise(received_by=better))


@settings(max_examples=300, deadline=None)
@given(scenarios)
def test_every_recommendation_keeps_the_policys_promises(s: Scenario) -> None:
    advice = s.advise()
    high_value = s.case["value_minor"] > s.settings.high_value_minor
    if advice.auto_resolve:
        assert advice.action in (*FOR_CUSTOMER, Act.REJECT) and not high_value and not advice.abuse_flags
        assert advice.confidence >= s.settings.auto_resolve_confidence and not s.case["decided_before"]
    if advice.action is Act.REJECT:
        assert not advice.carrier_liable and (s.proof["signature"] or not high_value)
        assert advice.auto_resolve <= s.settings.auto_reject_enabled
    if advice.action is Act.RESHIP:
        assert s.case["reshippable"] and s.case["preference"] is Resolution.RESHIP
    assert (advice.customer_message is not None) == (advice.action is Act.WAIT_FOR_CUSTOMER_CHECK)
    assert advice.needs_supervisor == bool(advice.abuse_flags) == (s.history is REPEAT_CLAIMER)
    assert advice.carrier_liable <= (advice.action in FOR_CUSTOMER)
    assert 0 <= advice.confidence <= 0.95 and 0 <= advice.priority <= 3

