"""Operational endpoints: liveness, readiness, metrics, the API document and its offline docs page."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from adapters.metrics import SCRAPE
from adapters.web.endpoint import Call
from adapters.web.keys import METRICS, REQUEST_ID
from adapters.web.problems import problem
from disputes.ports import StorageUnavailable
from schemas.api import Health

METRICS_ANSWER = {
    "description": f"Every metric, in Prometheus' text exposition format (`{CONTENT_TYPE_LATEST}`).",
    "content": {"text/plain": {"schema": {"type": "string"}, "example": (
        "# HELP disputes_http_requests_total Requests answered, by method, route template and status\n"
        "# TYPE disputes_http_requests_total counter\n"
        'disputes_http_requests_total{method="GET",route="/healthz",status="200"} 1.0\n'
    )}},
}
"""The metrics endpoint's answer in the API document (not JSON: it describes itself)."""
ReadinessCheck = Callable[[], Awaitable[None]]
READINESS_TIMEOUT_SECONDS = 0.5  # 503 within a second of the database going away (probes often wait 1 s)
READINESS: web.AppKey[ReadinessCheck] = web.AppKey("readiness")
OPENAPI = web.AppKey("openapi", bytes)
DOCS_DIR = Path(swagger_ui_path)
log = structlog.get_logger("api")

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dispute service API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"><link rel="icon" href="/docs/static/favicon-32x32.png"></head>
<body><div id="ui"></div><script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""
DOCS_HEADERS = {
    # Swagger UI's script and styles are the service's own files; its stylesheet's icons are data: URIs.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Swagger UI 5 reads OpenAPI 3.1; `validatorUrl: null` keeps it from sending the document to swagger.io.
DOCS_INIT = ('window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true, '
             'validatorUrl: null});')


async def healthz(call: Call) -> web.Response:
    return web.json_response(Health(status="ok").model_dump())


class ReadinessLog:
    """Logs readiness when it changes, not at every probe (orchestrators probe every few seconds, all outage long)."""

    def __init__(self) -> None:
        self.failing: str | None = None

    def failed(self, error: str, detail: str) -> None:
        if detail != self.failing:
            log.warning("not_ready", error=error, detail=detail)
            self.failing = detail

    def passed(self) -> None:
        if self.failing is not None:
            log.info("ready_again")
            self.failing = None


READINESS_LOG = web.AppKey("readiness_log", ReadinessLog)


async def readyz(call: Call) -> web.Response:
    try:
        await call.request.app[READINESS]()
    except Exception as error:
        # storage's own words on what holds its set-up; any other failure is the ping's
        detail = str(error) if isinstance(error, StorageUnavailable) else "The database does not answer ping."
        call.request.app[READINESS_LOG].failed(type(error).__name__, detail)
        return problem(503, "not-ready", "Not ready", detail, request_id=call.request.get(REQUEST_ID))
    call.request.app[READINESS_LOG].passed()
    return web.json_response(Health(status="ready").model_dump())


async def openapi(call: Call) -> web.Response:
    return web.Response(body=call.request.app[OPENAPI], content_type="application/json", charset="utf-8")


async def docs(call: Call) -> web.Response:
    return web.Response(text=DOCS_PAGE, content_type="text/html", headers=DOCS_HEADERS)


async def docs_init(call: Call) -> web.Response:
    return web.Response(text=DOCS_INIT, content_type="application/javascript", headers=DOCS_HEADERS)


async def metrics(call: Call) -> web.Response:
    """What storage holds is read first (the breakers, the workload), then every metric is rendered."""
    app = call.request.app
    await asyncio.gather(*(refresh() for refresh in app[SCRAPE]))
    return web.Response(body=generate_latest(app[METRICS]), headers={"Content-Type": CONTENT_TYPE_LATEST})
