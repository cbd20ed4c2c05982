"""The one canonical line per request: its fields, whichever way logging is configured."""

import asyncio
import io
import json
import re

import pytest
import structlog
from aiohttp import web
from structlog.testing import capture_logs

from adapters.observability import bind_actor, configure_logging
from adapters.web.edge import edge
from disputes.actors import Actor
from schemas.common import Role


@pytest.fixture(autouse=True)
def _logging_restored():
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


async def found(request: web.Request) -> web.Response:
    structlog.contextvars.bind_contextvars(dispute_id="dsp_1")
    return web.json_response({})


async def _get(aiohttp_client, path: str = "/things/7") -> str:
    app = web.Application(middlewares=[edge])
    app.router.add_get("/things/{id}", found)
    client = await aiohttp_client(app)
    response = await client.get(path, headers={"X-Request-ID": "req-7"})
    return response.headers["X-Request-ID"]


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_the_request_line_carries_the_request_and_what_the_handler_bound(aiohttp_client):
    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream)
    assert await _get(aiohttp_client) == "req-7"
    [line] = [line for line in _lines(stream) if line["event"] == "request"]
    assert {k: line[k] for k in ("method", "route", "status", "request_id", "dispute_id", "level")} == {
        "method": "GET", "route": "/things/{id}", "status": 200, "request_id": "req-7", "dispute_id": "dsp_1",
        "level": "info",
    }
    assert len(str(line["trace_id"])) == 32 and "actor_id" not in line  # a new trace; nobody signed in
    assert isinstance(line["duration_ms"], float) and str(line["timestamp"]).endswith("Z")


async def test_the_request_line_follows_the_configured_level(aiohttp_client):
    stream = io.StringIO()
    configure_logging("WARNING", json=True, stream=stream)
    await _get(aiohttp_client)
    assert stream.getvalue() == ""


async def test_the_request_line_follows_a_later_configuration(aiohttp_client):
    configure_logging("INFO", json=True, stream=io.StringIO())
    with capture_logs() as captured:
        await _get(aiohttp_client)
    assert [(e["event"], e["status"]) for e in captured] == [("request", 200)]
    other = io.StringIO()
    structlog.configure(processors=[structlog.processors.JSONRenderer()],
                        logger_factory=structlog.PrintLoggerFactory(other))
    await _get(aiohttp_client)
    assert [(line["event"], line["route"]) for line in _lines(other)] == [("request", "/things/{id}")]


async def test_the_caller_is_named_by_subject_and_role_and_an_address_like_subject_only_by_its_digest(aiohttp_client):
    async def signed_in(request: web.Request) -> web.Response:
        bind_actor(Actor(request.match_info["sub"], Role.AGENT))
        return web.json_response({})

    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream)
    app = web.Application(middlewares=[edge])
    app.router.add_get("/as/{sub}", signed_in)
    client = await aiohttp_client(app)
    for sub in ("agent-7", "ayse.yilmaz@example.com"):
        assert (await client.get(f"/as/{sub}")).status == 200
    first, second = [(line["actor_id"], line["actor_role"]) for line in _lines(stream) if line["event"] == "request"]
    assert first == ("agent-7", "agent")
    assert second[1] == "agent" and second[0].startswith("sha256:") and "example" not in stream.getvalue()


async def test_a_line_the_handler_logs_carries_the_request_and_what_the_handler_bound_wins(aiohttp_client):
    async def named(request: web.Request) -> web.Response:
        structlog.get_logger("test").info("inside")
        structlog.contextvars.bind_contextvars(dispute_id="dsp_bound")
        return web.json_response({})

    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream)
    app = web.Application(middlewares=[edge])
    app.router.add_get("/v1/disputes/{id}", named)
    client = await aiohttp_client(app)
    await client.get("/v1/disputes/dsp_route", headers={"X-Request-ID": "req-8"})
    await client.get("/v1/disputes/dsp_route")
    inside, request, later_inside, later = [
        (line["event"], line["request_id"], line["dispute_id"], line["trace_id"]) for line in _lines(stream)
    ]
    assert inside[:3] == ("inside", "req-8", "dsp_route") and request[:3] == ("request", "req-8", "dsp_bound")
    assert inside[3] == request[3] and later_inside[2] == "dsp_route" and later[1] != "req-8"
    assert later[3] != request[3]  # each request its own trace, its own fields


TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
PROCESS = {"service": "dispute-service", "component": "api"}


@pytest.mark.parametrize("once", [False, True])
async def test_the_request_line_holds_what_structlog_writes_for_the_same_request(aiohttp_client, once):
    """The line the edge writes for a request is the line structlog's own pipeline writes for the same fields
    inside that request: the same keys in the same order, the same values (time and duration aside)."""

    async def handler(request: web.Request) -> web.Response:
        bind_actor(Actor("agent-7", Role.AGENT))
        structlog.contextvars.bind_contextvars(dispute_id="dsp_bound", carrier="ups")
        structlog.get_logger("test").info("request", method="GET", route="/v1/disputes/{id}", status=200,
                                          duration_ms=1.0)
        return web.json_response({})

    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream, once=once, process=PROCESS)
    app = web.Application(middlewares=[edge])
    app.router.add_get("/v1/disputes/{id}", handler)
    client = await aiohttp_client(app)
    response = await client.get("/v1/disputes/dsp_route", headers={"X-Request-ID": "req-9", "traceparent": TRACEPARENT})
    assert response.status == 200
    await client.close()  # (lines logged `once` are written by the next turn of the loop at the latest)
    by_structlog, by_edge = _lines(stream)
    for line in (by_structlog, by_edge):
        assert isinstance(line.pop("duration_ms"), float)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", str(line.pop("timestamp")))
    assert list(by_edge.items()) == list(by_structlog.items())
    assert by_edge["dispute_id"] == "dsp_bound" and by_edge["request_id"] == "req-9"
    assert by_edge["trace_id"] == TRACEPARENT[3:35] and by_edge["span_id"] != TRACEPARENT[36:52]


async def test_the_request_line_holds_no_personal_data(aiohttp_client):
    name, phone, address, email = "Ayşe Yılmaz", "+905321234567", "Atatürk Cad. No 5 Kadıköy", "ayse@example.com"

    async def handler(request: web.Request) -> web.Response:
        await request.json()
        bind_actor(Actor(email, Role.CUSTOMER))
        return web.json_response({}, status=201)

    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream, once=True)
    app = web.Application(middlewares=[edge])
    app.router.add_post("/v1/disputes/{id}/notes", handler)
    client = await aiohttp_client(app)
    response = await client.post(
        f"/v1/disputes/dsp_1/notes?phone={phone}", json={"name": name, "phone": phone, "address": address},
        headers={"X-Customer-Name": "Ayse", "X-Request-ID": "not a valid id: " + phone},
    )
    assert response.status == 201 and response.headers["X-Request-ID"] != "not a valid id: " + phone
    await client.close()
    written = stream.getvalue()
    [line] = _lines(stream)
    assert set(line) == {"method", "route", "status", "duration_ms", "event", "trace_id", "span_id", "request_id",
                         "dispute_id", "actor_id", "actor_role", "level", "timestamp"}
    assert (line["route"], line["dispute_id"], line["actor_role"]) == ("/v1/disputes/{id}/notes", "dsp_1", "customer")
    for personal in ("Ay", "Yılmaz", "Yilmaz", phone, "5321234567", "Atatürk", "Kad", "ayse", "example"):
        assert personal not in written


async def test_the_request_line_follows_capture_logs_when_logging_is_configured_once(aiohttp_client):
    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream, once=True)
    with capture_logs() as captured:
        await _get(aiohttp_client)
    assert [(e["event"], e["status"]) for e in captured] == [("request", 200)]
    await _get(aiohttp_client)
    await asyncio.sleep(0)  # the buffered line is written by the next turn of the loop
    assert [line["status"] for line in _lines(stream) if line["event"] == "request"] == [200]
