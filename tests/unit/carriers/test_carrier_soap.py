from xml.etree.ElementTree import Element

import pytest
from aiohttp import web
from defusedxml.ElementTree import fromstring

from carriers.base import CarrierSettings
from carriers.breaker import CircuitBreaker
from carriers.errors import BadRequest, CarrierAuthError, CarrierError, CarrierUnavailable, MalformedResponse
from carriers.retry import RetryBudget
from carriers.soap import (
    ENVELOPE_NS, SoapLink, SoapRequest, fault_detail, local_name, operation_result, returned, xml_data,
)

REQUEST = SoapRequest(
    carrier="yurtici",
    url="http://127.0.0.1/ws",
    action="urn:query",
    namespace="urn:test",
    operation="query",
    params=(("user", "ws<&>\"'"), ("op:input", (("key", "K-1"), ("empty", None)))),
)


def envelope(body: str) -> bytes:
    return f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body>{body}</e:Body></e:Envelope>'.encode()


def test_the_envelope_escapes_values_and_qualifies_op_names() -> None:
    root = fromstring(REQUEST.envelope())
    [body] = list(root)
    [operation] = list(body)
    assert (root.tag, body.tag) == (f"{{{ENVELOPE_NS}}}Envelope", f"{{{ENVELOPE_NS}}}Body")
    assert operation.tag == "{urn:test}query"
    user, wrapper = list(operation)
    assert (user.tag, user.text) == ("user", "ws<&>\"'")
    assert wrapper.tag == "{urn:test}input"
    assert [(child.tag, child.text) for child in wrapper] == [("key", "K-1"), ("empty", None)]
    assert REQUEST.headers() == {
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:query"', "Accept": "text/xml",
    }


def test_a_value_xml_cannot_hold_is_refused_before_sending() -> None:
    request = SoapRequest("ptt", "http://x", "a", "urn:t", "q", (("barkod", "KP\x00"),))
    with pytest.raises(BadRequest, match="cannot be written as XML"):
        request.envelope()


def test_repeated_elements_become_lists_and_nil_becomes_none() -> None:
    body = envelope(
        '<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a>1</a><a>2</a><b xsi:nil="true"/>'
        "<c><d> x </d></c><e/></r>"
    )
    element = operation_result(body, carrier="ptt", what="reply")
    assert xml_data(element, carrier="ptt", what="reply") == {"a": ["1", "2"], "b": None, "c": {"d": "x"}, "e": None}


def test_the_returned_element_is_the_first_child_of_the_response() -> None:
    result = returned(envelope("<qResponse><return><x>1</x></return></qResponse>"), carrier="ptt", what="reply")
    assert result is not None and local_name(result.tag) == "return"
    assert returned(envelope("<qResponse/>"), carrier="ptt", what="reply") is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>502 Bad Gateway", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<notSoap/>", "not a SOAP envelope"),
        (envelope(""), "empty SOAP body"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "forbidden XML constructs"),
        (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', "forbidden XML constructs"),
    ],
    ids=["html", "empty", "not soap", "empty body", "entity", "external dtd"],
)
def test_replies_that_are_not_safe_soap_are_malformed(body: bytes, message: str) -> None:
    with pytest.raises(MalformedResponse, match=message):
        operation_result(body, carrier="yurtici", what="reply")


def test_nesting_beyond_reason_is_malformed() -> None:
    deep = "<a>" * 40 + "x" + "</a>" * 40
    with pytest.raises(MalformedResponse, match="nests deeper"):
        xml_data(operation_result(envelope(deep), carrier="ptt", what="reply"), carrier="ptt", what="reply")


def test_a_fault_in_a_200_reply_is_a_bad_request_without_its_text() -> None:
    fault = envelope(
        "<e:Fault><faultcode>e:Client</faultcode><faultstring>user ayse@x.test unknown</faultstring></e:Fault>"
    )
    with pytest.raises(BadRequest) as caught:
        operation_result(fault, carrier="aras", what="reply")
    assert str(caught.value) == "aras: SOAP fault e:Client"


async def link_to(handler, carrier_server, session, clock) -> tuple[SoapLink, str]:
    base = await carrier_server([("POST", "/ws", handler)])
    settings = CarrierSettings(base_url=base, retry=RetryBudget(attempts=3, total_seconds=10))
    breaker = CircuitBreaker("yurtici", settings.breaker, clock)
    return SoapLink("yurtici", settings, session, clock, breaker), base + "/ws"


