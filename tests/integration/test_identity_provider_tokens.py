"""Tokens from the marketplace's identity provider, verified against the JWKS it serves (here on loopback):
RS256 and ES256, issuer and audience, keys fetched once and reused, a new key accepted after one fetch, a
flood of unknown keys costing one fetch per interval, a withdrawn or replaced key refused, no redirect followed, no
algorithm confusion, and the provider being down (cached keys keep answering; what they cannot answer is a 503)."""

import asyncio
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
from pathlib import Path

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError
from structlog.testing import capture_logs

from adapters.bootstrap import create_app
from adapters.settings import Settings
from adapters.web.auth import InvalidToken, JwksTokens, KeySet, KeysUnavailable, Reason, jwks_over_http, signing_keys
from adapters.web.console.session import session_of
from schemas.common import Role
from tests.identity_provider import (
    AUDIENCE, ISSUER, JWKS_PATH, IdentityProvider, claims, ec_key, public_jwk, rsa_key, sign,
)

ROOT = Path(__file__).resolve().parents[2]
LIFESPAN, INTERVAL = 300.0, 30.0
ALGORITHMS = ("RS256", "ES256")


class Clock:
    """The key set's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def provider() -> IdentityProvider:
    return IdentityProvider.with_keys()


@pytest.fixture
async def provider_server(aiohttp_server, provider):
    return await aiohttp_server(provider.app())


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def tokens(session, provider_server, clock):
    keys = KeySet(jwks_over_http(session, str(provider_server.make_url(JWKS_PATH))), ALGORITHMS, LIFESPAN, INTERVAL,
                  timer=clock)
    verifier = JwksTokens(keys, ISSUER, AUDIENCE)
    yield verifier
    await verifier.close()


async def refusal(tokens: JwksTokens, token: str) -> Reason:
    with pytest.raises(InvalidToken) as refused:
        await tokens.verify(token)
    return refused.value.reason


async def fetch_done(tokens: JwksTokens) -> None:
    """Waits (bounded) for the fetch the key set runs in the background, if one is under way."""
    if (fetching := tokens.keys.fetching) is not None:
        await asyncio.wait_for(fetching, timeout=5)


def unknown_kid() -> str:
    return "kid-" + secrets.token_hex(6)


def hs256_signed_with(secret: bytes, kid: str) -> str:
    """An HS256 token whose HMAC key is `secret`, built by hand: PyJWT refuses to sign with a public key."""
    encode = jwt.utils.base64url_encode
    header = encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = encode(json.dumps(claims()).encode())
    signature = hmac.new(secret, header + b"." + body, hashlib.sha256).digest()
    return b".".join([header, body, encode(signature)]).decode()


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"], ids=["RS256", "ES256"])
async def test_a_token_signed_by_the_provider_is_accepted(tokens, provider, kid):
    actor = await tokens.verify(provider.token(kid, sub="cust-7", role="customer", customer_id="cust-7"))
    assert (actor.id, actor.role, actor.customer_id) == ("cust-7", Role.CUSTOMER, "cust-7")


async def test_the_keys_are_fetched_once_and_reused_for_every_token(tokens, provider):
    for n in range(3):
        for kid in ("rsa-1", "ec-1"):
            assert (await tokens.verify(provider.token(kid, sub=f"inv-{n}"))).id == f"inv-{n}"
    assert provider.fetches == 1


def forged_tokens(provider: IdentityProvider) -> dict[str, tuple[str, Reason]]:
    rsa_public = rsa_key("rsa-1").public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_ec, other_rsa = ec_key("attacker"), rsa_key("attacker")
    genuine = provider.token("rsa-1")
    head, body, signature = genuine.split(".")
    tampered_body = jwt.utils.base64url_encode(json.dumps(claims(role="supervisor")).encode()).decode()
    return {
        "wrong issuer": (provider.token("ec-1", iss="https://another-idp.test"), Reason.WRONG_ISSUER),
        "wrong audience": (provider.token("rsa-1", aud="another-service"), Reason.WRONG_AUDIENCE),
        "expired": (provider.token("ec-1", exp=claims()["iat"] - 600), Reason.TOKEN_EXPIRED),
        "not yet valid": (provider.token("ec-1", nbf=claims()["iat"] + 600), Reason.TOKEN_NOT_YET_VALID),
        "longer than a day": (provider.token("rsa-1", exp=claims()["iat"] + 24 * 3600 + 1), Reason.LIFETIME_TOO_LONG),
        "blank subject": (provider.token("rsa-1", sub=" "), Reason.CLAIMS_INVALID),
        "subject not an id": (provider.token("ec-1", sub="inv-1 $where"), Reason.CLAIMS_INVALID),
        "subject of 10 KB": (provider.token("rsa-1", sub="i" * 10 * 1024), Reason.CLAIMS_INVALID),
        "the service's own name as subject": (provider.token("ec-1", sub="System", role="agent"), Reason.CLAIMS_INVALID),
        "customer id not an id": (provider.token("ec-1", sub="cust-1", role="customer", customer_id="cust\u00001"),
                                  Reason.CLAIMS_INVALID),
        "no role": (provider.token("ec-1", role=None), Reason.CLAIMS_INVALID),
        "customer without customer id": (provider.token("ec-1", role="customer"), Reason.CLAIMS_INVALID),
        "no kid": (sign(rsa_key("rsa-1"), "RS256", None), Reason.TOKEN_MALFORMED),
        "not a JWT": ("not.a.jwt", Reason.TOKEN_MALFORMED),
        "alg none": (jwt.encode(claims(), None, algorithm="none", headers={"kid": "rsa-1"}), Reason.ALGORITHM_NOT_ALLOWED),
        "HS256 with the public key as secret": (hs256_signed_with(rsa_public, "rsa-1"), Reason.ALGORITHM_NOT_ALLOWED),
        "an algorithm not accepted": (sign(rsa_key("rsa-1"), "RS384", "rsa-1"), Reason.ALGORITHM_NOT_ALLOWED),
        "RS256 naming the ES256 key": (sign(rsa_key("rsa-1"), "RS256", "ec-1"), Reason.ALGORITHM_NOT_ALLOWED),
        "signed by another EC key": (sign(other_ec, "ES256", "ec-1"), Reason.BAD_SIGNATURE),
        "signed by another RSA key": (sign(other_rsa, "RS256", "rsa-1"), Reason.BAD_SIGNATURE),
        "claims changed after signing": (f"{head}.{tampered_body}.{signature}", Reason.BAD_SIGNATURE),
    }


FORGED = list(forged_tokens(IdentityProvider.with_keys()))


@pytest.mark.parametrize("case", FORGED)
async def test_a_bad_token_is_refused_with_its_reason_every_time(tokens, provider, case):
    token, reason = forged_tokens(provider)[case]
    assert [await refusal(tokens, token), await refusal(tokens, token)] == [reason, reason]


@pytest.mark.parametrize("case", ["alg none", "HS256 with the public key as secret", "no kid", "not a JWT"])
async def test_a_token_refused_by_its_header_costs_no_fetch(tokens, provider, case):
    token, reason = forged_tokens(provider)[case]
    assert await refusal(tokens, token) == reason
    assert provider.fetches == 0


async def test_a_key_the_provider_adds_is_accepted_after_one_fetch(tokens, provider, clock):
    await tokens.verify(provider.token("rsa-1"))
    provider.publish("rsa-2", rsa_key("rsa-2"), "RS256")
    rotated = provider.token("rsa-2", sub="inv-rotated")

    # fetched a moment ago: not again yet, however new the key
    assert await refusal(tokens, rotated) == Reason.UNKNOWN_KEY
    assert provider.fetches == 1

    clock.advance(INTERVAL)
    assert (await tokens.verify(rotated)).id == "inv-rotated"
    assert (await tokens.verify(provider.token("rsa-1", sub="inv-old"))).id == "inv-old"  # the old key still works
    assert provider.fetches == 2


async def test_a_flood_of_unknown_kids_fetches_the_keys_at_most_once_per_interval(tokens, provider, clock):
    await tokens.verify(provider.token("ec-1"))
    signer = ec_key("attacker")

    async def flood() -> list[Reason]:
        return await asyncio.gather(*(refusal(tokens, sign(signer, "ES256", unknown_kid())) for _ in range(50)))

    clock.advance(INTERVAL)
    assert set(await flood()) == {Reason.UNKNOWN_KEY}
    assert provider.fetches == 2  # the fifty waited for one fetch
    clock.advance(INTERVAL / 2)
    assert set(await flood()) == {Reason.UNKNOWN_KEY}
    assert provider.fetches == 2
    clock.advance(INTERVAL / 2)
    assert set(await flood()) == {Reason.UNKNOWN_KEY}
    assert provider.fetches == 3


async def test_a_key_the_provider_withdraws_is_refused_once_the_keys_are_fetched_again(tokens, provider, clock):
    remembered = provider.token("rsa-1", sub="inv-remembered")
    await tokens.verify(remembered)
    provider.publish("rsa-2", rsa_key("rsa-2"), "RS256")
    provider.withdraw("rsa-1")

    clock.advance(LIFESPAN)
    # past their lifespan the keys in hand still answer while the fetch runs in the background
    assert (await tokens.verify(sign(rsa_key("rsa-1"), "RS256", "rsa-1", sub="inv-late"))).id == "inv-late"
    await fetch_done(tokens)
    assert provider.fetches == 2

    assert await refusal(tokens, remembered) == Reason.UNKNOWN_KEY  # verified before, checked again
    assert await refusal(tokens, sign(rsa_key("rsa-1"), "RS256", "rsa-1", sub="inv-new")) == Reason.UNKNOWN_KEY
    assert (await tokens.verify(provider.token("rsa-2", sub="inv-2"))).id == "inv-2"
    assert provider.fetches == 2


async def test_a_key_the_provider_replaces_under_the_same_kid_is_refused_once_the_keys_are_fetched_again(
    tokens, provider, clock,
):
    old, new = rsa_key("rsa-1"), rsa_key("rsa-1 replacement")
    remembered = provider.token("rsa-1", sub="inv-remembered")
    assert (await tokens.verify(remembered)).id == "inv-remembered"
    provider.publish("rsa-1", new, "RS256")  # the old key withdrawn: the kid now names another key

    clock.advance(LIFESPAN)
    # past their lifespan the keys in hand (the old one) still answer while the fetch runs in the background
    late = sign(old, "RS256", "rsa-1", sub="inv-late")
    assert (await tokens.verify(late)).id == "inv-late"
    await fetch_done(tokens)
    assert provider.fetches == 2

    assert (await tokens.verify(sign(new, "RS256", "rsa-1", sub="inv-next"))).id == "inv-next"
    assert await refusal(tokens, sign(old, "RS256", "rsa-1", sub="inv-new")) == Reason.BAD_SIGNATURE
    # verified under the old key before the fetch: checked again, not answered from memory
    assert await refusal(tokens, remembered) == Reason.BAD_SIGNATURE
    assert await refusal(tokens, late) == Reason.BAD_SIGNATURE
    assert (await tokens.verify(provider.token("ec-1", sub="inv-ec"))).id == "inv-ec"
    assert provider.fetches == 2


async def test_a_key_the_provider_replaces_under_the_same_kid_is_accepted_at_its_first_token(tokens, provider, clock):
    """Providers whose kid is a fixed name ("1", "default") rotate this way: the first token signed with the new key
    fetches the keys again, rather than being refused until the keys in hand reach their lifespan."""
    old, new = rsa_key("rsa-1"), rsa_key("rsa-1 replacement")
    assert (await tokens.verify(provider.token("rsa-1", sub="inv-before"))).id == "inv-before"
    provider.publish("rsa-1", new, "RS256")

    clock.advance(INTERVAL)  # within the keys' lifespan: nothing fetched them again yet
    assert (await tokens.verify(sign(new, "RS256", "rsa-1", sub="inv-after"))).id == "inv-after"
    assert provider.fetches == 2
    assert await refusal(tokens, sign(old, "RS256", "rsa-1", sub="inv-old")) == Reason.BAD_SIGNATURE
    assert provider.fetches == 2


async def test_forged_signatures_under_a_known_kid_fetch_the_keys_at_most_once_per_interval(tokens, provider, clock):
    await tokens.verify(provider.token("rsa-1"))
    signer = rsa_key("attacker")

    async def flood() -> list[Reason]:
        return await asyncio.gather(*(refusal(tokens, sign(signer, "RS256", "rsa-1")) for _ in range(50)))

    assert set(await flood()) == {Reason.BAD_SIGNATURE}
    assert provider.fetches == 1  # fetched a moment ago: not again
    clock.advance(INTERVAL)
    assert set(await flood()) == {Reason.BAD_SIGNATURE}
    assert provider.fetches == 2  # the fifty waited for one fetch
    clock.advance(INTERVAL / 2)
    assert set(await flood()) == {Reason.BAD_SIGNATURE}
    assert provider.fetches == 2


async def test_while_the_provider_is_down_the_keys_in_hand_answer_and_an_unknown_kid_is_a_503(tokens, provider, clock):
    await tokens.verify(provider.token("rsa-1"))
    provider.down = True
    provider.publish("ec-2", ec_key("ec-2"), "ES256")  # published, but the JWKS cannot be had
    clock.advance(LIFESPAN)

    with capture_logs() as logs:
        assert (await tokens.verify(provider.token("rsa-1", sub="inv-a"))).id == "inv-a"
        await fetch_done(tokens)
    assert [entry["event"] for entry in logs] == ["jwks_refresh_failed"]
    assert provider.fetches == 2
    assert (await tokens.verify(provider.token("ec-1", sub="inv-b"))).id == "inv-b"  # still in hand

    clock.advance(INTERVAL)
    with pytest.raises(InvalidToken) as refused:
        await tokens.verify(provider.token("ec-2"))
    assert (refused.value.reason, refused.value.code) == (Reason.JWKS_UNAVAILABLE, "authentication-unavailable")

    provider.down = False
    clock.advance(INTERVAL)
    assert (await tokens.verify(provider.token("ec-2", sub="inv-c"))).id == "inv-c"


async def test_a_provider_that_cannot_be_reached_before_any_fetch_is_a_503(session, unused_tcp_port, provider):
    closed = f"http://127.0.0.1:{unused_tcp_port}{JWKS_PATH}"
    tokens = JwksTokens(KeySet(jwks_over_http(session, closed), ALGORITHMS, LIFESPAN, INTERVAL), ISSUER, AUDIENCE)
    assert await refusal(tokens, provider.token("rsa-1")) == Reason.JWKS_UNAVAILABLE


@pytest.mark.parametrize("moved", [web.HTTPMovedPermanently, web.HTTPFound, web.HTTPTemporaryRedirect,
                                   web.HTTPPermanentRedirect])
async def test_the_keys_come_from_the_jwks_url_itself_and_a_redirect_is_not_followed(
    aiohttp_server, session, provider, provider_server, moved,
):
    """Followed, a redirect would let whoever answers for the URL (or, over plain HTTP, the network) name another
    source of keys; even one to the provider's own JWKS on the same host is not followed."""
    async def redirect(request: web.Request) -> web.Response:
        raise moved(str(provider_server.make_url(JWKS_PATH)))

    app = web.Application()
    app.router.add_get("/jwks-moved", redirect)
    redirecting = await aiohttp_server(app)
    tokens = JwksTokens(KeySet(jwks_over_http(session, str(redirecting.make_url("/jwks-moved"))), ALGORITHMS,
                               LIFESPAN, INTERVAL), ISSUER, AUDIENCE)
    with capture_logs() as logs:
        assert await refusal(tokens, provider.token("rsa-1")) == Reason.JWKS_UNAVAILABLE
    await tokens.close()
    assert provider.fetches == 0
    assert [(entry["event"], entry["error"]) for entry in logs] == [
        ("jwks_refresh_failed", f"redirected (HTTP {moved.status_code}), not followed"),
    ]


