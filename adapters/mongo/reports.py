"""Carrier and SLA reports: one aggregation each over the disputes opened in a period (index `by_opened_at`),
reading the `facts` every write keeps up to date (`disputes.reports`), the real cases among them; what carriers owe
and the money ledger, over the money decided in a period (index `ledger_by_decided_at`)."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from bson import Decimal128
from pymongo.asynchronous.collection import AsyncCollection

from adapters.mongo.errors import translate_driver_errors
from disputes.ledger import LedgerPage, LedgerQuery, LedgerRow, ledger_rows, page_of, whereabouts
from disputes.ports import CarrierFigures, ResponseFigures, ResponseTimes, SlaFigures
from disputes.reports import OUTCOMES, UNDECIDED, billed
from schemas.dispute import DeliveredEffect, EffectKind, MoneyMessage


def _share(condition: str) -> dict[str, Any]:
    return {"$avg": {"$cond": [f"$facts.{condition}", 1, 0]}}


def _had(fact: str) -> dict[str, Any]:
    return {"$sum": {"$cond": [{"$isNumber": f"$facts.{fact}"}, 1, 0]}}


def _p50_p90(fact: str) -> dict[str, Any]:
    return {"$percentile": {"input": f"$facts.{fact}", "p": [0.5, 0.9], "method": "approximate"}}


def _opened(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The disputes opened in [start, end) that the reports count (`disputes.reports.reported`): the period is read
    from its index, the few cases on test clocks (sandbox only) left out of what it finds."""
    return [{"$match": {"opened_at": {"$gte": start, "$lt": end}}}, {"$match": {"test_clock": None}}]


CHANNEL = {"$ifNull": ["$channel", "order_page"]}
"""Disputes stored before channels were recorded all came from the order page (the migration `channels_recorded`
records it on them at start-up; this reads one a process older than it wrote meanwhile the same way)."""


def _count(outcome: str, partial: bool) -> dict[str, Any]:
    """The decisions with `outcome` (`disputes.reports`), or the disputes with none (`UNDECIDED`). Documents stored
    before missing-item claims have no `facts.partial`: whole-package claims, all of them; documents whose facts
    predate `facts.decisions` count their latest decision alone, as was counted then."""
    kind = {"$eq" if partial else "$ne": ["$facts.partial", True]}
    latest = {"$cond": [{"$eq": ["$facts.outcome", None if outcome == UNDECIDED else outcome]}, 1, 0]}
    counted = latest if outcome == UNDECIDED else {"$ifNull": [f"$facts.decisions.{outcome}", latest]}
    return {"$sum": {"$cond": [kind, counted, 0]}}


