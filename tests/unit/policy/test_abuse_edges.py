"""Abuse signals at their edges: a claim filed the instant of the delivery scan, repeated claims at the instants their
rules name (a week of one incident, a withdrawal at the opening, a claim in the opening's instant, on a test clock), and what each
signal cites (a finding cites what it rests on, as tests/unit/policy/test_citations.py pins for the proof's findings)."""

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


def repeated(history: tuple[PastClaim, ...]) -> tuple[int, int]:
    """The repeat-claims finding's (claims, rejected) for this dispute (opened at `OPENED_AT`) over `history`."""
    found = repeat_claims_signal(dispute(), CustomerHistory(history), SETTINGS)
    assert found is not None
    return found.facts["claims"], found.facts["rejected"]


TWO_OTHER_ORDERS = (
    PastClaim(OPENED_AT - timedelta(days=20), "ord-b/shp-b", Outcome.REFUND),
    PastClaim(OPENED_AT - timedelta(days=30), "ord-c/shp-c", Outcome.REFUND),
)


@pytest.mark.parametrize(
    ("before", "claims"),
    [(timedelta(days=7), 3), (timedelta(days=7, milliseconds=1), 4)],
    ids=["a week to the instant", "a week and a millisecond"],
)
def test_another_package_of_this_order_claimed_a_week_before_to_the_instant_is_the_same_incident(
    before: timedelta, claims: int
) -> None:
    """README: "an order claimed more than once within a week of its first claim is one, and so is one whose packages
    are claimed one at a time within that week"; claims on one order further apart each count."""
    sibling = PastClaim(OPENED_AT - before, f"{dispute().order.order_id}/shp-other", Outcome.REFUND)

    assert repeated((sibling, *TWO_OTHER_ORDERS)) == (claims, 0)


@pytest.mark.parametrize(
    ("withdrawn", "claims"),
    [(timedelta(0), 3), (timedelta(milliseconds=1), 4)],
    ids=["as this one opened", "a millisecond after"],
)
def test_a_claim_withdrawn_the_instant_this_one_opened_does_not_count(withdrawn: timedelta, claims: int) -> None:
    """README: a claim the customer withdrew is none; "a claim withdrawn after the case's opening still counts (it
    stood then)": one withdrawn at the opening itself no longer stood."""
    found_it = PastClaim(OPENED_AT - timedelta(days=10), "ord-a/shp-a", None, withdrawn_at=OPENED_AT + withdrawn)

    assert repeated((found_it, *TWO_OTHER_ORDERS)) == (claims, 0)


SEQ = 1_000
"""This case's place among the openings of its instant (`Dispute.opened_seq`)."""
ON_A_CLOCK = dispute().model_copy(update={"opened_seq": SEQ})  # opened at OPENED_AT, as every case on its clock


def repeated_on_a_clock(history: tuple[PastClaim, ...]) -> tuple[int, int]:
    found = repeat_claims_signal(ON_A_CLOCK, CustomerHistory(history), SETTINGS)
    assert found is not None
    return found.facts["claims"], found.facts["rejected"]


def test_a_rejected_claim_opened_in_this_ones_instant_counts_and_is_earlier_only_if_it_opened_before_it() -> None:
    """README: repeated claims count the orders claimed up to this case's opening, this one included, and say how many
    of the earlier ones stand rejected. On a test clock every case opened before the clock moves opens at its instant:
    one opened after this one there does not count; nor is this case itself, rejected by the time it is assessed again
    (the history may hold it), an earlier one."""
    this = PastClaim(OPENED_AT, dispute().shipment_key, Outcome.REJECTED, dispute_id="dsp_policy", opened_seq=SEQ)
    before = PastClaim(OPENED_AT, "ord-twin/shp-twin", Outcome.REJECTED, dispute_id="dsp_z", opened_seq=SEQ - 1)
    after = PastClaim(OPENED_AT, "ord-next/shp-next", Outcome.REJECTED, dispute_id="dsp_a", opened_seq=SEQ + 1)

    assert repeated_on_a_clock((this, after, *TWO_OTHER_ORDERS)) == (3, 0)
    assert repeated_on_a_clock((this, before, after, *TWO_OTHER_ORDERS)) == (4, 1)


@pytest.mark.parametrize(("withdrawn", "claims"), [(SEQ - 1, 3), (SEQ + 1, 4)], ids=["before it opened", "after"])
def test_a_claim_withdrawn_at_this_ones_clock_instant_counts_only_if_withdrawn_after_it_opened(
    withdrawn: int, claims: int
) -> None:
    """README: "a claim withdrawn after the case's opening still counts (it stood then)", at one clock instant too."""
    found_it = PastClaim(OPENED_AT - timedelta(days=10), "ord-a/shp-a", None, withdrawn_at=OPENED_AT,
                         dispute_id="dsp_w", opened_seq=1, withdrawn_seq=withdrawn)

    assert repeated_on_a_clock((found_it, *TWO_OTHER_ORDERS)) == (claims, 0)
