"""A parked message sent again takes along the messages parked only because they waited for it: the customer's
message of an account restriction, held with the restriction the account service refused, goes once the restriction
is taken."""

from schemas.dispute import EffectKind, ParkReason
from tests.factories import SUPERVISOR
from tests.unit.relay_fakes import Downstream
from tests.unit.test_restrictions import RefusesRestrictions, assess, restricted, taken, three_passes  # noqa: F401

REASON = "Hesap servisi düzeltildi."


async def test_the_message_held_behind_a_resent_restriction_goes_with_it_once_the_restriction_is_taken(
    service, restricted, repository, clock, due_work  # noqa: F811
):
    await three_passes(taken(repository, clock, due_work, RefusesRestrictions()), clock)
    parked = {m.payload.get("template") or m.kind: m for m in repository.docs[restricted.id].effects_parked}
    change, notice = parked[EffectKind.ACCOUNT_RESTRICTION], parked["restriction_raised"]
    assert notice.parked is ParkReason.HELD

    resent = await service.resend_effect(SUPERVISOR, restricted.id, change.key, REASON)
    again = await service.resend_effect(SUPERVISOR, restricted.id, notice.key, REASON)  # a stale page: nothing more
    d = Downstream()
    await three_passes(taken(repository, clock, due_work, d), clock)

    assert [(m.id, m.parked, m.last_error) for m in resent.outbox[-2:]] == [
        (change.id, None, change.last_error), (notice.id, None, None)
    ]
    assert resent.effects_parked == [] and again.version == resent.version
    assert resent.timeline[-1].details["held"] == [notice.key]
    assert [key for service_, key in d.calls if key in (change.key, notice.key)] == [change.key, notice.key]

