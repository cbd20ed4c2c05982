"""A closed case's personal data is anonymised its retention (`DISPUTES_CASE_PERSONAL_DATA_RETENTION_DAYS`, 730 days
by default) after it closed: the stored document, read past the repository, names nobody and places nobody any more
(names, phone, street, postal code and coordinates, statements, notes, questions, messages, reasons people wrote, the
receiver, the courier, the carrier's place texts, where a digital code was sent, who viewed which image, messages not
delivered), while ids, amounts, the outcome, reason code, carrier, district, city and times stay; the case says when,
reads back, and is not due again."""

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from adapters.memory import InMemoryOrders
from adapters.mongo.indexes import DISPUTES
from disputes.actors import SYSTEM, Actor
from disputes.calendar import BusinessCalendar
from disputes.errors import CaseAnonymised
from disputes.model import Dispute, address_key
from disputes.ports import ViewBound
from disputes.reports import report_facts
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution, Role
from schemas.digital import DigitalChannel, DigitalDelivery
from schemas.dispute import Evidence, ReasonCode, TimelineEntry
from schemas.orders import DigitalKind, Order, OrderItem
from schemas.proof import Courier, DeliveryLocation, RecipientRelation, TrackingEvent
from schemas.recommendation import Effect, Finding, PolicyRule, Recommendation, RecommendedAction
from tests.contract.conftest import HOME, Cases, Storage
from tests.contract.test_retention import Retention, attach, push
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, order, shipment

CLOSED = NOW + timedelta(hours=2)
PERSONAL = [  # each as the order, the customer, staff and the carrier wrote it
    "Şükrü Güneş", "Ayşe Yılmaz", "+90 532 111 22 33", "Bağdat Cad. No:12 D:4", 40.9819, 29.0576,
    "Teslim görünüyor ama gelmedi.", "Kapıcı Ali Bey almadığını söyledi.", "Komşu Mehmet Kaya'yı aradım.",
    "Ayşe Hanım, komşunuz Mehmet Kaya'ya sorabilir misiniz?", "Mehmet Kaya", "Hasan Demir", 40.98, 29.05,
    "Kapı önü, 3. kat", "Kadıköy Şube - Bağdat Cad.", "inv-7", "Komşuya teslim edildiği görüldü.",
    "34710", "Bağdat Caddesi 12/4, Kadıköy", "Teslim alan: M. Kaya (komşu)", "Komşusu Mehmet Bey teslim almış.",
    "Hüsnü Çelebi adlı komşunuza sordunuz mu?", "Ayşe Hanım komşuyu doğruladı, imza onun.",
    "Nermin Aksoy adına da aynı adrese başvurmuş.", 7.5, "Cemil Efendi",
]


@pytest.fixture
def retention(storage: Storage) -> Retention:
    return Retention(storage)


