"""Carrier and SLA reports: one aggregation each over the disputes opened in a period (index `by_opened_at`),
reading the `facts` every write keeps up to date."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection


def _share(condition: str) -> dict[str, Any]:
    return {"$avg": {"$cond": [f"$facts.{condition}", 1, 0]}}


def _count(outcome: str | None) -> dict[str, Any]:
    return {"$sum": {"$cond": [{"$eq": ["$facts.outcome", outcome]}, 1, 0]}}


class MongoReports:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def carriers(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"opened_at": {"$gte": start, "$lt": end}}},
            {"$group": {
                "_id": "$order.carrier",
                "disputes": {"$sum": 1},
                "refund": _count("refund"),
                "reship": _count("reship"),
                "rejected": _count("rejected"),
                "undecided": _count(None),
                "with_evidence": _share("with_evidence"),
                "with_signature": _share("signature"),
                "with_photo": _share("photo"),
                "with_location": _share("location"),
                "median_hours_to_proof": {"$median": {"input": "$facts.hours_to_proof", "method": "approximate"}},
                "liability_minor": {"$sum": "$facts.liability_minor"},
            }},
            {"$sort": {"_id": 1}},
        ]
        return await (await self.collection.aggregate(pipeline)).to_list()

    async def sla(self, start: datetime, end: datetime) -> dict[str, Any]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"opened_at": {"$gte": start, "$lt": end}}},
            {"$group": {
                "_id": None,
                "disputes": {"$sum": 1},
                "decided": {"$sum": {"$cond": [{"$ne": ["$facts.outcome", None]}, 1, 0]}},
                "within_sla": {"$sum": {"$cond": [{"$eq": ["$facts.within_sla", True]}, 1, 0]}},
                "automatic": {"$sum": {"$cond": ["$facts.automatic", 1, 0]}},
                "hours_to_decision": {
                    "$percentile": {"input": "$facts.hours_to_decision", "p": [0.5, 0.95], "method": "approximate"}
                },
            }},
        ]
        rows = await (await self.collection.aggregate(pipeline)).to_list()
        return rows[0] if rows else {"disputes": 0, "decided": 0, "within_sla": 0, "automatic": 0, "hours_to_decision": [None, None]}
