"""The console's decision form proposes only what the service would decide: a parcel's refund, once issued, is not
proposed again on the case a supervisor reopened."""

from datetime import timedelta

import pytest

from adapters.web.console.case import prefilled
from disputes.actors import SYSTEM
from disputes.errors import CompensationAlreadyIssued
from disputes.model import Dispute
from disputes.policy import CustomerHistory, recommend
from schemas.common import Outcome
from schemas.dispute import ReasonCode
from tests.factories import INVESTIGATOR, NOW, SUPERVISOR
from tests.unit.policy.builders import dispute, evidence
from tests.unit.test_digital_lines import DEFAULTS


def refunded_parcel() -> Dispute:
    """A parcel with neither signature nor photo (a refund recommended), refunded as the form proposed."""
    d = dispute(evidence(signature=None, photo=None))
    d.record_assessment(SYSTEM, recommend(d, CustomerHistory(), NOW, DEFAULTS), NOW, timedelta(hours=72))
    form = prefilled(d)
    assert (form.outcome, form.reason_code) == ("refund", "weak_proof")
    d.decide(INVESTIGATOR, Outcome(form.outcome), ReasonCode(form.reason_code), "Kanıt zayıf.", None, NOW)
    return d


def test_a_reopened_parcel_whose_refund_was_issued_is_left_to_the_person() -> None:
    d = refunded_parcel()
    d.reopen(SUPERVISOR, "Paket bulundu mu, bakalım.", NOW + timedelta(hours=1))
    assert d.recommendation is not None and d.recommendation.action.value == "refund"  # not assessed again

    form = prefilled(d)

    assert (form.outcome, form.reason_code) == ("", "")
    with pytest.raises(CompensationAlreadyIssued):  # what the form would have proposed
        d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Yine iade.", None, NOW + timedelta(hours=2))