async def a_closed_case_full_of_personal_data(storage: Storage, cases: Cases, delivering: bool = False) -> str:
    """A case with every kind of personal data the service keeps on one, decided (a reship against the policy's advice,
    whose message to the fulfilment service carries the name and address, parked unsent by its refusal; or,
    `delivering`, still waiting for delivery; its account restriction confirmed with a supervisor's reason), closed at
    `CLOSED`: one value under each name `disputes/anonymise.py` replaces or removes that a parcel's case can hold (the
    customer's images go a year earlier, with their names)."""
    case = await cases.open(1, carrier="surat", address=HOME.model_copy(update={"postal_code": "34710"}))
    event = await push(storage, cases.clock, "ev-1", "TRKSHP1")
    proof = event.proof.model_copy(update={
        "received_by": "Mehmet Kaya", "recipient_relation": RecipientRelation.NEIGHBOUR,
        "courier": Courier(name="Hasan Demir", unit="Kadıköy"),
        "location": DeliveryLocation(lat=40.98, lon=29.05, accuracy_m=7.5, text="Kapı önü, 3. kat",
                                     address="Bağdat Caddesi 12/4, Kadıköy"),
        "events": (TrackingEvent(at=NOW, code="TESLIM", description="Teslim alan: M. Kaya (komşu)",
                                 location_text="Kadıköy Şube - Bağdat Cad."),),
    })
    await attach(cases, case.id, Evidence(key=event.key, proof=proof))
    finding = Finding(code="neighbour_received", text="A neighbour received it.",
                      text_tr="Komşusu Mehmet Bey teslim almış.", effect=Effect.SUPPORTS_DELIVERY)
    advice = Recommendation(action=RecommendedAction.REJECT, rule=PolicyRule.STRONG_PROOF, confidence=0.9,
                            findings=[finding], auto_resolve=False, carrier_liable=False, needs_supervisor=False,
                            priority=0, abuse_flags=["repeat_claims"], computed_at=NOW,
                            customer_message="Paketi komşunuz Cemil Efendi teslim almış.")
    await cases.change(case.id, lambda d: d.record_assessment(SYSTEM, advice, NOW, timedelta(hours=72)))
    await cases.change(case.id, lambda d: d.review_restriction(
        SUPERVISOR, True, "Nermin Aksoy adına da aynı adrese başvurmuş.", NOW))
    calendar = BusinessCalendar()
    await cases.change(case.id, lambda d: d.request_information(
        INVESTIGATOR, "Hüsnü Çelebi adlı komşunuza sordunuz mu?", NOW + timedelta(days=2), 2, timedelta(hours=4), NOW,
        calendar))
    await cases.change(case.id, lambda d: d.add_customer_message(
        CUSTOMER, "Kapıcı Ali Bey almadığını söyledi.", NOW, timedelta(hours=4), calendar))
    await cases.change(case.id, lambda d: d.add_note(INVESTIGATOR, "Komşu Mehmet Kaya'yı aradım.", NOW))
    await cases.change(case.id, lambda d: d.message_customer(
        INVESTIGATOR, "Ayşe Hanım, komşunuz Mehmet Kaya'ya sorabilir misiniz?", NOW))
    [signature] = proof.stored_refs() - {proof.raw_ref}
    view = TimelineEntry(at=NOW, actor="inv-7", role=Role.INVESTIGATOR, action="attachment_viewed",
                         details={"attachment": signature, "kind": "signature"})
    assert await storage.disputes.record_view(case.id, view, ViewBound(since=NOW - timedelta(hours=1), limit=300))
    await cases.change(case.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.RESHIP, ReasonCode.GOODWILL, "Komşuya teslim edildiği görüldü.", None, CLOSED,
        override_reason="Ayşe Hanım komşuyu doğruladı, imza onun."))
    if not delivering:
        for message in await storage.disputes.pending(case.id):
            await storage.disputes.failed(case.id, message, "rejected: HTTP 400", CLOSED, park=True)
    return case.id


async def stored_document(storage: Storage, dispute_id: str) -> dict[str, Any]:
    """The case as stored, read past the repository: MongoDB's document, the in-memory store's snapshot."""
    if storage.name == "mongo":
        doc = await storage.disputes.collection.database[DISPUTES].find_one({"_id": dispute_id})
        return json.loads(json.dumps(doc, default=str))
    return storage.disputes.docs[dispute_id].model_dump(mode="json")


def values(doc: Any) -> list[Any]:
    """Every scalar in the document, at any depth."""
    if isinstance(doc, dict):
        return [v for item in doc.values() for v in values(item)]
    if isinstance(doc, list):
        return [v for item in doc for v in values(item)]
    return [doc]


def personal_left(doc: dict[str, Any]) -> list[Any]:
    """The personal values the document still holds, whole or within a text."""
    held = values(doc)
    texts = [v for v in held if isinstance(v, str)]
    return [p for p in PERSONAL if (p in held if isinstance(p, float) else any(p in text for text in texts))]


async def test_a_closed_cases_personal_data_is_kept_until_its_retention(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases)
    await retention.run(CLOSED + timedelta(days=366))  # the images go after 365 days
    await retention.run(CLOSED + timedelta(days=729))

    doc = await stored_document(storage, dispute_id)
    assert doc["images_deleted_at"] is not None and doc.get("anonymised_at") is None
    assert personal_left(doc) == PERSONAL  # the test's case holds each of them, until its retention


