"""The partner contract in the OpenAPI document: each pushing carrier's webhook (the body it really sends, the
headers that authenticate it, every answer with its reason codes), and a `webhooks` section with the messages
the outbox sends to the marketplace's services. The guide to both is docs/partners.md."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from adapters.downstream import (
    SIGNATURE_HEADER, SIGNATURE_SCHEME, AccountsClient, FinanceClient, FulfillmentClient, NotificationsClient, PaymentsClient,
)
from adapters.web.bodies import ACCEPT_ENCODING, MAX_CODINGS
from adapters.web.carriers_api import challenge
from adapters.web.rejections import REJECTION_STATUS, problem_of
from adapters.web.problems import PROBLEM_JSON, edge_problem
from carriers.auth import shared_secret_auth
from carriers.base import WebhookAuth
from carriers.dhl.client import DhlAdapter
from carriers.dhl.settings import DhlSettings
from carriers.dhl.wire import Shipment, Shipments
from carriers.errors import WebhookReason
from carriers.partner import signing
from carriers.partner.webhook import PartnerPush
from carriers.partner.settings import PartnerCarrierSettings, PartnerWebhookSettings
from carriers.registry import CARRIERS
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings
from carriers.ups.wire import TrackingEvent
from schemas.effects import (
    AccountRestriction, CarrierLiability, CustomerNotification, CustomerRisk, EffectApplied, RefundRequest, ReshipRequest,
    StaffAlert,
)
from schemas.dispute import EffectKind
from schemas.partner_webhook import PartnerEvent

WEBHOOK_PATH = "/v1/carriers/{carrier}/webhooks"
REF = "#/components/schemas/{model}"
GUIDE = "How to sign a push, the replay window, retries and limits: docs/partners.md."
REPLAY_WINDOW_SECONDS = PartnerWebhookSettings.model_fields["tolerance_seconds"].default
"""The replay window we apply to partners' pushes, and recommend to the services that verify our messages."""
PARTNER_EXAMPLE = {
    "event_id": "srt-20240422-0001", "carrier": "surat", "tracking_number": "SRT20240421001", "status": "delivered",
    "delivered_at": "2024-04-22T14:31:05+03:00", "received_by": "Mehmet Demir", "recipient_relation": "neighbour",
    "location": {"lat": 40.9869, "lon": 29.0266, "text": "Komşu, daire 4"}, "occurred_at": "2024-04-22T14:31:09+03:00",
}
"""A partner's push, as docs/partners.md's curl example sends it."""
PARTNER_CARRIERS = tuple(code for code, entry in CARRIERS.items() if issubclass(entry.settings, PartnerCarrierSettings))
"""The carriers that push through the partner webhook (our own format, each with its own secrets)."""

REASONS = {
    WebhookReason.MISSING_SIGNATURE: "The signature or credential header is missing.",
    WebhookReason.MALFORMED_SIGNATURE: "The signature header is repeated, too long, or not `t=<unix seconds>,v1=<hex>`.",
    WebhookReason.UNKNOWN_SIGNATURE_VERSION: "The header carries signatures only under schemes other than `v1`.",
    WebhookReason.STALE_TIMESTAMP: "`t` is outside the replay window around our clock: sign again when you retry.",
    WebhookReason.BAD_SIGNATURE: "The signature or credential matches none of the carrier's current secrets "
                                 "(a changed body, a wrong secret, or one retired after a rotation). A compressed body "
                                 "is signed before it is compressed: `detail` says so when it came compressed.",
    WebhookReason.NOT_CONFIGURED: "We hold no credential for this carrier (UPS, DHL) yet: it cannot push. A partner "
                                  "carrier without a secret is `unknown_carrier`.",
    WebhookReason.WRONG_CARRIER: "The body's `carrier` is another carrier than the path's and the secret's.",
    WebhookReason.UNKNOWN_CARRIER: "No carrier by this code takes pushes.",
    WebhookReason.TOO_LARGE: "The body is over the limit; it was refused as soon as it passed it.",
    WebhookReason.UNSUPPORTED_MEDIA_TYPE: "The body is labelled as something other than JSON.",
    WebhookReason.UNSUPPORTED_ENCODING: f"The body's `Content-Encoding` names a coding other than `gzip` (`x-gzip`) "
                                        f"and `deflate`, or more than {MAX_CODINGS} of them; `Accept-Encoding` lists "
                                        "those we decode (problem type `unsupported-content-encoding`).",
    WebhookReason.UNREADABLE_BODY: "The body does not decode to its end as its `Content-Encoding` says (`gzip`, "
                                   "`deflate`, each coding undone in the reverse of the order it lists them).",
    WebhookReason.MALFORMED: "The body is authentic but not the carrier's format; `detail` names the field paths.",
}
REFUSALS = {400: "Unreadable", 401: "Unauthenticated", 403: "Forbidden", 404: "UnknownCarrier", 413: "TooLarge",
            415: "Unsupported", 422: "Malformed"}
