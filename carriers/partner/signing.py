"""The partner webhook signature, Stripe-style: a timestamp and HMAC-SHA256 of "<timestamp>.<raw body>".

    X-Partner-Signature: t=1713792669,v1=5257a869e7…[,v1=…]

- ``t``: when the partner signed, in Unix seconds; a request outside ``tolerance`` of our clock, in either
  direction, is refused (a captured request cannot be replayed later; within the window the event's
  ``event_id`` de-duplicates it).
- ``v1``: lower- or upper-case hex HMAC-SHA256 under one of the carrier's secrets. Several ``v1`` values
  may be sent, and several secrets configured, so a secret can be rotated without downtime. Other
  schemes (``v0=…``) are ignored, as Stripe does, so the scheme can evolve; a header with only other
  schemes is refused as ``unknown_signature_version``.

Comparisons are constant-time (``hmac.compare_digest``), and every candidate is compared under every
secret, whatever matched first. Rejections say what was wrong, never a value.
"""

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from multidict import CIMultiDict, CIMultiDictProxy
from pydantic import SecretStr

from carriers.base import WebhookAuth
from carriers.errors import WebhookReason, WebhookRejected

HEADER = "X-Partner-Signature"
SCHEME = "v1"
AUTH = WebhookAuth("Signature", HEADER)
"""Named in a refused push's challenge: the scheme as draft-cavage-http-signatures names signed requests'."""
MAX_HEADER_CHARS = 1024
MAX_SIGNATURES = 8
_HEX = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_ONE_SIGNATURE = re.compile(r"t=(\d{1,12}),v1=([0-9a-fA-F]{64})", re.ASCII)
"""The header as partners send it (one timestamp, one signature): read by one match; any other form by the
general reading below, to the same result."""


class SignatureHeader(NamedTuple):
    timestamp: int
    signatures: tuple[str, ...]
    signed_timestamp: str
    """``t`` exactly as sent: what the partner signed (``t=0171…`` signs ``0171….``, as Stripe's scheme does)."""


def _secret_bytes(secret: str | SecretStr) -> bytes:
    return (secret.get_secret_value() if isinstance(secret, SecretStr) else secret).encode()


def signature(secret: str | SecretStr, body: bytes, timestamp: int) -> str:
    """The hex ``v1`` value for ``body`` signed at ``timestamp``."""
    return _signature(secret, body, str(timestamp))


def _signature(secret: str | SecretStr, body: bytes, timestamp: str) -> str:
    mac = _keyed(_secret_bytes(secret)).copy()
    mac.update(timestamp.encode("ascii") + b".")
    mac.update(body)  # not joined to the prefix first: a body may be megabytes
    return mac.hexdigest()


@functools.lru_cache(maxsize=16)
def _keyed(secret: bytes) -> hmac.HMAC:
    """HMAC-SHA256 under ``secret`` with nothing hashed yet, copied for each message: the key is prepared once
    per secret (keyed by its exact value: a rotated one gets its own; the few configured fit)."""
    return hmac.new(secret, digestmod=hashlib.sha256)


def sign(secret: str | SecretStr, body: bytes, timestamp: int) -> str:
    """The header value that signs ``body`` at ``timestamp``: ``t=<t>,v1=<hex>``, as a partner sends with its
    pushes (used by the sandbox and tests)."""
    return f"t={timestamp},{SCHEME}={signature(secret, body, timestamp)}"


