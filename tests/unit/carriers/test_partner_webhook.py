import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from multidict import CIMultiDict
from pydantic import SecretStr, ValidationError

from carriers.aras.client import ArasAdapter
from carriers.aras.settings import ArasSettings
from carriers.base import PushCarrier
from carriers.errors import MalformedResponse, WebhookRejected
from carriers.hepsijet.client import HepsijetAdapter
from carriers.hepsijet.settings import HepsijetSettings
from carriers.mng.client import MngAdapter
from carriers.mng.settings import MngSettings
from carriers.partner.settings import PartnerCarrierSettings, PartnerWebhookSettings
from carriers.partner.signing import HEADER, sign
from carriers.partner.webhook import PARTNER_PUSH
from carriers.ptt.client import PttAdapter
from carriers.ptt.settings import PttSettings
from carriers.registry import CARRIERS, create_adapter
from carriers.surat.client import SuratAdapter
from carriers.surat.settings import SuratSettings
from carriers.yurtici.client import YurticiAdapter
from carriers.yurtici.settings import YurticiSettings
from schemas.partner_webhook import PartnerEvent, PartnerImage
from schemas.proof import AttachmentKind, NoteCode, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import NOW
from tests.unit.carriers.properties import sample, sample_json

T = int(NOW.timestamp())
DELIVERED = "delivered-with-proof.json"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
CREDENTIALS: dict[str, tuple[type, type, dict[str, Any]]] = {
    "hepsijet": (HepsijetAdapter, HepsijetSettings, {"username": "u", "password": "p", "apikey": "k"}),
    "yurtici": (YurticiAdapter, YurticiSettings, {"username": "u", "password": "p"}),
    "aras": (ArasAdapter, ArasSettings, {"username": "u", "password": "p", "customer_code": "c"}),
    "mng": (MngAdapter, MngSettings, {
        "api_client": {"client_id": "i", "client_secret": "s"}, "customer_number": "n", "password": "p",
    }),
    "ptt": (PttAdapter, PttSettings, {"username": "u", "password": "p"}),
    "surat": (SuratAdapter, SuratSettings, {}),
}


def test_every_partner_carrier_has_credentials_here() -> None:
    partners = {code for code, entry in CARRIERS.items() if issubclass(entry.settings, PartnerCarrierSettings)}
    assert set(CREDENTIALS) == partners, "give the carrier's adapter, settings and credentials in CREDENTIALS"


def secret_of(code: str, generation: int = 1) -> str:
    return f"whsec_{code}_gen{generation}_0123456789abcdef0123"


def build(code: str, session, clock, *secrets: str) -> Any:
    adapter, settings, config = CREDENTIALS[code]
    webhook = {"secrets": list(secrets)} if secrets else {}
    return adapter(settings.model_validate(config | {"partner_webhook": webhook}), session, clock=clock)


@pytest.fixture
def yurtici(session, clock) -> YurticiAdapter:
    return build("yurtici", session, clock, secret_of("yurtici"))


def body(**changes: Any) -> bytes:
    event = sample_json("partner", DELIVERED) | changes
    return json.dumps({k: v for k, v in event.items() if v is not ...}, ensure_ascii=False).encode()


def signed(raw: bytes, secret: str, at: int = T) -> dict[str, str]:
    return {HEADER: sign(secret, raw, at), "Content-Type": "application/json"}


@pytest.mark.parametrize("code", sorted(CREDENTIALS))
def test_every_turkish_carrier_takes_partner_pushes_with_its_own_secret(code: str, session, clock) -> None:
    carrier = build(code, session, clock, secret_of(code))
    assert isinstance(carrier, PushCarrier) and carrier.capabilities.push
    assert carrier.capabilities.push == PARTNER_PUSH
    raw = body(carrier=code)
    carrier.verify_webhook(signed(raw, secret_of(code)), raw, NOW)
    [event] = carrier.parse_webhook(raw)
    assert (event.proof.carrier, event.proof.source) == (code, ProofSource.PUSH)
    others = [other for other in CREDENTIALS if other != code]
    for other in others:
        with pytest.raises(WebhookRejected):
            carrier.verify_webhook(signed(raw, secret_of(other)), raw, NOW)


