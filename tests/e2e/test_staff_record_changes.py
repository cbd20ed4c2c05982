"""`PUT /v1/staff/{staff_id}` writes a record as given, but `active` left out is kept as stored: README (Roles) "an
inactive member keeps their record and works no case", so a later change that does not mention `active` (a rename)
never gives a deactivated member their work back. A write may quote the record it was based on in `If-Match` (the
ETag of `GET /v1/staff/{staff_id}` or of the last write): RFC 9110 §13.1.1, a stale one is refused with 412 and nothing
is written."""

import hashlib

from tests.e2e.conftest import INVESTIGATOR, SUPERVISOR
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_staff_and_assignment import opened

AYSE = {"name": "Ayşe Demir", "role": "investigator"}
STALE = "urn:dispute-service:problem:stale-version"


async def directory(api) -> dict[str, dict]:
    return {m["id"]: m for m in (await (await api.get("/v1/staff", headers=SUPERVISOR)).json())["items"]}


async def test_renaming_a_deactivated_member_does_not_give_them_back_their_cases(api):
    assert (await api.put("/v1/staff/inv-ayse", json=AYSE | {"active": False}, headers=SUPERVISOR)).status == 200
    # Another supervisor, later, corrects the spelling of her surname: name and role only.
    renamed = await api.put("/v1/staff/inv-ayse", json={"name": "Ayşe Demirci", "role": "investigator"},
                            headers=SUPERVISOR)
    assert renamed.status == 200 and (await renamed.json())["active"] is False
    listed = (await directory(api))["inv-ayse"]
    assert (listed["name"], listed["active"]) == ("Ayşe Demirci", False)
    dispute = await opened(api)
    await assert_problem(await api.post(f"/v1/disputes/{dispute}/assign", json={}, headers=INVESTIGATOR), 403)

    back = await api.put("/v1/staff/inv-ayse", json=AYSE | {"active": True}, headers=SUPERVISOR)
    assert back.status == 200 and (await directory(api))["inv-ayse"]["active"] is True


async def test_a_new_record_left_without_active_is_active(api):
    created = await api.put("/v1/staff/inv-deniz", json={"name": "Deniz Aydın", "role": "investigator"},
                            headers=SUPERVISOR)
    assert created.status == 201 and (await created.json())["active"] is True


async def test_a_change_to_a_staff_record_based_on_a_stale_read_is_refused(api):
    """Two supervisors: one deactivates inv-ayse, the other (who read the record before) renames her with what
    they read, quoting its ETag: refused, and she stays inactive."""
    read = await api.get("/v1/staff/inv-ayse", headers=SUPERVISOR)
    stale, tag = await read.json(), read.headers["ETag"]
    assert (await api.put("/v1/staff/inv-ayse", json=AYSE | {"active": False}, headers=SUPERVISOR)).status == 200

    rename = {"name": "Ayşe Demirci", "role": stale["role"], "active": stale["active"]}
    for quoted in (tag, '"stale"', f"W/{tag}"):
        answer = await api.put("/v1/staff/inv-ayse", json=rename, headers={**SUPERVISOR, "If-Match": quoted})
        assert answer.status == 412, (quoted, answer.status, await answer.text())
        assert (await answer.json())["type"] == STALE
    listed = (await directory(api))["inv-ayse"]
    assert (listed["name"], listed["active"]) == (AYSE["name"], False)


async def test_a_change_quoting_the_current_record_is_made_and_answers_with_its_new_etag(api):
    read = await api.get("/v1/staff/inv-ayse", headers=SUPERVISOR)
    # The ETag is the SHA-256 of the record as sent (README: anything but a dispute's).
    assert read.headers["ETag"] == f'"{hashlib.sha256(await read.read()).hexdigest()}"'
    changed = await api.put("/v1/staff/inv-ayse", json=AYSE | {"active": False},
                            headers={**SUPERVISOR, "If-Match": f'"other", {read.headers["ETag"]}'})
    assert changed.status == 200, await changed.text()
    again = await api.get("/v1/staff/inv-ayse", headers=SUPERVISOR)
    assert changed.headers["ETag"] == again.headers["ETag"] != read.headers["ETag"]
    assert await changed.json() == await again.json()
    following = await api.put("/v1/staff/inv-ayse", json=AYSE, headers={**SUPERVISOR, "If-Match": "*"})
    assert following.status == 200


async def test_if_match_names_no_record_where_there_is_none_and_a_malformed_one_is_refused(api):
    for quoted in ("*", '"anything"'):
        absent = await api.put("/v1/staff/inv-new", json=AYSE, headers={**SUPERVISOR, "If-Match": quoted})
        assert absent.status == 412 and (await absent.json())["type"] == STALE
    assert "inv-new" not in await directory(api)
    malformed = await api.put("/v1/staff/inv-ayse", json=AYSE, headers={**SUPERVISOR, "If-Match": '"1", garbage'})
    assert malformed.status == 400 and (await malformed.json())["type"].endswith(":malformed-header")


async def test_one_record_is_read_by_staff_and_an_unknown_id_is_not_found(api):
    member = await api.get("/v1/staff/inv-ayse", headers=INVESTIGATOR)
    assert member.status == 200 and (await member.json())["id"] == "inv-ayse"
    await assert_problem(await api.get("/v1/staff/inv-nobody", headers=SUPERVISOR), 404)
