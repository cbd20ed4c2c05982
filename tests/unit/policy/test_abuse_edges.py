"""Abuse signals at their edges: a claim filed the instant of the delivery scan, and what each signal cites (a finding
cites what it rests on, as tests/unit/policy/test_citations.py pins for the proof's findings)."""

from datetime import timedelta

import pytest

from disputes.policy.abuse import (
    CustomerHistory,
    PastClaim,
    repeat_claims_signal,
    shared_address_signal,
    soon_after_delivery_signal,
)
from disputes.policy.settings import PolicySettings
from schemas.common import Outcome
from tests.unit.policy.builders import DELIVERED_AT, OPENED_AT, dispute

SETTINGS = PolicySettings()  # 3 claims in 180 days, 10 minutes, 3 accounts


@pytest.mark.parametrize(
    "after", [timedelta(0), timedelta(milliseconds=500)], ids=["the same instant", "half a second"]
)
def test_a_claim_filed_as_the_delivery_scan_is_made_is_filed_soon_after_it(after: timedelta) -> None:
    found = soon_after_delivery_signal(dispute(opened_at=DELIVERED_AT + after), SETTINGS)

    assert found is not None and (found.code, found.facts) == ("claim_soon_after_delivery", {"minutes": 0})


def test_each_signal_cites_the_fields_it_rests_on() -> None:
    earlier = tuple(PastClaim(OPENED_AT - timedelta(days=d), f"ord-{d}/shp-{d}", Outcome.REFUND) for d in (10, 90))
    repeated = repeat_claims_signal(dispute(), CustomerHistory(earlier), SETTINGS)
    soon = soon_after_delivery_signal(dispute(opened_at=DELIVERED_AT + timedelta(minutes=4)), SETTINGS)
    shared = shared_address_signal(CustomerHistory(accounts_at_address=3), SETTINGS)

    assert repeated is not None and [c.field for c in repeated.evidence] == ["customer_id"]
    assert soon is not None and [c.field for c in soon.evidence] == ["opened_at", "order.delivered_at"]
    assert shared is not None and [c.field for c in shared.evidence] == ["order.address"]
