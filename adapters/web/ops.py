"""Operational endpoints: liveness, readiness, the API document and its offline docs page; the count of
responses served, by route and status, for /metrics."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from aiohttp import hdrs, web
from prometheus_client import CollectorRegistry, Counter
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from adapters.web.endpoint import Call
from adapters.web.problems import problem
from schemas.api import Health

ReadinessCheck = Callable[[], Awaitable[None]]
READINESS_TIMEOUT_SECONDS = 0.5  # 503 within a second of the database going away (probes often wait 1 s)
READINESS: web.AppKey[ReadinessCheck] = web.AppKey("readiness")
OPENAPI = web.AppKey("openapi", dict)
DOCS_DIR = Path(swagger_ui_path)
log = structlog.get_logger("api")

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dispute service API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"><link rel="icon" href="/docs/static/favicon-32x32.png"></head>
<body><div id="ui"></div><script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""
# Swagger UI 5 reads OpenAPI 3.1; `validatorUrl: null` keeps it from sending the document to swagger.io.
DOCS_INIT = ('window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true, '
             'validatorUrl: null});')


class ResponseCounter:
    """Counts each response as it is sent (``on_response_prepare``), errors included. Each (method, route,
    status) child is looked up once: on the request path only a dictionary hit and an increment remain."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._responses = Counter(
            "http_responses", "Responses sent, by method, route and status", ["method", "route", "status"],
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], Counter] = {}

    async def __call__(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
        route = request.match_info.route.resource if isinstance(request, web.Request) else None
        method = request.method if request.method in hdrs.METH_ALL else "OTHER"  # a client names any method
        key = (method, route.canonical if route is not None else "unmatched", response.status)
        if (child := self._children.get(key)) is None:
            child = self._children[key] = self._responses.labels(key[0], key[1], str(key[2]))
        child.inc()


async def healthz(call: Call) -> web.Response:
    return web.json_response(Health(status="ok").model_dump())


async def readyz(call: Call) -> web.Response:
    try:
        await call.request.app[READINESS]()
    except Exception as error:
        log.warning("not_ready", error=type(error).__name__)
        return problem(503, "not-ready", "Not ready", "The database is not reachable.")
    return web.json_response(Health(status="ready").model_dump())


async def openapi(call: Call) -> web.Response:
    return web.json_response(call.request.app[OPENAPI])


async def docs(call: Call) -> web.Response:
    return web.Response(text=DOCS_PAGE, content_type="text/html")


async def docs_init(call: Call) -> web.Response:
    return web.Response(text=DOCS_INIT, content_type="application/javascript")
