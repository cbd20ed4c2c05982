"""A case's stored attachments over HTTP: the bytes with their type, an inline disposition, a private cache, a
content-hash ETag (304 when current) and byte ranges (206, 416); the customer's side gets the customer's own
uploads only; each view but the customer's own is on the timeline, once per viewer and attachment an hour; a
decision on the version reviewed still goes through after it."""

import hashlib

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, SUPERVISOR
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_customer_evidence import form, opened, photo
from tests.e2e.test_console import staff


async def with_photo(api) -> tuple[str, dict]:
    """A case the customer added a photo to; its URL and the image as the case lists it."""
    one = await opened(api)
    added = await api.post(one + "/information", data=form("Kapının fotoğrafı.", ("kapi.jpg", photo(), "image/jpeg")),
                           headers=CUSTOMER)
    assert added.status == 201, await added.text()
    [image] = (await added.json())["customer_evidence"][0]["images"]
    return one, image


@pytest.mark.parametrize("headers", [INVESTIGATOR, SUPERVISOR, CUSTOMER, AGENT],
                         ids=["investigator", "supervisor", "customer", "agent"])
async def test_the_customers_photo_is_served_inline_with_its_type_a_private_cache_and_a_content_hash(api, headers):
    one, image = await with_photo(api)

    response = await api.get(f"{one}/attachments/{image['ref']}", headers=headers)

    assert response.status == 200, await response.text()
    body = await response.read()
    assert len(body) == image["size"] and body.startswith(b"\xff\xd8")
    assert response.content_type == "image/jpeg"
    assert response.headers["Content-Disposition"] == f'inline; filename="customer_image-{image["ref"]}.jpg"'
    assert response.headers["Cache-Control"].split(", ")[0] == "private"
    assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert response.headers["Accept-Ranges"] == "bytes" and response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_current_copy_gets_304_and_a_changed_one_the_file(api):
    one, image = await with_photo(api)
    url = f"{one}/attachments/{image['ref']}"
    tag = (await api.get(url, headers=INVESTIGATOR)).headers["ETag"]

    current = await api.get(url, headers={**INVESTIGATOR, "If-None-Match": f'"stale", W/{tag}'})
    changed = await api.get(url, headers={**INVESTIGATOR, "If-None-Match": '"stale"'})

    assert current.status == 304 and await current.read() == b"" and current.headers["ETag"] == tag
    assert changed.status == 200 and len(await changed.read()) == image["size"]


