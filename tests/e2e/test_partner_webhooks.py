"""The partner contract through the running app: the examples of docs/partners.md run as written, every rejection
says why (problem, log line and metric, no secret in any), and the body limit holds at the largest push."""

import asyncio
import base64
import gzip
import json
import os
import re
import sys
import time
import tracemalloc
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from adapters.bootstrap import create_app
from adapters.web import bodies
from adapters.settings import Settings
from carriers.partner.signing import HEADER, sign, signature
from tests.e2e.conftest import (
    CARRIERS, CUSTOMER, INVESTIGATOR, UPS_WEBHOOK_CREDENTIAL, app_settings, e2e_orders, eventually,
)
from tests.factories import order, shipment

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "partners.md"
SECRET = "whsec_surat_e2e_0123456789abcdef0123456789"
TRACKING = "SRT20240421001"  # the parcel the guide's examples push for
LIMIT = Settings.model_fields["webhook_max_bytes"].default
WEBHOOK = "/v1/carriers/surat/webhooks"
DHL_TOKEN = "dhl-webhook-token-0123456789abcdef"
WEBHOOK_PROBLEMS = {401: "webhook-unauthenticated", 403: "webhook-forbidden", 404: "unknown-carrier",
                    415: "unsupported-media-type", 422: "malformed-webhook"}  # a refused push's type, by status


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"surat": {"partner_webhook": {"secrets": [SECRET]}},
                       "dhl": {"base_url": "http://127.0.0.1:9", "api_key": "e2e", "webhook_token": DHL_TOKEN}}


@pytest.fixture
def orders_document() -> dict:
    parcel = shipment("shp-srt", carrier="surat").model_copy(update={"tracking_number": TRACKING})
    document = e2e_orders()
    document["orders"].append(json.loads(order("ord-srt", shipments=[parcel]).model_dump_json()))
    return document


@pytest.fixture
def app_changes() -> dict:
    return {"webhook_max_bytes": LIMIT}  # the default, not the small limit of the other e2e tests


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


def event(event_id: str = "srt-e2e-1", **changes: object) -> dict:
    return {"event_id": event_id, "carrier": "surat", "tracking_number": TRACKING, "status": "delivered",
            "delivered_at": "2024-04-22T14:31:05+03:00", "occurred_at": "2024-04-22T14:31:09+03:00"} | changes


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    return {HEADER: sign(secret, body, at or int(time.time())), "Content-Type": "application/json"}


def example(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    [block] = [b for b in blocks if containing in b]
    return block


async def run(*argv: str, cwd: Path, env: dict[str, str]) -> str:
    """Run an example as a partner would, without blocking the loop the service answers on."""
    process = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    return out.decode()


def local_environment() -> dict[str, str]:
    """What the guide exports to try the examples on one's machine."""
    [line] = [line for line in example("sh", "export ").splitlines() if line.startswith("export ")]
    return dict(pair.split("=", 1) for pair in line.removeprefix("export ").split())


def partner_files(directory: Path) -> None:
    """The Python example, and the photo it sends."""
    photo = BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(photo, "JPEG")
    (directory / "delivery.jpg").write_bytes(photo.getvalue())
    (directory / "example.py").write_text(example("python", HEADER))


def partner_environment(client, secret: str = SECRET) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "DISPUTES_URL": str(client.make_url("")).rstrip("/"), "PARTNER_SECRET": secret}


