"""What a case keeps once its personal data is anonymised (`Dispute.anonymise`): the people's words and whereabouts go,
the facts the service and finance count by stay.

Gone or replaced by `ANONYMISED`, wherever in the case they are (the order snapshot, statements, proofs, the
timeline's details, the findings, messages not yet or never delivered): names (buyer, recipient, receiver, courier),
the phone, the street line, postal code and every coordinate, the customer's statements and staff notes, questions
and messages' texts, the carrier's place texts, where a digital good was sent, who viewed which attachment, and
that the customer declared an accessibility need (health data, KVKK art. 6): a case whose customer declared one then
reads like one whose customer did not (`DROPPED`, `DROPPED_ACTIONS`, `kept_priority`), but for its decision deadline,
which reports read. Kept:
ids, amounts and items, outcomes, reason codes, the carrier and tracking number, district and city, every timestamp,
and whether the proof held a signature, photo or location (reports count them), so reports, repeat-claim counting and
finance reconciliation read the case as before; and the service's own words on the timeline (`OWN_WORDS`).

The rules are by field name over the stored form (`model_dump`), so a field added later under one of these names is
anonymised with the rest; one under another name is not, and belongs here."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from disputes.model import Dispute

PERSONAL_DATA_RETENTION: Final = timedelta(days=730)
"""How long after a case closes its personal data is kept, unless configured (`DISPUTES_CASE_PERSONAL_DATA_RETENTION_DAYS`)."""
APPENDED: Final = ("outbox", "effects_parked", "attachment_views", "idempotency")
"""What storage alone writes on a case (a save leaves it as stored): anonymising writes it in the case's save."""
ANONYMISED: Final = "[anonymised]"
"""What a personal text reads once anonymised: a word, so every field that needs one still has it."""

REPLACED: Final = frozenset({
    "buyer_name", "recipient_name", "received_by", "line", "address", "statement", "note", "override_reason",
    "text", "text_tr", "question", "message", "message_en", "customer_message", "description", "filename",
})
"""Texts replaced by `ANONYMISED` (a mapping under one of these names, such as an address, is gone through)."""
REMOVED: Final = frozenset({
    "recipient_phone", "postal_code", "lat", "lon", "accuracy_m", "courier", "location_text", "sent_to",
})
"""Values set to nothing: each of these fields is optional."""
CLEARED: Final = frozenset({"accessibility_need", "written_only"})
"""Flags set to false: that the customer declared an accessibility need (health data, KVKK art. 6) and what it made
of their messages. Every case has them, so false reads alike on every anonymised case."""
DROPPED: Final = frozenset({"accessibility_need"})
"""Keys taken out of the timeline's details: the opening writes `accessibility_need` only when the customer declared
one, so even false it would tell those cases apart."""
DROPPED_ACTIONS: Final = frozenset({"accessibility_need_declared", "accessibility_need_withdrawn"})
"""Timeline entries taken out whole: an agent recorded the customer's accessibility need (or took it back), which no
other entry says and no label could hide (one written for this alone would name it). The deadline it set stays the
case's."""
OWN_WORDS: Final = frozenset({"images_deleted"})
"""Timeline entries whose details are the service's own fixed words, about no one: kept as written."""
FREE_REASONS: Final = REPLACED | {"reason"}
"""In the timeline's details and a restriction, a reason is what a person wrote (a withdrawal's, a reopening's)."""


def anonymised(value: Any, replaced: frozenset[str] = REPLACED) -> Any:
    """`value` (a stored form: mappings, lists, scalars) with the personal fields, at any depth, replaced or removed."""
    if isinstance(value, dict):
        return {key: _field(key, item, replaced) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [anonymised(item, replaced) for item in value]
    return value


def _field(key: str, value: Any, replaced: frozenset[str]) -> Any:
    if key in REMOVED:
        return None
    if key in CLEARED:
        return False
    if key in replaced and isinstance(value, str):
        return ANONYMISED
    return anonymised(value, replaced)


def anonymised_timeline(timeline: list[dict[str, Any]], raised_by_need: int) -> list[dict[str, Any]]:
    """A case's timeline (its stored form) anonymised: people's words replaced or removed in each entry's details
    (`FREE_REASONS`), the service's own kept (`OWN_WORDS`), what says the customer declared an accessibility need
    taken out (`DROPPED`, `DROPPED_ACTIONS`), and a priority the entry recorded as `kept_priority` reads it."""
    return [_entry(entry, raised_by_need) for entry in timeline if entry["action"] not in DROPPED_ACTIONS]


def _entry(entry: dict[str, Any], raised_by_need: int) -> dict[str, Any]:
    if entry["action"] in OWN_WORDS:
        return entry
    details = {key: item for key, item in anonymised(entry["details"], FREE_REASONS).items() if key not in DROPPED}
    if isinstance(priority := details.get("priority"), int):
        details["priority"] = kept_priority(priority, raised_by_need)
    kept: dict[str, Any] = anonymised(entry, FREE_REASONS)
    return kept | {"details": details}


def kept_priority(priority: int, raised_by_need: int) -> int:
    """A queue priority as an anonymised case keeps it: an accessibility need raises a case to `raised_by_need`, so a
    priority up to that reads 0 (one raised that far for the order's value reads 0 as well), and one above it (abuse
    signals, a deadline near) stays."""
    return 0 if priority <= raised_by_need else priority


def anonymised_view(view: dict[str, Any]) -> dict[str, Any]:
    """A recorded attachment view (a timeline entry's stored form) without who viewed it and which file: the
    image is gone, the count and times of views stay."""
    details = {key: item for key, item in view.get("details", {}).items() if key != "attachment"}
    return view | {"actor": ANONYMISED, "details": details}


def anonymisation_reached(dispute: "Dispute", keep: timedelta, now: datetime) -> bool:
    """Whether the case's personal data, kept `keep` after it closed, is to be anonymised at `now`."""
    at = dispute.anonymisation_due(keep)
    return at is not None and at <= now
