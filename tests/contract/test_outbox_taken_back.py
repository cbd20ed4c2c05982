"""Messages a change takes back (`Dispute.taken_back`: an appeal sent to the wrong case, undone while its review is under
way): the save drops those never tried in its one write, and keeps one a relay tried meanwhile and every one while a
relay holds the case's lease, since its pass may send them."""

from datetime import timedelta

import pytest

from disputes.rules import Rules
from disputes.service import DisputeService, take_off
from disputes.work import WorkKind
from schemas.common import Outcome
from schemas.dispute import EffectKind, OutboxMessage, ReasonCode
from tests.contract.conftest import Cases
from tests.factories import AGENT, INVESTIGATOR, SUPERVISOR

REASON = "Başka bir müşterinin itirazı yanlış başvuruya gönderildi."


@pytest.fixture
def service(cases: Cases) -> DisputeService:
    return DisputeService(cases.storage.disputes, cases.orders, cases.clock, Rules())


async def _appealed(cases: Cases, service: DisputeService) -> str:
    """A rejected case another customer's appeal was filed on, an hour later; its id. Its earlier messages were sent."""
    opened = await cases.open()
    await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı.", None)
    for message in await cases.storage.disputes.pending(opened.id):
        await cases.storage.disputes.delivered(opened.id, message, cases.clock.now())
    cases.clock.advance(hours=1)
    await service.appeal(AGENT, opened.id, "Başka müşterinin itirazı.")
    return opened.id


def _told(messages: list[OutboxMessage]) -> list[str]:
    return [m.payload["template"] for m in messages if m.kind is EffectKind.NOTIFICATION]


async def test_an_undone_appeal_s_messages_never_tried_are_dropped_with_the_undo(cases: Cases, service) -> None:
    appealed = await _appealed(cases, service)
    assert _told(await cases.storage.disputes.pending(appealed)) == ["appeal_received"]

    undone = await service.remove_submission(SUPERVISOR, appealed, 0, REASON)

    pending = await cases.storage.disputes.pending(appealed)
    assert _told(pending) == ["appeal_removed"] and undone.outbox == pending
    assert (await cases.storage.disputes.get(appealed)).effects_delivered[-1].kind is EffectKind.NOTIFICATION


async def test_a_message_a_relay_began_to_send_after_the_read_is_kept(cases: Cases, service) -> None:
    """The relay records an attempt before it sends it: the undo read before that mark keeps the message, whose
    correction then follows it."""
    appealed = await _appealed(cases, service)
    read = await cases.storage.disputes.get(appealed)
    [received] = await cases.storage.disputes.pending(appealed)
    await cases.storage.disputes.sending(appealed, received, cases.clock.now())

    take_off(read, SUPERVISOR, 0, REASON, cases.clock.now(), Rules())
    await cases.storage.disputes.save(read)

    pending = await cases.storage.disputes.pending(appealed)
    assert _told(pending) == ["appeal_received", "appeal_removed"] and pending[0].tried_at == cases.clock.now()


async def test_while_a_relay_holds_the_case_its_messages_are_kept(cases: Cases, service) -> None:
    appealed = await _appealed(cases, service)
    [claimed] = await cases.storage.schedule.claim_due(
        WorkKind.RELAY, cases.clock.now(), timedelta(seconds=30), 1, "relay-1"
    )
    assert claimed.subject == appealed

    undone = await service.remove_submission(SUPERVISOR, appealed, 0, REASON)

    assert _told(await cases.storage.disputes.pending(appealed)) == ["appeal_received", "appeal_removed"]
    assert undone.timeline[-1].details["appeal"] == "undone"
