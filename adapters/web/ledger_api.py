"""The money ledger for finance (`disputes.ledger`): a page of JSON, or every row of a period as CSV."""

from dataclasses import replace
from datetime import datetime

from aiohttp import web

from adapters.web.endpoint import Call, Endpoint
from adapters.web.keys import CURSORS, MAX_PAGE
from adapters.web.problems import ProblemError
from adapters.web.rate_limit import add_headers
from adapters.web.queue import NO_STORE, csv_rows
from adapters.web.reports_api import READERS, REPORTS, check_period
from adapters.web.views import Cursors
from disputes.ledger import LedgerQuery, LedgerRow, MoneyState
from schemas.api import LedgerFilters, LedgerKind, LedgerLine, LedgerListQuery, LedgerPageView, LedgerRowView
from schemas.dispute import EffectKind

COLUMNS = tuple(LedgerRowView.model_fields)
KINDS: dict[EffectKind, LedgerKind] = {
    EffectKind.REFUND: "refund", EffectKind.RESHIP: "reship", EffectKind.CARRIER_LIABILITY: "carrier_liability",
}
CSV_RESPONSE = {
    "description": "One header row (the JSON row's fields), then every row of the period in ledger order (decided_at, "
                   "key). Cells that would start a formula are prefixed with an apostrophe; `lines` are "
                   "space-separated `sku*quantity`; instants are RFC 3339 in UTC with `Z` and three fraction digits, as "
                   "in the JSON rows.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "headers": {
        "Content-Disposition": {"description": '`attachment; filename="ledger.csv"`', "schema": {"type": "string"}},
        "Cache-Control": {"description": "`no-store`: no cache keeps an export.",
                          "schema": {"type": "string", "const": NO_STORE}},
    },
}


def _query(filters: LedgerFilters, limit: int, after: tuple[datetime, str] | None = None) -> LedgerQuery:
    check_period(filters.decided_from, filters.decided_to, ("decided_from", "decided_to"))
    kind = EffectKind(filters.kind) if filters.kind else None
    return LedgerQuery(filters.decided_from, filters.decided_to, kind, filters.carrier, after, limit)


def _cursors(call: Call, filters: LedgerFilters) -> Cursors:
    """Signed for this caller and these filters (each instant in UTC), so a cursor of another list is refused."""
    chosen = filters.model_dump(mode="json", include=set(LedgerFilters.model_fields)) | {
        "decided_from": filters.decided_from.timestamp(), "decided_to": filters.decided_to.timestamp(),
    }
    return call.request.app[CURSORS].bound(call.actor.id, f"ledger {sorted(chosen.items())}")


def row_view(row: LedgerRow) -> LedgerRowView:
    money, where = row.money, row.whereabouts
    delivered, parked = where.state is MoneyState.DELIVERED, where.state is MoneyState.PARKED
    return LedgerRowView(
        dispute_id=row.dispute_id, carrier=row.carrier, tracking_number=row.tracking_number, kind=KINDS[money.kind],
        key=money.key, amount_minor=money.amount_minor, currency=money.currency,
        lines=[LedgerLine(sku=line.sku, quantity=line.quantity) for line in money.lines],
        destination=money.destination, decision=money.decision, decided_at=money.decided_at, state=where.state.value,
        delivered_at=where.at if delivered else None, reference=where.reference,
        parked_at=where.at if parked else None, parked_reason=where.parked_reason,
        contested_by_proof_at=money.contested_by_proof_at, rebuilt=money.rebuilt,
    )


async def ledger(call: Call) -> web.Response:
    filters: LedgerListQuery = call.query
    cursors = _cursors(call, filters)
    try:
        after = cursors.decode(filters.cursor) if filters.cursor else None
    except (ValueError, TypeError, OverflowError):
        raise ProblemError("validation-failed", "Unknown cursor, or one made for other filters: give the next_cursor "
                           "of a page as it came, with the filters of that page.", parameters=["cursor"]) from None
    page = await call.request.app[REPORTS].ledger(_query(filters, min(filters.limit, call.request.app[MAX_PAGE]), after))
    view = LedgerPageView(
        items=[row_view(row) for row in page.rows],
        next_cursor=cursors.encode(page.next_after) if page.next_after else None,
    )
    return web.Response(text=view.model_dump_json(), content_type="application/json")


def _cells(row: LedgerRowView) -> list[object]:
    cells: list[object] = [getattr(row, name) for name in COLUMNS]
    cells[COLUMNS.index("lines")] = [f"{line.sku}*{line.quantity}" for line in row.lines]
    return cells


async def ledger_csv(call: Call) -> web.StreamResponse:
    """Every row of the period, read a page at a time in ledger order (a row never moves, so none is read twice or
    missed); the first page is read before any byte is sent, so a refusal is still a problem document."""
    reports, page_size = call.request.app[REPORTS], call.request.app[MAX_PAGE]
    query = _query(call.query, page_size)
    page = await reports.ledger(query)
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="ledger.csv"',
        "Cache-Control": NO_STORE,
    })
    add_headers(call.request, response)  # sent now: the edge's come too late
    await response.prepare(call.request)
    if call.request.method == "HEAD":  # the headers a GET would get, and not a row
        await response.write_eof()
        return response
    await response.write(csv_rows([COLUMNS]))
    while True:
        await response.write(csv_rows(_cells(row_view(row)) for row in page.rows))
        if page.next_after is None:
            break
        page = await reports.ledger(replace(query, after=page.next_after))
    await response.write_eof()
    return response


ENDPOINTS = (
    Endpoint("GET", "/v1/reports/ledger", ledger,
             "The money ledger: each refund, reshipment and carrier liability decided in a period, and where it is",
             READERS, query=LedgerListQuery, response=LedgerPageView, tag="reports", errors=(422,)),
    Endpoint("GET", "/v1/reports/ledger.csv", ledger_csv, "The money ledger of a period as CSV", READERS,
             query=LedgerFilters, tag="reports", errors=(422,), extra={"ok": CSV_RESPONSE, "no_store": True}),
)
