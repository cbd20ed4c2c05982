"""Account restrictions: repeated claims restrict the account until a supervisor reviews it; one nobody
confirmed is lifted at the end of its review window, the customer told; each change reaches the account service
once (its key is the dispute and the change)."""

from datetime import timedelta

import pytest

from disputes.actors import SYSTEM
from disputes.assessment import Assessor
from disputes.errors import Conflict, Forbidden
from disputes.next_step import next_step
from disputes.policy import PolicySettings
from disputes.ports import EffectRejected, EffectUnavailable
from disputes.relay import Relay
from disputes.restrictions import RestrictionReviewer
from disputes.rules import Rules
from disputes.work import WorkKind
from schemas.common import Outcome, Role
from schemas.dispute import EffectKind, ParkReason, ReasonCode, RestrictionState
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR, order, shipment
from tests.unit.relay_fakes import Downstream

REVIEW = timedelta(hours=72)


@pytest.fixture
def assess(service, repository, clock, due_work):
    """The assessor with a threshold of one claim: the first claim already shows the pattern."""
    return due_work(Assessor(service, repository, PolicySettings(repeat_claims_threshold=1, restriction_review=REVIEW)))


@pytest.fixture
def reviewer(service, clock, due_work):
    return due_work(RestrictionReviewer(service))


async def opened_and_pulled(service, request_for, clock, **request):
    """A case opened whose first pull found the carrier away: its first assessment is due."""
    dispute = (await service.open(CUSTOMER, request_for(**request), None)).dispute
    await service.apply(SYSTEM, dispute.id, lambda d: d.evidence_pull_failed(SYSTEM, "away", None, clock.now()))
    return dispute


@pytest.fixture
async def restricted(service, request_for, assess, repository, clock):
    dispute = await opened_and_pulled(service, request_for, clock)
    await assess.run_once()
    return repository.docs[dispute.id]


def messages(repository, dispute_id, kind):
    return [m for m in repository.docs[dispute_id].outbox if m.kind is kind]


def changes(repository, dispute_id):
    return [(m.key, m.payload["change"]) for m in messages(repository, dispute_id, EffectKind.ACCOUNT_RESTRICTION)]


async def test_repeated_claims_restrict_the_account_until_a_supervisor_reviews_it(restricted, repository, clock):
    restriction = restricted.restriction
    assert restriction.state is RestrictionState.PENDING_REVIEW and restriction.flags == ["repeat_claims"]
    assert restriction.review_due == clock.now() + REVIEW and restriction.raised_by == "system"
    assert restricted.due_work()[WorkKind.RESTRICTION_REVIEW] == clock.now() + REVIEW
    assert changes(repository, restricted.id) == [(f"{restricted.id}:restriction:restricted", "restricted")]
    alerts = messages(repository, restricted.id, EffectKind.STAFF_ALERT)
    assert [a.payload["reason"] for a in alerts] == ["restriction_needs_review"]
    assert restricted.timeline[-1].action == "restriction_raised"


async def three_passes(relay, clock) -> None:
    """The relay's passes ten minutes apart: enough for a refused change and the messages waiting for it to park."""
    for _ in range(3):
        await relay.run_once()
        clock.advance(minutes=10)


def taken(repository, clock, due_work, downstream: Downstream | None = None):
    """The relay, delivering the case's messages to `downstream` (one that takes everything by default)."""
    d = downstream or Downstream()
    return due_work(Relay(repository, d, d, d, d, d, clock, max_attempts=1, backoff=timedelta(seconds=1)))


