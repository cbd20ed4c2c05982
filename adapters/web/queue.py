"""The investigators' queue over HTTP: from query parameters to the storage query, and the CSV export of any
filtered list."""

import csv
import io
import json
import traceback
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import structlog
from aiohttp import web

from adapters.observability import failure
from adapters.web.endpoint import Call
from adapters.web.keys import CURSORS, EXPORT_MAX_ROWS, MAX_PAGE, SERVICE
from adapters.web.problems import ProblemError
from adapters.web.rate_limit import add_headers
from adapters.web.views import Cursors, summary_fields
from disputes.calendar import BusinessCalendar
from disputes.errors import Forbidden
from disputes.model import Dispute
from disputes.ports import DisputeQuery
from disputes.states import ACTIVE
from schemas.api import DisputeSummary, QueueFilters
from schemas.common import Outcome, timestamp_text
from schemas.dispute import Status

log = structlog.get_logger("api")

TRUNCATED = "#truncated"
"""First cell of the row that ends an export cut at the row limit (no dispute id starts with '#')."""
ROW_LIMIT_HEADER = "X-Export-Row-Limit"
COLUMNS = tuple(DisputeSummary.model_fields)
FILTERS = frozenset(QueueFilters.model_fields)
NO_STORE = "no-store"
"""An export's Cache-Control: it has no validator (README: HTTP semantics)."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_RESPONSE = {
    "description": "One header row (the queue row's fields), then one row per dispute. Cells that would start a "
                   "formula are prefixed with an apostrophe; lists are space-separated; instants are RFC 3339 in UTC "
                   "with `Z` and three fraction digits, as in JSON. "
                   f"An export cut at the row limit ends with a row whose first cell is `{TRUNCATED}`.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "headers": {
        ROW_LIMIT_HEADER: {"description": "The most disputes an export holds.", "schema": {"type": "integer"}},
        "Content-Disposition": {"description": '`attachment; filename="disputes.csv"`', "schema": {"type": "string"}},
        "Cache-Control": {"description": "`no-store`: no cache keeps an export. It has no ETag and is never answered "
                                         "304: a sound validator of the filtered list costs another read of all of it.",
                          "schema": {"type": "string", "const": NO_STORE}},
    },
}


def queue_query(
    call: Call, filters: QueueFilters, cursor: str | None = None, limit: int = 50, cursors: Cursors | None = None
) -> DisputeQuery:
    """The storage query the parameters ask for, from `cursor` on (read by `cursors`, the queue's own by default).
    Parameters that contradict each other are a 422 naming them."""
    f = filters
    cursors = cursors or call.request.app[CURSORS]
    if f.model_fields_set.isdisjoint(FILTERS):  # the plain queue, the busiest read: nothing to check or carry over
        return DisputeQuery(after=_after(cursors, cursor), limit=limit)
    _at_most_one(f, ("assignee", "mine", "unassigned"))
    if f.mine and not call.actor.is_staff:  # `mine` is the caller as assignee: refused as that is, naming `mine`
        raise Forbidden("Only staff filter the queue by mine.", field="mine")
    _at_most_one(f, ("due_before", "overdue", "due_today", "due_within_hours"))
    _in_order(f, "opened_from", "opened_to")
    _in_order(f, "decided_from", "decided_to")
    due_from, due_before, statuses = _deadline(call, f)
    return DisputeQuery(
        statuses=statuses,
        dispute_id=f.dispute_id,
        order_id=f.order_id,
        tracking_number=f.tracking_number,
        carrier=f.carrier,
        assignee=call.actor.id if f.mine else f.assignee,
        unassigned=bool(f.unassigned),
        customer_id=f.customer_id,
        overridden=f.overridden,
        needs_supervisor=f.needs_supervisor,
        flagged=f.flagged,
        priorities=tuple(sorted(set(f.priority or ()))),
        channel=f.channel,
        outcome=f.outcome,
        compensation=Outcome(f.compensation) if f.compensation else None,
        due_from=due_from,
        due_before=due_before,
        opened_from=f.opened_from,
        opened_to=f.opened_to,
        decided_from=f.decided_from,
        decided_to=f.decided_to,
        after=_after(cursors, cursor),
        limit=limit,
    )


def bound_cursors(call: Call, filters: QueueFilters) -> Cursors:
    """The cursors of one list: signed with a key of their own, drawn from the queue's by the caller and the filters
    (each instant in UTC, each list as a sorted set), so a cursor used by someone else or with other filters is
    refused rather than read as a position in another list. The page size is no part of it: it may change between
    pages."""
    given = filters.model_fields_set & FILTERS  # the plain queue, the busiest read, gives none
    chosen = {name: _normal(value) for name in sorted(given) if (value := getattr(filters, name)) is not None}
    selection = json.dumps(chosen, separators=(",", ":")) if chosen else ""
    return call.request.app[CURSORS].bound(call.actor.id, selection)


def _normal(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, list):
        return sorted({str(item) for item in value})
    return str(value)


def _invalid(detail: str, *parameters: str) -> ProblemError:
    """Each value is valid alone (`errors` names values the document itself refuses); together, or as a cursor, not."""
    return ProblemError("validation-failed", detail, parameters=list(parameters))


def _in_order(filters: QueueFilters, start: str, end: str) -> None:
    if (since := getattr(filters, start)) is not None and (until := getattr(filters, end)) is not None and since > until:
        raise _invalid(f"{start} is later than {end}: no dispute can match.", start, end)


def _at_most_one(filters: QueueFilters, names: tuple[str, ...]) -> None:
    given = [name for name in names if getattr(filters, name) is not None]
    if len(given) > 1:
        raise _invalid(f"Give at most one of {', '.join(names)}.", *given)


def _deadline(call: Call, f: QueueFilters) -> tuple[datetime | None, datetime | None, tuple[Status, ...]]:
    """(due from, due before, statuses): the deadline filters select active cases only, by the service's clock;
    `due_today` ends at the local midnight that ends today, which is when a case due today is due."""
    statuses = tuple(dict.fromkeys(f.status or ()))  # each once: the store matches any of them
    if not (f.overdue or f.due_today or f.due_within_hours):
        return None, f.due_before, statuses
    service = call.request.app[SERVICE]
    now = service.clock.now()
    if f.overdue:
        window: tuple[datetime | None, datetime] = None, now
    elif f.due_today:
        calendar = BusinessCalendar(service.rules.half_day_eves)
        tonight = calendar.start_of(calendar.local_day(now) + timedelta(days=1))
        window = now, tonight + timedelta(milliseconds=1)  # due at midnight itself is due today; stored to the ms
    else:
        window = now, now + timedelta(hours=f.due_within_hours or 0)
    active = tuple(s for s in statuses if s in ACTIVE) if statuses else tuple(sorted(ACTIVE))
    if not active:
        given = next(name for name in ("overdue", "due_today", "due_within_hours") if getattr(f, name) is not None)
        raise _invalid("The deadline filters select active cases: give active statuses or none.", "status", given)
    return *window, active


def _after(cursors: Cursors, cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        return cursors.decode(cursor)
    except (ValueError, TypeError, OverflowError):
        raise _invalid("Unknown cursor, or one made for other filters: give the next_cursor of a page as it came, "
                       "with the filters of that page.", "cursor") from None


# --- CSV export ------------------------------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """A cell as text that a spreadsheet shows and never runs: one that would start a formula is prefixed
    with an apostrophe (OWASP's advice for CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = timestamp_text(value)
    elif isinstance(value, list):
        text = " ".join(map(str, value))
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode()


def _row(d: Dispute) -> list[object]:
    return list(summary_fields(d).values())


async def export_disputes(call: Call) -> web.StreamResponse:
    """Every dispute the filters select, each once, in queue order, up to the row limit. The selection (the ids, in
    queue order, one more than the limit) is read by one query before any byte is sent; the rows are then read a
    page (of the queue's largest) at a time by id, which no change moves, and written as read: a case whose deadline
    moves while the file is written (the queue's order) is neither left out nor written twice. Each row is the case
    as its page was read. A list cut at the limit ends with a row whose first cell is `#truncated`."""
    service, limit, page_size = call.request.app[SERVICE], call.request.app[EXPORT_MAX_ROWS], call.request.app[MAX_PAGE]
    query = replace(queue_query(call, call.query), limit=limit + 1, only_ids=True)
    selected = (await service.list(call.actor, query)).ids  # before any byte: a refusal is still a problem document
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="disputes.csv"',
        "Cache-Control": NO_STORE,
        ROW_LIMIT_HEADER: str(limit),
    })
    add_headers(call.request, response)  # sent now: the edge's come too late
    await response.prepare(call.request)
    if call.request.method == "HEAD":  # the headers a GET would get, and not a row
        await response.write_eof()
        return response
    try:
        written, truncated = await _stream(call, response, selected, limit, page_size)
    except Exception as error:  # headers are sent, no problem can follow: cut the stream so the client sees it unfinished
        log.error("export_aborted", **failure(error), stack="".join(traceback.format_tb(error.__traceback__)))
        if call.request.transport is not None:
            call.request.transport.close()
        return response
    log.info("export_written", rows=written, truncated=truncated)
    await response.write_eof()
    return response


async def _stream(
    call: Call, response: web.StreamResponse, selected: tuple[str, ...], limit: int, page_size: int
) -> tuple[int, bool]:
    """The header row, then the rows of the first `limit` disputes selected in the selection's order, `page_size`
    read at a time, then the `#truncated` row if more were selected."""
    await response.write(csv_rows([COLUMNS]))
    written = 0
    for start in range(0, min(len(selected), limit), page_size):
        ids = selected[start : min(start + page_size, limit)]
        page = await call.request.app[SERVICE].list(call.actor, DisputeQuery(ids=ids, limit=len(ids)))
        found = {d.id: d for d in page.items}
        rows = [found[i] for i in ids if i in found]
        await response.write(csv_rows(map(_row, rows)))
        written += len(rows)
    if len(selected) > limit:
        await response.write(csv_rows([[TRUNCATED, f"more than {limit} disputes match; narrow the filters"]]))
        return written, True
    return written, False
