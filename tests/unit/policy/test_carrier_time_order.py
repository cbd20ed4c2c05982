"""The carrier's latest word goes by the carrier's own time, not by when its evidence reached us: carriers redeliver
pushes we did not take the first time, so a scan made hours before the delivery may arrive after the proof of it."""

from datetime import timedelta

from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.dispute import Claim, Evidence, MissingItem
from schemas.proof import ProofSource, ProofStatus, TrackingEvent
from schemas.recommendation import PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW, WEIGHED
from tests.unit.policy.builders import DELIVERED_AT, RECEIVED_AT, dispute, evidence

LATER = RECEIVED_AT + timedelta(minutes=10)


def pushed(key: str, **proof_fields: object) -> Evidence:
    e = evidence(key, **proof_fields)
    return e.model_copy(update={"proof": e.proof.model_copy(update={"source": ProofSource.PUSH})})


def scan(key: str, status: ProofStatus, at, received_at=LATER, code: str = "SCAN") -> Evidence:
    """A pushed scan that is no delivery: no receiver, signature or place; `at` None gives it no time at all."""
    return pushed(key, status=status, signature=False, metres=None, received_by=None, delivered_at=None,
                  received_at=received_at, events=[] if at is None else [TrackingEvent(at=at, code=code)])


def advise(*evidence: Evidence):
    return recommend(dispute(*evidence), CustomerHistory(), NOW, PolicySettings())


def codes(advice) -> list[str]:
    return [f.code for f in advice.findings]


def test_an_older_scan_received_after_the_proof_does_not_turn_strong_proof_inconclusive():
    proof = pushed("push:yurtici:ev-delivered")
    late_scan = scan("push:yurtici:ev-in-transit", ProofStatus.IN_TRANSIT, DELIVERED_AT - timedelta(hours=3))

    advice = advise(proof, late_scan)

    assert "carrier_status_not_delivered" not in codes(advice), codes(advice)
    assert (advice.action, advice.rule) == (Act.REJECT, PolicyRule.STRONG_PROOF)


def test_an_older_unsigned_delivery_scan_received_after_the_signed_one_does_not_make_the_proof_weak():
    """The carrier scanned the parcel delivered without a signature, then recorded it again five minutes later with
    the recipient's signature; the two pushes reach us the other way round."""
    signed = pushed("push:yurtici:ev-signed")
    unsigned = pushed("push:yurtici:ev-scan", signature=False, received_by=None,
                      delivered_at=DELIVERED_AT - timedelta(minutes=5), received_at=LATER)
    case = dispute(signed, unsigned)

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert case.delivery_proof == signed
    assert (advice.action, advice.rule, advice.carrier_liable) == (Act.REJECT, PolicyRule.STRONG_PROOF, False)


def test_a_later_return_to_sender_still_speaks_against_the_proof():
    returned = scan("push:yurtici:ev-returned", ProofStatus.RETURNED, DELIVERED_AT + timedelta(hours=5))

    advice = advise(pushed("push:yurtici:ev-delivered"), returned)

    assert "carrier_status_not_delivered" in codes(advice), codes(advice)
    assert advice.rule is not PolicyRule.STRONG_PROOF


def test_a_later_return_to_sender_received_before_the_older_proof_still_speaks_against_it():
    returned = scan("push:yurtici:ev-returned", ProofStatus.RETURNED, DELIVERED_AT + timedelta(hours=5),
                    received_at=RECEIVED_AT)
    proof = pushed("push:yurtici:ev-delivered", received_at=LATER)

    advice = advise(returned, proof)

    assert "carrier_status_not_delivered" in codes(advice), codes(advice)
    assert advice.rule is not PolicyRule.STRONG_PROOF


