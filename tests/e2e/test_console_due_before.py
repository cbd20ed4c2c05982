"""The queue's "Due before <day>" takes in every case the page shows as due on an earlier day.

A decision deadline is a local midnight, which the console writes as "24:00" of the day it ends ("09.12.2026
24:00"): that case is due on the 9th, so "due before the 10th" lists it and "due before the 9th" does not."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e.test_console import opened, staff

pytestmark = pytest.mark.asyncio


async def test_a_case_shown_due_on_a_day_is_due_before_the_next_day_and_not_before_its_own(api):
    dispute = await opened(api)
    page = await (await api.get(f"/console/disputes/{dispute['id']}",
                                headers={"Cookie": staff()["Cookie"] + "; console_lang=en"})).text()
    shown = re.search(r"<dt>Decision due</dt><dd>(\d\d)\.(\d\d)\.(\d{4}) 24:00 Istanbul</dd>", page)
    assert shown, "the deadline is shown as the end of a day"
    due_day = date(int(shown[3]), int(shown[2]), int(shown[1]))
    for day, listed in ((due_day + timedelta(days=1), True), (due_day, False)):
        queue = await (await api.get(f"/console?due_before={day.isoformat()}", headers=staff())).text()
        assert (dispute["id"] in queue) is listed, f"due {due_day} (as shown); due before {day}: {listed} expected"
