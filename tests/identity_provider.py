"""A stand-in for the marketplace's identity provider: signing keys generated with `cryptography` (once per test
process: an RSA key costs tens of milliseconds), the JWKS it publishes served by aiohttp, and tokens signed with
any key, published or not."""

import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.marketplace.test"
AUDIENCE = "dispute-service"
JWKS_PATH = "/.well-known/jwks.json"
type PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key(name: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(key: PrivateKey, kid: str, alg: str) -> dict[str, Any]:
    public = key.public_key()
    jwk = RSAAlgorithm.to_jwk(public, as_dict=True) if isinstance(public, rsa.RSAPublicKey) else (
        ECAlgorithm.to_jwk(public, as_dict=True)
    )
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


def claims(**changes: Any) -> dict[str, Any]:
    """An investigator's claims from the provider, issued now for an hour, with `changes`."""
    now = int(time.time())
    base = {"sub": "inv-1", "role": "investigator", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600}
    return base | changes


@dataclass
class IdentityProvider:
    published: dict[str, tuple[PrivateKey, str]] = field(default_factory=dict)
    """The keys in the JWKS: by kid, the private key and its algorithm."""
    fetches: int = 0
    down: bool = False
    """While set, the JWKS endpoint answers 503."""

    @classmethod
    def with_keys(cls) -> "IdentityProvider":
        """Publishing an RSA key (`rsa-1`, RS256) and an EC key (`ec-1`, ES256)."""
        provider = cls()
        provider.publish("rsa-1", rsa_key("rsa-1"), "RS256")
        provider.publish("ec-1", ec_key("ec-1"), "ES256")
        return provider

    def publish(self, kid: str, key: PrivateKey, alg: str) -> None:
        self.published[kid] = (key, alg)

    def withdraw(self, kid: str) -> None:
        del self.published[kid]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(key, kid, alg) for kid, (key, alg) in self.published.items()]}

    def app(self) -> web.Application:
        async def serve_jwks(request: web.Request) -> web.Response:
            self.fetches += 1
            if self.down:
                raise web.HTTPServiceUnavailable()
            return web.json_response(self.jwks())

        app = web.Application()
        app.router.add_get(JWKS_PATH, serve_jwks)
        return app

    def token(self, kid: str, **changes: Any) -> str:
        """Signed with the key published as `kid`, by its algorithm."""
        key, alg = self.published[kid]
        return sign(key, alg, kid, **changes)


def sign(key: PrivateKey, alg: str, kid: str | None, **changes: Any) -> str:
    """Any key, any kid (None: no kid in the header)."""
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**changes), key, algorithm=alg, headers=headers)
