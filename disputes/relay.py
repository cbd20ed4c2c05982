"""Delivering outbox messages downstream: at least once, each with its idempotency key, so each effect
happens exactly once. A dispute's messages go out in order; a transient failure holds the rest back until its retry
time (`OutboxMessage.not_before`), however soon a message queued after it made the dispute due. A 401 (its service
refusing our credentials, which applied nothing) is retried as a transient failure is. A parked message (refused, out
of attempts, out of attempts none of which reached its service, or out of attempts its service refusing our
credentials) holds back only the messages that wait for it (`OutboxMessage.waits_for`): they are parked with it, in
the same write, never sent. That write also
queues a staff alert naming the case, the parked effect and what to do (`Dispute.parked_alert`), unless what was
parked is itself a staff alert; and when the messages it holds include the latest decision's message to the customer,
one that says what the customer's view of the case now says instead (`Dispute.decision_told_instead`)."""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from secrets import token_hex

from disputes import tracing
from disputes.lanes import Lanes, Place
from disputes.model import APPEAL_WINDOW, Dispute
from disputes.ports import (
    ERROR_KEPT,
    Accounts,
    Claimed,
    Clock,
    CredentialsRefused,
    EffectRejected,
    EffectUnavailable,
    Finance,
    Fulfillment,
    Lease,
    Notifications,
    Outbox,
    Payments,
)
from disputes.work import WorkKind
from schemas.dispute import EffectKind, OutboxMessage, ParkReason
from schemas.effects import (
    AccountRestriction, CarrierLiability, CustomerNotification, CustomerRisk, RefundRequest, ReshipRequest, StaffAlert,
)


