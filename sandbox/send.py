"""What the command-line scripts of the sandboxes share: posting a document to a running sandbox."""

import json
from typing import Any

import aiohttp


async def post(base: str, path: str, body: bytes, what: str) -> tuple[int, Any]:
    """POST the JSON `body` to `base` + `path`; the status and the answer (``SystemExit`` with one line when
    nothing answers at `base`; `what` names the sandbox in it)."""
    try:
        async with aiohttp.ClientSession() as session, session.post(
            f"{base.rstrip('/')}{path}", data=body, headers={"Content-Type": "application/json"},
        ) as response:
            return response.status, json.loads(await response.read() or b"null")
    except aiohttp.ClientError:
        raise SystemExit(f"No {what} answers at {base} (start it with ./dev serve).") from None
