"""The signature on the messages the outbox sends, against a vector computed with `openssl dgst -sha256 -hmac` over
the documented string `<t>.<Idempotency-Key>.<raw body>`; and the sandbox's verifier, written from the documented
scheme, refusing every way a message can be wrong."""

import hashlib
import hmac
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.downstream import SIGNATURE_HEADER, Signer
from sandbox.signing import HEADER as SANDBOX_HEADER
from sandbox.signing import refusal

SECRET = "effects-test-vector-secret-0123456789abcdef"
T = 1713792669
KEY = "dsp_7f3a:d1:refund"
BODY = b'{"dispute_id":"dsp_7f3a","amount_minor":899900}'
V2 = "6658262f34792d130bfe9c8279ff779c0ebf2f6606dadbc3130e900f35298961"
"""echo -n '1713792669.dsp_7f3a:d1:refund.{"dispute_id":"dsp_7f3a","amount_minor":899900}' |
openssl dgst -sha256 -hmac effects-test-vector-secret-0123456789abcdef"""
KEYS = {"2026-01": SECRET}


def signer(now: float = T) -> Signer:
    return Signer("2026-01", SecretStr(SECRET), now=lambda: now)


def test_the_vector_is_hmac_sha256_of_the_timestamp_the_key_and_the_body_joined_by_dots() -> None:
    assert hmac.new(SECRET.encode(), b"1713792669.dsp_7f3a:d1:refund." + BODY, hashlib.sha256).hexdigest() == V2


def test_a_message_is_signed_with_its_time_key_id_and_hmac_over_its_idempotency_key_and_body() -> None:
    assert signer().headers(KEY, BODY) == {"Disputes-Signature": f"t={T},kid=2026-01,v2={V2}"}


def test_the_same_body_under_another_idempotency_key_is_signed_differently() -> None:
    other = signer().headers(KEY + ":sku-1", BODY)[SIGNATURE_HEADER]
    expected = hmac.new(SECRET.encode(), f"{T}.{KEY}:sku-1.".encode() + BODY, hashlib.sha256).hexdigest()
    assert other == f"t={T},kid=2026-01,v2={expected}" and expected != V2


LEGACY_V1 = "9dbc09f531cf02ca6e47c5c0cca7f08c91649d2e28353d2a578befe4776509a4"
"""echo -n '1713792669.{"dispute_id":"dsp_7f3a","amount_minor":899900}' |
openssl dgst -sha256 -hmac effects-test-vector-secret-0123456789abcdef  (the former scheme: no key signed)"""


def test_by_default_only_v2_is_sent() -> None:
    assert Signer("2026-01", SecretStr(SECRET), now=lambda: T).legacy_v1 is False
    assert "v1=" not in signer().headers(KEY, BODY)[SIGNATURE_HEADER]


def test_during_the_move_from_v1_the_former_signature_is_sent_before_v2_in_the_same_header() -> None:
    legacy = Signer("2026-01", SecretStr(SECRET), now=lambda: T, legacy_v1=True)
    assert legacy.headers(KEY, BODY) == {"Disputes-Signature": f"t={T},kid=2026-01,v1={LEGACY_V1},v2={V2}"}
    assert LEGACY_V1 == hmac.new(SECRET.encode(), b"1713792669." + BODY, hashlib.sha256).hexdigest()


def test_a_verifier_of_v2_takes_a_header_carrying_v1_too_and_ignores_v1() -> None:
    assert refusal(f"t={T},kid=2026-01,v1={LEGACY_V1},v2={V2}", KEY, BODY, KEYS, now=T) is None
    assert refusal(f"t={T},kid=2026-01,v1={LEGACY_V1},v2={V2}", KEY + "-replayed", BODY, KEYS, now=T) == "bad_signature"


PREVIOUS = "effects-test-previous-secret-0123456789abcdef"
PREVIOUS_V2 = hmac.new(PREVIOUS.encode(), f"{T}.{KEY}.".encode() + BODY, hashlib.sha256).hexdigest()


def test_during_a_rotation_the_previous_key_signs_too_in_a_second_group_after_the_current_key_s() -> None:
    rotating = Signer("2026-01", SecretStr(SECRET), now=lambda: T, previous=("2025-07", SecretStr(PREVIOUS)))
    header = rotating.headers(KEY, BODY)[SIGNATURE_HEADER]
    assert header == f"t={T},kid=2026-01,v2={V2},kid=2025-07,v2={PREVIOUS_V2}"
    assert PREVIOUS not in repr(rotating)
    legacy = Signer("2026-01", SecretStr(SECRET), now=lambda: T, legacy_v1=True, previous=("2025-07", SecretStr(PREVIOUS)))
    assert legacy.headers(KEY, BODY)[SIGNATURE_HEADER].startswith(f"t={T},kid=2026-01,v1={LEGACY_V1},v2={V2},kid=2025-07,v1=")


@pytest.mark.parametrize("keys", [{"2026-01": SECRET}, {"2025-07": PREVIOUS}, {"2025-07": PREVIOUS, "2026-01": SECRET}])
def test_the_sandbox_takes_a_message_signed_with_two_keys_holding_either(keys) -> None:
    assert refusal(f"t={T},kid=2026-01,v2={V2},kid=2025-07,v2={PREVIOUS_V2}", KEY, BODY, keys, now=T) is None