def test_only_signing_keys_for_an_accepted_algorithm_are_taken_from_the_jwks():
    rsa, ec = public_jwk(rsa_key("rsa-1"), "rsa-1", "RS256"), public_jwk(ec_key("ec-1"), "ec-1", "ES256")
    no_alg = {k: v for k, v in public_jwk(ec_key("ec-2"), "ec-2", "ES256").items() if k != "alg"}
    document = {"keys": [
        rsa, ec, no_alg,
        {**public_jwk(rsa_key("rsa-1"), "encryption", "RS256"), "use": "enc"},
        {k: v for k, v in rsa.items() if k != "kid"},
        public_jwk(rsa_key("rsa-1"), "rs512", "RS512"),
        {"kty": "oct", "kid": "secret", "k": "c2VjcmV0", "alg": "HS256"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        {**rsa, "kid": "odd-alg", "alg": ["RS256"]},
        {**rsa, "kid": 7},
        "not a key",
    ]}
    keys = signing_keys(document, ALGORITHMS)
    assert {kid: key.algorithm_name for kid, key in keys.items()} == {"rsa-1": "RS256", "ec-1": "ES256", "ec-2": "ES256"}


@pytest.mark.parametrize("document", [{"keys": []}, {}, [], {"keys": "none"}])
def test_a_jwks_without_a_usable_key_is_unavailable_rather_than_empty(document):
    with pytest.raises(KeysUnavailable):
        signing_keys(document, ALGORITHMS)


def test_the_settings_accept_only_asymmetric_algorithms():
    assert Settings(_env_file=None, jwt_algorithms=["ES256"]).jwt_algorithms == ["ES256"]
    for refused in (["HS256"], ["none"], []):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, jwt_algorithms=refused)


