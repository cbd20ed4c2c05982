"""A stale staff record's 412 speaks of the record, not of a dispute (README: "a record other than the one named")."""

from tests.e2e.conftest import SUPERVISOR


async def test_a_stale_staff_record_write_is_not_told_a_dispute_changed(api):
    answer = await api.put("/v1/staff/inv-ayse", json={"name": "Ayşe Demir", "role": "investigator"},
                           headers={**SUPERVISOR, "If-Match": '"stale"'})
    problem = await answer.json()
    assert answer.status == 412
    assert "dispute" not in problem["title"].lower(), problem
