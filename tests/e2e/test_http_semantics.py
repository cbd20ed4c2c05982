"""HTTP semantics over the whole app: an Idempotency-Key on any POST replays the first answer (status, body, ETag,
Location), refuses another request under the same key, and lets concurrent copies run once; every resource GET has
an ETag and answers If-None-Match with 304; every GET answers HEAD; If-Match "*" acts on whatever version exists."""

import asyncio
import re
from datetime import timedelta

import pytest

from adapters.bootstrap import ENDPOINTS, HIDDEN, OPS_ENDPOINTS
from tests.e2e.conftest import (
    AGENT, CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, SUPERVISOR, bearer, eventually, orders_file_document,
)
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_customer_evidence import form, photo
from tests.factories import NOW, effects_key, order, shipment
from adapters.web.keys import STAFF_DIRECTORY
from schemas.staff import StaffMember
from schemas.common import Role

SHIPMENT_KEY = effects_key("ord-1", "shp-1")

OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}
REFUND = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo kanıt sunmadı."}
REPLAYED = "Idempotent-Replayed"


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def opened(api) -> str:
    response = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)
    assert response.status == 201, await response.text()
    return response.headers["Location"]


async def timeline_actions(api, one: str) -> list[str]:
    return [e["action"] for e in (await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json())["entries"]]


async def test_replaying_an_opening_returns_the_first_answer_not_the_current_state(api):
    first = await api.post("/v1/disputes", json=OPEN, headers=keyed(CUSTOMER, "open-1"))
    assert first.status == 201 and first.headers["ETag"] == '"1-customer"' and REPLAYED not in first.headers
    body = await first.read()
    one = first.headers["Location"]
    assert (await api.post(one + "/assign", headers=INVESTIGATOR)).status == 200  # the case moves on: version 2

    again = await api.post("/v1/disputes", json=OPEN, headers=keyed(CUSTOMER, "open-1"))
    assert again.status == 201 and again.headers[REPLAYED] == "true"
    assert (again.headers["ETag"], again.headers["Location"]) == ('"1-customer"', one)
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert await again.read() == body and (await again.json())["status"] == "opened"
    current = await api.get(one, headers=CUSTOMER)
    assert current.headers["ETag"] == '"2-customer"' and (await current.json())["status"] == "under_review"


DELIVERED_FINELY = shipment().model_copy(update={"delivered_at": NOW - timedelta(days=2) + timedelta(microseconds=123_456)})


@pytest.mark.parametrize("orders_document", [orders_file_document([order(shipments=[DELIVERED_FINELY])])])
async def test_an_opening_answers_the_order_s_instants_as_stored_to_the_millisecond(api):
    first = await api.post("/v1/disputes", json=OPEN, headers=keyed(CUSTOMER, "open-fine"))
    assert first.status == 201, await first.text()
    answered = (await first.json())["order"]["delivered_at"]
    again = await api.post("/v1/disputes", json=OPEN, headers=keyed(CUSTOMER, "open-fine"))
    read = await (await api.get(first.headers["Location"], headers=CUSTOMER)).json()
    assert answered == (await again.json())["order"]["delivered_at"] == read["order"]["delivered_at"]
    assert answered == "2026-11-16T09:30:00.123Z"


async def test_replaying_a_note_returns_its_first_answer_and_adds_no_second_note(api):
    one = await opened(api)
    note = {"text": "Kargo firması arandı."}
    first = await api.post(one + "/notes", json=note, headers=keyed(INVESTIGATOR, "note-1"))
    assert first.status == 201 and first.headers["ETag"] == '"2"'
    assert (await api.post(one + "/assign", headers=INVESTIGATOR)).status == 200

    again = await api.post(one + "/notes", json=note, headers=keyed(INVESTIGATOR, "note-1"))
    assert (again.status, again.headers["ETag"], again.headers[REPLAYED]) == (201, '"2"', "true")
    assert await again.read() == await first.read()
    assert await timeline_actions(api, one) == ["opened", "note_added", "assigned"]


