"""Reports for staff: per carrier (outcomes, proof quality, time to proof, liability) and the SLA."""

from aiohttp import web

from adapters.web.endpoint import Call, Endpoint
from adapters.web.problems import ProblemError
from disputes.ports import CarrierFigures, Reports
from schemas.api import CarrierReport, CarrierReportRow, ReportQuery, SlaReport
from schemas.common import Role

REPORTS = web.AppKey("reports", Reports)
STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
MAX_DAYS = 366


def _period(call: Call) -> ReportQuery:
    query: ReportQuery = call.query
    if query.end <= query.start:
        raise ProblemError(422, "validation-failed", "The request is not valid", "'to' must be after 'from'.")
    if (query.end - query.start).days > MAX_DAYS:
        raise ProblemError(422, "validation-failed", "The request is not valid", f"Periods are at most {MAX_DAYS} days.")
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
        liability_minor=figures.liability_minor,
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
        median_hours_to_decision=figures.median_hours_to_decision,
        p95_hours_to_decision=figures.p95_hours_to_decision,
    )
    return web.Response(text=report.model_dump_json(), content_type="application/json")


ENDPOINTS = (
    Endpoint("GET", "/v1/reports/carriers", carrier_report, "Per carrier: outcomes, proof quality, liability", STAFF,
             query=ReportQuery, response=CarrierReport, tag="reports", errors=(422,)),
    Endpoint("GET", "/v1/reports/sla", sla_report, "SLA compliance, auto-resolution rate, time to decision", STAFF,
             query=ReportQuery, response=SlaReport, tag="reports", errors=(422,)),
)
