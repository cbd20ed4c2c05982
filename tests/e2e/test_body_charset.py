"""JSON is UTF-8 (RFC 8259 §8.1): a body labelled with another charset (windows-1254, iso-8859-9, what legacy Turkish
systems send) is a 415 naming UTF-8, on the API and on carrier pushes alike, not "not JSON"; a body that starts with a
byte-order mark, or whose bytes are not UTF-8, is refused saying so."""

import json

import pytest

from tests.e2e.conftest import CUSTOMER
from tests.e2e.test_partner_webhooks import (  # noqa: F401  (the module's fixtures)
    WEBHOOK, carrier_settings, event, orders_document, signed,
)

OPEN = {"order_id": "ord-1", "statement": "Ürün gelmedi.", "preferred_resolution": "refund"}


@pytest.mark.parametrize("charset", ["windows-1254", "ISO-8859-9"])
async def test_a_body_in_another_charset_is_a_415_naming_utf_8(api, charset):
    opened = await api.post("/v1/disputes", data=json.dumps(OPEN, ensure_ascii=False).encode(charset), headers=CUSTOMER | {
        "Content-Type": f"application/json; charset={charset}"})
    assert opened.status == 415 and "UTF-8" in (await opened.json())["detail"]
    raw = json.dumps(event(received_by="Gülşen Öztürk"), ensure_ascii=False).encode(charset)
    pushed = await api.post(WEBHOOK, data=raw, headers=signed(raw) | {"Content-Type": f"application/json; charset={charset}"})
    problem = await pushed.json()
    assert (pushed.status, problem["reason"]) == (415, "unsupported_media_type") and "UTF-8" in problem["detail"]


async def test_a_body_with_a_byte_order_mark_or_not_in_utf_8_is_refused_saying_so(api):
    bom = b"\xef\xbb\xbf" + json.dumps(OPEN).encode()
    opened = await api.post("/v1/disputes", data=bom, headers=CUSTOMER | {"Content-Type": "application/json"})
    assert opened.status == 400 and "byte-order mark" in (await opened.json())["detail"]
    for raw, said in ((b"\xef\xbb\xbf" + json.dumps(event()).encode(), "byte-order mark"),
                      (json.dumps(event(received_by="Gülşen"), ensure_ascii=False).encode("windows-1254"), "not UTF-8")):
        pushed = await api.post(WEBHOOK, data=raw, headers=signed(raw))
        problem = await pushed.json()
        assert (pushed.status, problem["reason"]) == (422, "malformed") and said in problem["detail"], problem