async def test_a_replayed_refusal_is_the_first_refusal(api):
    one = await opened(api)
    refused = await api.post(one + "/decision", json=REFUND, headers={**keyed(INVESTIGATOR, "d-1"), "If-Match": '"9"'})
    body = await assert_problem(refused, 412)
    again = await api.post(one + "/decision", json=REFUND, headers={**keyed(INVESTIGATOR, "d-1"), "If-Match": '"9"'})
    assert again.status == 412 and again.headers[REPLAYED] == "true"
    assert {k: v for k, v in (await again.json()).items() if k != "request_id"} == {
        k: v for k, v in body.items() if k != "request_id"
    }


async def test_the_same_key_with_another_body_is_a_422_of_its_own_type_and_changes_nothing(api):
    one = await opened(api)
    assert (await api.post(one + "/notes", json={"text": "Birinci."}, headers=keyed(INVESTIGATOR, "n"))).status == 201
    other = await api.post(one + "/notes", json={"text": "İkinci."}, headers=keyed(INVESTIGATOR, "n"))
    problem = await assert_problem(other, 422)
    assert problem["type"] == "urn:dispute-service:problem:idempotency-key-reused"
    two = (await api.post("/v1/disputes", json={**OPEN, "order_id": "ord-2"}, headers=CUSTOMER)).headers["Location"]
    elsewhere = await api.post(two + "/notes", json={"text": "Birinci."}, headers=keyed(INVESTIGATOR, "n"))
    assert (await assert_problem(elsewhere, 422))["type"] == problem["type"]  # the same body elsewhere: another request
    assert await timeline_actions(api, two) == ["opened"]
    other_order = {**OPEN, "order_id": "ord-6"}
    assert (await api.post("/v1/disputes", json=other_order, headers=keyed(CUSTOMER, "n"))).status == 201  # theirs
    refused = await api.post("/v1/disputes", json={**other_order, "statement": "Başka."}, headers=keyed(CUSTOMER, "n"))
    assert (await assert_problem(refused, 422))["type"] == problem["type"]
    assert await timeline_actions(api, one) == ["opened", "note_added"]


async def test_the_same_note_under_the_same_key_with_another_if_match_is_another_request(api):
    one = await opened(api)
    note = {"text": "Aynı not."}
    first = await api.post(one + "/notes", json=note, headers={**keyed(INVESTIGATOR, "n"), "If-Match": '"1"'})
    assert first.status == 201, await first.text()
    other = await api.post(one + "/notes", json=note, headers={**keyed(INVESTIGATOR, "n"), "If-Match": '"2"'})
    assert (await assert_problem(other, 422))["type"] == "urn:dispute-service:problem:idempotency-key-reused"
    assert await timeline_actions(api, one) == ["opened", "note_added"]


async def test_a_form_with_another_statement_under_the_same_key_is_another_request(api):
    one = await opened(api)
    assert (await api.post(one + "/information", data=form("Kapı önü."), headers=keyed(CUSTOMER, "i"))).status == 201
    other = await api.post(one + "/information", data=form("Komşuda."), headers=keyed(CUSTOMER, "i"))
    assert (await assert_problem(other, 422))["type"] == "urn:dispute-service:problem:idempotency-key-reused"
    assert await timeline_actions(api, one) == ["opened", "information_added"]


async def test_keys_are_the_callers_own(api):
    one = await opened(api)
    note = {"text": "Aynı anahtar."}
    assert (await api.post(one + "/notes", json=note, headers=keyed(INVESTIGATOR, "mine"))).status == 201
    theirs = await api.post(one + "/notes", json=note, headers=keyed(OTHER_INVESTIGATOR, "mine"))
    assert theirs.status == 201 and REPLAYED not in theirs.headers
    assert await timeline_actions(api, one) == ["opened", "note_added", "note_added"]


# Ids hold ':' (letters, digits and `_.:-`) and so do keys (printable ASCII): "cust-1" with key "x:k1" and "cust-1:x"
# with key "k1" are two callers' two keys, which must not meet as one.
COLON_CUSTOMER = bearer(Role.CUSTOMER, "cust-1:x", "cust-1:x")


async def test_a_customer_whose_id_and_key_spell_another_customers_key_is_not_answered_with_their_opening(api):
    first = await api.post("/v1/disputes", json=OPEN, headers=keyed(CUSTOMER, "x:k1"))
    assert first.status == 201, await first.text()

    theirs = await api.post("/v1/disputes", json=OPEN, headers=keyed(COLON_CUSTOMER, "k1"))

    assert REPLAYED not in theirs.headers and theirs.headers.get("Location") != first.headers["Location"]
    await assert_problem(theirs, 422)  # ord-1 is not theirs: refused as for any other customer


