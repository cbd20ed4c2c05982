"""The signature on the messages the outbox sends, against a vector computed here with the hmac module; and the
sandbox's verifier, written from the documented scheme, refusing every way a message can be wrong."""

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from adapters.downstream import SIGNATURE_HEADER, Signer
from carriers.partner import signing
from sandbox.signing import HEADER as SANDBOX_HEADER
from sandbox.signing import refusal

SECRET = "effects-test-vector-secret-0123456789abcdef"
T = 1713792669
BODY = b'{"dispute_id":"dsp_7f3a","amount_minor":899900}'
V1 = "9dbc09f531cf02ca6e47c5c0cca7f08c91649d2e28353d2a578befe4776509a4"
KEYS = {"2026-01": SECRET}


def signer(now: float = T) -> Signer:
    return Signer("2026-01", SecretStr(SECRET), now=lambda: now)


def test_the_vector_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() -> None:
    assert hmac.new(SECRET.encode(), b"1713792669." + BODY, hashlib.sha256).hexdigest() == V1


def test_a_message_is_signed_with_its_time_key_id_and_hmac() -> None:
    assert signer().headers(BODY) == {"Disputes-Signature": f"t={T},kid=2026-01,v1={V1}"}


def test_the_signer_shows_no_secret() -> None:
    assert SECRET not in repr(signer()) and SECRET not in str(signer())


def test_each_signing_takes_the_time_it_is_sent() -> None:
    later = signer(T + 7).headers(BODY)[SIGNATURE_HEADER]
    expected = hmac.new(SECRET.encode(), f"{T + 7}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert later == f"t={T + 7},kid=2026-01,v1={expected}"


def test_both_directions_read_alike_the_partner_verifier_takes_our_header() -> None:
    header = signer().headers(BODY)
    now = datetime.fromtimestamp(T, UTC)
    verify = {"now": now, "tolerance_seconds": 300}
    assert signing.verify({"X-Partner-Signature": header[SIGNATURE_HEADER]}, BODY, secrets=[SecretStr(SECRET)], **verify) == T


def test_the_sandbox_takes_a_good_signature_within_the_window() -> None:
    assert SANDBOX_HEADER == SIGNATURE_HEADER
    header = f"t={T},kid=2026-01,v1={V1}"
    assert refusal(header, BODY, KEYS, now=T) is None
    assert refusal(header, BODY, KEYS, now=T + 300) is None
    assert refusal(header, BODY, KEYS, now=T - 300) is None
    assert refusal(f"t={T},kid=2026-01,v1={V1.upper()},v2=abc", BODY, KEYS, now=T) is None


@pytest.mark.parametrize(("header", "body", "now", "reason"), [
    (None, BODY, T, "missing_signature"),
    ("", BODY, T, "malformed_signature"),
    (f"t={T},kid=2026-01,{V1}", BODY, T, "malformed_signature"),
    (f"kid=2026-01,v1={V1}", BODY, T, "malformed_signature"),
    (f"t=-{T},kid=2026-01,v1={V1}", BODY, T, "malformed_signature"),
    (f"t={T},t={T},kid=2026-01,v1={V1}", BODY, T, "malformed_signature"),
    (f"t={T},v1={V1}", BODY, T, "malformed_signature"),
    (f"t={T},kid=2026-01", BODY, T, "malformed_signature"),
    (f"t={T},kid=2025-12,v1={V1}", BODY, T, "unknown_key"),
    (f"t={T},kid=2026-01,v1={V1}", BODY, T + 301, "stale_timestamp"),
    (f"t={T},kid=2026-01,v1={V1}", BODY, T - 301, "stale_timestamp"),
    (f"t={T},kid=2026-01,v1={V1}", BODY.replace(b"899900", b"999900"), T, "bad_signature"),
    (f"t={T + 1},kid=2026-01,v1={V1}", BODY, T, "bad_signature"),
    (f"t={T},kid=2026-01,v1=é{V1[1:]}", BODY, T, "bad_signature"),
])
def test_the_sandbox_refuses_a_message_that_is_not_proven(header, body, now, reason) -> None:
    assert refusal(header, body, KEYS, now=now) == reason
