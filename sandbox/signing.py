"""How the stand-in services check that a message really comes from the dispute service: written from the scheme
in docs/downstream.md, not from the service's code, so a test passing means the two agree on the contract.

    Disputes-Signature: t=<unix seconds>,kid=<key id>,v1=<hex HMAC-SHA256(secret of kid, "<t>.<raw body>")>
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


def refusal(header: str | None, body: bytes, keys: Mapping[str, str], now: float) -> str | None:
    """Why the signature ``header`` does not prove ``body`` (a reason code), or None when it does."""
    if header is None:
        return "missing_signature"
    fields: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            return "malformed_signature"
        fields.setdefault(name, []).append(value)
    timestamps, key_ids, signatures = fields.get("t", []), fields.get("kid", []), fields.get("v1", [])
    if len(timestamps) != 1 or not _TIMESTAMP.match(timestamps[0]) or len(key_ids) != 1 or not signatures:
        return "malformed_signature"
    if (secret := keys.get(key_ids[0])) is None:
        return "unknown_key"
    if abs(now - int(timestamps[0])) > REPLAY_WINDOW_SECONDS:
        return "stale_timestamp"
    expected = hmac.new(secret.encode(), timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    matches = [hmac.compare_digest(expected.encode(), candidate.lower().encode()) for candidate in signatures]
    return None if any(matches) else "bad_signature"
