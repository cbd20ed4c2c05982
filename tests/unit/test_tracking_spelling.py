"""A tracking number has one spelling wherever it enters: the orders service's shipment, a carrier's proof (pulled or
pushed, validated or assembled from checked values) and a search, so a number read out or pushed in lower case or in
the groups a label prints it in meets the case it belongs to; a proof pulled before, keyed by the number as written,
is still recognised when the same answer is pulled again."""

import hashlib
from datetime import timedelta

import pytest
from pydantic import ValidationError

from disputes.actors import SYSTEM
from schemas.api import QueueFilters
from schemas.common import one_spelling
from schemas.dispute import Evidence, pull_key
from schemas.orders import Shipment
from schemas.proof import ProofOfDelivery, ProofStatus, ProofSource
from tests.factories import CUSTOMER, NOW, shipment


@pytest.mark.parametrize("written", ["1z204w4r0308071865", "1Z 204 W4R 0308071865", " 1z204W4R0308071865\t"])
def test_a_number_in_any_case_and_with_blanks_is_one_spelling_at_every_edge(written):
    proof = {"carrier": "ups", "tracking_number": written, "status": ProofStatus.IN_TRANSIT,
             "source": ProofSource.PUSH, "received_at": NOW}

    assert {
        Shipment.model_validate(shipment().model_dump() | {"tracking_number": written}).tracking_number,
        ProofOfDelivery.model_validate(proof).tracking_number,
        ProofOfDelivery.of_checked(**proof, package_number=written).package_number,
        QueueFilters.model_validate({"tracking_number": written}).tracking_number,
    } == {"1Z204W4R0308071865"}


def test_an_operator_in_place_of_a_number_is_still_refused():
    with pytest.raises(ValidationError):
        QueueFilters.model_validate({"tracking_number": {"$ne": ""}})


@pytest.mark.parametrize(("written", "refused"), [("hj12ı", "HJ12ı"), ("1zß9", "1Zß9"), ("kpﬁ1", "KPﬁ1")])
def test_a_number_with_a_letter_outside_a_to_z_is_refused_not_read_as_another_number(written, refused):
    assert one_spelling(written) == refused  # only a–z put in capitals (`str.upper` makes ı I and ß SS)
    with pytest.raises(ValidationError):
        QueueFilters.model_validate({"tracking_number": written})


def pulled_before_the_one_spelling(proof: ProofOfDelivery, written: str) -> Evidence:
    """Evidence as a release before the one spelling stored it: keyed by the content with the number as written."""
    content = proof.model_copy(update={"tracking_number": written}).model_dump_json(exclude={"received_at", "raw_ref"})
    return Evidence(key="pull:" + hashlib.sha256(content.encode()).hexdigest()[:32], proof=proof)


async def test_the_same_answer_pulled_again_after_the_number_had_one_spelling_is_not_new_evidence(
    service, request_for, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    written = dispute.order.tracking_number.lower()
    answer = ProofOfDelivery(carrier=dispute.order.carrier, tracking_number=written, status=ProofStatus.DELIVERED,
                             delivered_at=clock.now() - timedelta(hours=1), source=ProofSource.PULL,
                             received_at=clock.now())
    before = pulled_before_the_one_spelling(answer, written)
    await service.apply(SYSTEM, dispute.id, lambda d: d.attach_evidence(SYSTEM, before, clock.now()))

    again = Evidence(key=pull_key(answer), proof=answer)
    assert again.key != before.key
    await service.apply(SYSTEM, dispute.id, lambda d: d.attach_evidence(SYSTEM, again, clock.now()))

    assert [e.key for e in (await service.get(SYSTEM, dispute.id)).evidence] == [before.key]