async def test_staff_whose_id_and_key_spell_another_s_key_have_their_own_note_added(api):
    await api.app[STAFF_DIRECTORY].directory.add(StaffMember(id="inv-ayse:x", name="Ayşe Kaya", role=Role.INVESTIGATOR))
    one = await opened(api)
    note = {"text": "Kargo firması arandı."}
    assert (await api.post(one + "/notes", json=note, headers=keyed(INVESTIGATOR, "x:n1"))).status == 201

    theirs = await api.post(one + "/notes", json=note, headers=keyed(bearer(Role.INVESTIGATOR, "inv-ayse:x"), "n1"))

    assert theirs.status == 201 and REPLAYED not in theirs.headers
    assert await timeline_actions(api, one) == ["opened", "note_added", "note_added"]


async def test_a_customer_whose_id_and_key_spell_another_customers_key_gets_404_on_their_case_not_their_answer(api):
    one = await opened(api)
    said = {"text": "Kapıcıya sordum, görmemiş."}
    assert (await api.post(one + "/messages", json=said, headers=keyed(CUSTOMER, "x:m1"))).status == 201

    theirs = await api.post(one + "/messages", json=said, headers=keyed(COLON_CUSTOMER, "m1"))

    assert theirs.status == 404 and REPLAYED not in theirs.headers


async def test_twenty_concurrent_identical_notes_add_one(api):
    one = await opened(api)
    answers = await asyncio.gather(*(
        api.post(one + "/notes", json={"text": "Tek not."}, headers=keyed(INVESTIGATOR, "burst")) for _ in range(20)
    ))
    await _ran_once(answers, 201)
    assert await timeline_actions(api, one) == ["opened", "note_added"]


async def test_twenty_concurrent_identical_decisions_decide_and_refund_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    one = await opened(api)
    headers = {**keyed(INVESTIGATOR, "decide-once"), "If-Match": '"1"'}
    answers = await asyncio.gather(*(api.post(one + "/decision", json=REFUND, headers=headers) for _ in range(20)))
    await _ran_once(answers, 200)

    async def refunds() -> dict:
        return (await (await downstream.get("/_sandbox/received")).json())["applied"].get("payments", {})

    assert await eventually(refunds) == {f"{SHIPMENT_KEY}:d1:refund": 1}
    assert await timeline_actions(api, one) == ["opened", "decided"]
    late = await api.post(one + "/decision", json=REFUND, headers=headers)
    assert late.status == 200 and late.headers[REPLAYED] == "true" and late.headers["ETag"] == '"2"'
    assert await refunds() == {f"{SHIPMENT_KEY}:d1:refund": 1}


async def _ran_once(answers, status: int) -> None:
    """One answer ran the request; every other is its replay or "still running, come back" (409, Retry-After)."""
    ran = [a for a in answers if a.status == status and REPLAYED not in a.headers]
    assert len(ran) == 1, [a.status for a in answers]
    for answer in answers:
        if answer.status == 409:
            problem = await answer.json()
            assert problem["type"] == "urn:dispute-service:problem:idempotency-key-in-flight"
            assert answer.headers["Retry-After"] == "1"  # the first one is answered in milliseconds
        else:
            assert answer.status == status and answer.headers["ETag"] == ran[0].headers["ETag"]


async def test_a_key_expires_after_a_day_and_then_runs_again(api, clock):
    one = await opened(api)
    note = {"text": "Yarın tekrar."}
    assert (await api.post(one + "/notes", json=note, headers=keyed(INVESTIGATOR, "daily"))).status == 201
    clock.offset += timedelta(hours=24)
    again = await api.post(one + "/notes", json=note, headers=keyed(INVESTIGATOR, "daily"))
    assert again.status == 201 and REPLAYED not in again.headers
    assert await timeline_actions(api, one) == ["opened", "note_added", "note_added"]


