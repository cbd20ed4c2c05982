"""Every index the service needs, with the query it serves. Created at start-up (idempotently).

The lookups by shipment, customer and idempotency key go through their own indexes below, so `_id` alone places a
dispute. Two of them are unique (`one_dispute_per_shipment`, `idempotency_key`), which MongoDB allows on a sharded
collection only when they begin with the shard key: sharding `disputes` on a hashed `_id` first moves those two
claims into documents of their own (README, Indexes).
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from disputes.work import WorkKind

DISPUTES = "disputes"
CARRIER_EVENTS = "carrier_events"
ATTACHMENTS = "attachments"
RAW_PAYLOADS = "raw_payloads"
CARRIER_BREAKERS = "carrier_breakers"  # one document per carrier, found by its `_id` (the carrier code) only
STAFF = "staff"  # the staff directory: one document per member, found by its `_id` (the staff id) only
STAFF_SUPERVISORS = "staff_supervisors"  # one document, found by its `_id`: the active supervisors' ids (`staff.py`)
TEST_CLOCKS = "test_clocks"  # sandbox only: one document per test clock, found by its `_id` only
IDEMPOTENCY_KEYS = "idempotency_keys"  # one document per caller-scoped Idempotency-Key (`key`)
SIGNED_OUT_SESSIONS = "signed_out_sessions"  # one document per ended console session, found by its `_id` only
PERIOD_DECIDED = "queue_by_decision_period"  # named by the queue's period reads (a hint): `adapters/mongo/disputes.py`
PERIOD_OPENED = "queue_by_opening_period"


@dataclass(frozen=True)
class Index:
    collection: str
    keys: tuple[tuple[str, int], ...]
    name: str
    serves: str
    options: dict[str, Any]

    def model(self) -> IndexModel:
        return IndexModel(list(self.keys), name=self.name, **self.options)


def _queue(first: str | None, name: str, serves: str) -> Index:
    """The queue in its order (`queue_key`: decision due, then priority, opening and id). MongoDB uses the filtered ones; mongoeco's engine
    as the embedded default runs it (`adapters/mongo/engine.py`) uses them for an equality to a string, a bool or an
    int, and the one without a filter field otherwise (mongoeco itself sorts only from a single-field index)."""
    keys = ((first, ASCENDING),) if first else ()
    return Index(DISPUTES, (*keys, ("queue_key", ASCENDING)), name, serves, {})


def _due(collection: str, kind: WorkKind, serves: str) -> Index:
    """Claims of one kind of work, earliest due first, among the subjects that have that work at all (the
    lease is checked on those due: few are held at once). One field, partial on its existence: the index
    mongoeco's engine as the embedded default runs it (`adapters/mongo/engine.py`) claims from."""
    due = f"due.{kind}"
    return Index(collection, ((due, ASCENDING),), f"claim_{kind}", serves, {"partialFilterExpression": {due: {"$exists": True}}})


SCHEDULE: tuple[Index, ...] = (
    _due(DISPUTES, WorkKind.PULL_EVIDENCE, "Evidence puller: claim disputes whose carrier pull (or evidence deadline) is due."),
    _due(CARRIER_EVENTS, WorkKind.ATTACH_PUSHED, "Push attacher: claim received events not yet attached to disputes; "
         "/metrics: the events waiting and the oldest of them."),
    _due(DISPUTES, WorkKind.ASSESS, "Assessor: cases whose facts changed (or whose third-party check ended) since the last advice."),
    _due(DISPUTES, WorkKind.SLA_CHECK, "SLA sweeper: active cases whose escalation or decision deadline has come."),
    _due(DISPUTES, WorkKind.RELAY, "Outbox relay: claim disputes whose pending messages are due, oldest first; "
         "/metrics: the outbox backlog and its oldest message."),
    _due(DISPUTES, WorkKind.RESTRICTION_REVIEW, "Restriction reviewer: account restrictions unconfirmed at the end of their review window."),
    _due(DISPUTES, WorkKind.RETENTION, "Image retention: closed cases whose images are due for deletion."),
    _due(CARRIER_EVENTS, WorkKind.PUSH_RETENTION, "Push retention: pushed events kept their time since receipt."),
    _due(ATTACHMENTS, WorkKind.ATTACHMENT_CHECK, "Attachment check: images stored an hour ago, deleted if nothing cites them."),
    _due(RAW_PAYLOADS, WorkKind.RAW_CHECK, "Raw reply check: carriers' raw replies stored an hour ago, deleted if nothing cites them."),
)