def test_a_pull_reply_is_timed_by_the_history_it_holds_not_by_when_it_was_pulled():
    """A pull's reply carries the shipment's history up to its status: its latest scan, not the moment we pulled,
    is when the carrier said it, as for a push."""
    history = [TrackingEvent(at=DELIVERED_AT - timedelta(hours=hours), code=code)
               for hours, code in ((20, "ALINDI"), (3, "DAGITIMDA"))]
    pulled_returned = evidence(
        "pull:1", status=ProofStatus.RETURNED, signature=False, metres=None, received_by=None, delivered_at=None,
        received_at=RECEIVED_AT,
        events=[*history, TrackingEvent(at=DELIVERED_AT + timedelta(hours=5), code="IADE")],
    )
    pulled_delivered = evidence(
        "pull:2", received_at=RECEIVED_AT + timedelta(minutes=30),
        events=[*history, TrackingEvent(at=DELIVERED_AT, code="TESLIM")],
    )
    older_push = pushed("push:yurtici:ev-delivered", received_at=LATER)

    assert "carrier_status_not_delivered" in codes(advise(pulled_returned, older_push))
    advice = advise(pulled_delivered, scan("push:yurtici:ev-in-transit", ProofStatus.IN_TRANSIT,
                                           DELIVERED_AT - timedelta(hours=3), received_at=NOW - timedelta(minutes=1)))
    assert (advice.action, advice.rule) == (Act.REJECT, PolicyRule.STRONG_PROOF)


def test_a_statement_the_carrier_gives_no_time_for_is_placed_by_when_it_reached_us():
    untimed = scan("push:yurtici:ev-exception", ProofStatus.EXCEPTION, None)

    assert "carrier_status_not_delivered" in codes(advise(pushed("push:yurtici:ev-delivered"), untimed))


def test_of_two_proofs_the_carrier_timed_alike_the_one_received_last_is_read():
    unsigned = pushed("push:yurtici:ev-first", signature=False, received_by=None)
    signed = pushed("push:yurtici:ev-again", received_at=LATER)
    unsigned_again = pushed("push:yurtici:ev-redelivered", signature=False, received_by=None,
                                            received_at=LATER + timedelta(minutes=1))

    assert dispute(unsigned, signed).delivery_proof == signed
    assert dispute(signed, unsigned_again).delivery_proof == unsigned_again


def test_the_proof_read_as_of_a_moment_is_the_carriers_latest_among_those_received_by_then():
    signed = pushed("push:yurtici:ev-signed", received_at=LATER)
    unsigned = pushed("push:yurtici:ev-scan", signature=False, received_by=None,
                      delivered_at=DELIVERED_AT - timedelta(minutes=5), received_at=LATER + timedelta(minutes=5))
    newest = pushed("push:yurtici:ev-photo", photo=True, delivered_at=DELIVERED_AT + timedelta(minutes=1),
                    received_at=LATER + timedelta(minutes=10))
    case = dispute(signed, unsigned, newest)

    assert case.delivery_proof_as_of(RECEIVED_AT) is None
    assert case.delivery_proof_as_of(LATER + timedelta(minutes=5)) == signed
    assert case.delivery_proof == newest


def test_the_weight_read_is_the_one_in_the_carriers_latest_statement():
    """The carrier weighed the package again and restated its delivery with the new weight; the first statement,
    with the first weight, reaches us last."""
    restated = pushed("push:yurtici:ev-restated", weight_grams=2_400, package_count=1)
    first = pushed("push:yurtici:ev-first", weight_grams=1_900, package_count=1,
                   delivered_at=DELIVERED_AT - timedelta(minutes=5), received_at=LATER)
    case = dispute(restated, first)
    order = case.order.model_copy(update={"items": WEIGHED, "declared_weight_grams": 2_400})
    case = case.model_copy(update={"order": order, "claim": Claim.MISSING_ITEMS,
                                   "missing_items": [MissingItem(sku="sku-glass", quantity=4)]})

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert "weight_below_declared" not in codes(advice), codes(advice)
    assert advice.rule is PolicyRule.MISSING_ITEMS_REVIEW
