"""The one canonical line per request: its fields, whichever way logging is configured."""

import io
import json

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
