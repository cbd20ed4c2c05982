"""Abuse signals: repeated claims in the window, claims minutes after the scan, many accounts at one address."""

from datetime import timedelta

from disputes.policy.abuse import (
    CustomerHistory,
    PastClaim,
    abuse_signals,
    repeat_claims_signal,
    shared_address_signal,
    soon_after_delivery_signal,
)
from disputes.policy.settings import PolicySettings
from schemas.common import Outcome
from schemas.recommendation import Effect
from tests.unit.policy.builders import DELIVERED_AT, OPENED_AT, dispute

SETTINGS = PolicySettings()  # 3 claims in 180 days, 10 minutes, 3 accounts


def claims(*days_ago: float, outcome: Outcome | None = Outcome.REFUND, before=OPENED_AT, shipment: str | None = None,
           withdrawn: bool = False) -> tuple[PastClaim, ...]:
    """Claims opened the given number of days before `before` (by default, before this dispute opened), each on a
    shipment of its own unless one is named."""
    return tuple(PastClaim(at := before - timedelta(days=d), shipment or f"ord-past-{d}/shp-{d}", outcome,
                           at + timedelta(hours=1) if withdrawn else None)
                 for d in days_ago)


def test_a_third_claim_in_the_window_is_a_signal() -> None:
    found = repeat_claims_signal(dispute(), CustomerHistory(claims(10, 90)), SETTINGS)
    assert found is not None and found.code == "repeat_claims" and found.effect is Effect.NEUTRAL
    assert found.facts == {"claims": 3, "rejected": 0, "window_days": 180}
    assert found.text == (
        "3 orders claimed by this customer in 180 days, this one included, as not received in full (0 of the earlier "
        "ones have a claim that stands rejected; an order claimed again, or package by package, within a week counts "
        "once, a withdrawn claim not at all)"
    )
    assert found.text_tr == (
        "Müşteri 180 gün içinde, bu dahil 3 siparişin tam teslim alınmadığını bildirdi (öncekilerden 0 tanesinde "
        "reddedilmiş bir başvuru var; bir hafta içinde yeniden ya da paket paket bildirilen sipariş bir kez, geri "
        "çekilen başvuru hiç sayılmadı)"
    )


def test_a_claim_withdrawn_and_opened_again_on_one_shipment_and_one_other_are_two_claims() -> None:
    """The customer found the parcel at the neighbour's and withdrew, opened again on it, then claimed this one."""
    again = claims(30, outcome=Outcome.REFUND, shipment="ord-9/shp-9")
    history = CustomerHistory(claims(40, outcome=None, shipment="ord-9/shp-9", withdrawn=True) + again)

    assert repeat_claims_signal(dispute(), history, SETTINGS) is None
    assert repeat_claims_signal(dispute(), history, PolicySettings(repeat_claims_threshold=2)) is not None


def test_withdrawn_claims_do_not_count() -> None:
    history = CustomerHistory(claims(10, 20, 30, outcome=None, withdrawn=True))
    assert repeat_claims_signal(dispute(), history, PolicySettings(repeat_claims_threshold=2)) is None


def test_a_shipment_claimed_again_counts_once_and_its_rejection_once() -> None:
    twice = claims(10, 20, outcome=Outcome.REJECTED, shipment="ord-9/shp-9")
    found = repeat_claims_signal(dispute(), CustomerHistory(twice + claims(50)), SETTINGS)
    assert found is not None and (found.facts["claims"], found.facts["rejected"]) == (3, 1)
    assert repeat_claims_signal(dispute(), CustomerHistory(twice), SETTINGS) is None


def test_an_earlier_claim_on_this_shipment_is_this_claim() -> None:
    earlier = claims(10, outcome=Outcome.REJECTED, shipment=dispute().shipment_key)
    found = repeat_claims_signal(dispute(), CustomerHistory(earlier + claims(20, 30)), SETTINGS)
    assert found is not None and (found.facts["claims"], found.facts["rejected"]) == (3, 1)


def test_a_second_claim_is_not_a_signal() -> None:
    assert repeat_claims_signal(dispute(), CustomerHistory(claims(10)), SETTINGS) is None


def test_claims_older_than_the_window_do_not_count() -> None:
    history = CustomerHistory(claims(10, 180.01, 400))
    assert repeat_claims_signal(dispute(), history, SETTINGS) is None
    assert repeat_claims_signal(dispute(), CustomerHistory(claims(10, 180)), SETTINGS) is not None