async def test_the_customer_is_told_of_the_restriction_once_the_account_service_has_it(
    restricted, repository, clock, due_work
):
    [change] = messages(repository, restricted.id, EffectKind.ACCOUNT_RESTRICTION)
    [notice] = [m for m in messages(repository, restricted.id, EffectKind.NOTIFICATION)
                if m.payload["template"] == "restriction_raised"]
    assert notice.waits_for == [change.id]
    en, tr = notice.payload["message_en"], notice.payload["message"]
    assert "temporary restriction" in en and "with this claim" in en and "by 21.11.2026 12:30" in en  # in Istanbul
    assert "geçici bir kısıtlama" in tr and "bu başvuruyla" in tr and "21.11.2026 12:30" in tr
    assert "repeat" not in en + tr  # the signal is staff's
    assert "restriction" not in next_step(restricted, Rules().appeal_window)[0]  # not yet taken
    await taken(repository, clock, due_work).run_once()
    en_view, tr_view = next_step(repository.docs[restricted.id], Rules().appeal_window)
    assert en in en_view and tr in tr_view


async def test_a_confirmed_restriction_is_told_to_the_customer_and_shown(service, restricted, repository, clock, due_work):
    await service.review_restriction(SUPERVISOR, restricted.id, True, "Aynı adrese beşinci talep.")
    told = [m.payload for m in messages(repository, restricted.id, EffectKind.NOTIFICATION)
            if m.payload["template"] == "restriction_confirmed"]
    await taken(repository, clock, due_work).run_once()
    confirmed = repository.docs[restricted.id]
    assert len(told) == 1 and "confirmed the temporary restriction" in told[0]["message_en"]
    assert "onayladık" in told[0]["message"] and "beşinci" not in told[0]["message"]  # the reason is staff's
    en, tr = next_step(confirmed, Rules().appeal_window)
    assert told[0]["message_en"] in en and told[0]["message"] in tr and "review it by" not in en


async def test_signals_that_show_no_pattern_flag_the_case_without_restricting(service, orders, request_for, repository, due_work, clock):
    orders.orders["ord-soon"] = order("ord-soon", shipments=[shipment("shp-soon", delivered_days_ago=0.001)])
    dispute = await opened_and_pulled(service, request_for, clock, order_id="ord-soon")
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    stored = repository.docs[dispute.id]
    assert stored.abuse_flags == ["claim_soon_after_delivery"] and stored.restriction is None
    assert changes(repository, dispute.id) == []
    [flagged] = [e for e in stored.timeline if e.action == "flagged"]  # the trail says when, and what it blocks now
    assert flagged.actor == "system" and flagged.details == {
        "flags": ["claim_soon_after_delivery"], "needs_supervisor": True, "priority": 2,
    }


async def test_a_confirmed_restriction_stays_past_the_review_deadline(service, restricted, reviewer, repository, clock):
    confirmed = await service.review_restriction(SUPERVISOR, restricted.id, True, "Aynı adrese beşinci talep.")
    assert confirmed.restriction.state is RestrictionState.CONFIRMED and confirmed.restriction.reviewed_by == SUPERVISOR.id
    assert confirmed.due_work()[WorkKind.RESTRICTION_REVIEW] is None
    clock.advance(hours=73)
    assert await reviewer.run_once() == 0
    assert [c for _, c in changes(repository, restricted.id)] == ["restricted", "confirmed"]
    with pytest.raises(Conflict, match="already confirmed"):
        await service.review_restriction(SUPERVISOR, restricted.id, True, "Tekrar")


async def test_a_supervisor_lifts_a_restriction_once_and_the_customer_is_told(service, restricted, repository):
    lifted = await service.review_restriction(SUPERVISOR, restricted.id, False, "Kargo firmasının bilinen sorunu.")
    assert lifted.restriction.state is RestrictionState.LIFTED and lifted.restriction.reason == "Kargo firmasının bilinen sorunu."
    assert lifted.timeline[-1].action == "restriction_lifted" and lifted.timeline[-1].role is Role.SUPERVISOR
    told = [m.payload for m in messages(repository, restricted.id, EffectKind.NOTIFICATION)][-1]
    assert told["template"] == "restriction_lifted"
    assert "kısıtlama" in told["message"] and "restriction" in told["message_en"] and "18.11.2026" in told["message"]
    for confirm in (True, False):
        with pytest.raises(Conflict, match="already lifted"):
            await service.review_restriction(SUPERVISOR, restricted.id, confirm, "Tekrar")
    assert [c for _, c in changes(repository, restricted.id)] == ["restricted", "lifted"]


