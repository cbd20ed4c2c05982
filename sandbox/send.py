"""What the command-line scripts of the sandboxes share: posting a document to a running sandbox, and reading a
time given on the command line."""

import argparse
import json
from datetime import datetime
from typing import Any

import aiohttp


ANSWER_WITHIN = 30.0  # seconds; a sandbox answers at once


async def post(base: str, path: str, body: bytes, what: str) -> tuple[int, Any]:
    """POST the JSON `body` to `base` + `path`; the status and the answer (``SystemExit`` with one line when
    nothing answers at `base`; `what` names the sandbox in it)."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=ANSWER_WITHIN)) as session, session.post(
            f"{base.rstrip('/')}{path}", data=body, headers={"Content-Type": "application/json"},
        ) as response:
            status, content = response.status, await response.read()
    except aiohttp.ClientError:
        raise SystemExit(f"No {what} answers at {base} (start it with ./dev serve).") from None
    except TimeoutError:  # something listens there, and says nothing
        raise SystemExit(f"{base} did not answer within {ANSWER_WITHIN:g} s: is it the {what}?") from None
    try:
        return status, json.loads(content or b"null")
    except ValueError:  # another server on that port (the other sandbox's: 8090 and 8091 are easily swapped)
        raise SystemExit(f"{base} answered HTTP {status} without JSON: it is not the {what}.") from None


def instant(text: str) -> datetime:
    """An argument that is a time with its offset (RFC 3339: ``2026-05-20T10:00:00+03:00``, or ``Z`` for UTC)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time with its offset, e.g. 2026-05-20T10:00:00+03:00")
    return at