"""What a push refused with each status is, naming the component of its reason codes."""
ANSWERS = {
    400: "The body cannot be decoded. Nothing was kept; do not retry the same bytes.",
    401: "The request does not prove it comes from the carrier. Nothing was kept; fix the signing, do not retry as is.",
    403: "The carrier may not push this. Nothing was kept; do not retry.",
    404: "Unknown carrier. Nothing was kept.",
    413: "Body too large. Nothing was kept; do not retry.",
    415: "Unsupported media type or content coding. Nothing was kept.",
    422: "Malformed body. Nothing was kept; do not retry the same body.",
}


@dataclass(frozen=True)
class NativePush:
    """A carrier pushing in its own format, with a static credential header (no timestamp: replays are caught
    by the event's identity)."""

    code: str
    body: str  # the component
    header: str
    summary: str
    received: int  # the status a stored push is answered with, as the carrier's documentation asks


NATIVE = (
    NativePush("ups", "UpsTrackingEvent", UpsSettings.model_fields["webhook_header"].default,
               "UPS Track Alert `TrackingEvent` (one package per request; `deliveryPhoto` base64 for enhanced "
               "subscriptions). UPS sends the credential registered with Manage Webhook Credentials.",
               UpsAdapter.received_status),
    NativePush("dhl", "DhlPush", DhlSettings.model_fields["webhook_header"].default,
               "DHL Shipment Tracking - Unified push: `scope` `subscription.push` with `shipments` (one event "
               "each, at least one); the subscription's own scopes `subscription.validate`, `subscription.ready` and "
               "`subscription.failure` carry none. Any other body, however authenticated, is `malformed`.",
               DhlAdapter.received_status),
)
EFFECTS: dict[EffectKind, tuple[type[BaseModel], str, str]] = {
    EffectKind.REFUND: (RefundRequest, PaymentsClient.service, PaymentsClient.path),
    EffectKind.RESHIP: (ReshipRequest, FulfillmentClient.service, FulfillmentClient.path),
    EffectKind.NOTIFICATION: (CustomerNotification, NotificationsClient.service, NotificationsClient.path),
    EffectKind.STAFF_ALERT: (StaffAlert, NotificationsClient.service, NotificationsClient.staff_alerts_path),
    EffectKind.CUSTOMER_RISK: (CustomerRisk, AccountsClient.service, AccountsClient.path),
    EffectKind.ACCOUNT_RESTRICTION: (AccountRestriction, AccountsClient.service, AccountsClient.restrictions_path),
    EffectKind.CARRIER_LIABILITY: (CarrierLiability, FinanceClient.service, FinanceClient.path),
}
"""What the outbox relay sends for each kind of message: its body, the service and the path it is posted to."""


