"""The queue page and its CSV export: the API's queue query (the same parameters, validated by the same model,
turned into the storage query by the same function), as a table.

A filter is one line in FILTERS: the query parameter it sets (a `QueueFilters` field) and the kind of input
that sets it; its label is the word of the same name (`i18n.TEXTS`). A date is a whole day in the SLA calendar's
zone (Europe/Istanbul): "from" starts at its midnight, "to" ends at the next. "Due before" a day takes in the
deadline at its midnight, which the pages write as 24:00 of the day before (deadlines are stored to the millisecond,
so that midnight and one millisecond is the bound, as the API's `due_today` takes its own)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from aiohttp import web
from pydantic import ValidationError

from adapters.web.console.session import page, reasons, render
from adapters.web.endpoint import Call
from adapters.web.keys import MAX_PAGE, SERVICE
from adapters.web.problems import ProblemError
from adapters.web.queue import bound_cursors, export_disputes, queue_query
from carriers.registry import CARRIERS
from disputes.calendar import BusinessCalendar
from disputes.actors import Actor
from disputes.model import Dispute
from disputes.states import ACTIVE, CLOSED
from schemas.api import ListQuery, QueueFilters
from schemas.common import Outcome, Resolution
from schemas.dispute import Channel, Status

YES_NO = ("true", "false")
CARRIER_NAMES = {code: getattr(entry.build, "name", code) for code, entry in CARRIERS.items()}
DIGITAL = "digital"
"""What the order service names as the carrier of an order's digital lines (codes, links): no carrier, but what the
API's queue finds those cases by."""
CARRIER_CODES = (*CARRIER_NAMES, DIGITAL)
LOCAL_DAYS = BusinessCalendar()  # only its zone is used: where a day starts
DAY_ENDS = frozenset({"opened_to", "decided_to"})  # dates that name the last day included
AT_MIDNIGHT = frozenset({"due_before"})  # dates whose midnight itself is included: the end of the day before
DAYS = (date(1900, 1, 1), date(9998, 12, 31))
"""The days a date field takes, first and last: their local midnights, and the weeks a report steps through, are
instants (year 1's first midnight in Istanbul is in year 0 in UTC)."""


@dataclass(frozen=True)
class Filter:
    name: str
    kind: Literal["text", "select", "date", "check", "number"]
    options: tuple[str, ...] = ()
    search: bool = False  # shown with the searches (by id or number) rather than the filters
    label: str = ""  # the word that labels it, when not the word of its name
    names: Mapping[str, str] = field(default_factory=dict)  # an option's name, when not a word (a carrier's own)

    @property
    def word(self) -> str:
        return self.label or self.name


BEING_WORKED, ANY_STATUS = "being_worked", "any"
"""The status filter's choice of the statuses a case is worked in (`ACTIVE`), the queue's when no status is named and
nothing is searched; and of every status (the form's "Any", sent empty), kept so in the page's links."""

FILTERS = (
    Filter("dispute_id", "text", search=True),
    Filter("order_id", "text", search=True),
    Filter("tracking_number", "text", search=True),
    Filter("customer_id", "text", search=True),
    Filter("status", "select", (BEING_WORKED, *Status)),
    Filter("carrier", "select", CARRIER_CODES, names=CARRIER_NAMES),
    Filter("assignee", "text"),
    Filter("mine", "check"),
    Filter("unassigned", "check", label="unassigned_filter"),
    Filter("needs_supervisor", "select", YES_NO, label="needs_supervisor_filter"),
    Filter("flagged", "select", YES_NO),
    Filter("priority", "select", ("0", "1", "2", "3")),
    Filter("channel", "select", tuple(Channel)),
    Filter("outcome", "select", tuple(Outcome)),
    Filter("compensation", "select", tuple(Resolution)),
    Filter("overridden", "select", YES_NO),
    Filter("overdue", "check", label="overdue_filter"),
    Filter("due_today", "check"),
    Filter("due_within_hours", "number"),
    Filter("due_before", "date"),
    Filter("opened_from", "date"),
    Filter("opened_to", "date"),
    Filter("decided_from", "date"),
    Filter("decided_to", "date"),
)
LISTS = frozenset({"status", "priority"})  # parameters that take a comma-separated list


@dataclass(frozen=True)
class Row:
    dispute: Dispute
    overdue: bool


def chosen_filters(query: Mapping[str, str]) -> dict[str, str]:
    """The filters set in the query string, as typed (empty ones and unknown parameters dropped). A query that names
    no status lists the cases being worked (the landing page, its quick links), or, with a search, every status; the
    form always names one, its "Any" (empty) as `ANY_STATUS`."""
    chosen = {f.name: value for f in FILTERS if (value := query.get(f.name, "").strip())}
    if "status" in query:
        return {"status": ANY_STATUS} | chosen
    return {"status": ANY_STATUS if _searched(chosen) else BEING_WORKED} | chosen


