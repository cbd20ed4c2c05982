"""The carrier's latest word goes by its own clock, but not blindly: a statement stamped later than it reached us (a
clock running ahead) does not stay "latest" for ever, and an answer with no time (a lagging pull's "not found") is
not ranked against the carrier's times as if our clock were the carrier's."""

from datetime import timedelta

from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.proof import ProofStatus
from schemas.recommendation import PolicyRule
from tests.factories import NOW
from tests.unit.policy.builders import DELIVERED_AT, RECEIVED_AT, dispute
from tests.unit.policy.test_carrier_time_order import LATER, pushed, scan


def test_a_delivery_stamped_a_year_ahead_does_not_hide_the_carriers_later_return_to_sender():
    """A handheld a year ahead: the return the carrier recorded, received after it, is its latest word."""
    skewed = pushed("push:yurtici:ev-delivered", delivered_at=DELIVERED_AT + timedelta(days=365))
    returned = scan("push:yurtici:ev-returned", ProofStatus.RETURNED, DELIVERED_AT + timedelta(hours=5),
                    received_at=LATER)

    advice = recommend(dispute(skewed, returned), CustomerHistory(), NOW, PolicySettings())

    assert "carrier_status_not_delivered" in [f.code for f in advice.findings], [f.code for f in advice.findings]


def test_an_unsigned_proof_stamped_in_the_future_does_not_pin_the_proof_read():
    """An unsigned delivery scan whose time is a day ahead of the carrier's own later, signed record of it."""
    skewed = pushed("push:yurtici:ev-unsigned", signature=False, received_by=None,
                    delivered_at=NOW + timedelta(days=1), received_at=RECEIVED_AT)
    signed = pushed("push:yurtici:ev-signed", received_at=LATER)

    case = dispute(skewed, signed)

    assert case.delivery_proof == signed


def test_an_untimed_not_found_pulled_before_the_delivery_push_arrived_does_not_outrank_the_delivery():
    """The carrier's pull API lags behind its pushes: pulled ten minutes after the courier's delivery scan it still
    answers "not found" (an answer with no time), and the push of the delivery scan (timed by the carrier at the scan)
    reaches us five minutes later: the delivery is the carrier's later word."""
    from tests.unit.policy.builders import evidence

    not_found = evidence("pull:1", status=ProofStatus.NOT_FOUND, signature=False, metres=None, received_by=None,
                         delivered_at=None, received_at=DELIVERED_AT + timedelta(minutes=10), events=[])
    delivered = pushed("push:yurtici:ev-delivered", received_at=DELIVERED_AT + timedelta(minutes=15))

    advice = recommend(dispute(not_found, delivered), CustomerHistory(), NOW, PolicySettings())

    assert "carrier_status_not_delivered" not in [f.code for f in advice.findings], [f.code for f in advice.findings]
    assert advice.rule is PolicyRule.STRONG_PROOF, (advice.action, advice.rule)