async def test_a_closed_cases_personal_data_is_anonymised_its_retention_after_it_closed_and_the_facts_stay(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases)
    before = await storage.disputes.get(dispute_id)
    await retention.run(CLOSED + timedelta(days=366))

    assert await retention.run(CLOSED + timedelta(days=730)) == (1, 0)

    doc = await stored_document(storage, dispute_id)
    assert personal_left(doc) == []
    assert doc["order"]["recipient_phone"] is None and doc.get("idempotency") is None
    assert doc["evidence"][0]["proof"]["courier"] is None
    after = await storage.disputes.get(dispute_id)  # reads back
    assert after.anonymised_at == CLOSED + timedelta(days=730)
    assert after.timeline[-1].action == "personal_data_anonymised"
    def kept(d: Dispute) -> tuple[Any, ...]:
        """What reports, repeat-claim counting and finance read: the same before and after."""
        assert d.decision is not None
        proof = d.evidence[0].proof
        return (d.id, d.customer_id, d.order.order_id, d.order.shipment_id, d.order.carrier, d.order.tracking_number,
                d.order.value_minor, d.order.items, d.order.address.district, d.order.address.city, d.decision.outcome,
                d.decision.reason_code, d.decision.decided_at, d.opened_at, d.closed_at, d.status, proof.delivered_at,
                proof.recipient_relation, proof.location is not None, [m.key for m in d.outbox],
                len(d.attachment_views), report_facts(d))

    assert kept(after) == kept(before)
    assert await retention.run(CLOSED + timedelta(days=3650)) == (0, 0)  # once
    assert (await storage.disputes.get(dispute_id)).version == after.version


async def test_a_case_whose_messages_still_wait_for_delivery_is_anonymised_once_they_are_gone(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    """The relay moves a case's messages without a new version, so the case is not rewritten under it: anonymising
    waits, an hour at a time, until none waits."""
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases, delivering=True)
    await retention.run(CLOSED + timedelta(days=366))
    due = CLOSED + timedelta(days=730)

    assert await retention.run(due) == (1, 0)
    doc = await stored_document(storage, dispute_id)
    assert doc.get("anonymised_at") is None and personal_left(doc) == PERSONAL
    assert await retention.run(due + timedelta(minutes=59)) == (0, 0)

    for message in await storage.disputes.pending(dispute_id):
        await storage.disputes.delivered(dispute_id, message, due)
    assert await retention.run(due + timedelta(hours=1)) == (1, 0)
    doc = await stored_document(storage, dispute_id)
    assert doc["anonymised_at"] is not None and personal_left(doc) == []


