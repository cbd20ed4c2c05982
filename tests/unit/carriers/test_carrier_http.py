import asyncio
import socket
from datetime import UTC, datetime

import pytest
from aiohttp import web

from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable, MalformedResponse
from carriers.fedex.mapping import build_token_request as fedex_token_request
from carriers.fedex.settings import FedexSettings
from carriers.hepsijet.mapping import build_token_request as hepsijet_token_request
from carriers.hepsijet.settings import HepsijetSettings
from carriers.http import CarrierHttp, HttpRequest, parse_retry_after
from carriers.mng.mapping import build_token_request as mng_token_request
from carriers.mng.settings import MngSettings
from carriers.retry import RetryBudget, call_with_retry
from carriers.ups.mapping import build_track_request as ups_track_request
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings

NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
CREDENTIALS = ClientCredentials(client_id=SecretStr("OUR-CLIENT"), client_secret=SecretStr("OUR-SECRET"))


def reply(status: int, headers: dict[str, str] | None = None, body: bytes = b"{}"):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers=headers, body=body)

    return handler


async def send(session, clock, base: str, accept=(), timeout: float = 5, max_body: int = 1024):
    http = CarrierHttp(session, carrier="test", timeout_seconds=timeout, clock=clock, max_body_bytes=max_body)
    return await http.send(HttpRequest("GET", base + "/track"), accept=accept)


async def test_a_2xx_response_is_returned_with_status_headers_and_body(session, clock, carrier_server) -> None:
    base = await carrier_server([("GET", "/track", reply(200, {"X-Trace": "abc"}, b'{"ok": true}'))])
    response = await send(session, clock, base)
    assert (response.status, response.headers["X-Trace"], response.body) == (200, "abc", b'{"ok": true}')


async def test_a_status_the_caller_accepts_is_returned_not_raised(session, clock, carrier_server) -> None:
    base = await carrier_server([("GET", "/track", reply(404))])
    assert (await send(session, clock, base, accept=(404,))).status == 404


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, CarrierUnavailable),
        (502, CarrierUnavailable),
        (503, CarrierUnavailable),
        (429, CarrierUnavailable),
        (408, CarrierUnavailable),
        (401, CarrierAuthError),
        (403, CarrierAuthError),
        (400, BadRequest),
        (404, BadRequest),
        (302, BadRequest),
    ],
)
async def test_error_statuses_map_to_the_exception_tree(session, clock, carrier_server, status, error) -> None:
    base = await carrier_server([("GET", "/track", reply(status, {"Location": "https://elsewhere.test/"}))])
    with pytest.raises(error) as caught:
        await send(session, clock, base)
    assert caught.value.status == status
    assert type(caught.value) is error


async def test_a_429_carries_retry_after_in_seconds(session, clock, carrier_server) -> None:
    base = await carrier_server([("GET", "/track", reply(429, {"Retry-After": "7"}))])
    with pytest.raises(CarrierUnavailable) as caught:
        await send(session, clock, base)
    assert caught.value.retry_after == 7.0


async def test_a_503_carries_retry_after_given_as_an_http_date(session, clock, carrier_server) -> None:
    base = await carrier_server([("GET", "/track", reply(503, {"Retry-After": "Tue, 23 Apr 2024 14:00:30 GMT"}))])
    with pytest.raises(CarrierUnavailable) as caught:
        await send(session, clock, base)
    assert caught.value.retry_after == 30.0


async def test_an_error_message_names_the_status_but_never_the_body(session, clock, carrier_server) -> None:
    base = await carrier_server([("GET", "/track", reply(400, body=b'{"recipient": "Ayse Yilmaz"}'))])
    with pytest.raises(BadRequest) as caught:
        await send(session, clock, base)
    assert str(caught.value) == "test: HTTP 400"


async def test_a_carrier_that_never_answers_times_out_as_unavailable(session, clock, carrier_server) -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    base = await carrier_server([("GET", "/track", hang)])
    with pytest.raises(CarrierUnavailable, match=r"no answer within 0\.05s"):
        await send(session, clock, base, timeout=0.05)


async def test_a_refused_connection_is_unavailable(session, clock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CarrierUnavailable, match="transport error"):
        await send(session, clock, f"http://127.0.0.1:{port}")


async def test_an_oversized_body_is_malformed(session, clock, carrier_server) -> None:
    base = await carrier_server([("GET", "/track", reply(200, body=b"x" * 2048))])
    with pytest.raises(MalformedResponse, match="over 1024 bytes"):
        await send(session, clock, base, max_body=1024)


HUGE_YEAR = "Mon, 01 Jan 99999999999 00:00:00 GMT"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("Tue, 23 Apr 2024 14:01:00 GMT", 60.0),
        ("Tue, 23 Apr 2024 13:00:00 GMT", 0.0),
        ("86400", 86_400.0),
        ("86401", 86_400.0),  # a day at most
        ("999999999999", 86_400.0),  # ~31,700 years: past the range of dates
        ("0000000000000000000007", 7.0),
        ("9" * 5000, 86_400.0),  # past the digits `int` reads
        ("Fri, 31 Dec 9999 23:59:59 GMT", 86_400.0),
        (HUGE_YEAR, None),  # a year no datetime holds: unreadable
        ("soon", None),
        ("-5", None),
        ("²", None),  # a digit to `str.isdigit`, not to `float`
        ("٣", None),  # Arabic-Indic three: a number to `float`, not an HTTP delay
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    """RFC 9110 §10.2.3: delay-seconds ("a non-negative decimal integer", no upper bound) or an HTTP-date; honoured
    up to a day."""
    assert parse_retry_after(header, NOW) == seconds