def with_partner_contract(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the webhook endpoints described per carrier and the outbound messages as `webhooks`."""
    schemas = document["components"]["schemas"]
    schemas.update(_prefixed("Ups", TrackingEvent))
    schemas.update(_prefixed("Dhl", Shipment))
    schemas["DhlPush"] = _dhl_push()
    for name, schema in _prefixed("", PartnerEvent).items():
        schemas.setdefault(name, schema)  # shared enums (RecipientRelation) are the same schema
    for model, _, _ in EFFECTS.values():
        for name, schema in _prefixed("", model).items():
            schemas.setdefault(name, schema)
    generated = document["paths"][WEBHOOK_PATH]["post"]
    for native in NATIVE:
        document["paths"][WEBHOOK_PATH.replace("{carrier}", native.code)] = {"post": _native(generated, native, schemas)}
    document["paths"][WEBHOOK_PATH]["post"] = _partner(generated, schemas)
    document["webhooks"] = {kind.value: {"post": _outbound(kind, *EFFECTS[kind])} for kind in EffectKind}
    return document


def _prefixed(prefix: str, model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema and its nested ones as components, each name prefixed (carriers' wire models reuse
    names like `Address` and `Status`); wire models are written with the carrier's own field names."""
    schema = model.model_json_schema(by_alias=True, ref_template=REF.format(model=prefix + "{model}"))
    nested = schema.pop("$defs", {}) | {model.__name__: schema}
    # Titled with the prefix too: client generators name their classes by the title (two `Address` clash).
    return {prefix + name: value | ({"title": prefix + name} if prefix else {}) for name, value in nested.items()}


def _dhl_push() -> dict[str, Any]:
    push = Shipments.model_json_schema(by_alias=True)
    push["properties"]["shipments"] = {"type": "array", "items": {"$ref": REF.format(model="DhlShipment")}}
    push["properties"]["scope"] = {"type": "string", "examples": ["subscription.push"]}
    push["title"] = "DhlPush"
    return push


def _native(generated: dict[str, Any], native: NativePush, schemas: dict[str, Any]) -> dict[str, Any]:
    header = {"name": native.header, "in": "header", "required": True, "schema": {"type": "string"},
              "description": f"The credential agreed with {native.code.upper()} (a setting of ours, compared in "
                             "constant time). No timestamp: a replay is recognised by the event's identity and "
                             "counted as a duplicate."}
    reasons = (WebhookReason.MISSING_SIGNATURE, WebhookReason.BAD_SIGNATURE, WebhookReason.NOT_CONFIGURED,
               WebhookReason.UNKNOWN_CARRIER, WebhookReason.TOO_LARGE, WebhookReason.UNSUPPORTED_MEDIA_TYPE,
               WebhookReason.UNSUPPORTED_ENCODING, WebhookReason.UNREADABLE_BODY, WebhookReason.MALFORMED)
    return generated | {
        "operationId": f"receive_{native.code}_webhook",
        "summary": f"{native.code.upper()} evidence push",
        "description": f"{native.summary}\n\n{GUIDE}",
        "parameters": [header],
        "requestBody": _body(native.body),
        "responses": _responses(generated, reasons, native.code, shared_secret_auth(native.header), native.received,
                                schemas),
    }


def _partner(generated: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    carrier = {"name": "carrier", "in": "path", "required": True, "description": "The partner carrier's code.",
               "schema": {"type": "string", "enum": list(PARTNER_CARRIERS)}}
    signature = {
        "name": signing.HEADER, "in": "header", "required": True,
        "description": "`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`: the timestamp of "
                       "the signing and one to "
                       f"{signing.MAX_SIGNATURES} signatures (one per secret during a rotation). `t` must be "
                       "within the carrier's replay window of our clock (300 s unless agreed otherwise).",
        "schema": {"type": "string", "maxLength": signing.MAX_HEADER_CHARS,
                   "pattern": r"^t=\d{1,12}(,\s*[a-z0-9]+=[0-9a-fA-F]+)+$"},
        "example": "t=1713792669,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
    }
    return generated | {
        "operationId": "receive_webhook",
        "summary": "Partner carrier evidence push (signed)",
        "description": "One event per request in our partner format, signed with the carrier's secret. A retried "
                       f"delivery reuses its `event_id` and is answered 202 as a duplicate.\n\n{GUIDE}",
        "parameters": [carrier, signature],
        "requestBody": _body(PartnerEvent.__name__, PARTNER_EXAMPLE),
        "responses": _responses(generated, tuple(WebhookReason), "<carrier>", signing.AUTH, PartnerPush.received_status,
                                schemas),
    }


def _body(component: str, example: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"schema": {"$ref": REF.format(model=component)}} | ({"example": example} if example else {})
    return {"required": True, "content": {"application/json": body}}


def _responses(
    generated: dict[str, Any], reasons: tuple[WebhookReason, ...], carrier: str, auth: WebhookAuth, received: int,
    schemas: dict[str, Any],
) -> dict[str, Any]:
    """The generated answers, the stored push's under the status the carrier expects (`received`), with each
    rejection's problem type and reason codes (the problem's `reason` and what it means), the challenge of a 401 (the
    carrier's scheme, not the bearer token of the rest of the API) and the codings a 415 names."""
    stored = generated["responses"]["202"] | {"description": "Stored durably: `received` events, `duplicates` of "
                                                             "them seen before (a retry is answered the same way)."}
    responses = {str(received): stored} | {status: answer for status, answer in generated["responses"].items()
                                           if status != "202"}
    for status, answer in ANSWERS.items():
        codes = [r for r in reasons if REJECTION_STATUS[r] == status]
        meanings = "\n".join(f"- `{r.value}`: {REASONS[r]}" for r in codes)
        schema = {"allOf": [{"$ref": REF.format(model="Problem")},
                            {"type": "object", "required": ["reason"],
                             "properties": {"reason": _reasons(status, codes, schemas)}}]}
        examples = {problem_of(r): _rejection(r) for r in reversed(codes)}  # each type once, by its first reason
        content = {"schema": schema} | ({"examples": examples} if examples else {})
        responses[str(status)] = {"description": f"{answer}\n\n{meanings}", "content": {PROBLEM_JSON: content}}
    responses["401"]["headers"] = {"WWW-Authenticate": {
        "description": f"`{challenge(carrier, auth)}`: the carrier's scheme and the header its proof goes in "
                       "(not a bearer token).",
        "schema": {"type": "string"}}}
    responses["415"]["headers"] = {"Accept-Encoding": {
        "description": f"`{ACCEPT_ENCODING}`: the content codings we decode (RFC 9110 §15.5.16), with reason "
                       "`unsupported_encoding`.",
        "schema": {"type": "string"}}}
    return responses


def _reasons(status: int, codes: list[WebhookReason], schemas: dict[str, Any]) -> dict[str, str]:
    """The reason codes a push refused with `status` can carry, as a component (a client generator names a schema
    written inline after its property, numbering each repetition: `Reason1`...`Reason21`): all of the status's,
    or the fewer that the carriers pushing in their own format (UPS, DHL) are refused with."""
    every = [reason for reason in WebhookReason if REJECTION_STATUS[reason] == status]
    name = ("" if codes == every else "Native") + f"Webhook{REFUSALS[status]}Reason"
    whose = "" if codes == every else " by a carrier pushing in its own format (UPS, DHL)"
    schema = {"title": name, "type": "string", "enum": [reason.value for reason in codes],
              "description": f"Why a push is refused with {status}{whose}: the problem's `reason`."}
    assert schemas.setdefault(name, schema) == schema, f"{name}: two webhooks list different reasons under it"
    return {"$ref": REF.format(model=name)}


def _rejection(reason: WebhookReason) -> dict[str, Any]:
    """The problem a push refused for `reason` is answered with (`adapters/web/carriers_api.py`)."""
    kind = edge_problem(problem_of(reason))
    value = {"type": kind.uri, "title": kind.title, "status": kind.status, "reason": reason.value}
    return {"summary": kind.title, "value": value}


def _outbound(kind: EffectKind, model: type[BaseModel], service: str, path: str) -> dict[str, Any]:
    idempotency = {"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"},
                   "description": "The message's key, the same on every attempt: apply a key once, and answer a "
                                  "repeated one as you answered the first."}
    signature = {
        "name": SIGNATURE_HEADER, "in": "header", "required": True,
        "description": f"`t=<unix seconds>,kid=<key id>,{SIGNATURE_SCHEME}=<hex HMAC-SHA256(secret, \"<t>.<"
                       f"Idempotency-Key>.<raw body>\")>`: the id of the deployment's key "
                       "(`DISPUTES_EFFECTS_SIGNING_KEY_ID`; its secret is `DISPUTES_EFFECTS_SIGNING_SECRET`, shared "
                       "with your service) and a signature over the message's Idempotency-Key and its exact bytes, so "
                       "that a captured message cannot be replayed under another key. Verify over the exact key and "
                       "bytes received, before parsing; compare in constant time; refuse a `t` more than "
                       f"{REPLAY_WINDOW_SECONDS} s from your clock, either way (we sign each attempt when we send "
                       "it, so a retry carries a fresh `t`, the same body and the same Idempotency-Key). Ignore "
                       f"schemes other than `{SIGNATURE_SCHEME}`: while receivers move over from the former scheme "
                       "(`DISPUTES_EFFECTS_SIGNING_LEGACY_V1`), `v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>` "
                       f"comes before `{SIGNATURE_SCHEME}`. Guide: docs/downstream.md.",
        "schema": {"type": "string",
                   "pattern": rf"^t=\d{{1,12}},kid=[A-Za-z0-9._-]{{1,64}}(,v1=[0-9a-f]{{64}})?,"
                              rf"{SIGNATURE_SCHEME}=[0-9a-f]{{64}}$"},
        "example": f"t=1713792669,kid=2026-01,{SIGNATURE_SCHEME}="
                   "5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
    }
    return {
        "summary": f"{kind.value}: POST {path} on the {service} service",
        "description": f"Sent by the outbox relay, at least once, in the order the dispute made them, to the "
                       f"{service} service's base URL (a setting) + `{path}`. A connection error, a timeout, 408, "
                       "429 (not before its Retry-After) and 5xx are retried with backoff, and on later passes (20 "
                       "in all) before the message is parked for an operator; any other answer outside 2xx parks it "
                       "at once. A parked refund or reship parks its decision's notification with it, unsent. "
                       f"Every attempt is signed in `{SIGNATURE_HEADER}` (HMAC-SHA256, "
                       f"{REPLAY_WINDOW_SECONDS} s replay window): refuse an unsigned or badly signed message with "
                       "401 and apply nothing.",
        "operationId": f"outbox_{kind.value}",
        "tags": ["outbox"],
        "security": [],  # no security scheme: the signature is the header parameter below
        "parameters": [idempotency, signature],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": REF.format(model=model.__name__)}}}},
        "responses": {
            "2XX": {"description": "Applied (or applied before, under the same key): the message is done. The "
                                   "answer may name your own id for what you applied (kept for staff as the "
                                   "delivered message's `reference`); any other body is ignored.",
                    "content": {"application/json": {"schema": EffectApplied.model_json_schema()}}},
            "401": {"description": "The signature does not hold (missing, stale, unknown key, no match): the "
                                   "message is parked for an operator, who checks the shared secret."},
            "408": {"description": "Retried."}, "429": {"description": "Retried, not before its Retry-After."},
            "4XX": {"description": "Refused: the message is parked for an operator, never retried by itself."},
            "5XX": {"description": "Retried with backoff, and on later passes."},
        },
    }
