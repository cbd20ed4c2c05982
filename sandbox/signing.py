"""How the stand-in services check that a message really comes from the dispute service: written from the scheme
in docs/downstream.md, not from the service's code, so a test passing means the two agree on the contract.

    Disputes-Signature: t=<unix seconds>,kid=<key id>,v2=<hex HMAC-SHA256(secret of kid,
                                                            "<t>.<Idempotency-Key>.<raw body>")>

and, while a new key rolls out, a second group ``kid=<key id>,v2=<hex>`` after the first: each ``v2`` belongs to the
``kid`` before it, and a message is taken when a group whose ``kid`` is held verifies.

The key is part of what is signed, so a message without exactly one ``Idempotency-Key`` proves nothing. Only ``v2``
values count: ``v1`` signed the body alone (a captured message verified under any key), and other names are
ignored, as the guide says, so the scheme can grow.
"""

import hashlib
import hmac
import re
from collections.abc import Mapping

HEADER = "Disputes-Signature"
REPLAY_WINDOW_SECONDS = 300
DEVELOPMENT_KEY_ID = "dev"
DEVELOPMENT_SECRET = "dev-only-effects-signing-secret-0123456789abcdef"
"""The key the embedded default signs its messages with, and the sandbox takes unless told another."""
DEVELOPMENT_KEYS = {DEVELOPMENT_KEY_ID: DEVELOPMENT_SECRET}
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


def refusal(
    header: str | None, idempotency_key: str | None, body: bytes, keys: Mapping[str, str], now: float
) -> str | None:
    """Why the signature ``header`` does not prove that ``body`` is to be applied under ``idempotency_key`` (a reason
    code), or None when it does."""
    if header is None:
        return "missing_signature"
    if not idempotency_key:
        return "missing_idempotency_key"
    timestamps: list[str] = []
    groups: list[tuple[str, list[str]]] = []  # (kid, its v2 values), in the header's order
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            return "malformed_signature"
        if name == "t":
            timestamps.append(value)
        elif name == "kid":
            groups.append((value, []))
        elif name == "v2":
            if not groups:
                return "malformed_signature"
            groups[-1][1].append(value)
    if len(timestamps) != 1 or not _TIMESTAMP.match(timestamps[0]) or not groups or not all(v2 for _, v2 in groups):
        return "malformed_signature"
    held = [(keys[key_id], signatures) for key_id, signatures in groups if key_id in keys]
    if not held:
        return "unknown_key"
    if abs(now - int(timestamps[0])) > REPLAY_WINDOW_SECONDS:
        return "stale_timestamp"
    signed = f"{timestamps[0]}.{idempotency_key}.".encode(errors="surrogateescape") + body
    for secret, signatures in held:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        matches = [hmac.compare_digest(expected.encode(), candidate.lower().encode(errors="surrogateescape"))
                   for candidate in signatures]
        if any(matches):
            return None
    return "bad_signature"
