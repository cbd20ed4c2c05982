"""Getting a digital order line's delivery record onto its dispute: the digital counterpart of a carrier pull,
run by the evidence puller for cases whose lines are all digital. The provider is asked about every line; an
unreachable provider is asked again with the same backoff as a carrier, until the evidence deadline. A provider that
refuses us (an answer that is no record) is looked at again at the deadline, asked once more then, and the case
keeps the refusal (`Dispute.provider_refused`): the policy sends it to a person, never refunds on it. The puller
decides the change that records a pull's outcome; the evidence puller saves it, as it saves a carrier's (the
save ends the pull's lease and hands the assessment over, see `disputes/evidence.py`)."""

from dataclasses import dataclass
from datetime import datetime

from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.ports import DigitalDeliveries, EvidenceRejected, EvidenceUnavailable
from disputes.rules import Rules
from disputes.service import TimedChange, to_millisecond
from schemas.digital import DigitalDelivery


def retry_times(dispute: Dispute, rules: Rules, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(when to ask again after a transient failure, when to look again after a lasting one): retries back off
    and stop at the evidence deadline; a pull asked for after it is tried once."""
    deadline = dispute.sla.evidence_due
    if now >= deadline:
        return None, None
    backoff = min(rules.evidence_retry * 2 ** min(dispute.evidence_pulls, 16), rules.evidence_max_retry)
    return min(now + backoff, deadline), deadline


@dataclass
class DigitalPuller:
    provider: DigitalDeliveries
    rules: Rules

    async def pull(self, dispute: Dispute, now: datetime) -> TimedChange:
        """Pull the case's records at `now` (the case's time); the change that records the outcome."""
        # A provider that refused the case is asked once more at the deadline (it may answer again since: a credential
        # renewed, an address corrected); a provider that was down until then is not.
        refused = dispute.provider_refused is not None
        if now >= dispute.sla.evidence_due and not (dispute.digital_deliveries or dispute.proof_missing or refused):
            return lambda d, at: d.evidence_deadline_passed(SYSTEM, at)
        order = dispute.order
        try:
            records = [await self.provider.record(order.order_id, sku) for sku in dict.fromkeys(i.sku for i in order.items)]
        except EvidenceUnavailable as error:
            retry_at, _ = retry_times(dispute, self.rules, now)
            if retry_at is not None and error.retry_at is not None and dispute.test_clock is None:
                # The provider's Retry-After, as a carrier's (`disputes.evidence`): never asked again before it, nor
                # before the backoff, and not past the deadline. A real time: a case on a test clock keeps its backoff.
                retry_at = min(max(error.retry_at, retry_at), dispute.sla.evidence_due)
            unavailable = f"digital delivery provider unavailable: {error}"
            return lambda d, at: d.evidence_pull_failed(SYSTEM, unavailable, retry_at, at)
        except EvidenceRejected as error:
            _, look_again_at = retry_times(dispute, self.rules, now)
            said = str(error)
            return lambda d, at: d.digital_pull_refused(SYSTEM, said, look_again_at, at)
        kept = [_as_stored(record) for record in records]
        return lambda d, at: d.attach_digital_deliveries(SYSTEM, kept, at)


def _as_stored(record: DigitalDelivery) -> DigitalDelivery:
    """The record's instants as storage keeps them, so the case holds what is stored and a record pulled again
    compares equal to the one stored."""
    instants = {name: getattr(record, name) for name in ("sent_at", "opened_at", "activated_at", "received_at")}
    return record.model_copy(update={name: to_millisecond(at) for name, at in instants.items() if at is not None})