class Result(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PARKED = "parked"


@dataclass(frozen=True, slots=True)
class Attempt:
    dispute_id: str
    message_id: str
    kind: EffectKind
    result: Result
    error: str | None = None
    reached: bool = True
    """The attempt may have reached its service (False: no connection was made; True too for one not made, a
    message parked unsent with another)."""
    parked: ParkReason | None = None
    """Why it was parked, when it was."""


@dataclass
class Relay:
    outbox: Outbox
    payments: Payments
    fulfillment: Fulfillment
    notifications: Notifications
    accounts: Accounts
    finance: Finance
    clock: Clock
    batch: int = 20
    """Disputes delivered at once per downstream service: the relay's lanes are services (`EffectKind.service`), a
    dispute's place moving to the service of each message as it is sent, and claims skip the disputes whose next message
    goes to a service with no free place. A dispute whose next message goes to such a service (its refund sent, its
    notification next) is given back, due at once, not moved into it, and claims are no larger than the fewest free
    places of a service that has turned a dispute away (`Lanes.given_back_when_full`), so none is claimed only to be
    given back. A slow service holds up to `batch` disputes, never the places of another."""
    max_attempts: int = 20
    backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=5)
    observe: Callable[[Attempt], None] = lambda attempt: None
    """Told of every attempt, and of every message parked unsent with the one it waits for (the worker logs them)."""
    kind: WorkKind = WorkKind.RELAY
    appeal_window: timedelta = APPEAL_WINDOW
    """The business's (`Rules.appeal_window`): the end of the appeal a decision told instead names."""
    _rng: random.Random = field(default_factory=random.Random)

    def lanes(self) -> Lanes:
        return Lanes(self.batch, given_back_when_full=True)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        """Deliver the claimed dispute's pending messages (as the claim found them); recording the last one
        delivered also ends the lease."""
        dispute_id = claimed.subject
        pending = claimed.dispute.outbox if claimed.dispute else await self.outbox.pending(dispute_id)
        held: set[str] = set()  # parked in this pass with a message they wait for
        parked = {m.id: m for m in claimed.dispute.effects_parked} if claimed.dispute else {}
        for n, message in enumerate(pending, 1):
            if message.id in held:
                continue
            later = [m for m in pending[n:] if m.id not in held]  # one parked already is not parked again
            if blocker := next((parked[i] for i in message.waits_for if i in parked), None):
                # queued after the pass that parked what it waits for had read the outbox: held as it would have been
                attempts = await self._hold(claimed.dispute, dispute_id, blocker, message, later)
                for attempt in attempts:
                    self.observe(attempt)
                held.update(attempt.message_id for attempt in attempts)
                continue
            if message.not_before is not None and message.not_before > self.clock.now():
                # due sooner only because a message was queued after it: it, and they, wait for its retry time
                await self.outbox.deferred(dispute_id, message)
                break
            if not place.move_if_room(message.kind.service):
                place.give_back()  # its service has no free place here: claimed again once it has, with no backoff
                break
            with tracing.within(message.traceparent, message.tracestate):
                ending = claimed.lease if n == len(pending) else None
                attempts = await self._deliver(claimed.dispute, dispute_id, message, later, ending)
                for attempt in attempts:
                    self.observe(attempt)
            if not attempts:  # what this pass read is out of date: the next claim reads the outbox again
                break
            held.update(attempt.message_id for attempt in attempts[1:])
            if attempts[0].result is Result.RETRY:
                break

    async def _deliver(
        self,
        dispute: Dispute | None,
        dispute_id: str,
        message: OutboxMessage,
        later: Sequence[OutboxMessage],
        ending: Lease | None,
    ) -> list[Attempt]:
        """The attempt, then the messages parked with it because they wait for it. Every attempt is recorded before it
        is sent, with a token of its own: a pass that ends before recording the answer (a worker killed, a lease lost)
        leaves the next one knowing that an attempt may have been applied, and its failure counts as never reached
        only if no attempt before it, as stored when it began, may have reached the service, and is recorded so only
        while no other attempt began since (see `OutboxMessage.attempt_token`)."""
        now = self.clock.now()
        message = message.model_copy(
            update={"tried_at": message.tried_at or now, "never_reached": False, "attempt_token": token_hex(16)}
        )
        unreached = await self.outbox.sending(dispute_id, message, now)  # no attempt before this one reached it
        if unreached is None:  # another pass delivered or parked it since this one read the outbox: never sent again
            return []
        try:
            reference = await self._send(message)
        except EffectRejected as error:
            # a refusal proves only that the attempt refused applied nothing, not an earlier one whose answer was lost
            retried = error.maybe_applied or not unreached
            reason = ParkReason.REFUSED_ON_RETRY if retried else ParkReason.REFUSED
            return await self._fail(dispute, dispute_id, message, later, f"rejected: {error}", reason)
        except EffectUnavailable as error:
            message = message.model_copy(update={"never_reached": unreached and not error.reached})
            refused = isinstance(error, CredentialsRefused)  # applied nothing, and may be taken once the key is there
            out = (ParkReason.CREDENTIALS_REFUSED if refused
                   else ParkReason.NEVER_REACHED if message.never_reached else ParkReason.OUT_OF_ATTEMPTS)
            parked = out if message.attempts + 1 >= self.max_attempts else None
            failed = f"{'rejected' if refused else 'unavailable'}: {error}"
            return await self._fail(dispute, dispute_id, message, later, failed, parked,
                                    not_before=error.retry_after or timedelta(), reached=error.reached)
        await self.outbox.delivered(dispute_id, message, self.clock.now(), ending, reference)
        return [Attempt(dispute_id, message.id, message.kind, Result.DELIVERED)]

    async def _hold(
        self, dispute: Dispute | None, dispute_id: str, blocker: OutboxMessage, message: OutboxMessage,
        later: Sequence[OutboxMessage],
    ) -> list[Attempt]:
        """Park unsent `message`, which waits for the parked `blocker`, with the messages that wait for it in turn."""
        first, *rest = waiting_for(blocker, [message, *later], self.clock.now())
        told = dispute.decision_told_instead([first, *rest], self.appeal_window) if dispute is not None else None
        queued = [told] if told is not None else []
        await self.outbox.failed(dispute_id, first, first.last_error or "", self.clock.now(), True, rest, queued)
        return [Attempt(dispute_id, m.id, m.kind, Result.PARKED, m.last_error, parked=m.parked) for m in (first, *rest)]

    async def _fail(
        self,
        dispute: Dispute | None,
        dispute_id: str,
        message: OutboxMessage,
        later: Sequence[OutboxMessage],
        error: str,
        parked: ParkReason | None,
        not_before: timedelta = timedelta(),
        reached: bool = True,
    ) -> list[Attempt]:
        """Retry later, or park (`parked`: why) with the messages that wait for it, alert staff and tell the customer
        in place of a decision's message held, in the same write (every relay claim carries its dispute, which the
        alert names and the customer's message reads)."""
        now = self.clock.now()
        backoff = min(self.backoff * 2 ** min(message.attempts, 16), self.max_backoff) * self._rng.uniform(0.5, 1.0)
        delay = max(backoff, not_before)  # never sooner than the service's Retry-After
        park = parked is not None
        if park:
            message = message.model_copy(update={"parked_at": now, "parked": parked, "last_error": error[:ERROR_KEPT]})
        held = waiting_for(message, later, now) if park else []
        queued = [] if dispute is None or not park else [m for m in (
            dispute.parked_alert(message, held), dispute.decision_told_instead([message, *held], self.appeal_window),
        ) if m is not None]
        if not await self.outbox.failed(dispute_id, message, error, now + delay, park, held, queued) and (
            message.never_reached
        ):
            # another attempt began since this one, and may reach the service: recorded as one that may have
            maybe = message.model_copy(update={"never_reached": False})
            again = ParkReason.OUT_OF_ATTEMPTS if park else None
            return await self._fail(dispute, dispute_id, maybe, later, error, again, not_before, reached)
        return [
            Attempt(dispute_id, message.id, message.kind, Result.PARKED if park else Result.RETRY, error, reached, parked),
            *(Attempt(dispute_id, m.id, m.kind, Result.PARKED, m.last_error, parked=m.parked) for m in held),
        ]

    async def _send(self, message: OutboxMessage) -> str | None:
        """Send the message; the service's own id for it, where it names one (payments, fulfillment and finance)."""
        match message.kind:
            case EffectKind.REFUND:
                return await self.payments.refund(RefundRequest.model_validate(message.payload), message.key)
            case EffectKind.RESHIP:
                return await self.fulfillment.reship(ReshipRequest.model_validate(message.payload), message.key)
            case EffectKind.NOTIFICATION:
                await self.notifications.notify(CustomerNotification.model_validate(message.payload), message.key)
            case EffectKind.STAFF_ALERT:
                await self.notifications.alert_staff(StaffAlert.model_validate(message.payload), message.key)
            case EffectKind.CUSTOMER_RISK:
                await self.accounts.report_risk(CustomerRisk.model_validate(message.payload), message.key)
            case EffectKind.ACCOUNT_RESTRICTION:
                await self.accounts.change_restriction(AccountRestriction.model_validate(message.payload), message.key)
            case EffectKind.CARRIER_LIABILITY:
                return await self.finance.record_liability(CarrierLiability.model_validate(message.payload), message.key)
        return None


def waiting_for(parked: OutboxMessage, later: Sequence[OutboxMessage], at: datetime) -> list[OutboxMessage]:
    """The messages of `later` that wait for `parked`, directly or through one another, each with why it is held,
    parked `at`."""
    blocked, held = {parked.id}, []
    for message in later:
        if blocked.intersection(message.waits_for):
            blocked.add(message.id)
            reason = f"held: waits for {parked.kind.value} {parked.id}, which was parked"
            held.append(message.model_copy(update={"last_error": reason, "parked_at": at, "parked": ParkReason.HELD}))
    return held