def parse_header(value: str) -> SignatureHeader:
    if (usual := _ONE_SIGNATURE.fullmatch(value)) is not None:
        return SignatureHeader(int(usual[1]), (usual[2].lower(),), usual[1])
    if len(value) > MAX_HEADER_CHARS:
        raise _malformed("too long")
    timestamps: list[str] = []
    signatures: list[str] = []
    schemes: set[str] = set()
    for item in value.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            raise _malformed("expected key=value pairs")
        if key == "t":
            timestamps.append(val)
        else:
            schemes.add(key)
            if key == SCHEME:
                signatures.append(val)
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise _malformed("needs exactly one t=<unix seconds>")
    if not signatures and schemes:
        raise WebhookRejected(f"no {SCHEME} signature in {HEADER} (only other schemes)",
                              WebhookReason.UNKNOWN_SIGNATURE_VERSION)
    if not signatures or len(signatures) > MAX_SIGNATURES or not all(_HEX.fullmatch(s) for s in signatures):
        raise _malformed(f"needs 1 to {MAX_SIGNATURES} hex {SCHEME} values")
    return SignatureHeader(int(timestamps[0]), tuple(s.lower() for s in signatures), timestamps[0])


def _malformed(why: str) -> WebhookRejected:
    return WebhookRejected(f"malformed {HEADER} header ({why})", WebhookReason.MALFORMED_SIGNATURE)


def header_value(headers: Mapping[str, str], name: str = HEADER) -> str:
    """The one value of ``name`` (any case); missing or repeated is a rejection."""
    if isinstance(headers, CIMultiDictProxy | CIMultiDict):  # a request's headers: every value of the name, any case
        values: list[str] = headers.getall(name, [])
    else:
        wanted = name.lower()
        values = [value for key, value in headers.items() if key.lower() == wanted]
    if not values:
        raise WebhookRejected(f"missing {name} header", WebhookReason.MISSING_SIGNATURE)
    if len(values) > 1:
        raise WebhookRejected(f"repeated {name} header", WebhookReason.MALFORMED_SIGNATURE)
    return values[0]


def verify(
    headers: Mapping[str, str], body: bytes, *, secrets: Sequence[SecretStr], now: datetime, tolerance_seconds: float
) -> int:
    """Check the signature of ``body``; the signing time (Unix seconds) if it holds, else ``WebhookRejected``."""
    signed = signed_body(headers, secrets=secrets)
    signed.update(body)
    return signed.verify(now=now, tolerance_seconds=tolerance_seconds)


def signed_body(headers: Mapping[str, str], *, secrets: Sequence[SecretStr]) -> "SignedBody":
    """The signature in ``headers``, to check against a body given in pieces (``SignedBody``); ``WebhookRejected``
    if no secret is configured or the header is missing or malformed."""
    if not secrets:
        raise WebhookRejected("no partner webhook secret configured", WebhookReason.NOT_CONFIGURED)
    return SignedBody(parse_header(header_value(headers)), secrets)


class SignedBody:
    """A signature checked against a body given in pieces as it arrives (``update``), none of it kept: one
    HMAC per secret, each compared at the end (``verify``) with every candidate, in constant time."""

    def __init__(self, header: SignatureHeader, secrets: Sequence[SecretStr]) -> None:
        self._header = header
        prefix = header.signed_timestamp.encode("ascii") + b"."
        self._macs = [_keyed(_secret_bytes(secret)).copy() for secret in secrets]
        for mac in self._macs:
            mac.update(prefix)

    def update(self, piece: bytes) -> None:
        for mac in self._macs:
            mac.update(piece)

    def verify(self, *, now: datetime, tolerance_seconds: float) -> int:
        """The signing time (Unix seconds) if it is within ``tolerance_seconds`` of ``now`` and the body given so
        far is signed under one of the secrets; else ``WebhookRejected``."""
        if abs(now.timestamp() - self._header.timestamp) > tolerance_seconds:
            raise WebhookRejected(
                f"signature timestamp outside the {tolerance_seconds:g}s replay window", WebhookReason.STALE_TIMESTAMP
            )
        matched = False
        for mac in self._macs:
            expected = mac.hexdigest()
            for candidate in self._header.signatures:
                matched |= hmac.compare_digest(expected, candidate)
        if not matched:
            raise WebhookRejected("signature does not match", WebhookReason.BAD_SIGNATURE)
        return self._header.timestamp