async def test_a_case_whose_opening_key_is_live_is_anonymised_once_it_expires_and_a_retried_opening_meanwhile_finds_it(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    """An opening's key replays its first answer for its whole life, however long it is set to be (the TTL is not
    bounded by the personal-data retention): anonymising, which would drop it, waits for it to expire."""
    ttl = timedelta(days=740)
    service = DisputeService(storage.disputes, cases.orders, cases.clock, replace(Rules(), idempotency_ttl=ttl))
    cases.orders.orders["ord-1"] = order("ord-1", "cust-1", [shipment("shp-1")])
    customer = Actor("cust-1", Role.CUSTOMER, "cust-1")
    request = OpenRequest("ord-1", None, "Teslim görünüyor ama gelmedi.", Resolution.REFUND)
    first = await service.open(customer, request, "open-once")
    await service.withdraw(customer, first.dispute.id, "Komşuda buldum")  # closed at NOW
    for message in await storage.disputes.pending(first.dispute.id):  # nothing of the case waits for delivery
        await storage.disputes.delivered(first.dispute.id, message, NOW)
    await retention.run(NOW + timedelta(days=366))

    assert await retention.run(NOW + timedelta(days=730)) == (1, 0)
    assert (await stored_document(storage, first.dispute.id)).get("anonymised_at") is None
    cases.clock.current = NOW + timedelta(days=731)
    again = await service.open(customer, request, "open-once")  # the client's retry, within the key's life
    assert not again.created and again.dispute.id == first.dispute.id

    assert await retention.run(NOW + ttl - timedelta(minutes=1)) == (0, 0)
    assert await retention.run(NOW + ttl) == (1, 0)
    doc = await stored_document(storage, first.dispute.id)
    assert doc["anonymised_at"] is not None and doc.get("idempotency") is None
    cases.clock.current = NOW + ttl
    cases.orders.orders["ord-2"] = order("ord-2", "cust-1", [shipment("shp-2", delivered_days_ago=-739)])
    later = await service.open(customer, replace(request, order_id="ord-2"), "open-once")  # expired: a new request
    assert later.created and later.dispute.id != first.dispute.id


async def test_an_anonymised_case_cannot_be_reopened_and_shares_no_address_with_another(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    first = await a_closed_case_full_of_personal_data(storage, cases)
    await retention.run(CLOSED + timedelta(days=366))
    await retention.run(CLOSED + timedelta(days=730))
    anonymised = await storage.disputes.get(first)

    later = CLOSED + timedelta(days=731)
    with pytest.raises(CaseAnonymised):
        anonymised.reopen(SUPERVISOR, "Müşteri yeniden yazdı.", later)
    assert address_key(anonymised) == f"anonymised {first}"
    # Nothing written on it now would ever be anonymised: nothing more is written on it.
    writes = [
        lambda d: d.add_note(INVESTIGATOR, "Ayşe Yılmaz aradı, yeni numarası +90 532 999 88 77.", later),
        lambda d: d.message_customer(INVESTIGATOR, "Ayşe Hanım, Bağdat Cad. adresine bakar mısınız?", later),
        lambda d: d.declare_accessibility_need(AGENT, later, timedelta(hours=12), later, BusinessCalendar()),
        lambda d: d.withdraw_accessibility_need(AGENT, "Yanlış müşteri.", later, timedelta(hours=12), later,
                                                BusinessCalendar()),
    ]
    for write in writes:
        with pytest.raises(CaseAnonymised):
            write(anonymised)
    # Its account restriction, confirmed, is still lifted (only the case lifts it), the reason not kept.
    anonymised.review_restriction(SUPERVISOR, False, "Nermin Aksoy ile ilgisi yok.", later)
    assert anonymised.restriction is not None and anonymised.restriction.state.value == "lifted"
    anonymised.needs_supervisor = True  # its flags are cleared too, the reason not kept either
    anonymised.clear_flags(SUPERVISOR, "Kemal Aksoy'un siparişi.", later, timedelta(hours=12))
    assert "Nermin" not in anonymised.model_dump_json() and "Kemal" not in anonymised.model_dump_json()


async def test_an_anonymised_case_no_longer_says_the_customer_declared_an_accessibility_need(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases)
    def declare(d: Dispute) -> None:
        d.declare_accessibility_need(AGENT, CLOSED, timedelta(hours=12), CLOSED, BusinessCalendar())

    await cases.change(dispute_id, declare)
    await cases.change(dispute_id, lambda d: d.withdraw_accessibility_need(
        SUPERVISOR, "Başka bir başvuru sanıldı.", CLOSED, timedelta(hours=12), CLOSED, BusinessCalendar()))
    await cases.change(dispute_id, declare)  # it was this customer's after all
    await cases.change(dispute_id, lambda d: d.message_customer(INVESTIGATOR, "Yazılı yanıt veriyoruz.", CLOSED))
    for message in await storage.disputes.pending(dispute_id):  # the customer's channel refuses it for good: kept
        await storage.disputes.failed(dispute_id, message, "rejected: HTTP 400", CLOSED, park=True)
    declared = await stored_document(storage, dispute_id)
    assert declared["accessibility_need"] is True and "accessibility_need_declared" in str(declared)
    assert ("written_only", True) in pairs(declared)  # the message says it was written for that need
    await retention.run(CLOSED + timedelta(days=366))

    await retention.run(CLOSED + timedelta(days=730))

    doc = await stored_document(storage, dispute_id)
    flags = [value for key, value in pairs(doc) if key in ("accessibility_need", "written_only")]
    assert flags and not any(flags)  # health data (KVKK art. 6): the case no longer says it
    actions = [entry["action"] for entry in doc["timeline"]]
    assert {"accessibility_need_declared", "accessibility_need_withdrawn", "decision_deadline_moved"}.isdisjoint(actions)


class NeedOnTheOrder(InMemoryOrders):
    """The order service's answer, saying the customer declared an accessibility need (a case on it is opened with
    the need)."""

    async def get(self, order_id: str) -> Order | None:
        found = await super().get(order_id)
        return None if found is None else found.model_copy(update={"accessibility_need": True})


async def a_closed_case(storage: Storage, cases: Cases, *, declared: bool = False) -> str:
    """A case the policy handed to a supervisor (needs one, priority 0); `declared`: an agent recorded the customer's
    accessibility need while it was open. Supervisors were alerted that its first response was missed, and one
    decided it then; its messages (the alert among them) were refused for good and are kept parked."""
    case = await cases.open()
    advice = Recommendation(action=RecommendedAction.REJECT, rule=PolicyRule.STRONG_PROOF, confidence=0.9,
                            findings=[], auto_resolve=False, carrier_liable=False, needs_supervisor=True, priority=0,
                            abuse_flags=[], computed_at=NOW)
    await cases.change(case.id, lambda d: d.record_assessment(SYSTEM, advice, NOW, timedelta(hours=72)))
    if declared:
        await cases.change(case.id, lambda d: d.declare_accessibility_need(
            AGENT, NOW + timedelta(hours=1), timedelta(hours=12), NOW + timedelta(hours=1), BusinessCalendar()))
    missed = case.sla.first_response_due
    await cases.change(case.id, lambda d: d.watch_first_response(SYSTEM, missed, timedelta(hours=1)))
    await cases.change(case.id, lambda d: d.decide(
        SUPERVISOR, Outcome.REFUND, ReasonCode.GOODWILL, "Yazılı yanıt verildi.", None, missed,
        override_reason="İyi niyet."))
    for message in await storage.disputes.pending(case.id):
        await storage.disputes.failed(case.id, message, "rejected: HTTP 400", missed, park=True)
    return case.id


def as_it_reads(doc: dict[str, Any]) -> dict[str, Any]:
    """What an anonymised case says of its customer, but for its ids, times and deadlines: its flag and priority,
    each timeline entry's action, role and what its details name (in full for the opening and the flagging), and the
    priority its parked staff alerts give."""
    return {
        "accessibility_need": doc["accessibility_need"],
        "priority": doc["priority"],
        "timeline": [(e["action"], e["role"], e["details"] if e["action"] in ("opened", "flagged") else sorted(e["details"]))
                     for e in doc["timeline"]],
        "alerted": [m["payload"]["priority"] for m in doc["effects_parked"] if m["kind"] == "staff_alert"],
    }


LATER = CLOSED + timedelta(days=400), CLOSED + timedelta(days=800)
"""Past the images' retention, then past the personal data's, of a case decided days after `CLOSED`."""


async def test_an_anonymised_case_opened_with_an_accessibility_need_reads_like_one_opened_without(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    usual = await a_closed_case(storage, cases)
    with_need = Cases(storage, cases.clock, NeedOnTheOrder(), numbered=500)
    accessible = await a_closed_case(storage, with_need)
    kept = await stored_document(storage, accessible)
    assert kept["timeline"][0]["details"]["accessibility_need"] is True and kept["priority"] == 1  # while kept
    assert as_it_reads(kept)["alerted"] == [1]
    await retention.run(LATER[0])

    assert await retention.run(LATER[1]) == (2, 0)

    usual_doc, accessible_doc = [await stored_document(storage, i) for i in (usual, accessible)]
    assert as_it_reads(accessible_doc) == as_it_reads(usual_doc)
    assert as_it_reads(accessible_doc)["priority"] == 0  # queue priority: the need's 1 would show it (CSV export)


async def test_an_anonymised_case_whose_agent_recorded_an_accessibility_need_reads_like_one_without(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    usual = await a_closed_case(storage, cases)
    declared = await a_closed_case(storage, cases, declared=True)
    kept = await stored_document(storage, declared)
    assert "accessibility_need_declared" in [e["action"] for e in kept["timeline"]] and kept["priority"] == 1
    await retention.run(LATER[0])

    assert await retention.run(LATER[1]) == (2, 0)

    usual_doc, declared_doc = [await stored_document(storage, i) for i in (usual, declared)]
    assert as_it_reads(declared_doc) == as_it_reads(usual_doc)


async def test_an_anonymised_case_keeps_the_services_own_words_on_deleting_its_images(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    """README (Carrier evidence): the timeline records `images_deleted` ("images and carrier replies deleted under
    retention"); the service's words name no one, and anonymising keeps them."""
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases)
    await retention.run(CLOSED + timedelta(days=366))

    assert await retention.run(CLOSED + timedelta(days=730)) == (1, 0)

    doc = await stored_document(storage, dispute_id)
    [deleted] = [e["details"] for e in doc["timeline"] if e["action"] == "images_deleted"]
    assert deleted == {"note": "images and carrier replies deleted under retention"}
    assert personal_left(doc) == []


def pairs(doc: Any) -> list[tuple[str, Any]]:
    """Every key and its value in the document, at any depth."""
    if isinstance(doc, dict):
        return [*doc.items(), *(p for item in doc.values() for p in pairs(item))]
    if isinstance(doc, list):
        return [p for item in doc for p in pairs(item)]
    return []


async def test_a_case_reopened_and_decided_while_its_anonymising_pass_runs_keeps_its_new_messages(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases)
    await retention.run(CLOSED + timedelta(days=366))
    at = CLOSED + timedelta(days=730)

    async def reopened_and_refunded() -> None:
        await cases.change(dispute_id, lambda d: d.reopen(SUPERVISOR, "Müşteri yeniden yazdı.", at))
        await cases.change(dispute_id, lambda d: d.decide(
            SUPERVISOR, Outcome.REFUND, ReasonCode.GOODWILL, "İade.", None, at, override_reason="Kontrol edildi."))

    await retention.pass_on(at, reopened_and_refunded)

    stored = await storage.disputes.get(dispute_id)
    assert stored.anonymised_at is None and stored.decision is not None and stored.decision.outcome is Outcome.REFUND
    assert [m.key for m in await storage.disputes.pending(dispute_id)] == [m.key for m in stored.outbox] != []


async def test_where_a_digital_code_was_sent_is_removed_with_the_rest(
    storage: Storage, cases: Cases, retention: Retention
) -> None:
    """A digital order's case holds no parcel's proof but the provider's delivery record, whose `sent_to` (the e-mail
    address or app account, as the provider masks it) is personal."""
    code = OrderItem(sku="sku-steam", name="Steam kodu", quantity=1, unit_price_minor=50_000, digital=DigitalKind.GAME_CODE)
    case = await cases.open(items=[code])
    sent = DigitalDelivery(order_id=case.order.order_id, sku="sku-steam", found=True, channel=DigitalChannel.EMAIL,
                           sent_to="a***z@example.com", sent_at=NOW - timedelta(days=1), link_present=True,
                           received_at=NOW)
    await cases.change(case.id, lambda d: d.attach_digital_deliveries(SYSTEM, [sent], NOW))
    await cases.change(case.id, lambda d: d.withdraw(CUSTOMER, "Buldum.", CLOSED))
    for message in await storage.disputes.pending(case.id):  # nothing left to deliver
        await storage.disputes.failed(case.id, message, "rejected: HTTP 400", CLOSED, park=True)
    assert "a***z@example.com" in values(await stored_document(storage, case.id))

    await retention.run(CLOSED + timedelta(days=366))
    assert await retention.run(CLOSED + timedelta(days=730)) == (1, 0)

    doc = await stored_document(storage, case.id)
    assert doc["anonymised_at"] is not None and "a***z@example.com" not in values(doc)
    assert [(r["sku"], r["found"], r["channel"]) for r in doc["digital_deliveries"]] == [("sku-steam", True, "email")]