@pytest.mark.parametrize("code", sorted(CREDENTIALS))
def test_each_turkish_carrier_is_registered_and_built_from_raw_configuration(code: str, session) -> None:
    config = CREDENTIALS[code][2] | {"partner_webhook": {"secrets": [secret_of(code)]}}
    carrier = create_adapter(code, config, session)
    assert isinstance(carrier, PushCarrier) and carrier.code == code
    assert (carrier.capabilities.pull is not None, carrier.capabilities.push) == (code != "surat", PARTNER_PUSH)
    assert carrier.breaker.state == "closed"
    shown = repr(CARRIERS[code].settings.model_validate(config))
    assert secret_of(code) not in shown and "'p'" not in shown


@pytest.mark.parametrize("code", ["hepsijet", "yurtici", "aras", "mng", "ptt"])
def test_a_carrier_without_partner_secrets_pulls_only_and_refuses_pushes(code: str, session, clock) -> None:
    carrier = build(code, session, clock)
    assert carrier.capabilities.pull and not carrier.capabilities.push
    raw = body(carrier=code)
    with pytest.raises(WebhookRejected, match="no partner webhook secret configured"):
        carrier.verify_webhook(signed(raw, secret_of(code)), raw, NOW)


def test_a_delivered_event_maps_to_a_pushed_proof(yurtici, clock) -> None:
    raw = sample("partner", DELIVERED)
    yurtici.verify_webhook(signed(raw, secret_of("yurtici")), raw, NOW)
    [event] = yurtici.parse_webhook(raw)
    proof = event.proof
    assert (event.event_id, event.tracking_number) == ("evt_01HW3K9Q8Z6V4R2M", "YK20240421001")
    assert (proof.carrier, proof.status, proof.source, proof.received_at) == (
        "yurtici", ProofStatus.DELIVERED, ProofSource.PUSH, clock.now(),
    )
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)
    assert (proof.received_by, proof.recipient_relation) == ("Mehmet Demir", RecipientRelation.NEIGHBOUR)
    assert proof.signature is not None and proof.signature.kind is AttachmentKind.SIGNATURE
    assert proof.signature.url == "https://partner.yurtici.test/pod/YK20240421001/signature.png"
    assert proof.photo is not None and (proof.photo.media_type, proof.photo.content_b64) == ("image/png", PNG)
    assert (proof.status_code, proof.notes) == ("delivered", ())
    assert proof.location is not None
    assert (proof.location.lat, proof.location.lon, proof.location.accuracy_m, proof.location.text) == (
        40.9869, 29.0266, 12.5, "Komşu, daire 4",
    )
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == ("Emre Kaya", "Kadıköy")
    [scan] = proof.events
    assert (scan.code, scan.at) == ("delivered", datetime(2024, 4, 22, 11, 31, 9, tzinfo=UTC))


def test_a_redelivered_event_keeps_its_event_id(yurtici) -> None:
    first = yurtici.parse_webhook(sample("partner", DELIVERED))[0]
    again = yurtici.parse_webhook(json.dumps(sample_json("partner", DELIVERED), indent=2).encode())[0]
    assert first.event_id == again.event_id


def test_a_minimal_in_transit_event_is_enough(yurtici) -> None:
    raw = json.dumps({
        "event_id": "e-2", "carrier": "yurtici", "tracking_number": "YK1", "status": "in_transit",
        "occurred_at": "2024-04-22T08:02:00+03:00",
    }).encode()
    [event] = yurtici.parse_webhook(raw)
    assert (event.proof.status, event.proof.delivered_at, event.proof.signature) == (ProofStatus.IN_TRANSIT, None, None)
    assert event.proof.recipient_relation is RecipientRelation.UNKNOWN


def test_a_forged_signature_is_rejected(yurtici) -> None:
    raw = body()
    with pytest.raises(WebhookRejected, match="signature does not match"):
        yurtici.verify_webhook(signed(raw, "whsec_attacker_0123456789abcdef01234567"), raw, NOW)


def test_a_tampered_body_is_rejected(yurtici) -> None:
    raw = body()
    headers = signed(raw, secret_of("yurtici"))
    tampered = body(received_by="Ayşe Yılmaz", recipient_relation="recipient")
    with pytest.raises(WebhookRejected, match="signature does not match"):
        yurtici.verify_webhook(headers, tampered, NOW)


