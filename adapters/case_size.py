"""How large a case may grow, the same on every store: MongoDB stores a document of at most 16 MiB (manual,
"MongoDB Limits and Thresholds": BSON Document Size) and refuses an update whose result is larger, where mongoeco, the
embedded default, takes it. A save that would pass `CASE_BYTES` is refused before it is written, as a domain error
(`TooManySubmissions`, a 409 to the caller), so the case stays as it was and every later change still fits."""

from disputes.errors import TooManySubmissions
from disputes.model import Dispute

MEBIBYTE = 1024 * 1024
CASE_BYTES = 12 * MEBIBYTE
"""The most a case may hold, as JSON (a stored date takes 8 bytes in BSON, about 30 in JSON; a string about as many
in both): 4 MiB below MongoDB's limit, for what only storage writes beside the case (its due times, leases, keys)."""


def check_size(dispute: Dispute) -> None:
    """Raise `TooManySubmissions` when `dispute`, as it would be saved, holds more than `CASE_BYTES`."""
    size = len(dispute.__pydantic_serializer__.to_json(dispute))
    if size > CASE_BYTES:
        raise TooManySubmissions(
            f"The case holds as much as it may ({CASE_BYTES // MEBIBYTE} MiB): this change would make it "
            f"{size / MEBIBYTE:.1f} MiB and was not stored. Add what matters to the case's notes instead.",
            limit_bytes=CASE_BYTES,
        )
