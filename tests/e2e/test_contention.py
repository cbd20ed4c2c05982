"""Many people writing to one dispute at once, over HTTP on MongoDB: every write sent without If-Match is
accepted and stored once, in the order it was accepted; a decision on a version the others moved past is
still refused."""

import asyncio

from tests.e2e.conftest import INVESTIGATOR
from tests.e2e.test_dispute_journey import open_dispute

WRITERS = 40


async def test_forty_concurrent_notes_on_one_dispute_are_all_accepted_and_stored_once_in_order(api):
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    texts = [f"not {n}" for n in range(WRITERS)]

    responses = await asyncio.gather(*(api.post(one + "/notes", json={"text": t}, headers=INVESTIGATOR) for t in texts))

    assert [r.status for r in responses] == [201] * WRITERS, [await r.text() for r in responses if r.status != 201]
    accepted = sorted(zip((int(r.headers["ETag"].strip('"')) for r in responses), texts, strict=False))
    timeline = await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json()
    stored = [e["details"]["text"] for e in timeline["entries"] if e["action"] == "note_added"]
    assert stored == [text for _, text in accepted]
    assert len({version for version, _ in accepted}) == WRITERS

    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "x"}
    stale = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": '"1"'})
    assert stale.status == 412 and (await stale.json())["type"].endswith(":stale-version")