def test_a_replayed_request_outside_the_window_is_rejected(yurtici) -> None:
    raw = body()
    headers = signed(raw, secret_of("yurtici"))
    yurtici.verify_webhook(headers, raw, NOW)
    with pytest.raises(WebhookRejected, match="replay window"):
        yurtici.verify_webhook(headers, raw, NOW + timedelta(minutes=6))


def test_a_timestamp_too_far_in_the_future_is_rejected(yurtici) -> None:
    raw = body()
    with pytest.raises(WebhookRejected, match="replay window"):
        yurtici.verify_webhook(signed(raw, secret_of("yurtici"), at=T + 301), raw, NOW)


def test_the_replay_window_is_configurable(session, clock) -> None:
    adapter, settings, config = CREDENTIALS["yurtici"]
    webhook = PartnerWebhookSettings(secrets=(SecretStr(secret_of("yurtici")),), tolerance_seconds=30)
    carrier = adapter(settings.model_validate(config | {"partner_webhook": webhook}), session, clock=clock)
    raw = body()
    with pytest.raises(WebhookRejected, match="30s replay window"):
        carrier.verify_webhook(signed(raw, secret_of("yurtici"), at=T - 31), raw, NOW)


def test_secrets_rotate_without_downtime(session, clock) -> None:
    carrier = build("yurtici", session, clock, secret_of("yurtici", 2), secret_of("yurtici", 1))
    raw = body()
    carrier.verify_webhook(signed(raw, secret_of("yurtici", 1)), raw, NOW)
    carrier.verify_webhook(signed(raw, secret_of("yurtici", 2)), raw, NOW)
    retired = build("yurtici", session, clock, secret_of("yurtici", 2))
    with pytest.raises(WebhookRejected):
        retired.verify_webhook(signed(raw, secret_of("yurtici", 1)), raw, NOW)


def test_a_body_for_another_carrier_is_rejected_even_when_signed_with_this_carriers_secret(yurtici) -> None:
    raw = body(carrier="aras")
    with pytest.raises(WebhookRejected, match="another carrier"):
        yurtici.verify_webhook(signed(raw, secret_of("yurtici")), raw, NOW)
    with pytest.raises(MalformedResponse, match="names another carrier"):
        yurtici.parse_webhook(raw)


def test_a_body_signed_by_another_carrier_is_rejected(yurtici) -> None:
    raw = body(carrier="aras")
    with pytest.raises(WebhookRejected, match="signature does not match"):
        yurtici.verify_webhook(signed(raw, secret_of("aras")), raw, NOW)


@pytest.mark.parametrize(
    "headers",
    [{}, {HEADER: "sha256=abc"}, {HEADER: f"t={T}"}, {"X-Hmac-Signature": "hmac-sha256-hex=abc"}],
    ids=["none", "wrong format", "no v1", "another scheme's header"],
)
def test_a_missing_or_malformed_header_is_rejected(yurtici, headers: dict[str, str]) -> None:
    with pytest.raises(WebhookRejected, match=HEADER):
        yurtici.verify_webhook(headers, body(), NOW)


def test_a_repeated_signature_header_is_rejected(yurtici) -> None:
    raw = body()
    header = sign(secret_of("yurtici"), raw, T)
    with pytest.raises(WebhookRejected, match="repeated"):
        yurtici.verify_webhook(CIMultiDict([(HEADER, header), (HEADER.lower(), header)]), raw, NOW)


def test_an_oversized_body_is_refused_before_any_work(yurtici) -> None:
    raw = b'{"received_by": "' + b"x" * (13 * 1024 * 1024) + b'"}'
    with pytest.raises(WebhookRejected, match="body over"):
        yurtici.verify_webhook({HEADER: sign(secret_of("yurtici"), raw, T)}, raw, NOW)
    with pytest.raises(MalformedResponse, match="over"):
        yurtici.parse_webhook(raw)