# Over HTTP: the API configured with the provider's JWKS URL, as `disputes serve` runs it.


@pytest.fixture
async def api(aiohttp_client, provider_server, tmp_path):
    orders = tmp_path / "orders.json"
    orders.write_text('{"orders": []}')
    settings = Settings(
        _env_file=None,
        storage="memory", run_workers=False, orders_file=orders, jwt_jwks_url=str(provider_server.make_url(JWKS_PATH)),
        jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
    )
    return await aiohttp_client(create_app(settings))


async def get_disputes(api, token: str | None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await api.get("/v1/disputes", headers=headers)
    assert response.content_type in ("application/json", "application/problem+json")
    return response.status, await response.json()


async def test_the_api_takes_the_providers_tokens_and_says_why_it_refuses_others(api, provider):
    customer = provider.token("ec-1", sub="cust-1", role="customer", customer_id="cust-1")
    assert (await get_disputes(api, customer))[0] == 200

    # a development token signed with the service's own secret (the sandbox's): HS256 is refused here
    development = jwt.encode(claims(), Settings(_env_file=None).jwt_secret.get_secret_value(), "HS256")
    expired = provider.token("rsa-1", exp=claims()["iat"] - 600)
    refusals = {None: Reason.TOKEN_MISSING, development: Reason.ALGORITHM_NOT_ALLOWED, expired: Reason.TOKEN_EXPIRED,
                provider.token("rsa-1", iss="https://other.test"): Reason.WRONG_ISSUER,
                provider.token("ec-1", sub="inv\tayse"): Reason.CLAIMS_INVALID}
    with capture_logs() as logs:
        for token, reason in refusals.items():
            status, body = await get_disputes(api, token)
            assert (status, body["reason"], body["type"]) == (401, reason.value, "urn:dispute-service:problem:unauthenticated")
    rejected = [entry for entry in logs if entry["event"] == "token_rejected"]
    assert [entry["reason"] for entry in rejected] == [reason.value for reason in refusals.values()]
    assert not any(token in repr(logs) for token in refusals if token), "a token reached the logs"


async def test_the_api_answers_503_when_the_provider_cannot_be_reached(api, provider):
    provider.down = True
    status, body = await get_disputes(api, provider.token("rsa-1"))
    assert (status, body["reason"]) == (503, "jwks_unavailable")
    assert body["type"] == "urn:dispute-service:problem:authentication-unavailable"


def test_serve_refuses_to_start_without_the_providers_jwks_url():
    env = {"PATH": "/usr/bin:/bin", "DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
           "DISPUTES_JWT_SECRET": "production-secret-" + "p" * 32,
           "DISPUTES_EFFECTS_SIGNING_SECRET": "production-effects-secret-" + "p" * 32}
    result = subprocess.run([sys.executable, "-m", "adapters.cli", "serve"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("DISPUTES_JWT_JWKS_URL is not set"), result.stderr


N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's group order (SEC 2 §2.4.2)

def other_signature(token: str) -> str:
    signing_input, signature = token.rsplit(".", 1)
    raw = jwt.utils.base64url_decode(signature.encode())
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    flipped = r + (N - s).to_bytes(32, "big")
    return f"{signing_input}.{jwt.utils.base64url_encode(flipped).decode()}"


async def test_the_other_ecdsa_signature_of_a_token_names_the_same_console_session(tokens, provider):
    """ECDSA verifies (r, s) and (r, n - s) alike: a console session signed out of must stay ended under either."""
    token = provider.token("ec-1", sub="inv-1", role="investigator")
    other = other_signature(token)
    assert other != token
    actor = await tokens.verify(other)  # the verifier takes it: the same caller, the same claims
    assert actor.id == "inv-1"
    assert session_of(other) == session_of(token)
