"""A partner's time written as digits, not as an RFC 3339 date-time with its offset (`format: date-time` in the
published schema; docs/partners.md: "times without a UTC offset ... are refused (422, reason malformed, with the
field paths in detail)"): refused, not read as seconds or milliseconds since 1970."""

import json
import time

import pytest

from carriers.partner.signing import HEADER, sign
from tests.e2e.conftest import CARRIERS

SECRET = "whsec_surat_e2e_0123456789abcdef0123456789"
DELIVERED = {"event_id": "srt-digits-1", "carrier": "surat", "tracking_number": "SRT20240421001",
             "status": "delivered", "delivered_at": "2026-11-16T14:31:05+03:00",
             "occurred_at": "2026-11-16T14:31:09+03:00"}


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"surat": {"partner_webhook": {"secrets": [SECRET]}}}


@pytest.mark.parametrize(("field", "written"), [
    ("delivered_at", "20261116143105"),  # yyyyMMddHHmmss, the Turkish carriers' own form: read as ms, year 2612
    ("delivered_at", "20261116"),  # yyyyMMdd: read as seconds, 1970-08-23
    ("occurred_at", "1763303465"),  # Unix seconds, no offset written
    ("occurred_at", "0"),
])
async def test_a_time_written_as_digits_is_refused_naming_its_field(api, field, written):
    body = json.dumps(DELIVERED | {field: written}).encode()
    answer = await api.post("/v1/carriers/surat/webhooks", data=body,
                            headers={"Content-Type": "application/json", HEADER: sign(SECRET, body, int(time.time()))})
    refused = await answer.json()
    assert (answer.status, refused.get("reason")) == (422, "malformed"), refused
    assert field in refused["detail"]