async def test_the_envelope_reaches_the_server_with_its_soap_headers(carrier_server, session, clock) -> None:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def service(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.Response(body=envelope("<qResponse/>"), content_type="text/xml")

    link, url = await link_to(service, carrier_server, session, clock)
    response = await link.send_soap(SoapRequest("yurtici", url, "urn:q", "urn:t", "q", (("k", "v"),)))
    assert response.status == 200
    [(headers, body)] = seen
    assert headers["SOAPAction"] == '"urn:q"' and headers["Content-Type"] == "text/xml; charset=utf-8"
    assert body == SoapRequest("yurtici", url, "urn:q", "urn:t", "q", (("k", "v"),)).envelope()


@pytest.mark.parametrize("code", ["e:Client", "e:Client.InvalidKey", "e:VersionMismatch", "ns1:YurticikargoWSException"])
async def test_a_fault_about_our_request_is_not_retried(carrier_server, session, clock, code: str) -> None:
    calls: list[int] = []

    async def faulty(request: web.Request) -> web.Response:
        calls.append(1)
        body = envelope(f"<e:Fault><faultcode>{code}</faultcode><faultstring>x</faultstring></e:Fault>")
        return web.Response(status=500, body=body, content_type="text/xml")

    link, url = await link_to(faulty, carrier_server, session, clock)
    with pytest.raises(BadRequest, match=f"SOAP fault {code}"):
        await link.send_soap(SoapRequest("yurtici", url, "a", "urn:t", "q", ()))
    assert len(calls) == 1 and clock.sleeps == []


# WCF's fault for an unhandled error (the one in tests/fixtures/carriers/aras/fault.xml); SOAP 1.1 §4.4.1 says of
# the Server class "The message may succeed at a later point in time"; SOAP 1.2 calls that class Receiver.
WCF_INTERNAL = (
    '<e:Fault><faultcode xmlns:a="http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher">'
    "a:InternalServiceFault</faultcode><faultstring>The server was unable to process the request due to an internal"
    " error.</faultstring></e:Fault>"
)
SERVER_FAULTS = {
    "soap 1.1 server": "<e:Fault><faultcode>e:Server</faultcode><faultstring>java.lang.NullPointerException</faultstring></e:Fault>",
    "axis server.userException": "<e:Fault><faultcode>soapenv:Server.userException</faultcode><faultstring>x</faultstring></e:Fault>",
    "soap 1.2 receiver": (
        '<f:Fault xmlns:f="http://www.w3.org/2003/05/soap-envelope"><f:Code><f:Value>f:Receiver</f:Value></f:Code>'
        '<f:Reason><f:Text xml:lang="en">Timeout</f:Text></f:Reason></f:Fault>'
    ),
    "wcf internal": WCF_INTERNAL,
}


@pytest.mark.parametrize("fault", SERVER_FAULTS.values(), ids=SERVER_FAULTS.keys())
async def test_a_fault_of_the_service_failing_is_retried_until_the_carrier_answers(
    carrier_server, session, clock, fault: str
) -> None:
    replies = iter([
        web.Response(status=500, body=envelope(fault), content_type="text/xml"),
        web.Response(body=envelope("<qResponse/>"), content_type="text/xml"),
    ])

    async def flaky(request: web.Request) -> web.Response:
        return next(replies)

    link, url = await link_to(flaky, carrier_server, session, clock)
    assert (await link.send_soap(SoapRequest("aras", url, "a", "urn:t", "q", ()))).status == 200
    assert len(clock.sleeps) == 1


async def test_a_service_that_keeps_failing_ends_as_unavailable(carrier_server, session, clock) -> None:
    async def failing(request: web.Request) -> web.Response:
        return web.Response(status=500, body=envelope(WCF_INTERNAL), content_type="text/xml")

    link, url = await link_to(failing, carrier_server, session, clock)
    with pytest.raises(CarrierUnavailable, match="SOAP fault a:InternalServiceFault") as caught:
        await link.send_soap(SoapRequest("aras", url, "a", "urn:t", "q", ()))
    assert caught.value.status == 500 and len(clock.sleeps) == 2


async def test_a_500_that_is_no_fault_is_retried_until_the_carrier_answers(carrier_server, session, clock) -> None:
    replies = iter([web.Response(status=500, text="<html>down</html>"), web.Response(body=envelope("<ok/>"))])

    async def flaky(request: web.Request) -> web.Response:
        return next(replies)

    link, url = await link_to(flaky, carrier_server, session, clock)
    assert (await link.send_soap(SoapRequest("yurtici", url, "a", "urn:t", "q", ()))).status == 200
    assert len(clock.sleeps) == 1


async def test_a_carrier_that_stays_down_ends_as_unavailable(carrier_server, session, clock) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503)

    link, url = await link_to(down, carrier_server, session, clock)
    with pytest.raises(CarrierUnavailable):
        await link.send_soap(SoapRequest("yurtici", url, "a", "urn:t", "q", ()))
    assert len(clock.sleeps) == 2


