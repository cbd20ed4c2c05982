"""docs/partners.md (The request, Limits): an image written with escapes is the same image, its bytes counted as
sent. The limit holds one image at its bound with every `/` written `\\/` (PHP's json_encode by default), and both
images at their bound written unescaped only: two near their bound written with `\\/` are refused as too large."""

import base64
import json
import random

from tests.e2e.test_partner_webhooks import (  # noqa: F401  (fixtures)
    LIMIT, WEBHOOK, carrier_settings, event, in_memory, orders_document, signed,
)

BOUND = 5_500_000  # base64 characters of one image (docs/partners.md, Limits)


def escaped(document: dict) -> bytes:
    """As PHP's json_encode writes it by default: every `/` as `\\/`."""
    return json.dumps(document).replace("/", "\\/").encode()


async def test_one_image_at_its_bound_with_every_slash_escaped_is_accepted(in_memory):  # noqa: F811 (the fixture)
    image = "/" * BOUND  # valid base64 (4,125,000 bytes of 0xff): not an image, dropped with a note, the push kept
    body = escaped(event("E" * 128, photo={"content_b64": image, "media_type": "image/jpeg"}))
    assert json.loads(body)["photo"]["content_b64"] == image and len(body) > 2 * BOUND  # every character 2 bytes

    answer = await in_memory.post(WEBHOOK, data=body, headers=signed(body))

    assert (answer.status, await answer.json()) == (202, {"received": 1, "duplicates": 0})


async def test_two_photos_near_their_bound_with_escaped_slashes_pass_the_limit(in_memory):  # noqa: F811
    photo = base64.b64encode(b"\xff\xd8\xff\xe0" + random.Random(7).randbytes(4_125_000 - 4)).decode()
    assert len(photo) == BOUND and photo.count("/") > BOUND // 70  # about one character in 64
    body = escaped(event("E" * 128, signature={"content_b64": photo, "media_type": "image/jpeg"},
                         photo={"content_b64": photo, "media_type": "image/jpeg"}))
    unescaped = json.dumps(json.loads(body)).encode()
    assert len(unescaped) <= LIMIT < len(body)

    refused = await in_memory.post(WEBHOOK, data=body, headers=signed(body))
    accepted = await in_memory.post(WEBHOOK, data=unescaped, headers=signed(unescaped))

    assert (refused.status, (await refused.json())["reason"]) == (413, "too_large")
    assert (accepted.status, await accepted.json()) == (202, {"received": 1, "duplicates": 0})
