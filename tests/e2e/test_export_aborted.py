"""A CSV export that meets a case this release cannot read is cut off, and its log line names the failure by its class
and the fields, never by the validation error's words, which quote the stored values (an address, a name)."""

import json

from aiohttp import ClientPayloadError

from adapters.web.evidence_api import EVIDENCE
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR

OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}


async def test_an_export_cut_off_by_a_case_it_cannot_read_logs_the_field_not_its_values(api, log_audit):
    opened = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    disputes = api.app[EVIDENCE].disputes.collection
    # as a release that did not write the address's city would have stored the case
    await disputes.update_one({"_id": (await opened.json())["id"]}, {"$unset": {"order.address.city": ""}})

    exported = await api.get("/v1/disputes.csv", headers=INVESTIGATOR)
    cut = False
    try:
        await exported.read()
    except ClientPayloadError:  # the stream is cut: the client sees the export unfinished
        cut = True

    [line] = [json.loads(line) for line in log_audit.getvalue().splitlines() if "export_aborted" in line]
    assert cut and line["level"] == "error" and line["error"] == "ValidationError"
    assert line["fields"] == ["order.address.city"] and "exception" not in line
    # `log_audit` holds the whole log to the personal values it knows: the street of the address is one of them
