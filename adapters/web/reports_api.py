"""Reports for staff: per carrier (outcomes, proof quality, time to proof, liability) and the SLA."""

from aiohttp import web

from adapters.mongo.reports import MongoReports
from adapters.web.endpoint import Call, Endpoint
from adapters.web.problems import ProblemError
from schemas.api import CarrierReport, CarrierReportRow, ReportQuery, SlaReport
from schemas.common import Role

REPORTS = web.AppKey("reports", MongoReports)
STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
MAX_DAYS = 366


def _period(call: Call) -> ReportQuery:
    query: ReportQuery = call.query
    if query.end <= query.start:
        raise ProblemError(422, "validation-failed", "The request is not valid", "'to' must be after 'from'.")
    if (query.end - query.start).days > MAX_DAYS:
        raise ProblemError(422, "validation-failed", "The request is not valid", f"Periods are at most {MAX_DAYS} days.")
    return query


def _reports(call: Call) -> MongoReports:
    reports = call.request.app.get(REPORTS)
    if reports is None:
        raise ProblemError(503, "unavailable", "Reports need the MongoDB storage")
    return reports


async def carrier_report(call: Call) -> web.Response:
    period = _period(call)
    rows = await _reports(call).carriers(period.start, period.end)
    report = CarrierReport(start=period.start, end=period.end, carriers=[
        CarrierReportRow(
            carrier=row["_id"],
            disputes=row["disputes"],
            outcomes={k: row[k] for k in ("refund", "reship", "rejected", "undecided")},
            share_with_evidence=round(row["with_evidence"], 3),
            share_with_signature=round(row["with_signature"], 3),
            share_with_photo=round(row["with_photo"], 3),
            share_with_location=round(row["with_location"], 3),
            median_hours_to_proof=row["median_hours_to_proof"],
            liability_minor=row["liability_minor"],
        )
        for row in rows
    ])
    return web.Response(text=report.model_dump_json(), content_type="application/json")


async def sla_report(call: Call) -> web.Response:
    period = _period(call)
    row = await _reports(call).sla(period.start, period.end)
    decided = row["decided"]
    median, p95 = row["hours_to_decision"] or (None, None)
    report = SlaReport(
        start=period.start,
        end=period.end,
        disputes=row["disputes"],
        decided=decided,
        decided_within_sla=round(row["within_sla"] / decided, 3) if decided else None,
        auto_resolution_rate=round(row["automatic"] / decided, 3) if decided else None,
        median_hours_to_decision=median,
        p95_hours_to_decision=p95,
    )
    return web.Response(text=report.model_dump_json(), content_type="application/json")


ENDPOINTS = (
    Endpoint("GET", "/v1/reports/carriers", carrier_report, "Per carrier: outcomes, proof quality, liability", STAFF,
             query=ReportQuery, response=CarrierReport, tag="reports", errors=(422,)),
    Endpoint("GET", "/v1/reports/sla", sla_report, "SLA compliance, auto-resolution rate, time to decision", STAFF,
             query=ReportQuery, response=SlaReport, tag="reports", errors=(422,)),
)
