"""The queue page: the API's queue query (the same parameters, validated by the same model), as a table.

A filter is one line in FILTERS: the query parameter it sets (a `ListQuery` field), the words that label it
and the kind of input that sets it."""

from dataclasses import dataclass
from typing import Literal

from aiohttp import web
from pydantic import ValidationError

from adapters.web.console.session import page, render
from adapters.web.disputes_api import dispute_query
from adapters.web.keys import MAX_PAGE, SERVICE
from adapters.web.problems import ProblemError
from adapters.web.views import encode_cursor
from disputes.actors import Actor
from disputes.model import Dispute
from schemas.api import ListQuery
from schemas.dispute import Status

CLOSED = frozenset({Status.RESOLVED, Status.WITHDRAWN})


@dataclass(frozen=True)
class Filter:
    name: str
    kind: Literal["text", "select", "date"]
    options: tuple[str, ...] = ()


FILTERS = (
    Filter("status", "select", tuple(Status)),
    Filter("carrier", "text"),
    Filter("assignee", "text"),
    Filter("customer_id", "text"),
    Filter("overridden", "select", ("true", "false")),
    Filter("due_before", "date"),
    Filter("opened_from", "date"),
    Filter("opened_to", "date"),
)


@dataclass(frozen=True)
class Row:
    dispute: Dispute
    overdue: bool


def chosen_filters(request: web.Request) -> dict[str, str]:
    """The filters set in the query string, as typed (empty ones and unknown parameters dropped)."""
    return {f.name: value for f in FILTERS if (value := request.query.get(f.name, "").strip())}


def list_query(chosen: dict[str, str], cursor: str | None) -> ListQuery:
    kinds = {f.name: f.kind for f in FILTERS}
    data: dict[str, object] = {
        name: f"{value}T00:00:00Z" if kinds[name] == "date" else value for name, value in chosen.items()
    }
    if "status" in data:
        data["status"] = str(data["status"]).split(",")
    if cursor:
        data["cursor"] = cursor
    return ListQuery.model_validate(data)


@page
async def queue(request: web.Request, actor: Actor) -> web.Response:
    chosen = chosen_filters(request)
    context: dict[str, object] = {"filters": FILTERS, "chosen": chosen, "rows": [], "next_cursor": None, "error": None}
    try:
        query = dispute_query(list_query(chosen, request.query.get("cursor")), request.app[MAX_PAGE])
    except (ValidationError, ProblemError):
        return render(request, "queue.html", context | {"error": "invalid"}, actor, status=422)
    service = request.app[SERVICE]
    result = await service.list(actor, query)
    now = service.clock.now()
    rows = [Row(d, d.status not in CLOSED and d.sla.decision_due < now) for d in result.items]
    next_cursor = encode_cursor(result.next_after) if result.next_after else None
    counts = {
        "shown": len(rows),
        "overdue": sum(r.overdue for r in rows),
        "unassigned": sum(r.dispute.assignee is None and r.dispute.status not in CLOSED for r in rows),
    }
    return render(request, "queue.html", context | {"rows": rows, "next_cursor": next_cursor, "counts": counts,
                                                    "now": now}, actor)
