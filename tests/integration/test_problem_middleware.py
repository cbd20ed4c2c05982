"""Unexpected failures and an unreachable database still answer problem+json, never internals."""

import io
import json
from datetime import UTC, datetime

from aiohttp import web
from pymongo.errors import OperationFailure

from adapters.observability import configure_logging
from adapters.web.edge import edge
from adapters.web.problems import ProblemError
from disputes.calendar import COVERED_YEARS, BusinessCalendar
from disputes.ports import StorageUnavailable


PERSONAL = "Ayşe Yılmaz, Bağdat Cad. 12"


async def boom(request):
    raise RuntimeError(f"secret internal detail: {PERSONAL}")


async def database_away(request):
    raise StorageUnavailable("the database is unavailable (ServerSelectionTimeoutError)")


async def keys_away(request):
    raise ProblemError("authentication-unavailable")


async def test_every_503_says_when_to_retry_as_the_document_promises(aiohttp_client):
    app = web.Application(middlewares=[edge])
    app.router.add_get("/db", database_away)
    app.router.add_get("/keys", keys_away)
    client = await aiohttp_client(app)

    answers = [await client.get(path) for path in ("/db", "/keys")]
    assert [(a.status, a.headers.get("Retry-After")) for a in answers] == [(503, "2"), (503, "2")]


async def test_a_deadline_past_the_calendar_s_last_year_is_a_503_logged_as_the_calendar_s_end(aiohttp_client):
    """30 December of the last year counted, a Thursday or so: three business days run into the next year."""
    captured = io.StringIO()
    configure_logging("INFO", json=True, stream=captured)

    async def open_late(request):
        last = COVERED_YEARS.stop - 1
        BusinessCalendar().add_business_days(datetime(last, 12, 30, 9, tzinfo=UTC), 3)
        return web.Response()

    app = web.Application(middlewares=[edge])
    app.router.add_post("/v1/disputes", open_late)
    answer = await (await aiohttp_client(app)).post("/v1/disputes")

    assert answer.status == 503 and answer.headers["Retry-After"] == "2"
    assert (await answer.json())["type"].endswith("unavailable")
    logged = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert [line["level"] for line in logged if line["event"] == "calendar_exhausted"] == ["error"]


async def test_an_unhandled_error_is_a_500_problem_without_internals(aiohttp_client):
    app = web.Application(middlewares=[edge])
    app.router.add_get("/boom", boom)
    app.router.add_get("/db", database_away)
    client = await aiohttp_client(app)

    response = await client.get("/boom", headers={"X-Request-ID": "req-42"})
    body = await response.json()
    assert response.status == 500 and response.content_type == "application/problem+json"
    assert (body["type"], body["title"]) == ("urn:dispute-service:problem:internal-error", "Internal error")
    assert body["request_id"] == "req-42" and "secret" not in str(body) and "Traceback" not in str(body)

    unavailable = await client.get("/db")
    assert unavailable.status == 503 and unavailable.headers["Retry-After"] == "2"
    assert (await unavailable.json())["type"].endswith("unavailable")


async def test_the_error_log_names_the_failure_but_not_its_message(aiohttp_client):
    captured = io.StringIO()
    configure_logging("INFO", json=True, stream=captured)
    app = web.Application(middlewares=[edge])
    app.router.add_get("/boom", boom)
    client = await aiohttp_client(app)
    await client.get("/boom")
    output = captured.getvalue()
    assert "unhandled_error" in output and "RuntimeError" in output
    assert "Ayşe" not in output and "Bağdat" not in output


async def test_the_error_log_names_a_database_s_error_code_but_not_its_message(aiohttp_client):
    captured = io.StringIO()
    configure_logging("INFO", json=True, stream=captured)

    message = 'E11000 duplicate key: { name: "' + "Ayşe Yılmaz" + '" }'  # the stack shows source lines, not values

    async def refused(request: web.Request) -> web.Response:
        raise OperationFailure(message, code=11000)

    app = web.Application(middlewares=[edge])
    app.router.add_get("/refused", refused)
    await (await aiohttp_client(app)).get("/refused")

    [line] = [json.loads(line) for line in captured.getvalue().splitlines() if "unhandled_error" in line]
    assert (line["error"], line["code"]) == ("OperationFailure", 11000) and "Yılmaz" not in str(line)