def _owed(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """What each carrier owes in each currency for the liabilities incurred in [start, end) (the decision that held it
    liable taken in it), never adding one currency to another: the cases with money decided in the period read from
    their index (`ledger_by_decided_at`), their liabilities in it unwound. Summed as decimals (34 digits): exact, where
    a sum of 64-bit integers overflows (an error on mongoeco, an inexact double on MongoDB) past 2^63 minor units, two
    claims at the largest order value."""
    period = {"$gte": start, "$lt": end}
    return [
        {"$match": {"money": {"$elemMatch": {"decided_at": period}}}},
        {"$project": {"order.carrier": 1, "money": 1}},
        {"$unwind": "$money"},
        {"$match": {"money.kind": EffectKind.CARRIER_LIABILITY.value, "money.decided_at": period}},
        {"$group": {
            "_id": {"carrier": "$order.carrier", "currency": "$money.currency"},
            "amount_minor": {"$sum": {"$toDecimal": "$money.amount_minor"}},
        }},
    ]


def _integer(amount: Decimal128 | int) -> int:
    """A decimal sum, read back exactly (an empty or all-null `$sum` is the integer 0)."""
    return int(amount.to_decimal()) if isinstance(amount, Decimal128) else amount


def _carrier_row(row: dict[str, Any]) -> CarrierFigures:
    return CarrierFigures(
        carrier=row["_id"],
        disputes=row["disputes"],
        outcomes={outcome: row[outcome] for outcome in OUTCOMES},
        partial_outcomes={outcome: row[f"partial_{outcome}"] for outcome in OUTCOMES},
        share_with_evidence=row["with_evidence"],
        share_with_signature=row["with_signature"],
        share_with_photo=row["with_photo"],
        share_with_location=row["with_location"],
        median_hours_to_proof=row["median_hours_to_proof"],
        liabilities={},  # `billed` gives them
    )


@translate_driver_errors
class MongoReports:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def carriers(self, start: datetime, end: datetime) -> list[CarrierFigures]:
        """Two aggregations: the figures by carrier over the disputes opened in the period, what each carrier owes by
        currency for the liabilities incurred in it (`_owed`)."""
        pipeline: list[dict[str, Any]] = [
            *_opened(start, end),
            {"$group": {
                "_id": "$order.carrier",
                "disputes": {"$sum": 1},
                **{outcome: _count(outcome, False) for outcome in OUTCOMES},
                **{f"partial_{outcome}": _count(outcome, True) for outcome in OUTCOMES},
                "with_evidence": _share("with_evidence"),
                "with_signature": _share("signature"),
                "with_photo": _share("photo"),
                "with_location": _share("location"),
                "median_hours_to_proof": {"$median": {"input": "$facts.hours_to_proof", "method": "approximate"}},
            }},
        ]
        figures = await (await self.collection.aggregate(pipeline)).to_list()
        owed: defaultdict[str, dict[str, int]] = defaultdict(dict)
        for row in await (await self.collection.aggregate(_owed(start, end))).to_list():
            owed[row["_id"]["carrier"]][row["_id"]["currency"]] = _integer(row["amount_minor"])
        return billed([_carrier_row(row) for row in figures], owed)

    async def sla(self, start: datetime, end: datetime) -> SlaFigures:
        pipeline: list[dict[str, Any]] = [
            *_opened(start, end),
            {"$group": {
                "_id": None,
                "disputes": {"$sum": 1},
                "decided": {"$sum": {"$cond": [{"$ne": ["$facts.outcome", None]}, 1, 0]}},
                "within_sla": {"$sum": {"$cond": [{"$eq": ["$facts.within_sla", True]}, 1, 0]}},
                "automatic": {"$sum": {"$cond": ["$facts.automatic", 1, 0]}},
                "by_deadline_rule": {"$sum": {"$cond": [{"$eq": ["$facts.by_deadline_rule", True]}, 1, 0]}},
                "hours_to_decision": {
                    "$percentile": {"input": "$facts.hours_to_decision", "p": [0.5, 0.95], "method": "approximate"}
                },
            }},
        ]
        rows = await (await self.collection.aggregate(pipeline)).to_list()
        if not rows:
            return SlaFigures(0, 0, 0, 0, None, None)
        row = rows[0]
        median, p95 = row["hours_to_decision"] or (None, None)
        return SlaFigures(row["disputes"], row["decided"], row["within_sla"], row["automatic"], median, p95,
                          row["by_deadline_rule"])

    async def response_times(self, start: datetime, end: datetime) -> ResponseTimes:
        return ResponseTimes(
            by_channel=await self._response_figures(start, end, CHANNEL),
            by_carrier=await self._response_figures(start, end, "$order.carrier"),
        )

    async def ledger(self, query: LedgerQuery) -> LedgerPage:
        """The cases with money decided in the period from the page's cursor on, read from their index
        (`ledger_by_decided_at`) in the order of their earliest money (the key MongoDB sorts an array by) and cut at a
        page's worth (`_ledger_cases`): every row decided before the last case's earliest money is among theirs; when
        those are not a page, twice as many cases are read."""
        cases = query.limit + 2
        while True:
            docs = await (await self.collection.aggregate(_ledger_cases(query, cases))).to_list()
            rows = [row for doc in docs for row in _ledger_rows(doc, query)]
            if len(docs) < cases:
                return page_of(rows, query.limit)
            known_to = max(min(m["decided_at"] for m in doc["money"]) for doc in docs)
            complete = [row for row in rows if row.money.decided_at < known_to]
            if len(complete) > query.limit:
                return page_of(complete, query.limit)
            cases *= 2

    async def _response_figures(self, start: datetime, end: datetime, group: object) -> list[ResponseFigures]:
        pipeline: list[dict[str, Any]] = [
            *_opened(start, end),
            {"$group": {
                "_id": group,
                "disputes": {"$sum": 1},
                "responded": _had("hours_to_first_response"),
                "first_response": _p50_p90("hours_to_first_response"),
                "decided": _had("hours_to_decision"),
                "decision": _p50_p90("hours_to_decision"),
            }},
            {"$sort": {"_id": 1}},
        ]
        rows = await (await self.collection.aggregate(pipeline)).to_list()
        return [_response_row(row) for row in rows]


LEDGER_FIELDS = {
    "order.carrier": 1, "order.tracking_number": 1, "money": 1, "outbox.key": 1, "effects_delivered": 1,
    "effects_parked.key": 1, "effects_parked.parked": 1, "effects_parked.parked_at": 1,
}
"""What a ledger row reads of its case: the money it sent and where each message is (keys, not payloads)."""


def _ledger_cases(query: LedgerQuery, cases: int) -> list[dict[str, Any]]:
    """The first `cases` cases with a row `query` selects, by their earliest money: the index bounds the read by the
    cursor's decision time and the period's end, the kind and carrier are tested on what it finds."""
    since = max(query.decided_from, query.after[0]) if query.after else query.decided_from
    decided = {"decided_at": {"$gte": since, "$lt": query.decided_to}}
    of_kind = decided if query.kind is None else decided | {"kind": query.kind.value}
    carrier = {} if query.carrier is None else {"order.carrier": query.carrier}
    return [
        {"$match": {"money": {"$elemMatch": decided}}},
        {"$match": {"money": {"$elemMatch": of_kind}} | carrier},
        {"$sort": {"money.decided_at": 1, "_id": 1}},
        {"$limit": cases},
        {"$project": LEDGER_FIELDS},
    ]


def _ledger_rows(doc: dict[str, Any], query: LedgerQuery) -> list[LedgerRow]:
    where = whereabouts(
        (m["key"] for m in doc.get("outbox", [])),
        (DeliveredEffect.model_validate(e) for e in doc.get("effects_delivered", [])),
        ((m["key"], m.get("parked"), m.get("parked_at")) for m in doc.get("effects_parked", [])),
    )
    order = doc["order"]
    money = [MoneyMessage.model_validate(m) for m in doc["money"]]
    return ledger_rows(doc["_id"], order["carrier"], order["tracking_number"], money, where, query)


def _response_row(row: dict[str, Any]) -> ResponseFigures:
    first_p50, first_p90 = row["first_response"] or (None, None)
    decision_p50, decision_p90 = row["decision"] or (None, None)
    return ResponseFigures(
        row["_id"], row["disputes"], row["responded"], first_p50, first_p90, row["decided"], decision_p50, decision_p90
    )
