"""What the customer is told of a hand-over must say what the carrier said: who took the parcel, and what happened
at a parcel locker."""

from typing import Any

import pytest

from carriers.http import HttpResponse
from carriers.ptt.mapping import parse_query_response
from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.next_step import next_step
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.dispute import EffectKind, Evidence
from schemas.proof import RecipientRelation, TrackingEvent
from schemas.recommendation import RecommendedAction
from tests.factories import NOW
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import sample
from tests.unit.policy.builders import DELIVERED_AT, ORDER, dispute, evidence
from tests.unit.test_next_step_table import READ_AT, WINDOW


def told(d: Dispute, template: str) -> tuple[str, str]:
    payload: dict[str, Any] = next(
        m.payload for m in reversed(d.outbox) if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == template
    )
    return payload["message_en"], payload["message"]


def assessed(d: Dispute) -> Dispute:
    settings = PolicySettings()
    advice = recommend(d, CustomerHistory(), NOW, settings)
    assert advice.action is RecommendedAction.WAIT_FOR_CUSTOMER_CHECK
    d.record_assessment(SYSTEM, advice, NOW, settings.restriction_review)
    return d


# The courier's words for a colleague, a secretary, an employee at the addressee's workplace (disputes/policy/
# receivers.py lists them under DOORMAN). TDK: "iş arkadaşı" = colleague, "sekreter" = secretary, "çalışan" = employee.
@pytest.mark.parametrize("written", ["İŞ ARKADAŞI AHMET DEMİR", "SEKRETERİ ZEYNEP KAYA", "ÇALIŞANI MEHMET ÖZ"])
def test_a_colleague_at_work_is_not_told_as_the_doorman_or_building_staff(written: str) -> None:
    d = assessed(dispute(evidence("ev-work", relation=RecipientRelation.UNKNOWN, received_by=written)))
    name = written.split(" ", 1)[1].removeprefix("ARKADAŞI ")
    for en, tr in (told(d, "check_with_third_party"), next_step(d, WINDOW, READ_AT)):
        assert "doorman" not in en and "kapıcı" not in tr, tr
        assert f"received by someone at your workplace, {name}, on 16.11.2026 12:30" in en
        assert f"16.11.2026 12:30 tarihinde iş yerinizden {name} tarafından teslim alındığını" in tr


def test_a_workplace_word_with_no_name_is_someone_at_the_workplace() -> None:
    d = assessed(dispute(evidence("ev-work", relation=RecipientRelation.UNKNOWN, received_by="RESEPSİYONA TESLİM")))
    en, tr = told(d, "check_with_third_party")
    assert "received by someone at your workplace on 16.11.2026" in en and "iş yerinizden biri tarafından" in tr


def test_a_parcel_collected_from_a_ptt_locker_is_not_told_as_left_there() -> None:
    """PTT movement 202 is "Kargomatikten Teslim Alındı": taken out of the parcel locker (its 201, "Kargomatiğe
    Bırakıldı", is the parcel put in it). The customer must not be sent to a locker the parcel already left."""
    body = sample("ptt", "gonderiSorgu-delivered-to-addressee.xml").decode()
    assert "<ax21:IKODU>100</ax21:IKODU>" in body
    reply = HttpResponse(200, {}, body.replace("<ax21:IKODU>100</ax21:IKODU>", "<ax21:IKODU>202</ax21:IKODU>").encode())
    proof = parse_query_response(reply, "KP02123456789", RECEIVED)
    assert proof.recipient_relation is RecipientRelation.PARCEL_LOCKER
    # as delivered on the disputed order (the sample is of another date and addressee)
    on_order = {"received_at": NOW, "delivered_at": DELIVERED_AT, "received_by": ORDER.recipient_name,
                "events": (TrackingEvent(at=DELIVERED_AT, code="202", description="Kargomatikten Teslim Alındı"),)}
    d = dispute(Evidence(key="ev-ptt", proof=proof.model_copy(update=on_order)))
    settings = PolicySettings()
    advice = recommend(d, CustomerHistory(), NOW, settings)
    d.record_assessment(SYSTEM, advice, NOW, settings.restriction_review)
    en, tr = told(d, "check_with_third_party")
    assert "left at a parcel locker" not in en, en
    assert "kargo dolabına bırakıldığını" not in tr, tr
    assert f"was collected from a parcel locker by {ORDER.recipient_name} on 16.11.2026 12:30" in en
    assert f"bir kargo dolabından {ORDER.recipient_name} tarafından teslim alındığını" in tr


def test_a_parcel_collected_at_the_branch_names_who_collected_it() -> None:
    """The courier wrote "ŞUBEDEN TESLİM MEHMET KAYA": handed over at the branch to Mehmet Kaya, who is not on the
    order (disputes/policy/receivers.py reads ŞUBEDEN TESLİM as a pickup point). The customer is told who collected it
    there, not that it "was left at a pickup point" (it is no longer there)."""
    d = assessed(dispute(evidence("ev-branch", relation=RecipientRelation.UNKNOWN,
                                  received_by="ŞUBEDEN TESLİM MEHMET KAYA")))
    for en, tr in (told(d, "check_with_third_party"), next_step(d, WINDOW, READ_AT)):
        assert "was collected at a pickup point by MEHMET KAYA on 16.11.2026 12:30" in en
        assert "bir teslimat noktasında MEHMET KAYA tarafından teslim alındığını" in tr and "bırakıldığını" not in tr