def given_once(request: web.Request) -> None:
    """A filter given twice in the address (`?compensation=refund&compensation=reship`, typed or from a saved link) is
    refused, as the API refuses it: which of the two was meant is not guessed. The form gives each filter once."""
    if twice := [f.name for f in FILTERS if len(request.query.getall(f.name, ())) > 1]:
        raise ProblemError("validation-failed", f"{twice[0]}: given twice.")


def _searched(chosen: Mapping[str, str]) -> bool:
    """Whether a case is searched for (by its id or a number): found whatever its status, unless one is chosen."""
    return any(f.search and f.name in chosen for f in FILTERS)


def _parameters(chosen: dict[str, str]) -> dict[str, object]:
    """The API's parameters from the form's: a date is the local midnight that starts it (that ends it for a "to",
    just past it for "due before"), a list is split at its commas (a tracking number is written as it is stored by
    the API's own filters, `schemas.common.one_spelling`); a carrier code that is neither a carrier of the registry nor `DIGITAL` is refused (the API would match nothing)."""
    kinds = {f.name: f.kind for f in FILTERS}
    if (carrier := chosen.get("carrier")) is not None and carrier not in CARRIER_CODES:
        raise ProblemError("validation-failed",
                           f"carrier: no carrier is known by that code (there are {', '.join(CARRIER_CODES)}).")
    data: dict[str, object] = {}
    for name, value in chosen.items():
        if name == "status" and value in (BEING_WORKED, ANY_STATUS):
            if value == BEING_WORKED and not _searched(chosen):
                data[name] = sorted(ACTIVE)
        else:
            data[name] = value.split(",") if name in LISTS else _day(name, value) if kinds[name] == "date" else value
    return data


def _day(name: str, typed: str) -> object:
    """The instant a date filter stands for, or the text as typed (for the API's model to refuse)."""
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        return typed
    if not DAYS[0] <= day <= DAYS[1]:
        raise ProblemError("validation-failed", f"{name}: give a day from {DAYS[0]} to {DAYS[1]}.")
    start = LOCAL_DAYS.start_of(day + timedelta(days=1) if name in DAY_ENDS else day)
    return start + timedelta(milliseconds=1) if name in AT_MIDNIGHT else start


@page
async def queue(request: web.Request, actor: Actor) -> web.Response:
    chosen = chosen_filters(request.query)
    context: dict[str, object] = {"filters": FILTERS, "chosen": chosen, "rows": [], "next_cursor": None, "error": None}
    try:
        given_once(request)
        q = ListQuery.model_validate(_parameters(chosen) | {"cursor": request.query.get("cursor") or None})
        cursors = bound_cursors(Call(request, actor), q)  # as the API's queue: a cursor for these filters only
        query = queue_query(Call(request, actor), q, q.cursor, min(q.limit, request.app[MAX_PAGE]), cursors)
    except (ValidationError, ProblemError) as error:
        return render(request, "queue.html", context | refusal(error), actor, status=422)
    service = request.app[SERVICE]
    result = await service.list(actor, query)
    now = service.clock.now()
    rows = [Row(d, d.status not in CLOSED and d.sla.decision_due < now) for d in result.items]
    next_cursor = cursors.encode(result.next_after) if result.next_after else None
    counts = {
        "shown": len(rows),
        "overdue": sum(r.overdue for r in rows),
        "unassigned": sum(r.dispute.assignee is None and r.dispute.status not in CLOSED for r in rows),
    }
    return render(request, "queue.html", context | {"rows": rows, "next_cursor": next_cursor, "counts": counts}, actor)


@page
async def export(request: web.Request, actor: Actor) -> web.StreamResponse:
    """The filtered list as CSV, by the API's export (the same row limit, the same cells)."""
    try:
        given_once(request)
        filters = QueueFilters.model_validate(_parameters(chosen_filters(request.query)))
        return await export_disputes(Call(request, actor, query=filters))
    except (ValidationError, ProblemError) as error:
        context = {"filters": FILTERS, "chosen": chosen_filters(request.query)} | refusal(error)
        return render(request, "queue.html", context, actor, status=422)


def refusal(error: ValidationError | ProblemError) -> dict[str, object]:
    """The page's error, with what is wrong with the filters in words."""
    detail = reasons(error) if isinstance(error, ValidationError) else [error.detail or error.title]
    return {"error": "invalid", "errors": detail}
