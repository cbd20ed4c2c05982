"""A partner's photo in base64 wrapped into lines, as MIME encoders write it (Java's Base64.getMimeEncoder, .NET's
Base64FormattingOptions.InsertLineBreaks, `openssl base64`, Python's base64.encodebytes): the same image as unwrapped,
kept with the push, as the service's own reader of inline images tolerates line breaks (carriers/parsing.py
ProofNotes.inline) and UPS's photos so written are kept."""

import base64
import json
import time
from io import BytesIO

import pytest
from PIL import Image

from carriers.partner.signing import HEADER, sign
from tests.e2e.conftest import CARRIERS, CUSTOMER, INVESTIGATOR, eventually
from tests.e2e.test_partner_webhooks import orders_document  # noqa: F401 (fixture)

SECRET = "whsec_surat_e2e_0123456789abcdef0123456789"
TRACKING = "SRT20240421001"


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"surat": {"partner_webhook": {"secrets": [SECRET]}}}


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


def jpeg() -> bytes:
    photo = BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(photo, "JPEG")
    return photo.getvalue()


@pytest.mark.parametrize("wrapped", [
    base64.encodebytes(jpeg()).decode(),  # 76 characters a line, "\n" (Python's MIME encoder)
    base64.encodebytes(jpeg()).decode().replace("\n", "\r\n"),  # "\r\n" (Java's getMimeEncoder, RFC 2045)
], ids=["lf", "crlf"])
async def test_a_photo_in_line_wrapped_base64_is_kept_with_the_push(api, wrapped):
    assert "\n" in wrapped.strip()
    event = {"event_id": "srt-wrap-1", "carrier": "surat", "tracking_number": TRACKING, "status": "delivered",
             "delivered_at": "2026-11-16T14:31:05+03:00", "occurred_at": "2026-11-16T14:31:09+03:00",
             "photo": {"content_b64": wrapped, "media_type": "image/jpeg"}}
    body = json.dumps(event).encode()
    answer = await api.post("/v1/carriers/surat/webhooks", data=body,
                            headers={"Content-Type": "application/json", HEADER: sign(SECRET, body, int(time.time()))})
    assert (answer.status, await answer.json()) == (202, {"received": 1, "duplicates": 0})

    opened = await api.post("/v1/disputes", json={"order_id": "ord-srt", "statement": "Gelmedi.",
                                                  "preferred_resolution": "refund"}, headers=CUSTOMER)
    dispute_id = (await opened.json())["id"]

    async def pushed():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return next((e["proof"] for e in case["evidence"] if e["key"] == "push:surat:srt-wrap-1"), None)

    proof = await eventually(pushed)
    assert proof["photo"] is not None, f"the photo was dropped: {proof['notes']}"