PERSONAL = "Mehmet Demir"


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"status": "teslim"}, "status"),
        ({"status": "not_found"}, "status"),
        ({"delivered_at": "2024-04-22T14:31:05"}, "delivered_at"),
        ({"delivered_at": ...}, "delivered_at"),
        ({"status": "in_transit"}, "delivered_at"),
        ({"occurred_at": ...}, "occurred_at"),
        ({"received_by": ["Mehmet Demir"]}, "received_by"),
        ({"received_by": PERSONAL * 20}, "received_by"),
        ({"recipient_relation": "cousin"}, "recipient_relation"),
        ({"nickname": PERSONAL}, "nickname"),
        ({"tracking_number": "YK 1; DROP"}, "tracking_number"),
        ({"event_id": ""}, "event_id"),
        ({"carrier": "Yurtiçi"}, "carrier"),
        ({"courier": {"name": PERSONAL, "phone": "+905551112233"}}, "courier.phone"),
    ],
)
def test_a_malformed_body_is_rejected_naming_the_field_but_no_value(yurtici, changes, where: str) -> None:
    with pytest.raises(MalformedResponse) as caught:
        yurtici.parse_webhook(body(**changes))
    message = str(caught.value)
    assert message.startswith("yurtici: partner webhook body does not match") and where in message
    assert PERSONAL not in message and "+90" not in message and "DROP" not in message


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ({"url": "http://partner.test/sig.png"}, "not a valid image"),
        ({"url": "https://p.test/s.png", "content_b64": PNG, "media_type": "image/png"}, "not a valid image"),
        ({"content_b64": "%%% " + PERSONAL, "media_type": "image/jpeg"}, "not a valid image"),
        ({"content_b64": PNG}, "not a valid image"),
        ({"content_b64": PNG, "media_type": "text/html"}, "not a valid image"),
        ({"content_b64": "/9j/4AAQSkZJRgABAQAAAQABAAD/", "media_type": "image/jpeg"}, "placeholder"),
        ({"content_b64": "PGh0bWw+PC9odG1sPg==", "media_type": "image/png"}, "placeholder"),
        ("a signature", "not a valid image"),
    ],
)
@pytest.mark.parametrize("kind", ["signature", "photo"])
def test_a_bad_image_is_dropped_with_a_note_and_the_rest_stays(yurtici, kind: str, image: Any, reason: str) -> None:
    [event] = yurtici.parse_webhook(body(**{kind: image}))
    proof = event.proof
    [note] = proof.notes
    assert (note.code, note.field) == (NoteCode.ATTACHMENT_DROPPED, kind) and reason in note.reason
    assert getattr(proof, kind) is None and PERSONAL not in repr(note)
    kept = proof.photo if kind == "signature" else proof.signature
    assert kept is not None and proof.received_by == PERSONAL and proof.status is ProofStatus.DELIVERED


@pytest.mark.parametrize(
    "location",
    [{"lat": 91, "lon": 29}, {"lat": 41}, {"lon": 29, "text": "Kapı önü"}, {"lat": "41.0", "lon": "29.0"},
     {"lat": 41, "lon": 29, "floor": 3}, "Kapı önü"],
    ids=["out of range", "one coordinate", "one coordinate with text", "strings", "unknown field", "not an object"],
)
def test_a_bad_location_is_dropped_with_a_note_and_the_rest_stays(yurtici, location: Any) -> None:
    [event] = yurtici.parse_webhook(body(location=location))
    proof = event.proof
    [note] = proof.notes
    assert (note.code, note.field) == (NoteCode.FIELD_UNREADABLE, "location") and "Kapı" not in repr(note)
    assert proof.location is None and proof.signature is not None and proof.photo is not None
    assert proof.received_by == PERSONAL and proof.status is ProofStatus.DELIVERED


@pytest.mark.parametrize(
    "location", [{}, {"lat": None, "lon": None, "accuracy_m": None}, {"accuracy_m": 5}, {"text": None}],
    ids=["empty", "no position fix yet", "accuracy alone", "no text"],
)
def test_a_location_with_nothing_to_place_is_no_location(yurtici, location: dict[str, Any]) -> None:
    [event] = yurtici.parse_webhook(body(location=location))
    assert event.proof.location is None and event.proof.notes == () and event.proof.signature is not None


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"], ids=["empty", "spaces", "tab and line break"])
def test_a_blank_name_or_place_is_read_as_left_out_and_the_proof_is_stored(yurtici, blank: str) -> None:
    """What Java's and .NET's serialisers write for "no value" (docs/partners.md): the push is not refused for it."""
    [event] = yurtici.parse_webhook(body(received_by=blank, courier={"name": "Ali", "unit": blank},
                                         location={"lat": 41.0, "lon": 29.0, "text": blank}))
    proof = event.proof
    assert (proof.received_by, proof.notes, proof.status) == (None, (), ProofStatus.DELIVERED)
    assert proof.signature is not None and proof.photo is not None
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == ("Ali", None)
    assert proof.location is not None and (proof.location.lat, proof.location.lon, proof.location.text) == (41.0, 29.0, None)
    [unnamed] = yurtici.parse_webhook(body(courier={"name": blank, "unit": blank}))
    assert unnamed.proof.courier is None


