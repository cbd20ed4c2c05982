"""Every pushing carrier's verifier names why it refuses a webhook, with a reason code partners can act on."""

from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.dhl.client import DhlAdapter
from carriers.dhl.settings import DhlSettings
from carriers.errors import WebhookReason, WebhookRejected
from carriers.partner.signing import HEADER, sign, signature
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings
from tests.unit.carriers.conftest import NOW
from tests.unit.carriers.test_partner_webhook import CREDENTIALS, body, build, secret_of

T = int(NOW.timestamp())
CREDENTIAL = "configured-with-the-carrier-0123456789"


def reason(carrier: Any, headers: dict[str, str], raw: bytes, now=NOW) -> WebhookReason:
    with pytest.raises(WebhookRejected) as caught:
        carrier.verify_webhook(headers, raw, now)
    return caught.value.reason


def ups(session, clock, credential: str | None = CREDENTIAL) -> UpsAdapter:
    settings = UpsSettings(
        credentials=ClientCredentials(client_id=SecretStr("id"), client_secret=SecretStr("secret")),
        webhook_credential=SecretStr(credential) if credential else None,
    )
    return UpsAdapter(settings, session, clock=clock)


def dhl(session, clock, credential: str | None = CREDENTIAL) -> DhlAdapter:
    settings = DhlSettings(api_key=SecretStr("k"), webhook_token=SecretStr(credential) if credential else None)
    return DhlAdapter(settings, session, clock=clock)


@pytest.mark.parametrize(("build_native", "header"), [(ups, "x-api-key"), (dhl, "X-Webhook-Token")], ids=["ups", "dhl"])
def test_a_credential_header_carrier_names_a_missing_a_wrong_and_an_unconfigured_credential(
    build_native, header: str, session, clock
) -> None:
    carrier = build_native(session, clock)
    assert reason(carrier, {}, b"{}") is WebhookReason.MISSING_SIGNATURE
    assert reason(carrier, {header: "guess"}, b"{}") is WebhookReason.BAD_SIGNATURE
    assert reason(build_native(session, clock, None), {header: CREDENTIAL}, b"{}") is WebhookReason.NOT_CONFIGURED


@pytest.mark.parametrize("code", sorted(CREDENTIALS))
def test_a_partner_carrier_names_each_way_a_signature_fails(code: str, session, clock) -> None:
    carrier = build(code, session, clock, secret_of(code))
    raw = body(carrier=code)
    good = sign(secret_of(code), raw, T)
    assert reason(carrier, {}, raw) is WebhookReason.MISSING_SIGNATURE
    assert reason(carrier, {HEADER: "garbage"}, raw) is WebhookReason.MALFORMED_SIGNATURE
    assert reason(carrier, {HEADER: f"t={T},v2={signature(secret_of(code), raw, T)}"}, raw) \
        is WebhookReason.UNKNOWN_SIGNATURE_VERSION
    assert reason(carrier, {HEADER: good}, raw, NOW + timedelta(minutes=6)) is WebhookReason.STALE_TIMESTAMP
    assert reason(carrier, {HEADER: sign(secret_of(code, 2), raw, T)}, raw) is WebhookReason.BAD_SIGNATURE
    assert reason(carrier, {HEADER: good}, raw + b" ") is WebhookReason.BAD_SIGNATURE
    other = "aras" if code != "aras" else "ptt"
    foreign = body(carrier=other)
    assert reason(carrier, {HEADER: sign(secret_of(code), foreign, T)}, foreign) is WebhookReason.WRONG_CARRIER


@pytest.mark.parametrize("code", sorted(set(CREDENTIALS) - {"surat"}))  # Sürat's settings require a secret
def test_a_partner_carrier_without_a_secret_names_it(code: str, session, clock) -> None:
    raw = body(carrier=code)
    assert reason(build(code, session, clock), {HEADER: sign(secret_of(code), raw, T)}, raw) \
        is WebhookReason.NOT_CONFIGURED


def test_a_partner_body_over_the_carriers_own_limit_is_too_large(session, clock) -> None:
    adapter, settings, config = CREDENTIALS["yurtici"]
    webhook = {"secrets": [secret_of("yurtici")], "max_body_bytes": 1024}
    carrier = adapter(settings.model_validate(config | {"partner_webhook": webhook}), session, clock=clock)
    raw = body(carrier="yurtici", received_by="x" * 200) + b" " * 1024
    assert reason(carrier, {HEADER: sign(secret_of("yurtici"), raw, T)}, raw) is WebhookReason.TOO_LARGE


def test_a_rejection_never_quotes_the_credential_or_the_signature(session, clock) -> None:
    carrier = build("yurtici", session, clock, secret_of("yurtici"))
    raw = body(carrier="yurtici")
    forged = sign("whsec_guessed_0123456789abcdef0123456789", raw, T)
    with pytest.raises(WebhookRejected) as caught:
        carrier.verify_webhook({HEADER: forged}, raw, NOW)
    message = str(caught.value)
    assert forged.split("v1=")[1] not in message and secret_of("yurtici") not in message
    with pytest.raises(WebhookRejected) as wrong:
        ups(session, clock).verify_webhook({"x-api-key": "a-guess-that-must-not-echo"}, b"{}", NOW)
    assert "a-guess-that-must-not-echo" not in str(wrong.value) and CREDENTIAL not in str(wrong.value)


def push_carrier(code: str, session, clock, configured: bool) -> Any:
    if code in ("ups", "dhl"):
        return (ups if code == "ups" else dhl)(session, clock, CREDENTIAL if configured else None)
    return build(code, session, clock, *([secret_of(code)] if configured else []))


@pytest.mark.parametrize(("code", "configured"), [
    (code, configured) for code in ["ups", "dhl", *sorted(CREDENTIALS)] for configured in (True, False)
    if configured or code != "surat"  # Sürat's settings require a secret
])
def test_without_its_header_a_push_is_refused_the_same_whatever_its_body(code: str, configured: bool, session,
                                                                         clock) -> None:
    """The web layer refuses a push without the credential header by asking with an empty body, never reading it."""
    carrier = push_carrier(code, session, clock, configured)
    refusals = []
    for raw in (b"", body(carrier=code)):
        with pytest.raises(WebhookRejected) as caught:
            carrier.verify_webhook({"Content-Type": "application/json"}, raw, NOW)
        refusals.append((caught.value.reason, str(caught.value)))
    expected = WebhookReason.MISSING_SIGNATURE if configured else WebhookReason.NOT_CONFIGURED
    assert refusals[0] == refusals[1] and refusals[0][0] is expected
