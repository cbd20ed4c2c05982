"""Test clocks (sandbox only; routed and documented only when `test_clocks` is on): create a clock, open cases
on it, advance it. See `disputes.test_clocks`."""

from aiohttp import web

from adapters.web.disputes_api import EVERYONE, OPENING, open_request, opened_response, render_opened
from adapters.web.idempotency import idempotency_key
from adapters.web.endpoint import Call, Endpoint, json_response
from disputes.errors import ClockBeforeDelivery, ClockOnlyMovesForward, ClockOutOfRange, Contended
from disputes.model import TestClock
from disputes.test_clocks import TestClockService
from schemas.api import AgentDisputeView, CustomerDisputeView, OpenDispute
from schemas.common import CUSTOMER_SIDE
from schemas.test_clocks import AdvanceTestClock, NewTestClock, TestClockView

TEST_CLOCKS = web.AppKey("test_clocks", TestClockService)
ONE = "/v1/test-clocks/{id}"


def _view(clock: TestClock, status: int = 200) -> web.Response:
    view = TestClockView(id=clock.id, name=clock.name, frozen_time=clock.frozen_time, created_at=clock.created_at)
    headers = {"Location": f"/v1/test-clocks/{clock.id}"} if status == 201 else None
    return json_response(view, status, headers)


async def create_clock(call: Call) -> web.Response:
    body: NewTestClock = call.body
    return _view(await call.request.app[TEST_CLOCKS].create(call.actor, body.frozen_time, body.name), 201)


async def get_clock(call: Call) -> web.Response:
    return _view(await call.request.app[TEST_CLOCKS].get(call.actor, call.path_id()))


async def advance_clock(call: Call) -> web.Response:
    body: AdvanceTestClock = call.body
    return _view(await call.request.app[TEST_CLOCKS].advance(call.actor, call.path_id(), body.frozen_time))


async def open_on_clock(call: Call) -> web.Response:
    clocks = call.request.app[TEST_CLOCKS]
    opened = await clocks.open(
        call.actor, call.path_id(), open_request(call), idempotency_key(call.request), render_opened(call)
    )
    return opened_response(call, opened)


TAG = "test clocks (sandbox)"
ENDPOINTS = (
    Endpoint("POST", "/v1/test-clocks", create_clock, "Create a test clock (sandbox)", EVERYONE, NewTestClock,
             body_optional=True, response=TestClockView, status=201, errors=(422,), rules=(ClockOutOfRange,), tag=TAG,
             extra={"location": True}),
    Endpoint("GET", ONE, get_clock, "One test clock (sandbox)", EVERYONE, response=TestClockView, errors=(404, 422),
             tag=TAG),
    Endpoint("POST", ONE + "/advance", advance_clock,
             "Advance a test clock; the work of its cases that falls due runs at once (sandbox)", EVERYONE,
             AdvanceTestClock, response=TestClockView, errors=(404, 409, 422),
             rules=(ClockOutOfRange, ClockOnlyMovesForward, Contended), tag=TAG),
    Endpoint("POST", ONE + "/disputes", open_on_clock, "Open a dispute that runs on a test clock (sandbox)",
             CUSTOMER_SIDE, OpenDispute, response=CustomerDisputeView, status=201, headers=("Idempotency-Key",),
             errors=(404, 409, 422), rules=(*OPENING, ClockBeforeDelivery), tag=TAG,
             extra={"other_responses": (AgentDisputeView,), "location": True},
             keys="own"),
)