INDEXES: tuple[Index, ...] = SCHEDULE + (
    Index(
        DISPUTES,
        (("shipment_key", ASCENDING),),
        "one_dispute_per_shipment",
        "Enforces one non-withdrawn dispute per shipment; finds the dispute holding a shipment (409 answer).",
        {"unique": True, "partialFilterExpression": {"holds_shipment": True}},
    ),
    Index(
        DISPUTES,
        (("idempotency.key", ASCENDING),),
        "idempotency_key",
        "Dispute creation replay (the hot path of opening): find by the caller-scoped Idempotency-Key, whose first "
        "answer the dispute keeps; unique per key, so two copies of an opening cannot both be stored.",
        {"unique": True, "partialFilterExpression": {"idempotency.key": {"$exists": True}}},
    ),
    Index(
        IDEMPOTENCY_KEYS,
        (("key", ASCENDING),),
        "idempotency_keys",
        "Every other POST (hot path): claim the caller-scoped Idempotency-Key before running, replay its first "
        "answer; unique, so two copies of a request cannot both claim it.",
        {"unique": True},
    ),
    Index(
        IDEMPOTENCY_KEYS,
        (("purge_at", ASCENDING),),
        "idempotency_keys_expiry",
        "No query: MongoDB deletes a key once it has expired (TTL on the database's clock; reads check the "
        "service's `expires_at` themselves).",
        {"expireAfterSeconds": 0},
    ),
    Index(
        SIGNED_OUT_SESSIONS,
        (("purge_at", ASCENDING),),
        "signed_out_sessions_expiry",
        "No query: MongoDB deletes an ended console session's record once the token it held has expired (TTL on the "
        "database's clock).",
        {"expireAfterSeconds": 0},
    ),
    Index(
        DISPUTES,
        (("order.carrier", ASCENDING), ("order.tracking_number", ASCENDING)),
        "by_tracking_number",
        "Attaching pushed evidence: the disputes on a carrier's tracking number.",
        {"partialFilterExpression": {"holds_shipment": True}},
    ),
    Index(
        DISPUTES,
        (("address_key", ASCENDING), ("opened_at", ASCENDING)),
        "by_address",
        "Abuse signal: how many accounts disputed deliveries to one address in the window (up to the case's opening "
        "instant; those opened at that instant after the case are left out as read).",
        {},
    ),
    Index(
        DISPUTES,
        (("customer_id", ASCENDING), ("opened_at", ASCENDING)),
        "history_by_customer",
        "Abuse signal: the customer's claims in the window (up to the case's opening instant, as by_address).",
        {},
    ),
    Index(
        DISPUTES,
        (("customer_id", ASCENDING), ("opened_at", ASCENDING), ("_id", ASCENDING)),
        "disputes_by_customer",
        "Staff read a customer's history: their disputes, newest first by opening, then id (the cursor's order).",
        {},
    ),
    Index(
        DISPUTES,
        (("money.decided_at", ASCENDING),),
        "ledger_by_decided_at",
        "Money ledger (GET /v1/reports/ledger) and the carrier report's liabilities: the cases with a refund, "
        "reshipment or carrier liability decided in a period (one key per such message; cases with none left out).",
        {"partialFilterExpression": {"money.decided_at": {"$exists": True}}},
    ),
    Index(
        DISPUTES,
        (("opened_at", ASCENDING),),
        "by_opened_at",
        "Reports: the disputes opened in a period.",
        {},
    ),
    Index(
        DISPUTES,
        (("evidence_refs", ASCENDING),),
        "by_attachment",
        "Image retention: is an image still referenced by a case?",
        {},
    ),
    Index(
        CARRIER_EVENTS,
        (("refs", ASCENDING),),
        "events_by_ref",
        "Image retention: is an image or raw body still held by a stored push not yet expired?",
        {},
    ),
    Index(
        CARRIER_EVENTS,
        (("carrier", ASCENDING), ("tracking_number", ASCENDING), ("received_at", ASCENDING), ("push", ASCENDING),
         ("seq", ASCENDING)),
        "events_by_push",
        "A dispute's first pull picks up the latest evidence pushed for its shipment (reading backwards); the push "
        "attacher reads a shipment's events still waiting, to attach them in one save.",
        {},
    ),
    Index(
        CARRIER_EVENTS,
        (("tracking_number", ASCENDING), ("received_at", ASCENDING), ("_id", ASCENDING)),
        "pushes_by_tracking_number",
        "Staff trace a parcel's pushes (GET /v1/pushes): the events every carrier pushed for a tracking number, newest "
        "first by receipt, then id (the cursor's order).",
        {},
    ),
    Index(
        DISPUTES,
        (("test_clock.id", ASCENDING),),
        "by_test_clock",
        "Sandbox: advancing a test clock finds the cases on it.",
        {"partialFilterExpression": {"test_clock.id": {"$exists": True}}},
    ),
    Index(
        DISPUTES,
        (("decision.decided_at", ASCENDING), ("opened_at", ASCENDING), ("queue_key", ASCENDING)),
        PERIOD_DECIDED,
        "Finance and carrier teams: the queue and its export by decision period (with or without an opening "
        "period), read from the period's range and put in queue order by the database, `limit` at a time.",
        {},
    ),
    Index(
        DISPUTES,
        (("opened_at", ASCENDING), ("queue_key", ASCENDING)),
        PERIOD_OPENED,
        "The queue and its export by opening period, read from the period's range and put in queue order by the "
        "database, `limit` at a time.",
        {},
    ),
    _queue(None, "queue_order", "Investigator queue without filters, ordered by decision due date."),
    _queue("status", "queue_order_by_status",
           "Investigator queue filtered by status; /metrics: open cases per state, and those near or past their "
           "decision deadline (ranges of `queue_key`)."),
    _queue("order.carrier", "queue_order_by_carrier", "Investigator queue filtered by carrier."),
    _queue("assignee", "queue_order_by_assignee", "Investigator queue filtered by assignee ('my cases')."),
    _queue("customer_id", "queue_order_by_customer", "A customer's own disputes."),
    _queue("decision.overridden", "queue_order_by_override", "Supervisors: decisions taken against the recommendation."),
    _queue("order.order_id", "queue_order_by_order", "Search: the disputes on an order number."),
    _queue("order.tracking_number", "queue_order_by_tracking_number", "Search: the disputes on a tracking number."),
    _queue("needs_supervisor", "queue_order_by_needs_supervisor", "Supervisors: cases to be decided by a supervisor."),
    _queue("flagged", "queue_order_by_flagged", "Triage: cases carrying abuse flags (or none)."),
    _queue("priority", "queue_order_by_priority", "Triage: cases of the given priorities."),
    _queue("channel", "queue_order_by_channel", "Triage: cases reported through one channel."),
    _queue("decision.outcome", "queue_order_by_outcome", "Finance and carrier teams: cases decided with one outcome."),
    _queue("compensation", "queue_order_by_compensation",
           "Finance and carrier teams: cases whose decisions refunded (or reshipped), whatever a later one decided."),
)


async def ensure_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Every index, created where missing. On a replica set (or through `mongos`) a new index is committed once a
    majority of the data-bearing voting members have built it (`commitQuorum: "majority"`; the default, every one of
    them, waits for a member that is down). A standalone server refuses a commit quorum (manual, `createIndexes`:
    commitQuorum applies to replica sets and sharded clusters), so it is asked for none; mongoeco answers as one."""
    hello = await db.command("hello")
    quorum: dict[str, Any] = {"commitQuorum": "majority"} if "setName" in hello or hello.get("msg") == "isdbgrid" else {}
    by_collection: dict[str, list[IndexModel]] = {}
    for index in INDEXES:
        by_collection.setdefault(index.collection, []).append(index.model())
    # One command a collection, all at once: a collection's indexes are built apart from another's
    await asyncio.gather(*(db[name].create_indexes(models, **quorum) for name, models in by_collection.items()))