def test_a_location_given_as_the_courier_s_words_alone_is_kept(yurtici) -> None:
    [event] = yurtici.parse_webhook(body(location={"text": "Kapı önü, 3. kat"}))
    location = event.proof.location
    assert location is not None and (location.text, location.lat, location.lon) == ("Kapı önü, 3. kat", None, None)
    assert event.proof.notes == ()


@pytest.mark.parametrize("media_type", ["image/PNG", "Image/Png"])
def test_an_image_s_media_type_is_read_in_any_case(yurtici, media_type: str) -> None:
    # RFC 6838 §4.2: type and subtype names are case-insensitive.
    [event] = yurtici.parse_webhook(body(photo={"content_b64": PNG, "media_type": media_type}))
    assert event.proof.photo is not None and event.proof.notes == ()
    published = PartnerEvent.model_json_schema()["$defs"]["PartnerImage"]["properties"]["media_type"]["anyOf"][0]
    assert re.search(published["pattern"], media_type)  # the contract says so too: a partner's validator takes it


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b"null", b'{"event_id": 1}', b"\xff\xfe"])
def test_a_body_that_is_no_event_at_all_is_malformed(yurtici, raw: bytes) -> None:
    with pytest.raises(MalformedResponse, match="partner webhook body"):
        yurtici.parse_webhook(raw)


def test_the_event_repr_shows_no_personal_data() -> None:
    event = PartnerEvent.model_validate_json(sample("partner", DELIVERED))
    shown = repr(event)
    assert "evt_01HW3K9Q8Z6V4R2M" in shown and PERSONAL not in shown and "Kadıköy" not in shown


def test_configuration_errors_never_echo_a_secret() -> None:
    with pytest.raises(ValueError) as caught:
        YurticiSettings.model_validate(
            {"username": "u", "password": "p", "partner_webhook": {"secrets": ["short-secret"]}}
        )
    assert "short-secret" not in str(caught.value)
    assert "a secret is 32 to 512 characters long" in str(caught.value)  # never "items"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_image_in_line_wrapped_base64_is_the_same_image_and_its_bound_counts_the_base64_alone(yurtici, newline):
    # RFC 2045 §6.8: MIME encoders write base64 in lines of at most 76 characters.
    wrapped = "".join(f"{PNG[i:i + 76]}{newline}" for i in range(0, len(PNG), 76))
    [event] = yurtici.parse_webhook(body(photo={"content_b64": wrapped, "media_type": "image/png"}))
    assert event.proof.photo is not None and event.proof.photo.content_b64 == PNG and event.proof.notes == ()

    at_bound = base64.encodebytes(bytes(5_500_000 // 4 * 3)).decode().replace("\n", newline)  # 5,500,000 + breaks
    assert len(at_bound) > 5_500_000
    assert PartnerImage(content_b64=at_bound, media_type="image/png").content_b64 == "A" * 5_500_000
    with pytest.raises(ValidationError):
        PartnerImage(content_b64=at_bound + "AAAA", media_type="image/png")


@pytest.mark.parametrize("written", [
    "2026-11-16 14:31:05+03:00",  # RFC 3339 §5.6 NOTE: a space instead of T; PHP 'Y-m-d H:i:sP', Python str(datetime)
    "2026-11-16T14:31:05+0300",  # ISO 8601 basic offset; Java's SimpleDateFormat "Z", strftime("%z")
    "2026-11-16T14:31+03:00",  # no seconds
    "2026-11-16T11:31:05.250Z",
])
def test_a_pushed_time_written_with_its_date_and_offset_is_read_as_partners_write_it(written: str) -> None:
    """docs/partners.md: a time with its UTC offset is read; before times had to be dates, each of these was read."""
    from schemas.partner_webhook import PartnerEvent

    base = {"event_id": "srt-1", "carrier": "surat", "tracking_number": "SRT1", "status": "in_transit"}
    event = PartnerEvent.model_validate_json(json.dumps(base | {"occurred_at": written}))
    assert event.occurred_at.astimezone(UTC).date().isoformat() == "2026-11-16"