async def pushed_evidence(api) -> list[dict]:
    body = {"order_id": "ord-srt", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()

    async def attached():
        found = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
        return found["evidence"] if len(found["evidence"]) == 2 else None

    return await eventually(attached) or []


async def test_the_guides_curl_and_python_examples_push_evidence_that_is_stored(api, tmp_path):
    env = partner_environment(api)
    partner_files(tmp_path)

    curl = (await run("bash", "-euo", "pipefail", "-c", example("sh", "curl"), cwd=tmp_path, env=env)).split()
    python = (await run(sys.executable, "example.py", cwd=tmp_path, env=env)).split(maxsplit=1)

    assert curl == ['{"received":1,"duplicates":0}', "202"]
    assert python[0] == "202" and json.loads(python[1]) == {"received": 1, "duplicates": 0}
    evidence = await pushed_evidence(api)
    assert sorted(e["proof"]["source"] for e in evidence) == ["push", "push"], "the pushed events were not stored"
    assert all(e["proof"]["tracking_number"] == TRACKING for e in evidence)
    assert any(e["proof"].get("photo") for e in evidence), "the inline photo of the Python example was not kept"


async def test_every_rejection_is_a_problem_with_its_reason_logged_and_counted_without_a_secret(api, log_audit):
    body = json.dumps(event()).encode()
    now = int(time.time())
    foreign = json.dumps(event(carrier="aras")).encode()
    json_body = {"Content-Type": "application/json"}
    cases = [
        ("surat", json_body, body, 401, "missing_signature"),
        ("surat", json_body | {HEADER: "t=soon,v1=00"}, body, 401, "malformed_signature"),
        ("surat", json_body | {HEADER: f"t={now},v2={signature(SECRET, body, now)}"}, body, 401,
         "unknown_signature_version"),
        ("surat", signed(body, at=now - 301), body, 401, "stale_timestamp"),
        ("surat", signed(body, "whsec_guessed_0123456789abcdef0123456789"), body, 401, "bad_signature"),
        ("surat", signed(foreign), foreign, 403, "wrong_carrier"),
        ("acme", signed(body), body, 404, "unknown_carrier"),
        ("surat", {**signed(body), "Content-Type": "text/plain"}, body, 415, "unsupported_media_type"),
        ("surat", signed(b'{"event_id": 5}'), b'{"event_id": 5}', 422, "malformed"),
        ("ups", json_body | {"x-api-key": "a-guessed-ups-credential"}, body, 401, "bad_signature"),
    ]
    answers = []
    for carrier, headers, data, status, reason in cases:
        answer = await api.post(f"/v1/carriers/{carrier}/webhooks", data=data, headers=headers)
        problem = await answer.json(content_type=None)
        assert (answer.status, answer.content_type, problem["reason"]) == (status, "application/problem+json", reason)
        assert problem["type"] == "urn:dispute-service:problem:" + WEBHOOK_PROBLEMS[status] and problem["detail"]
        answers.append(await answer.text())

    logged = [json.loads(line) for line in log_audit.getvalue().splitlines() if '"webhook_rejected"' in line]
    assert [(line["carrier"], line["reason"]) for line in logged] == [
        (carrier if carrier != "acme" else "unknown", reason) for carrier, _, _, _, reason in cases]
    metrics = await (await api.get("/metrics")).text()
    assert 'disputes_webhooks_total{carrier="surat",outcome="rejected",reason="bad_signature"} 1.0' in metrics
    assert 'disputes_webhooks_total{carrier="unknown",outcome="rejected",reason="unknown_carrier"} 1.0' in metrics
    assert "acme" not in metrics
    secrets = [SECRET, UPS_WEBHOOK_CREDENTIAL, "a-guessed-ups-credential", "whsec_guessed",
               signature("whsec_guessed_0123456789abcdef0123456789", body, now)]
    for text in [*answers, log_audit.getvalue()]:
        assert not [s for s in secrets if s in text]


@pytest.mark.parametrize("written", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_a_time_with_no_instant_in_utc_is_malformed_and_stores_nothing(api, written):
    far = json.dumps(event("srt-e2e-far", delivered_at=written, occurred_at=written)).encode()
    refused = await api.post(WEBHOOK, data=far, headers=signed(far))
    assert (refused.status, (await refused.json())["reason"]) == (422, "malformed")

    fixed = json.dumps(event("srt-e2e-far")).encode()  # the same event, sent again as it should have been
    accepted = await api.post(WEBHOOK, data=fixed, headers=signed(fixed))
    assert (accepted.status, await accepted.json()) == (202, {"received": 1, "duplicates": 0})


@pytest.mark.parametrize(("carrier", "credential", "challenge"), [
    ("surat", {HEADER: f"t={int(time.time())},v1={'0' * 64}"}, 'Signature realm="surat", header="X-Partner-Signature"'),
    ("ups", {"x-api-key": "a-guessed-ups-credential"}, 'ApiKey realm="ups", header="x-api-key"'),
])
async def test_a_push_that_does_not_prove_its_carrier_is_challenged_with_the_carriers_scheme(api, carrier, credential,
                                                                                              challenge):
    body = json.dumps(event()).encode()
    for headers in ({"Content-Type": "application/json"}, {"Content-Type": "application/json"} | credential):
        refused = await api.post(f"/v1/carriers/{carrier}/webhooks", data=body, headers=headers)
        assert (refused.status, refused.headers.getall("WWW-Authenticate")) == (401, [challenge])
    anonymous = await api.get("/v1/disputes")  # the rest of the API takes a bearer token
    assert (anonymous.status, anonymous.headers.getall("WWW-Authenticate")) == (401, ['Bearer realm="disputes"'])


async def test_accepted_and_duplicate_pushes_are_counted(api):
    body = json.dumps(event("srt-e2e-counted")).encode()
    for _ in range(2):
        assert (await api.post(WEBHOOK, data=body, headers=signed(body))).status == 202
    metrics = await (await api.get("/metrics")).text()
    assert 'disputes_webhooks_total{carrier="surat",outcome="accepted",reason="none"} 1.0' in metrics
    assert 'disputes_webhooks_total{carrier="surat",outcome="duplicate",reason="none"} 1.0' in metrics


async def test_a_compressed_push_is_signed_over_its_json_and_one_that_does_not_decompress_is_a_400(api):
    """The guide: with `Content-Encoding: gzip` the signature covers the JSON before compression. A body that does
    not decompress is the sender's fault, answered as one (never a 5xx, which the guide tells partners to retry)."""
    body = json.dumps(event("srt-e2e-gzip")).encode()
    compressed = {**signed(body), "Content-Encoding": "gzip"}
    accepted = await api.post(WEBHOOK, data=gzip.compress(body), headers=compressed)
    assert (accepted.status, await accepted.json()) == (202, {"received": 1, "duplicates": 0})
    over_the_wire = gzip.compress(body)
    refused = await api.post(WEBHOOK, data=over_the_wire, headers={**signed(over_the_wire), "Content-Encoding": "gzip"})
    assert (refused.status, (await refused.json())["reason"]) == (401, "bad_signature")
    for encoding in ("gzip", "deflate"):
        garbled = await api.post(WEBHOOK, data=b"not compressed at all", headers={**compressed, "Content-Encoding": encoding})
        problem = await garbled.json(content_type=None)
        assert (garbled.status, garbled.content_type) == (400, "application/problem+json"), problem
        assert (problem["type"], problem["reason"]) == ("urn:dispute-service:problem:unreadable-body", "unreadable_body")



async def test_a_bad_signature_over_a_compressed_push_says_the_signature_covers_it_decompressed(api):
    """Signing the compressed bytes is the likely mistake of a push refused with them, so the refusal says what is
    signed; a bad signature over an uncompressed body, or a wrong credential (which signs no body), does not."""
    body = json.dumps(event("srt-e2e-gzip-hint")).encode()
    over_the_wire = gzip.compress(body)
    refused = await api.post(WEBHOOK, data=over_the_wire, headers={**signed(over_the_wire), "Content-Encoding": "gzip"})
    problem = await refused.json(content_type=None)
    assert (refused.status, problem["reason"]) == (401, "bad_signature")
    assert "checked over it decompressed" in problem["detail"] and "not over the compressed bytes" in problem["detail"]
    forged = await api.post(WEBHOOK, data=body, headers=signed(body, "whsec_guessed_0123456789abcdef0123456789"))
    assert (await forged.json(content_type=None))["detail"] == "Signature does not match."
    ups = {"Content-Type": "application/json", "x-api-key": "a-guessed-ups-credential", "Content-Encoding": "gzip"}
    credential = await (await api.post("/v1/carriers/ups/webhooks", data=over_the_wire, headers=ups)).json(content_type=None)
    assert (credential["reason"], credential["detail"]) == ("bad_signature", "Wrong x-api-key credential.")

def largest_push() -> bytes:
    """A delivery with an inline signature and photo at their bound and every text at its bound, its Turkish
    letters escaped as a JSON library does by default: then padded with whitespace to exactly the limit."""
    image = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(4_125_000 - 4)).decode()
    assert len(image) == 5_500_000
    name = "Ğ" * 200
    body = json.dumps(event(
        "E" * 128, received_by=name, recipient_relation="household_member",
        signature={"content_b64": image, "media_type": "image/jpeg"},
        photo={"content_b64": image, "media_type": "image/jpeg"},
        location={"lat": -40.98691234567891, "lon": 29.02661234567891, "accuracy_m": 12.5, "text": "Ş" * 500},
        courier={"name": name, "unit": name},
    )).encode()
    assert len(body) <= LIMIT
    return body + b" " * (LIMIT - len(body))


async def memory_app(aiohttp_client, directory: Path, **changes: object):
    """The service on in-memory storage, without workers."""
    orders = directory / "orders.json"
    orders.write_text(json.dumps(e2e_orders()))
    settings = app_settings("mongodb://127.0.0.1:9", "unused", orders, "http://127.0.0.1:9", storage="memory",
                            run_workers=False, **changes)
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def in_memory(aiohttp_client, tmp_path, carrier_settings):
    """The service on in-memory storage: the limit is the HTTP layer's, and the embedded database takes seconds
    to write 11 MB (a MongoDB server takes milliseconds; the raw body stays under its 16 MiB document limit)."""
    return await memory_app(aiohttp_client, tmp_path, carriers=carrier_settings, webhook_max_bytes=LIMIT)


async def test_the_guides_curl_example_runs_on_the_sandbox_secret_it_names_for_trying_it_locally(
    aiohttp_client, tmp_path
):
    """The carriers' settings of the embedded default (`./dev serve`), on the address the guide names."""
    local = local_environment()
    assert local["DISPUTES_URL"] == "http://{host}:{port}".format(
        **{name: Settings.model_fields[name].default for name in ("host", "port")})
    embedded = await memory_app(aiohttp_client, tmp_path, carriers={}, carrier_sandbox_url="http://127.0.0.1:9")
    env = partner_environment(embedded, local["PARTNER_SECRET"])
    curl = (await run("bash", "-euo", "pipefail", "-c", example("sh", "curl"), cwd=tmp_path, env=env)).split()
    assert curl == ['{"received":1,"duplicates":0}', "202"]


async def test_the_guides_python_example_reports_a_refusal_without_a_reason_and_when_to_retry(
    aiohttp_client, tmp_path, carrier_settings
):
    limited = await memory_app(aiohttp_client, tmp_path, carriers=carrier_settings, rate_limit_webhook_burst=1,
                               rate_limit_webhook_per_second=0.001)
    partner_files(tmp_path)
    env = partner_environment(limited)
    first = await run(sys.executable, "example.py", cwd=tmp_path, env=env)
    second = await run(sys.executable, "example.py", cwd=tmp_path, env=env)
    assert first.split()[0] == "202"
    assert second.startswith("429 None ") and second.split()[-1] == "1000", second  # no reason; Retry-After


async def test_the_largest_push_is_accepted_and_one_byte_more_is_too_large(in_memory):
    body = largest_push()
    accepted = await in_memory.post(WEBHOOK, data=body, headers=signed(body))
    assert accepted.status == 202 and await accepted.json() == {"received": 1, "duplicates": 0}
    over = body + b" "
    refused = await in_memory.post(WEBHOOK, data=over, headers=signed(over))
    assert refused.status == 413 and (await refused.json())["reason"] == "too_large"


async def answer_to_an_unfinished_push(client, path: str, headers: dict[str, str], chunks: int) -> tuple[bytes, dict]:
    """The answer's head and problem to a chunked push of `chunks` chunks of 256 KiB whose last chunk is never sent:
    it can only come while the body is unfinished."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST {path} HTTP/1.1\r\nHost: disputes\r\n{fields}Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b" " * (256 * 1024)
        for _ in range(chunks):
            writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        length = int(re.search(rb"Content-Length: (\d+)", head, re.IGNORECASE)[1])
        return head, json.loads(await asyncio.wait_for(reader.readexactly(length), 10))
    finally:
        writer.close()


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(in_memory):
    """No Content-Length: the 413 arrives while the body is still unfinished (its last chunk is never sent)."""
    headers = {"Content-Type": "application/json", HEADER: f"t=1,v1={'0' * 64}"}
    head, problem = await answer_to_an_unfinished_push(in_memory, WEBHOOK, headers, LIMIT // (256 * 1024) + 1)
    assert head.startswith(b"HTTP/1.1 413") and problem["reason"] == "too_large"


UNFINISHED = 8


async def test_unfinished_compressed_pushes_hold_the_bytes_they_sent_not_what_those_inflate_to(api, monkeypatch):
    """A push's signature covers its decoded body and can only be checked once the body is all in: until then no
    more of it is held than was sent. Each body (11 KB of gzip) inflates to nearly the limit, and all of it comes
    but the gzip trailer, so the service has inflated everything it will; the Python memory it holds then is
    measured (tracemalloc), which a few unfinished forged pushes would otherwise fill with the limit each."""
    inflaters: list[bodies._Inflater] = []

    class Watched(bodies._Inflater):  # how much of each body the service has inflated
        def __init__(self, coding: str, limit: int) -> None:
            super().__init__(coding, limit)
            inflaters.append(self)

    monkeypatch.setattr(bodies, "_Inflater", Watched)
    decoded = b" " * (LIMIT - 1024)  # whitespace: JSON's padding, decoded whole
    body = gzip.compress(decoded, 9)
    head = (f"POST {WEBHOOK} HTTP/1.1\r\nHost: disputes\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n"
            f"{HEADER}: t={int(time.time())},v1={'0' * 64}\r\n\r\n").encode()

    async def all_inflated() -> bool:
        return len(inflaters) == UNFINISHED and all(inflater.size == len(decoded) for inflater in inflaters)

    connections = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(UNFINISHED):
            reader, writer = await asyncio.open_connection(api.server.host, api.server.port)
            connections.append((reader, writer))
            writer.write(head + body[:-8])  # the gzip trailer (CRC and length) never comes
            await writer.drain()
        await eventually(all_inflated, timeout=30, explain=lambda: [inflater.size for inflater in inflaters])
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        for _, writer in connections:
            writer.close()
    assert held < LIMIT, f"{UNFINISHED} unfinished pushes of {len(body)} bytes each hold {held:,} bytes"


@pytest.mark.parametrize(("carrier", "challenge"), [
    ("surat", 'Signature realm="surat", header="X-Partner-Signature"'),
    ("ups", 'ApiKey realm="ups", header="x-api-key"'),
    ("dhl", 'ApiKey realm="dhl", header="X-Webhook-Token"'),
])
async def test_a_push_without_its_credential_header_is_refused_before_its_body_is_read(in_memory, carrier, challenge):
    """The refusal a whole body gets (`missing_signature`, the carrier's challenge) comes while the body is still
    unfinished: nothing of it is waited for, let alone held or hashed."""
    head, problem = await answer_to_an_unfinished_push(in_memory, f"/v1/carriers/{carrier}/webhooks",
                                                       {"Content-Type": "application/json"}, 1)
    header = challenge.rsplit('"', 2)[1]
    assert head.startswith(b"HTTP/1.1 401") and f"WWW-Authenticate: {challenge}\r\n".encode() in head
    assert (problem["type"], problem["reason"], problem["detail"]) == (
        "urn:dispute-service:problem:webhook-unauthenticated", "missing_signature", f"Missing {header} header.")


@pytest.mark.parametrize(("carrier", "header"), [("ups", "x-api-key"), ("dhl", "X-Webhook-Token")])
async def test_a_push_with_a_wrong_static_credential_is_refused_before_its_body_is_read(in_memory, carrier, header):
    """An API key signs no body: a wrong one is refused as soon as the headers are in (a signature, which covers the
    body, can only be checked once it is read)."""
    head, problem = await answer_to_an_unfinished_push(in_memory, f"/v1/carriers/{carrier}/webhooks",
                                                       {"Content-Type": "application/json", header: "a-guess"}, 1)
    assert head.startswith(b"HTTP/1.1 401")
    assert (problem["reason"], problem["detail"]) == ("bad_signature", f"Wrong {header} credential.")


async def test_the_carrier_list_reports_a_push_only_for_the_carriers_whose_pushes_we_can_verify(aiohttp_client,
                                                                                                tmp_path):
    """A carrier whose credential or secret we do not hold refuses every push: it is listed with no push."""
    carriers = {
        "ups": {key: value for key, value in CARRIERS["ups"].items() if key != "webhook_credential"},
        "dhl": {"base_url": "http://127.0.0.1:9", "api_key": "e2e", "webhook_token": DHL_TOKEN},
        "hepsijet": {"base_url": "http://127.0.0.1:9", "username": "u", "password": "p", "apikey": "k"},
        "surat": {"partner_webhook": {"secrets": [SECRET]}},
    }
    api = await memory_app(aiohttp_client, tmp_path, carriers=carriers)

    listed = await (await api.get("/v1/carriers", headers=INVESTIGATOR)).json()
    pushes = {c["code"]: c["capabilities"]["push"] is not None for c in listed["carriers"]}
    assert pushes == {"ups": False, "dhl": True, "hepsijet": False, "surat": True}
    body = json.dumps(event(carrier="hepsijet")).encode()
    for carrier, status, reason in [("ups", 403, "not_configured"), ("hepsijet", 404, "unknown_carrier")]:
        refused = await api.post(f"/v1/carriers/{carrier}/webhooks", data=body,
                                 headers=signed(body) | {"x-api-key": UPS_WEBHOOK_CREDENTIAL})
        assert (refused.status, (await refused.json(content_type=None))["reason"]) == (status, reason)