def test_this_dispute_in_its_own_history_is_not_counted_twice() -> None:
    itself = claims(0, outcome=None, shipment=dispute().shipment_key)
    assert repeat_claims_signal(dispute(), CustomerHistory(itself + claims(10, outcome=None)), SETTINGS) is None


def test_the_signal_counts_how_many_earlier_claims_were_rejected() -> None:
    history = CustomerHistory(claims(5, 50, outcome=Outcome.REJECTED) + claims(100))
    found = repeat_claims_signal(dispute(), history, SETTINGS)
    assert found is not None and (found.facts["claims"], found.facts["rejected"]) == (4, 2)


def test_a_claim_minutes_after_the_delivery_scan_is_a_signal() -> None:
    found = soon_after_delivery_signal(dispute(opened_at=DELIVERED_AT + timedelta(minutes=4)), SETTINGS)
    assert found is not None and (found.code, found.facts) == ("claim_soon_after_delivery", {"minutes": 4})
    assert found.text_tr == "Başvuru, teslimat taramasından 4 dakika sonra yapılmış"


def test_a_claim_ten_minutes_or_more_after_the_scan_is_not_a_signal() -> None:
    assert soon_after_delivery_signal(dispute(opened_at=DELIVERED_AT + timedelta(minutes=10)), SETTINGS) is None
    assert soon_after_delivery_signal(dispute(), SETTINGS) is None


def test_three_accounts_disputing_one_address_is_a_signal_and_two_is_not() -> None:
    found = shared_address_signal(CustomerHistory(accounts_at_address=3), SETTINGS)
    assert found is not None and found.code == "shared_address_claims"
    assert found.text_tr == (
        "Bu adrese yapılan teslimatlar için 180 gün içinde 3 farklı müşteri hesabı başvuruda bulundu"
    )
    assert shared_address_signal(CustomerHistory(accounts_at_address=2), SETTINGS) is None


def test_all_signals_are_collected_and_none_for_a_first_claim() -> None:
    soon = dispute(opened_at=DELIVERED_AT + timedelta(minutes=1))
    history = CustomerHistory(claims(1, 2, before=soon.opened_at), accounts_at_address=5)
    codes = [f.code for f in abuse_signals(soon, history, SETTINGS)]
    assert codes == ["repeat_claims", "claim_soon_after_delivery", "shared_address_claims"]
    assert abuse_signals(dispute(), CustomerHistory(), SETTINGS) == []


def test_a_claim_withdrawn_after_this_opening_still_counts_as_it_stood_then() -> None:
    """A later assessment (after the customer withdrew that claim) finds the signal it found at the opening."""
    history = CustomerHistory((
        PastClaim(OPENED_AT - timedelta(days=10), "ord-a/shp-a", None, withdrawn_at=OPENED_AT + timedelta(days=1)),
        PastClaim(OPENED_AT - timedelta(days=20), "ord-b/shp-b", None, withdrawn_at=OPENED_AT - timedelta(days=19)),
        PastClaim(OPENED_AT - timedelta(days=30), "ord-c/shp-c", Outcome.REJECTED),
    ))

    found = repeat_claims_signal(dispute(), history, SETTINGS)

    assert found is not None and (found.facts["claims"], found.facts["rejected"]) == (3, 1)


def test_the_packages_of_one_order_claimed_one_by_one_are_one_claim() -> None:
    """A furniture set in three packages, none of which came: three cases, one incident, no pattern."""
    this = dispute()
    order = this.order.order_id
    siblings = claims(1, outcome=None, shipment=f"{order}/shp-2") + claims(2, outcome=None, shipment=f"{order}/shp-3")

    assert repeat_claims_signal(this, CustomerHistory(siblings), SETTINGS) is None
    found = repeat_claims_signal(this, CustomerHistory(siblings + claims(20, 30)), SETTINGS)
    assert found is not None and found.facts["claims"] == 3


def test_the_packages_of_one_order_claimed_weeks_apart_are_a_pattern() -> None:
    """One large order's packages claimed one a month, each refunded: not lost together, so each counts."""
    this = dispute()
    order = this.order.order_id
    monthly = sum((claims(days, shipment=f"{order}/shp-{days}") for days in (60, 30)), ())

    found = repeat_claims_signal(this, CustomerHistory(monthly), SETTINGS)

    assert found is not None and found.facts["claims"] == 3
