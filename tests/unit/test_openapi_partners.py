"""The partner contract in the OpenAPI document: every pushing carrier's webhook has its body, its credential
headers and its rejections; every message the outbox sends is under `webhooks`; the guide names every reason."""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate
from pydantic import SecretStr

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.downstream import Signer
from adapters.web.rejections import REJECTION_STATUS
from adapters.settings import Settings
from adapters.web.openapi import build_openapi
from adapters.web.openapi_partners import EFFECTS
from carriers.errors import WebhookReason
from carriers.partner.webhook import PartnerPush
from carriers.registry import CARRIERS
from schemas.dispute import EffectKind
from schemas.effects import RefundRequest
from schemas.orders import OrderItem
from schemas.partner_webhook import PartnerEvent, PartnerStatus

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "carriers"
PUSHING = sorted(code for code, entry in CARRIERS.items() if hasattr(entry.build, "verify_webhook"))
PARTNERS = sorted(code for code, entry in CARRIERS.items() if issubclass(entry.build, PartnerPush))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def document() -> dict:
    built = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")
    validate(built)
    return built


def webhook_of(document: dict, code: str) -> dict:
    concrete = f"/v1/carriers/{code}/webhooks"
    return document["paths"][concrete if concrete in document["paths"] else "/v1/carriers/{carrier}/webhooks"]["post"]


def schema_validator(document: dict, reference: str) -> Draft202012Validator:
    """`reference` checked with the document as its root, where its `#/components/...` references point."""
    return Draft202012Validator({**document, "$ref": reference})


def test_every_carrier_that_pushes_is_a_partner_or_has_its_own_path() -> None:
    assert set(PARTNERS) < set(PUSHING) and {"ups", "dhl"} <= set(PUSHING) and "fedex" not in PUSHING


@pytest.mark.parametrize("code", PUSHING)
def test_each_pushing_carriers_webhook_has_a_request_schema_and_required_credential_headers(document, code) -> None:
    operation = webhook_of(document, code)
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert reference.removeprefix("#/components/schemas/") in document["components"]["schemas"]
    headers = [p for p in operation["parameters"] if p.get("in") == "header"]
    assert headers and all(p["required"] and p["description"] for p in headers)
    if code in PARTNERS:
        [carrier] = [p for p in operation["parameters"] if p.get("in") == "path"]
        assert code in carrier["schema"]["enum"]
        assert [h["name"] for h in headers] == ["X-Partner-Signature"] and "t=<unix seconds>" in headers[0]["description"]
    stored = "202" if code in PARTNERS else "200"  # UPS and DHL ask for 200; our partner contract says 202
    assert {stored, "400", "401", "403", "404", "408", "413", "415", "422", "503"} <= set(operation["responses"])
    assert not {"200", "202"} - {stored} & set(operation["responses"])
    for status, answer in operation["responses"].items():  # each refusal names the reasons it may carry
        if reason := answer.get("content", {}).get("application/problem+json", {}).get("schema", {}).get("allOf"):
            assert reasons_of(document, reason[1]["properties"]["reason"]), status
    challenge = operation["responses"]["401"]["headers"]["WWW-Authenticate"]["description"]
    scheme = "Signature" if code in PARTNERS else "ApiKey"  # not the bearer token of the rest of the API
    assert challenge.startswith(f'`{scheme} realm="') and f'header="{headers[0]["name"]}"`' in challenge


@pytest.mark.parametrize(("code", "sample"), [
    ("ups", "ups/alert-delivered-photo.json"), ("dhl", "dhl/push-delivered.json"),
    ("surat", "partner/delivered-with-proof.json"),
])
def test_what_each_carrier_really_pushes_matches_its_documented_body(document, code, sample) -> None:
    operation = webhook_of(document, code)
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = json.loads((FIXTURES / sample).read_text())
    schema_validator(document, reference).validate(body)
    with pytest.raises(ValidationError):  # the schema describes the body, it does not take anything
        schema_validator(document, reference).validate({"trackingNumber": 5, "shipments": 5, "event_id": 5})


def test_the_partner_webhook_documents_every_reason_under_its_status(document) -> None:
    responses = webhook_of(document, "surat")["responses"]
    for reason, status in REJECTION_STATUS.items():
        answer = responses[str(status)]
        assert f"`{reason.value}`" in answer["description"]
        extension = answer["content"]["application/problem+json"]["schema"]["allOf"][1]
        assert reason.value in reasons_of(document, extension["properties"]["reason"])
    assert "reason" in document["components"]["schemas"]["Problem"]["properties"]


def reasons_of(document: dict, schema: dict) -> list[str]:
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]["enum"]


def test_each_webhook_answer_s_reasons_are_one_shared_component_each_listing_that_webhook_s_codes(document) -> None:
    """A client generator names an enum written inline after its property, numbering each repetition (`Reason17`):
    each list of codes is one component, named once, that the webhooks answering with it share."""
    listed: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for code in ("surat", "ups", "dhl"):
        for status, answer in webhook_of(document, code)["responses"].items():
            if "allOf" in (schema := answer.get("content", {}).get("application/problem+json", {}).get("schema", {})):
                reason = schema["allOf"][1]["properties"]["reason"]
                assert set(reason) == {"$ref"}, (code, status)
                listed[code, status] = (reason["$ref"], reasons_of(document, reason))
    assert {status: enum for (code, status), (_, enum) in listed.items() if code == "surat"} == {
        "400": ["unreadable_body"],
        "401": ["missing_signature", "malformed_signature", "unknown_signature_version", "stale_timestamp",
                "bad_signature"],
        "403": ["not_configured", "wrong_carrier"], "404": ["unknown_carrier"], "413": ["too_large"],
        "415": ["unsupported_media_type", "unsupported_encoding"], "422": ["malformed"]}
    for native in ("ups", "dhl"):  # a static credential: no timestamp, no signature scheme, the path names the carrier
        assert listed[native, "401"][1] == ["missing_signature", "bad_signature"]
        assert listed[native, "403"][1] == ["not_configured"]
        assert all(listed[native, status] == listed["surat", status] for status in ("400", "404", "413", "415", "422"))
    titles = {ref: document["components"]["schemas"][ref.rsplit("/", 1)[-1]]["title"] for ref, _ in listed.values()}
    assert len(titles) == len(set(titles.values())) == 9