async def test_a_429_whose_retry_after_date_is_unreadable_is_still_the_carrier_unavailable(
    session, clock, carrier_server
) -> None:
    base = await carrier_server([("GET", "/track", reply(429, {"Retry-After": HUGE_YEAR}))])
    with pytest.raises(CarrierUnavailable):
        await send(session, clock, base)


class TimingOutSession:
    """A carrier that never answers: each request takes the whole timeout it was given, on the fake clock."""

    def __init__(self, clock) -> None:
        self.clock, self.timeouts = clock, []

    def request(self, method, url, *, timeout, **_):
        self.timeouts.append(timeout.total)
        self.clock.advance(timeout.total)
        raise TimeoutError


async def test_no_try_of_a_call_waits_past_the_call_s_time_budget(clock) -> None:
    session = TimingOutSession(clock)
    http = CarrierHttp(session, carrier="test", timeout_seconds=2, clock=clock)  # type: ignore[arg-type]
    budget = RetryBudget(attempts=4, total_seconds=5, initial_backoff=0.2, max_backoff=0.2)
    started = clock.monotonic()

    with pytest.raises(CarrierUnavailable):
        await call_with_retry(lambda: http.send(HttpRequest("GET", "https://carrier.test/track")), carrier="test",
                              budget=budget, clock=clock)

    # 2 s, a wait, 2 s, a wait: the third try gets what is left of the 5 s (about 0.6 s), not another 2 s
    assert session.timeouts[:2] == [2, 2] and len(session.timeouts) == 3 and session.timeouts[2] < 1
    assert clock.monotonic() - started == pytest.approx(5, abs=1e-6)


async def test_a_wait_that_takes_the_rest_of_the_budget_ends_the_call_rather_than_a_try_without_time(clock) -> None:
    session = TimingOutSession(clock)
    http = CarrierHttp(session, carrier="test", timeout_seconds=2, clock=clock)  # type: ignore[arg-type]
    budget = RetryBudget(attempts=4, total_seconds=4.3, initial_backoff=0.2, max_backoff=0.2)

    with pytest.raises(CarrierUnavailable):
        await call_with_retry(lambda: http.send(HttpRequest("GET", "https://carrier.test/track")), carrier="test",
                              budget=budget, clock=clock)

    assert session.timeouts == [2, 2]  # 0.3 s left after the second try: a 0.2 s wait, then 0.1 s is no try


async def test_a_token_fetch_waits_the_carrier_s_time_limit_not_what_is_left_of_the_call_s_budget(clock) -> None:
    """Every call queued behind a token fetch shares its answer: the first caller's budget, nearly spent, does not
    cut it short."""
    session = TimingOutSession(clock)
    ups = UpsAdapter(
        UpsSettings(credentials=CREDENTIALS, timeout_seconds=2,
                    retry=RetryBudget(attempts=4, total_seconds=5, initial_backoff=0.2, max_backoff=0.2)),
        session, clock=clock,  # type: ignore[arg-type]
    )
    with pytest.raises(CarrierUnavailable):
        await ups.pull("1Z023E2X0214323462")
    assert session.timeouts == [2, 2, 2]


def test_a_request_s_repr_names_its_method_url_and_headers_but_no_credential() -> None:
    def credentials(secret: str) -> ClientCredentials:
        return ClientCredentials(client_id=SecretStr("OUR-CLIENT"), client_secret=SecretStr(secret))

    requests = [
        fedex_token_request(FedexSettings(credentials=credentials("FDX-SECRET"))),
        mng_token_request(MngSettings(api_client=credentials("IBM-SECRET"), customer_number="123",
                                      password=SecretStr("MNG-PASSWORD"))),
        hepsijet_token_request(HepsijetSettings(username="u", password=SecretStr("HJ-PASSWORD"),
                                                apikey=SecretStr("HJ-APIKEY"))),
        ups_track_request(UpsSettings(credentials=credentials("UPS-SECRET")), "1Z023E2X0214323462",
                          token="UPS-BEARER-TOKEN", trans_id="t"),
        HttpRequest("POST", "https://carrier.test/soap", body=b"<password>SOAP-PASSWORD</password>"),
    ]
    shown = "\n".join(map(repr, requests))
    for secret in ("FDX-SECRET", "IBM-SECRET", "MNG-PASSWORD", "HJ-PASSWORD", "HJ-APIKEY", "UPS-BEARER-TOKEN", "Basic",
                   "SOAP-PASSWORD", "OUR-CLIENT"):
        assert secret not in shown
    assert repr(requests[3]).startswith("HttpRequest(GET https://onlinetools.ups.com/api/track/v1/details/1Z023E2X0214323462, ")
    assert "'Authorization'" in repr(requests[3])
