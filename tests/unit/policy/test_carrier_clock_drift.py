"""A delivery scan stamped a few seconds after it reached us (the handheld's clock half a minute ahead: the case the
clock-bounds rule names) loses its time and falls to the rank of the earliest scan received before it, so a lagging
re-send of an older in-transit scan, received later, becomes the carrier's "latest word" against the delivery."""

from datetime import timedelta

from schemas.proof import ProofStatus
from tests.unit.policy.builders import DELIVERED_AT
from tests.unit.policy.test_carrier_time_order import LATER, advise, codes, pushed, scan


def test_a_delivery_stamped_seconds_ahead_is_not_outranked_by_an_older_scan_received_later():
    in_transit = DELIVERED_AT - timedelta(hours=3)
    first = scan("push:yurtici:ev-in-transit", ProofStatus.IN_TRANSIT, in_transit,
                 received_at=in_transit + timedelta(minutes=1))
    delivered = pushed("push:yurtici:ev-delivered", received_at=DELIVERED_AT - timedelta(seconds=30))
    resent = scan("push:yurtici:ev-in-transit-again", ProofStatus.IN_TRANSIT,
                  in_transit, received_at=LATER)

    advice = advise(first, delivered, resent)

    assert "carrier_status_not_delivered" not in codes(advice), codes(advice)


def test_a_signed_delivery_stamped_seconds_ahead_stays_the_proof_read_against_an_older_unsigned_scan():
    """`test_an_older_unsigned_delivery_scan_received_after_the_signed_one_does_not_make_the_proof_weak` with the
    handheld half a minute ahead: the older unsigned scan, received later, becomes the proof the policy reads."""
    from tests.unit.policy.builders import dispute

    signed = pushed("push:yurtici:ev-signed", received_at=DELIVERED_AT - timedelta(seconds=30))
    unsigned = pushed("push:yurtici:ev-scan", signature=False, received_by=None,
                      delivered_at=DELIVERED_AT - timedelta(minutes=5), received_at=LATER)

    assert dispute(signed, unsigned).delivery_proof == signed
