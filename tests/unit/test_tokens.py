"""Verified bearer tokens are remembered until their own expiry, and only verified ones."""

import time
from datetime import timedelta

import jwt
import pytest

from adapters.web import auth
from adapters.web.auth import HmacTokens, InvalidToken
from schemas.common import Role

SECRET = "unit-test-secret-" + "x" * 32


class Timer:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the verifier checks by signature (a remembered one is not checked again)."""
    seen: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: object, **kwargs: object) -> object:
        seen.append(token)
        return real(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.jwt, "decode", counting)
    return seen


def test_a_verified_token_is_remembered_until_it_expires(decodes: list[str]) -> None:
    timer = Timer()
    tokens = HmacTokens(SECRET, "iss", "aud", timer=timer)
    token = tokens.mint("cust-1", Role.CUSTOMER, "cust-1", ttl=timedelta(minutes=5))

    first, second = tokens.verify(token), tokens.verify(token)

    assert first == second and first.customer_id == "cust-1"
    assert decodes == [token]
    timer.now += 5 * 60 + HmacTokens.leeway + 1
    tokens.verify(token)  # past its expiry the cache no longer answers: the signature and claims are checked
    assert decodes == [token, token]


def test_a_rejected_token_is_not_remembered(decodes: list[str]) -> None:
    tokens = HmacTokens(SECRET, "iss", "aud")
    forged = HmacTokens("another-secret-" + "y" * 32, "iss", "aud").mint("inv-1", Role.SUPERVISOR)

    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(forged)

    assert decodes == [forged, forged]


def test_a_token_differing_in_one_character_is_verified_on_its_own() -> None:
    tokens = HmacTokens(SECRET, "iss", "aud")
    token = tokens.mint("inv-1", Role.INVESTIGATOR)
    tokens.verify(token)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    with pytest.raises(InvalidToken):
        tokens.verify(tampered)


def test_the_memory_is_bounded() -> None:
    tokens = HmacTokens(SECRET, "iss", "aud", remember=3)
    for i in range(10):
        tokens.verify(tokens.mint(f"inv-{i}", Role.INVESTIGATOR))

    assert len(tokens._verified) == 3
