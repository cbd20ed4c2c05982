"""How the stand-in services check that a message really comes from the dispute service: written from the scheme
in docs/downstream.md, not from the service's code, so a test passing means the two agree on the contract.

    Disputes-Signature: t=<unix seconds>,kid=<key id>,v2=<hex HMAC-SHA256(secret of kid,
                                                            "<t>.<Idempotency-Key>.<raw body>")>

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
    fields: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            return "malformed_signature"
        fields.setdefault(name, []).append(value)
    timestamps, key_ids, signatures = fields.get("t", []), fields.get("kid", []), fields.get("v2", [])
    if len(timestamps) != 1 or not _TIMESTAMP.match(timestamps[0]) or len(key_ids) != 1 or not signatures:
        return "malformed_signature"
    if (secret := keys.get(key_ids[0])) is None:
        return "unknown_key"
    if abs(now - int(timestamps[0])) > REPLAY_WINDOW_SECONDS:
        return "stale_timestamp"
    signed = f"{timestamps[0]}.{idempotency_key}.".encode(errors="surrogateescape") + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    matches = [hmac.compare_digest(expected.encode(), candidate.lower().encode(errors="surrogateescape"))
               for candidate in signatures]
    return None if any(matches) else "bad_signature"
