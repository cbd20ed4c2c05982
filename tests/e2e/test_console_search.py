"""The queue's search finds a tracking number however it is typed: in lower case, or in the groups a label prints
it in (carriers issue them in capitals and digits, as they are stored)."""

from urllib.parse import quote

import pytest

from tests.e2e.conftest import UPS_TRACKING
from tests.e2e.test_console import opened, staff

pytestmark = pytest.mark.asyncio


async def test_a_tracking_number_typed_in_lower_case_or_in_groups_finds_its_case(api):
    ups, other = await opened(api, "ord-7"), await opened(api, "ord-1")
    assert UPS_TRACKING == "1Z204W4R0308071865"
    for typed in ("1z204w4r0308071865", " 1Z 204 W4R 03 0807 1865 ", "1Z204W4R0308071865"):
        page = await (await api.get(f"/console?tracking_number={quote(typed)}", headers=staff())).text()
        assert ups["id"] in page and other["id"] not in page, typed
    csv = await (await api.get("/console/disputes.csv?tracking_number=1z204w4r0308071865", headers=staff())).text()
    assert ups["id"] in csv and other["id"] not in csv