async def test_an_unreachable_carrier_is_unavailable(session, clock) -> None:
    settings = CarrierSettings(base_url="http://127.0.0.1:9", retry=RetryBudget(attempts=1))
    link = SoapLink("ptt", settings, session, clock, CircuitBreaker("ptt", settings.breaker, clock))
    with pytest.raises(CarrierUnavailable, match="transport error"):
        await link.send_soap(SoapRequest("ptt", "http://127.0.0.1:9/ws", "a", "urn:t", "q", ()))


def test_parameters_and_so_credentials_stay_out_of_the_request_repr() -> None:
    request = SoapRequest("yurtici", "http://x", "a", "urn:t", "q", (("wsPassword", "hunter2"),))
    assert "hunter2" not in repr(request) and "urn:t" in repr(request)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("wsse:FailedAuthentication", "The security token could not be authenticated"),
        ("soap:Client", "Kullanıcı adı veya şifre hatalı"),
        ("S:Server", "Yetkisiz erişim"),
        ("e:Client", "Invalid username or password"),
        ("soapenv:Server", "Policy Falsified"),  # PTT's gateway, to an account not opened for tracking
    ],
)
async def test_a_fault_that_refuses_our_credentials_is_an_authentication_failure_not_retried(
    carrier_server, session, clock, code: str, words: str
) -> None:
    calls: list[int] = []

    async def refusing(request: web.Request) -> web.Response:
        calls.append(1)
        body = envelope(f"<e:Fault><faultcode>{code}</faultcode><faultstring>{words}</faultstring></e:Fault>")
        return web.Response(status=500, body=body, content_type="text/xml")

    link, url = await link_to(refusing, carrier_server, session, clock)
    with pytest.raises(CarrierAuthError) as caught:
        await link.send_soap(SoapRequest("yurtici", url, "a", "urn:t", "q", ()))
    assert str(caught.value) == f"yurtici: SOAP fault {code} (credentials refused)"  # the fault's words stay out
    assert len(calls) == 1 and clock.sleeps == []


def test_a_credentials_fault_in_a_200_reply_is_an_authentication_failure_too() -> None:
    fault = envelope("<e:Fault><faultcode>e:Client</faultcode><faultstring>Şifre geçersiz</faultstring></e:Fault>")
    with pytest.raises(CarrierAuthError):
        operation_result(fault, carrier="ptt", what="reply")


def answer_on_code_7(fault: Element, code: str, status: int | None) -> CarrierError | None:
    """A carrier's own reading: its declared ``Refusal`` detail with code 7 refuses our request."""
    refusal = fault_detail(fault, "Refusal")
    if refusal is None or refusal.findtext("code") != "7":
        return None
    return BadRequest(f"SOAP fault {code}, Refusal 7", carrier="yurtici", status=status)


async def carrier_link(handler, carrier_server, session, clock) -> tuple[SoapLink, str]:
    base = await carrier_server([("POST", "/ws", handler)])
    settings = CarrierSettings(base_url=base, retry=RetryBudget(attempts=3, total_seconds=10))
    breaker = CircuitBreaker("yurtici", settings.breaker, clock)
    return SoapLink("yurtici", settings, session, clock, breaker, read_fault=answer_on_code_7), base + "/ws"


