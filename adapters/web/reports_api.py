"""Reports for staff: per carrier (outcomes, proof quality, time to proof, liability), the SLA, and response
times by channel and carrier."""

from datetime import datetime, timedelta

from aiohttp import web

from adapters.web.endpoint import Call, Endpoint
from adapters.web.problems import ProblemError
from disputes.ports import CarrierFigures, Reports, ResponseFigures
from schemas.api import (
    CarrierReport,
    CarrierReportRow,
    Liability,
    ReportQuery,
    ResponseTimesReport,
    ResponseTimesRow,
    SlaReport,
)
from schemas.common import Role

REPORTS = web.AppKey("reports", Reports)
READERS = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR, Role.FINANCE})
"""Who reads the reports and the money ledger: staff, and finance (which reads nothing else: no case, no evidence)."""
MAX_DAYS = 366
LIRA = "TRY"
"""The one currency the deprecated `liability_minor` still gives, as clients that read it before `liabilities`
existed took it to be."""


def check_period(start: datetime, end: datetime, names: tuple[str, str] = ("from", "to")) -> None:
    """A period a report reads: `end` after `start`, at most MAX_DAYS later (a 422 naming both otherwise)."""
    if end <= start:
        raise ProblemError("validation-failed", f"'{names[1]}' must be after '{names[0]}'.", parameters=list(names))
    if end - start > timedelta(days=MAX_DAYS):
        raise ProblemError("validation-failed", f"Periods are at most {MAX_DAYS} days.", parameters=list(names))


def _period(call: Call) -> ReportQuery:
    query: ReportQuery = call.query
    check_period(query.start, query.end)
    return query


def _row(figures: CarrierFigures) -> CarrierReportRow:
    return CarrierReportRow(
        carrier=figures.carrier,
        disputes=figures.disputes,
        outcomes=figures.outcomes,
        partial_outcomes=figures.partial_outcomes,
        share_with_evidence=round(figures.share_with_evidence, 3),
        share_with_signature=round(figures.share_with_signature, 3),
        share_with_photo=round(figures.share_with_photo, 3),
        share_with_location=round(figures.share_with_location, 3),
        median_hours_to_proof=figures.median_hours_to_proof,
        liabilities=[Liability(currency=currency, amount_minor=owed) for currency, owed in figures.liabilities.items()],
        liability_minor=figures.liabilities.get(LIRA, 0),
    )


async def carrier_report(call: Call) -> web.Response:
    period = _period(call)
    figures = await call.request.app[REPORTS].carriers(period.start, period.end)
    report = CarrierReport(start=period.start, end=period.end, carriers=[_row(f) for f in figures])
    return web.Response(text=report.model_dump_json(), content_type="application/json")


async def sla_report(call: Call) -> web.Response:
    period = _period(call)
    figures = await call.request.app[REPORTS].sla(period.start, period.end)
    decided = figures.decided
    report = SlaReport(
        start=period.start,
        end=period.end,
        disputes=figures.disputes,
        decided=decided,
        decided_within_sla=round(figures.within_sla / decided, 3) if decided else None,
        auto_resolution_rate=round(figures.automatic / decided, 3) if decided else None,
        deadline_rule_rate=round(figures.by_deadline_rule / decided, 3) if decided else None,
        median_hours_to_decision=figures.median_hours_to_decision,
        p95_hours_to_decision=figures.p95_hours_to_decision,
    )
    return web.Response(text=report.model_dump_json(), content_type="application/json")


async def response_times_report(call: Call) -> web.Response:
    period = _period(call)
    times = await call.request.app[REPORTS].response_times(period.start, period.end)
    report = ResponseTimesReport(
        start=period.start, end=period.end, by_channel=[_times(f) for f in times.by_channel],
        by_carrier=[_times(f) for f in times.by_carrier],
    )
    return web.Response(text=report.model_dump_json(), content_type="application/json")


def _times(figures: ResponseFigures) -> ResponseTimesRow:
    return ResponseTimesRow(
        group=figures.group, disputes=figures.disputes, responded=figures.responded,
        first_response_p50_hours=figures.first_response_p50_hours,
        first_response_p90_hours=figures.first_response_p90_hours, decided=figures.decided,
        decision_p50_hours=figures.decision_p50_hours, decision_p90_hours=figures.decision_p90_hours,
    )


ENDPOINTS = (
    Endpoint("GET", "/v1/reports/carriers", carrier_report, "Per carrier: outcomes, proof quality, liability", READERS,
             query=ReportQuery, response=CarrierReport, tag="reports", errors=(422,)),
    Endpoint("GET", "/v1/reports/sla", sla_report, "SLA compliance, auto-resolution rate, time to decision", READERS,
             query=ReportQuery, response=SlaReport, tag="reports", errors=(422,)),
    Endpoint("GET", "/v1/reports/response-times", response_times_report,
             "First response and decision times (p50, p90) by channel and by carrier", READERS,
             query=ReportQuery, response=ResponseTimesReport, tag="reports", errors=(422,)),
)