async def test_a_confirmed_restriction_can_still_be_lifted(service, restricted, repository):
    await service.review_restriction(SUPERVISOR, restricted.id, True, "Örüntü açık.")
    await service.review_restriction(SUPERVISOR, restricted.id, False, "Müşteri belge sundu.")
    assert [c for _, c in changes(repository, restricted.id)] == ["restricted", "confirmed", "lifted"]


@pytest.mark.parametrize("actor", [INVESTIGATOR, AGENT, CUSTOMER])
async def test_only_a_supervisor_reviews_a_restriction(service, restricted, actor):
    with pytest.raises(Forbidden):
        await service.review_restriction(actor, restricted.id, False, "Kaldır")


async def test_a_case_without_a_restriction_has_none_to_review(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    with pytest.raises(Conflict, match="no account restriction"):
        await service.review_restriction(SUPERVISOR, dispute.id, True, "Onay")


async def test_an_unconfirmed_restriction_is_lifted_at_its_deadline_once(restricted, reviewer, repository, clock):
    clock.advance(hours=71, minutes=59)
    assert await reviewer.run_once() == 0
    clock.advance(minutes=1)
    assert await reviewer.run_once() == 1
    lifted = repository.docs[restricted.id]
    assert lifted.restriction.state is RestrictionState.LIFTED and lifted.restriction.reviewed_by == "system"
    assert lifted.timeline[-1].action == "restriction_lifted" and lifted.timeline[-1].role is Role.SERVICE
    clock.advance(hours=1)
    assert await reviewer.run_once() == 0
    assert changes(repository, restricted.id)[-1] == (f"{restricted.id}:restriction:lifted", "lifted")
    assert [c for _, c in changes(repository, restricted.id)] == ["restricted", "lifted"]
    templates = [m.payload["template"] for m in messages(repository, restricted.id, EffectKind.NOTIFICATION)]
    assert templates.count("restriction_lifted") == 1


async def test_clearing_the_flags_lifts_the_restriction_they_led_to(service, restricted, assess, repository):
    cleared = await service.clear_flags(SUPERVISOR, restricted.id, "Adres değişikliği nedeniyle.")
    assert cleared.restriction.state is RestrictionState.LIFTED
    await assess.run_once()  # assessed again: the cleared signal raises no new restriction
    assert [c for _, c in changes(repository, restricted.id)] == ["restricted", "lifted"]


async def test_the_restriction_outlives_the_case_s_decision(service, restricted, reviewer, repository, clock):
    await service.withdraw(CUSTOMER, restricted.id, "Buldum.")
    clock.advance(hours=72)
    assert await reviewer.run_once() == 1
    assert repository.docs[restricted.id].restriction.state is RestrictionState.LIFTED


@pytest.mark.parametrize("failure", [EffectRejected("HTTP 400"), EffectUnavailable("503")])
async def test_the_customer_is_told_of_a_lift_only_once_the_account_service_took_it(
    service, restricted, repository, clock, due_work, failure
):
    d = Downstream()
    relay = due_work(Relay(repository, d, d, d, d, d, clock, max_attempts=1, backoff=timedelta(seconds=1)))
    await relay.run_once()  # the restriction reached the account service
    sent = len(d.calls)
    await service.review_restriction(SUPERVISOR, restricted.id, False, "Kargo firmasının bilinen sorunu.")
    [lift] = messages(repository, restricted.id, EffectKind.ACCOUNT_RESTRICTION)
    [notice] = messages(repository, restricted.id, EffectKind.NOTIFICATION)
    assert notice.waits_for == [lift.id]

    d.failures = [failure]  # refused, or no answer within its one attempt: the account is still restricted
    await three_passes(relay, clock)

    assert d.calls[sent] == ("account_restrictions", f"{restricted.id}:restriction:lifted")
    assert not [key for service_, key in d.calls[sent:] if key.endswith(":restriction_lifted")]
    parked = {m.id: m for m in repository.docs[restricted.id].effects_parked}
    assert parked[notice.id].parked is ParkReason.HELD
    assert parked[notice.id].last_error == f"held: waits for account_restriction {lift.id}, which was parked"
    alert = next(a["parked"] for a in d.alerts if a["parked"] is not None)
    assert (alert.kind, alert.held) == ("account_restriction", ["notification"])


async def decision_told(service, repository, dispute_id: str) -> str:
    """The English message of a decision made now, as it is queued for the customer."""
    await service.decide(SUPERVISOR, dispute_id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None,
                         "Kanıt yok.")
    [decided] = [m for m in messages(repository, dispute_id, EffectKind.NOTIFICATION)
                 if m.payload["template"] == "decision_made"]
    return decided.payload["message_en"]


@pytest.mark.parametrize("failure", [EffectRejected("HTTP 422"), EffectUnavailable("503")])
async def test_a_lift_the_account_service_did_not_take_is_told_nowhere_and_the_restriction_as_it_stands(
    service, restricted, repository, clock, due_work, failure
):
    d = Downstream()
    relay = taken(repository, clock, due_work, d)
    await relay.run_once()  # the account service took the restriction
    await service.review_restriction(SUPERVISOR, restricted.id, False, "Kargo firmasının bilinen sorunu.")
    d.failures = [failure]
    await three_passes(relay, clock)

    told = await decision_told(service, repository, restricted.id)
    en_view, tr_view = next_step(repository.docs[restricted.id], Rules().appeal_window)
    assert "lifted" not in told + en_view and "kaldırıldı" not in tr_view
    assert all("a temporary restriction was placed on your account" in words for words in (told, en_view))


async def test_a_lift_after_a_confirmation_the_account_service_refused_is_told_as_confirmed(
    service, restricted, repository, clock, due_work
):
    d = Downstream()
    relay = taken(repository, clock, due_work, d)
    await service.review_restriction(SUPERVISOR, restricted.id, True, "Aynı adrese beşinci talep.")
    await relay.run_once()  # the restriction and its confirmation taken
    await service.review_restriction(SUPERVISOR, restricted.id, False, "Kargo firmasının bilinen sorunu.")
    d.failures = [EffectRejected("HTTP 422")]
    await three_passes(relay, clock)

    en_view, _ = next_step(repository.docs[restricted.id], Rules().appeal_window)
    assert "confirmed the temporary restriction" in en_view and "lifted" not in en_view


class RefusesRestrictions(Downstream):
    async def change_restriction(self, change, idempotency_key):
        self.calls.append(("account_restrictions", idempotency_key))
        raise EffectRejected("HTTP 422")


async def test_a_restriction_the_account_service_refused_is_told_by_no_later_notification(
    service, restricted, repository, clock, due_work
):
    relay = taken(repository, clock, due_work, RefusesRestrictions())
    await three_passes(relay, clock)
    parked = {m.payload.get("template") or m.kind: m.parked for m in repository.docs[restricted.id].effects_parked}
    assert parked[EffectKind.ACCOUNT_RESTRICTION] is ParkReason.REFUSED and parked["restriction_raised"] is ParkReason.HELD

    told = await decision_told(service, repository, restricted.id)
    assert "restriction" not in told + next_step(repository.docs[restricted.id], Rules().appeal_window)[0]


async def test_a_lift_of_a_restriction_the_account_service_refused_is_told_neither_in_a_message_nor_in_the_view(
    service, restricted, repository, clock, due_work
):
    relay = taken(repository, clock, due_work, RefusesRestrictions())
    await three_passes(relay, clock)
    await service.review_restriction(SUPERVISOR, restricted.id, False, "Kargo firmasının bilinen sorunu.")
    after = Downstream()
    relay = taken(repository, clock, due_work, after)
    await three_passes(relay, clock)

    assert ("account_restrictions", f"{restricted.id}:restriction:lifted") in after.calls  # the account service hears it
    assert [told for _, told in after.told if told.get("template") == "restriction_lifted"] == []
    assert "restriction" not in next_step(repository.docs[restricted.id], Rules().appeal_window)[0]