@pytest.mark.parametrize(
    ("detail", "error", "calls_made"),
    [
        ('<detail><n:Refusal xmlns:n="urn:x"><code>7</code></n:Refusal></detail>', BadRequest, 1),
        ('<detail><n:Refusal xmlns:n="urn:x"><code>8</code></n:Refusal></detail>', CarrierUnavailable, 3),
        ("", CarrierUnavailable, 3),
    ],
    ids=["its answer", "not its answer", "no detail"],
)
async def test_a_carrier_reads_its_own_server_faults_before_the_generic_rule(
    carrier_server, session, clock, detail: str, error: type[CarrierError], calls_made: int
) -> None:
    calls: list[int] = []

    async def faulty(request: web.Request) -> web.Response:
        calls.append(1)
        body = envelope(f"<e:Fault><faultcode>e:Server</faultcode><faultstring>x</faultstring>{detail}</e:Fault>")
        return web.Response(status=500, body=body, content_type="text/xml")

    link, url = await carrier_link(faulty, carrier_server, session, clock)
    with pytest.raises(error):
        await link.send_soap(SoapRequest("yurtici", url, "a", "urn:t", "q", ()))
    assert len(calls) == calls_made and link.breaker.failures == (0 if error is BadRequest else calls_made)


def test_credentials_refused_stay_an_authentication_failure_whatever_the_carrier_reads() -> None:
    fault = envelope(
        "<e:Fault><faultcode>e:Server</faultcode><faultstring>Kullanıcı adı veya şifre hatalı</faultstring>"
        "<detail><Refusal><code>7</code></Refusal></detail></e:Fault>"
    )
    with pytest.raises(CarrierAuthError):
        operation_result(fault, carrier="yurtici", what="reply", read_fault=answer_on_code_7)
    with pytest.raises(BadRequest, match="Refusal 7"):
        operation_result(fault.replace("Kullanıcı adı veya şifre hatalı".encode(), b"x"), carrier="yurtici",
                         what="reply", read_fault=answer_on_code_7)


@pytest.mark.parametrize(
    "words",
    ["Kullanıcıya ait kargo anahtarı bulunamadı", "Kullanıcı adına kayıtlı gönderi yok", "KULLANICI BİLGİSİ EKSİK"],
)
def test_the_word_user_alone_is_no_refusal_of_our_credentials(words: str) -> None:
    fault = envelope(f"<e:Fault><faultcode>e:Server</faultcode><faultstring>{words}</faultstring></e:Fault>")
    with pytest.raises(CarrierUnavailable):
        operation_result(fault, carrier="yurtici", what="reply")


@pytest.mark.parametrize("words", ["Geçersiz kullanıcı", "Kullanıcı Şifre Hatalı", "Kullanıcı adı hatalı"])
def test_words_naming_the_credentials_are_a_refusal_whatever_the_carrier_reads(words: str) -> None:
    fault = envelope(
        f"<e:Fault><faultcode>e:Server</faultcode><faultstring>{words}</faultstring>"
        "<detail><Refusal><code>7</code></Refusal></detail></e:Fault>"
    )
    with pytest.raises(CarrierAuthError):
        operation_result(fault, carrier="yurtici", what="reply", read_fault=answer_on_code_7)


def test_other_words_of_refused_access_are_read_after_the_carriers_own_code() -> None:
    """"Yetkisiz erişim" names no credentials: a carrier's declared code says what the fault is; without one, the
    words still mean access refused."""
    fault = envelope(
        "<e:Fault><faultcode>e:Server</faultcode><faultstring>Yetkisiz erişim</faultstring>"
        "<detail><Refusal><code>7</code></Refusal></detail></e:Fault>"
    )
    with pytest.raises(BadRequest, match="Refusal 7"):
        operation_result(fault, carrier="yurtici", what="reply", read_fault=answer_on_code_7)
    with pytest.raises(CarrierAuthError):
        operation_result(fault.replace(b"<code>7</code>", b"<code>8</code>"), carrier="yurtici", what="reply",
                         read_fault=answer_on_code_7)


async def test_a_fault_the_carrier_reads_as_its_answer_is_handed_back_as_the_reply(
    carrier_server, session, clock
) -> None:
    calls: list[int] = []
    body = envelope("<e:Fault><faultcode>e:Server</faultcode><faultstring>Kullanıcı yok</faultstring>"
                    "<detail><Refusal><code>9</code></Refusal></detail></e:Fault>")

    async def answering(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, body=body, content_type="text/xml")

    base = await carrier_server([("POST", "/ws", answering)])
    settings = CarrierSettings(base_url=base, retry=RetryBudget(attempts=3, total_seconds=10))
    link = SoapLink("yurtici", settings, session, clock, CircuitBreaker("yurtici", settings.breaker, clock),
                    answers=lambda fault: fault_detail(fault, "Refusal") is not None)
    response = await link.send_soap(SoapRequest("yurtici", base + "/ws", "a", "urn:t", "q", ()))
    assert (response.status, response.body, len(calls), link.breaker.failures) == (500, body, 1, 0)