async def test_a_form_with_images_replays_and_its_files_are_part_of_the_request(api):
    one = await opened(api)
    first = await api.post(one + "/information", data=form("Kapı.", ("a.png", photo("PNG"), "image/png")),
                           headers=keyed(CUSTOMER, "info"))
    assert first.status == 201, await first.text()
    again = await api.post(one + "/information", data=form("Kapı.", ("a.png", photo("PNG"), "image/png")),
                           headers=keyed(CUSTOMER, "info"))
    assert again.status == 201 and again.headers[REPLAYED] == "true" and await again.read() == await first.read()
    other = await api.post(one + "/information", data=form("Kapı.", ("a.png", photo("PNG", (1, 2, 3)), "image/png")),
                           headers=keyed(CUSTOMER, "info"))
    await assert_problem(other, 422)


async def test_a_dispute_answers_if_none_match_with_304_until_it_changes(api):
    one = await opened(api)
    current = await api.get(one, headers=CUSTOMER)
    tag = current.headers["ETag"]
    not_modified = await api.get(one, headers={**CUSTOMER, "If-None-Match": tag})
    assert not_modified.status == 304 and not_modified.headers["ETag"] == tag and await not_modified.read() == b""
    assert current.headers["Cache-Control"] == not_modified.headers["Cache-Control"] == "private, no-cache"
    assert (await api.get(one, headers={**CUSTOMER, "If-None-Match": f'"7", W/{tag}'})).status == 304
    assert (await api.get(one, headers={**CUSTOMER, "If-None-Match": "*"})).status == 304
    await api.post(one + "/notes", json={"text": "Değişti."}, headers=INVESTIGATOR)
    changed = await api.get(one, headers={**CUSTOMER, "If-None-Match": tag})
    assert changed.status == 200 and changed.headers["ETag"] != tag


async def test_each_view_of_a_dispute_has_an_etag_of_its_own_that_no_other_views_copy_matches(api):
    one = await opened(api)
    callers = {"staff": INVESTIGATOR, "customer": CUSTOMER, "agent": AGENT}
    tags = {who: (await api.get(one, headers=headers)).headers["ETag"] for who, headers in callers.items()}
    assert tags == {"staff": '"1"', "customer": '"1-customer"', "agent": '"1-agent"'}
    for who in ("customer", "agent"):
        for other in set(tags) - {who}:
            assert (await api.get(one, headers={**callers[who], "If-None-Match": tags[other]})).status == 200, other
        assert (await api.get(one, headers={**callers[who], "If-None-Match": tags[who]})).status == 304