async def test_a_range_is_served_as_a_part_and_one_past_the_end_is_refused(api):
    one, image = await with_photo(api)
    url = f"{one}/attachments/{image['ref']}"
    whole = await (await api.get(url, headers=INVESTIGATOR)).read()
    size = len(whole)

    head = await api.get(url, headers={**INVESTIGATOR, "Range": "bytes=0-99"})
    tail = await api.get(url, headers={**INVESTIGATOR, "Range": "bytes=-10, 0-5"})
    past = await api.get(url, headers={**INVESTIGATOR, "Range": f"bytes={size}-"})
    stale = await api.get(url, headers={**INVESTIGATOR, "Range": "bytes=0-9", "If-Range": '"another-file"'})

    assert head.status == 206 and await head.read() == whole[:100]
    assert head.headers["Content-Range"] == f"bytes 0-99/{size}" and head.content_type == "image/jpeg"
    assert tail.status == 206 and await tail.read() == whole[-10:]
    assert tail.headers["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
    await assert_problem(past, 416, "range-not-satisfiable")
    assert past.headers["Content-Range"] == f"bytes */{size}"
    assert stale.status == 200 and await stale.read() == whole


async def test_each_view_but_the_customers_own_is_on_the_timeline_by_whom_and_when(api):
    one, image = await with_photo(api)
    url = f"{one}/attachments/{image['ref']}"

    assert (await api.get(url, headers=INVESTIGATOR)).status == 200
    assert (await api.get(url, headers=CUSTOMER)).status == 200
    assert (await api.get(url, headers=AGENT)).status == 200
    assert (await api.get(url, headers=OTHER_CUSTOMER)).status == 404

    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    views = [e for e in timeline["entries"] if e["action"] == "attachment_viewed"]
    assert [(e["actor"], e["role"], e["details"]) for e in views] == [
        ("inv-ayse", "investigator", {"attachment": image["ref"], "kind": "customer_image"}),
        ("agent-elif", "agent", {"attachment": image["ref"], "kind": "customer_image"}),
    ]
    assert views[0]["at"] <= views[1]["at"] and timeline["entries"][-1] == views[-1]


async def test_a_head_of_an_attachment_sends_no_file_and_is_not_recorded_as_a_view(api):
    """RFC 9110 §9.3.2: a HEAD has no content; the timeline should not say someone viewed the customer's photo."""
    one, image = await with_photo(api)
    head = await api.head(f"{one}/attachments/{image['ref']}", headers=INVESTIGATOR)
    assert head.status == 200 and await head.read() == b"" and head.headers["ETag"]

    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    assert [e for e in timeline["entries"] if e["action"] == "attachment_viewed"] == []


async def test_an_agent_fetching_the_photo_again_and_again_leaves_the_timeline_as_one_view_did(api):
    one, image = await with_photo(api)
    url = f"{one}/attachments/{image['ref']}"
    tag = (await api.get(url, headers=AGENT)).headers["ETag"]
    after_one = await (await api.get(one + "/timeline", headers=SUPERVISOR)).read()

    for _ in range(200):
        assert (await api.get(url, headers={**AGENT, "If-None-Match": tag})).status == 304

    timeline = await api.get(one + "/timeline", headers=SUPERVISOR)
    assert await timeline.read() == after_one
    views = [e for e in (await timeline.json())["entries"] if e["action"] == "attachment_viewed"]
    assert [(e["actor"], e["details"]["attachment"]) for e in views] == [("agent-elif", image["ref"])]


async def test_the_version_reviewed_still_decides_after_the_investigator_viewed_the_evidence(api):
    one, image = await with_photo(api)
    reviewed = await api.get(one, headers=INVESTIGATOR)
    assert (await api.get(f"{one}/attachments/{image['ref']}", headers=INVESTIGATOR)).status == 200

    decided = await api.post(one + "/decision", headers={**INVESTIGATOR, "If-Match": reviewed.headers["ETag"]},
                             json={"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."})

    assert decided.status == 200, await decided.text()


BAD_REFS = [
    ("operator", '{"$ne":null}', 422),
    ("operator as text", "$where", 422),
    ("too long", "att_" + "0" * 100, 422),
    ("unknown", "att_" + "0" * 40, 404),
]


@pytest.mark.parametrize(("ref", "status"), [b[1:] for b in BAD_REFS], ids=[b[0] for b in BAD_REFS])
async def test_a_bad_or_unknown_attachment_is_a_problem_and_records_nothing(api, ref, status):
    one, _ = await with_photo(api)

    await assert_problem(await api.get(f"{one}/attachments/{ref}", headers=INVESTIGATOR), status)

    timeline = await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json()
    assert "attachment_viewed" not in [e["action"] for e in timeline["entries"]]


async def test_an_attachment_of_another_case_is_not_found_on_this_one(api):
    first, image = await with_photo(api)
    other = await api.post("/v1/disputes", json={"order_id": "ord-2", "statement": "Gelmedi.",
                                                 "preferred_resolution": "refund"}, headers=CUSTOMER)
    second = (await other.json())["id"]

    await assert_problem(await api.get(f"/v1/disputes/{second}/attachments/{image['ref']}", headers=INVESTIGATOR), 404)
    await assert_problem(await api.get(f"/v1/disputes/dsp_unknown/attachments/{image['ref']}", headers=INVESTIGATOR), 404)
    assert (await api.get(f"{first}/attachments/{image['ref']}", headers=INVESTIGATOR)).status == 200


async def test_a_head_of_an_attachment_in_the_console_is_not_recorded_as_a_view(api):
    one, image = await with_photo(api)
    dispute_id = one.rsplit("/", 1)[1]
    head = await api.head(f"/console/disputes/{dispute_id}/attachments/{image['ref']}", headers=staff())
    assert head.status == 200 and await head.read() == b""

    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    assert [e for e in timeline["entries"] if e["action"] == "attachment_viewed"] == []