@pytest.mark.parametrize(("header", "reason"), [
    (f"t={T},kid=2026-01,v2={PREVIOUS_V2},kid=2025-07,v2={V2}", "bad_signature"),  # a v2 belongs to the kid before it
    (f"t={T},kid=2025-07,v2={PREVIOUS_V2},kid=2026-01,v2={PREVIOUS_V2}", "bad_signature"),
    (f"t={T},kid=2025-07,kid=2026-01,v2={V2}", "malformed_signature"),  # a group without its signature
    (f"t={T},kid=2025-07,v2={PREVIOUS_V2},kid=2025-08,v2={PREVIOUS_V2}", "unknown_key"),
])
def test_the_sandbox_refuses_a_two_key_header_whose_held_group_does_not_verify(header, reason) -> None:
    assert refusal(header, KEY, BODY, KEYS, now=T) == reason


def test_the_signer_shows_no_secret() -> None:
    assert SECRET not in repr(signer()) and SECRET not in str(signer())


def test_each_signing_takes_the_time_it_is_sent() -> None:
    later = signer(T + 7).headers(KEY, BODY)[SIGNATURE_HEADER]
    expected = hmac.new(SECRET.encode(), f"{T + 7}.{KEY}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert later == f"t={T + 7},kid=2026-01,v2={expected}"


def test_the_sandbox_takes_a_good_signature_within_the_window() -> None:
    assert SANDBOX_HEADER == SIGNATURE_HEADER
    header = f"t={T},kid=2026-01,v2={V2}"
    assert refusal(header, KEY, BODY, KEYS, now=T) is None
    assert refusal(header, KEY, BODY, KEYS, now=T + 300) is None
    assert refusal(header, KEY, BODY, KEYS, now=T - 300) is None
    assert refusal(f"t={T},kid=2026-01,v2={V2.upper()},v3=abc", KEY, BODY, KEYS, now=T) is None


V1 = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
"""The former scheme's value: the body alone signed, no key."""


@pytest.mark.parametrize(("header", "key", "body", "now", "reason"), [
    (None, KEY, BODY, T, "missing_signature"),
    ("", KEY, BODY, T, "malformed_signature"),
    (f"t={T},kid=2026-01,{V2}", KEY, BODY, T, "malformed_signature"),
    (f"kid=2026-01,v2={V2}", KEY, BODY, T, "malformed_signature"),
    (f"t=-{T},kid=2026-01,v2={V2}", KEY, BODY, T, "malformed_signature"),
    (f"t={T},t={T},kid=2026-01,v2={V2}", KEY, BODY, T, "malformed_signature"),
    (f"t={T},v2={V2}", KEY, BODY, T, "malformed_signature"),
    (f"t={T},kid=2026-01", KEY, BODY, T, "malformed_signature"),
    (f"t={T},kid=2026-01,v1={V1}", KEY, BODY, T, "malformed_signature"),  # the former scheme is not taken
    (f"t={T},kid=2025-12,v2={V2}", KEY, BODY, T, "unknown_key"),
    (f"t={T},kid=2026-01,v2={V2}", KEY, BODY, T + 301, "stale_timestamp"),
    (f"t={T},kid=2026-01,v2={V2}", KEY, BODY, T - 301, "stale_timestamp"),
    (f"t={T},kid=2026-01,v2={V2}", KEY, BODY.replace(b"899900", b"999900"), T, "bad_signature"),
    (f"t={T + 1},kid=2026-01,v2={V2}", KEY, BODY, T, "bad_signature"),
    (f"t={T},kid=2026-01,v2=é{V2[1:]}", KEY, BODY, T, "bad_signature"),
    (f"t={T},kid=2026-01,v2=\udcff{V2[1:]}", KEY, BODY, T, "bad_signature"),  # a byte that is not UTF-8, as aiohttp hands it over
    (f"t={T},kid=2026-01,v2={V2}", "dsp_\udcff:d1:refund", BODY, T, "bad_signature"),
    (f"t={T},kid=2026-01,v2={V2}", KEY + "-replayed", BODY, T, "bad_signature"),
    (f"t={T},kid=2026-01,v2={V2}", None, BODY, T, "missing_idempotency_key"),
    (f"t={T},kid=2026-01,v2={V2}", "", BODY, T, "missing_idempotency_key"),
])
def test_the_sandbox_refuses_a_message_that_is_not_proven(header, key, body, now, reason) -> None:
    assert refusal(header, key, body, KEYS, now=now) == reason


def guide_verifier() -> Any:
    """docs/downstream.md's `verify_signature`, run as written."""
    guide = Path(__file__).resolve().parents[2] / "docs" / "downstream.md"
    [block] = re.findall(r"```python\n(.*?)```", guide.read_text(), re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(block, str(guide), "exec"), namespace)
    return namespace["verify_signature"]


def test_the_guide_s_verifier_takes_the_group_whose_key_it_holds() -> None:
    verify_signature = guide_verifier()
    header = f"t={T},kid=2026-01,v2={V2},kid=2025-07,v2={PREVIOUS_V2}"
    assert verify_signature(header, KEY, BODY, {"2025-07": PREVIOUS}, now=T) is True
    assert verify_signature(header, KEY, BODY, {"2026-01": SECRET}, now=T) is True
    assert verify_signature(header, KEY, BODY, {"2025-08": SECRET}, now=T) is False
    crossed = f"t={T},kid=2026-01,v2={PREVIOUS_V2},kid=2025-07,v2={V2}"  # each v2 belongs to the kid before it
    assert verify_signature(crossed, KEY, BODY, {"2025-07": PREVIOUS}, now=T) is False
    assert verify_signature(crossed, KEY, BODY, {"2026-01": SECRET}, now=T) is False
    assert verify_signature(f"t={T},v2={V2},kid=2026-01,v2={PREVIOUS_V2}", KEY, BODY, {"2026-01": SECRET}, now=T) is False