async def test_a_customers_copy_read_after_the_appeal_window_ended_earns_304_and_one_read_before_it_does_not(api, clock):
    """The next step reads otherwise once the appeal window has ended, with no new version: the ETag says which side of
    that moment its view is, so the copy read before it is modified, the copy read after it is not, and in If-Match
    either names the version."""
    one = await opened(api)
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim."}
    assert (await api.post(one + "/decision", json=reject, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    callers = {"customer": CUSTOMER, "agent": AGENT}
    within = {who: (await api.get(one, headers=headers)).headers["ETag"] for who, headers in callers.items()}
    assert within == {"customer": '"2-customer"', "agent": '"2-agent"'}
    for who, headers in callers.items():
        assert (await api.get(one, headers={**headers, "If-None-Match": within[who]})).status == 304, who

    clock.offset += timedelta(days=20)  # the rejection's 14 days to appeal are over
    for who, headers in callers.items():
        after = await api.get(one, headers={**headers, "If-None-Match": within[who]})
        assert after.status == 200 and after.headers["ETag"] == f'"2-{who}-later"', who
        assert (await after.json())["next_step"]["en"].endswith("The time to appeal ended on 02.12.2026 12:30.")
        again = await api.get(one, headers={**headers, "If-None-Match": after.headers["ETag"]})
        assert again.status == 304 and again.headers["ETag"] == after.headers["ETag"], who

    recorded = await api.post(one + "/accessibility-need", headers={**AGENT, "If-Match": '"2-agent-later"'})
    assert recorded.status == 200 and recorded.headers["ETag"] == '"3-agent-later"', await recorded.text()


async def test_if_match_when_sent_guards_every_change_to_a_dispute_not_only_the_decision(api):
    one = await opened(api)
    stale = await api.post(one + "/withdraw", headers={**CUSTOMER, "If-Match": '"999"'})
    assert "version 1," in (await assert_problem(stale, 412))["detail"]
    malformed = await api.post(one + "/messages", json={"text": "Bulamadım."}, headers={**CUSTOMER, "If-Match": "not-a-tag"})
    await assert_problem(malformed, 400)
    noted = await api.post(one + "/notes", json={"text": "Sürüm 2."}, headers={**INVESTIGATOR, "If-Match": '"1"'})
    assert noted.status == 201 and noted.headers["ETag"] == '"2"'
    seen_before = await api.post(one + "/information", data=form("Kapı.", ("a.png", photo("PNG"), "image/png")),
                                 headers={**CUSTOMER, "If-Match": '"1-customer"'})
    await assert_problem(seen_before, 412)
    stale_note = await api.post(one + "/notes", json={"text": "Eski."}, headers={**INVESTIGATOR, "If-Match": '"1"'})
    await assert_problem(stale_note, 412)
    current = await api.get(one, headers=CUSTOMER)
    assert (await current.json())["customer_evidence"] == [] and current.headers["ETag"] == '"2-customer"'

    withdrawn = await api.post(one + "/withdraw", headers={**CUSTOMER, "If-Match": current.headers["ETag"]})
    assert withdrawn.status == 200 and (await withdrawn.json())["status"] == "withdrawn"
    assert await timeline_actions(api, one) == ["opened", "note_added", "withdrawn"]


async def settled(api, one: str) -> dict:
    """The staff view once the relay has delivered every effect queued so far."""
    async def view() -> dict | None:
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        return case if not case["effects"]["pending"] else None

    case = await eventually(view)
    assert case, "the effects were not delivered"
    return case


async def test_a_staff_view_is_not_modified_only_while_its_effects_stand_as_at_its_version(api):
    one = await opened(api)  # the opening queues the customer's notification
    unsettled = await api.get(one, headers=INVESTIGATOR)
    assert (await api.get(one, headers={**INVESTIGATOR, "If-None-Match": unsettled.headers["ETag"]})).status == 200
    await settled(api, one)  # delivered since version 1 was saved: a copy of version 1 may not show it
    assert (await api.get(one, headers={**INVESTIGATOR, "If-None-Match": '"1"'})).status == 200
    noted = await api.post(one + "/notes", json={"text": "Sürüm 2."}, headers=INVESTIGATOR)  # queues nothing
    assert noted.headers["ETag"] == '"2"'
    not_modified = await api.get(one, headers={**INVESTIGATOR, "If-None-Match": '"2"'})
    assert not_modified.status == 304 and not_modified.headers["ETag"] == '"2"'


async def test_a_customers_copy_of_a_refund_decision_is_modified_once_payments_refuses_the_refund(
    api, sandbox, aiohttp_client
):
    """The relay parks the refund with no new version: the customer's next step says so, and a copy of the
    decision's version, which told of a refund under way, earns no 304."""
    downstream = await aiohttp_client(sandbox)
    await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "reject", "times": 1})
    one = await opened(api)
    assert (await api.post(one + "/decision", json=REFUND, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200

    async def parked() -> list[str]:
        return [m["kind"] for m in (await (await api.get(one, headers=INVESTIGATOR)).json())["effects"]["parked"]]

    assert await eventually(parked) == ["refund", "notification"]
    mine = await api.get(one, headers={**CUSTOMER, "If-None-Match": '"2-customer"'})
    assert mine.status == 200 and mine.headers["ETag"] == '"2-customer"'
    assert (await mine.json())["next_step"]["en"].endswith(
        " to your original payment method is delayed. Our team has been told and will contact you."
    )


async def test_the_queue_answers_304_until_a_dispute_on_it_changes(api):
    one = await opened(api)
    tag = (await api.get("/v1/disputes", headers=INVESTIGATOR)).headers["ETag"]
    not_modified = await api.get("/v1/disputes", headers={**INVESTIGATOR, "If-None-Match": tag})
    assert not_modified.status == 304 and not_modified.headers["ETag"] == tag and await not_modified.read() == b""
    await api.post(one + "/assign", headers=INVESTIGATOR)  # the row shows who works the case
    changed = await api.get("/v1/disputes", headers={**INVESTIGATOR, "If-None-Match": tag})
    assert changed.status == 200 and changed.headers["ETag"] != tag
    assert (await changed.json())["items"][0]["assignee"] == "inv-ayse"


async def test_other_resources_have_a_content_etag_and_304(api):
    one = await opened(api)
    for url in (one + "/timeline", one + "/thread", "/v1/disputes", "/v1/customers/cust-1/disputes", "/v1/staff"):
        first = await api.get(url, headers=SUPERVISOR)
        assert first.status == 200 and re.fullmatch(r'"[0-9a-f]{64}"', first.headers["ETag"]), url
        assert first.headers["Cache-Control"] == "private, no-cache", url  # a person's data: no shared cache keeps it
        again = await api.get(url, headers={**SUPERVISOR, "If-None-Match": first.headers["ETag"]})
        assert again.status == 304 and again.headers["ETag"] == first.headers["ETag"] and await again.read() == b""
    before = (await api.get(one + "/timeline", headers=SUPERVISOR)).headers["ETag"]
    await api.post(one + "/notes", json={"text": "Yeni."}, headers=INVESTIGATOR)
    assert (await api.get(one + "/timeline", headers={**SUPERVISOR, "If-None-Match": before})).status == 200


VOLATILE = {"date", "ratelimit", "x-request-id", "transfer-encoding"}
"""What differs between two answers to the same GET (and /metrics' body, which counts the requests), and the
framing of a streamed GET (chunked), which a HEAD, having no body, need not send (RFC 9112 §6.1)."""


async def test_every_get_in_the_endpoint_table_answers_head_with_the_same_headers_and_no_body(api):
    one = await opened(api)
    added = await api.post(one + "/information", data=form("Foto.", ("k.jpg", photo(), "image/jpeg")), headers=CUSTOMER)
    [image] = (await added.json())["customer_evidence"][0]["images"]
    await settled(api, one)  # nothing changes the case between a GET and its HEAD
    values = {"id": one.rsplit("/", 1)[1], "ref": image["ref"], "customer_id": "cust-1", "staff_id": "inv-ayse"}
    start, end = "2026-11-01", "2026-12-01"  # the period of a report and of the money ledger
    required = {"from": start, "to": end, "decided_from": start, "decided_to": end,
                "tracking_number": "TRKSHP1"}  # the case's parcel, whose pushes are traced
    gets = [e for e in ENDPOINTS + OPS_ENDPOINTS + HIDDEN if e.method == "GET"]
    assert len(gets) >= 15
    for endpoint in gets:
        url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], endpoint.path)
        if needed := endpoint.query and endpoint.query.model_json_schema().get("required"):
            url += "?" + "&".join(f"{name}={required[name]}" for name in needed)
        full = await api.get(url, headers=SUPERVISOR)
        head = await api.head(url, headers=SUPERVISOR)
        assert (head.status, full.status) == (200, 200), url
        assert await head.read() == b"", url
        volatile = VOLATILE | ({"etag", "content-length"} if url == "/metrics" else set())
        assert ({k: v for k, v in head.headers.items() if k.lower() not in volatile}
                == {k: v for k, v in full.headers.items() if k.lower() not in volatile}), url


async def test_if_match_star_acts_on_whatever_version_exists_and_not_on_a_missing_dispute(api):
    one = await opened(api)
    await api.post(one + "/notes", json={"text": "Sürüm 2."}, headers=INVESTIGATOR)
    decided = await api.post(one + "/decision", json=REFUND, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200 and decided.headers["ETag"] == '"3"'
    missing = await api.post("/v1/disputes/dsp_0000000000000000/decision", json=REFUND,
                             headers={**INVESTIGATOR, "If-Match": "*"})
    await assert_problem(missing, 404)


async def test_an_agent_and_the_customer_keep_their_keys_apart(api):
    mine = await api.post("/v1/disputes", json=OPEN, headers=keyed(CUSTOMER, "same"))
    assert mine.status == 201
    for_them = await api.post("/v1/disputes", json={**OPEN, "customer_id": "cust-1", "channel": "phone"},
                              headers=keyed(AGENT, "same"))
    await assert_problem(for_them, 409)  # the shipment's dispute exists: the agent's key replays nothing of the customer's