def test_the_webhooks_section_lists_every_outbox_message_with_its_idempotency_key_and_signature(document) -> None:
    assert set(document["webhooks"]) == {kind.value for kind in EffectKind}
    for message in document["webhooks"].values():
        operation = message["post"]
        key, signature = operation["parameters"]
        assert (key["name"], key["in"], key["required"]) == ("Idempotency-Key", "header", True)
        assert (signature["name"], signature["in"], signature["required"]) == ("Disputes-Signature", "header", True)
        assert re.fullmatch(signature["schema"]["pattern"], signature["example"])
        assert "HMAC-SHA256" in signature["description"] and "300 s" in signature["description"]
        assert "401" in operation["responses"] and "not signed" not in operation["description"]
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert reference.removeprefix("#/components/schemas/") in document["components"]["schemas"]


@pytest.mark.parametrize("legacy_v1", [False, True])
def test_the_published_signature_is_the_one_the_service_sends(document, legacy_v1) -> None:
    """What a receiver reads in the document must be what arrives: the header `Signer` writes fits the published
    pattern, and the description names the signed string docs/downstream.md gives, Idempotency-Key included; so
    while the former scheme is sent beside it (DISPUTES_EFFECTS_SIGNING_LEGACY_V1)."""
    sent = Signer(key_id="2026-01", secret=SecretStr("whsec_example"), now=lambda: 1713792669,
                  legacy_v1=legacy_v1).headers("dsp_7f3a:d1:refund", b'{"amount_minor": 129900}')
    assert ("v1=" in sent["Disputes-Signature"]) is legacy_v1
    for message in document["webhooks"].values():
        signature = message["post"]["parameters"][1]
        assert re.fullmatch(signature["schema"]["pattern"], sent[signature["name"]])
        assert '"<t>.<Idempotency-Key>.<raw body>"' in signature["description"]
        assert "DISPUTES_EFFECTS_SIGNING_LEGACY_V1" in signature["description"]


def test_the_partner_guide_explains_every_reason_code() -> None:
    guide = (ROOT / "docs" / "partners.md").read_text()
    assert [reason for reason in WebhookReason if f"`{reason.value}`" not in guide] == []


def test_the_partner_webhooks_example_is_a_partners_push(document) -> None:
    operation = webhook_of(document, "surat")
    example = operation["requestBody"]["content"]["application/json"]["example"]
    [carrier] = [p for p in operation["parameters"] if p.get("in") == "path"]
    assert example["carrier"] in carrier["schema"]["enum"]  # not a carrier of its own format, refused as wrong_carrier
    assert PartnerEvent.model_validate_json(json.dumps(example)).carrier == example["carrier"]


def test_the_partner_guide_names_every_status_a_partner_may_report() -> None:
    guide = (ROOT / "docs" / "partners.md").read_text()
    assert [status for status in PartnerStatus if f"`{status.value}`" not in guide] == []


def test_the_downstream_guide_lists_every_message_with_its_service_and_path() -> None:
    guide = (ROOT / "docs" / "downstream.md").read_text()
    for kind, (_, service, path) in EFFECTS.items():
        row = rf"^\| `{kind.value}` \| {service} \(`DISPUTES_{service.upper()}_URL`\) \| `{re.escape(path)}` \|$"
        assert re.search(row, guide, re.MULTILINE), kind


@pytest.mark.parametrize(("heading", "model", "fields"), [
    ("### The items of a reship", OrderItem, tuple(OrderItem.model_fields)),
    ("### The units of a refund", RefundRequest, ("amount_minor", "shipment_id", "sku", "quantity")),
])
def test_the_downstream_guide_gives_each_field_of_a_reship_s_items_and_a_refund_s_units_its_type(
    heading, model, fields
) -> None:
    section = (ROOT / "docs" / "downstream.md").read_text().split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    schema = model.model_json_schema()["properties"]
    for field in fields:
        [row] = re.findall(rf"^\| `{field}` \| ([^|]+) \|", section, re.MULTILINE)
        kinds = {kind.get("type", "string") for kind in schema[field].get("anyOf", [schema[field]])}  # an enum: strings
        assert row.strip() == " or ".join(sorted(kinds, key=lambda kind: (kind == "null", kind))), field


def test_the_downstream_guide_states_the_relays_settings_with_their_defaults() -> None:
    guide = (ROOT / "docs" / "downstream.md").read_text()
    for name in ("downstream_timeout_seconds", "downstream_attempts", "relay_max_attempts"):
        [stated] = re.findall(rf"(\d+) \w+ \(`DISPUTES_{name.upper()}`\)", guide)
        assert float(stated) == Settings.model_fields[name].default, name
    assert f"http://127.0.0.1:{Settings.model_fields['sandbox_port'].default}" in guide  # the embedded default's
