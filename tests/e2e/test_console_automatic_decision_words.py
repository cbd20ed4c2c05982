"""A decision the policy takes by itself gives its reasons, the findings it rests on, in the page's language too: on a
Turkish case page the timeline reads them in Turkish, on an English one in English."""

import pytest

from tests.e2e.conftest import INVESTIGATOR, eventually
from tests.e2e.test_console import staff
from tests.e2e.test_digital_goods import (  # noqa: F401  (fixtures)
    evidence_interval, open_case, orders_document, sandbox,
)

pytestmark = pytest.mark.asyncio


async def test_an_automatic_decision_s_reasons_are_read_in_the_page_s_language(api):
    dispute = await open_case(api, "ord-d2")  # a gift card the provider never sent: refunded automatically

    async def resolved():
        case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
        return case if case["status"] == "resolved" else None

    case = await eventually(resolved, timeout=10)
    finding = case["recommendation"]["findings"][0]
    assert finding["text"] != finding["text_tr"]
    for lang, words in (("tr", finding["text_tr"]), ("en", finding["text"])):
        page = await (await api.get(f"/console/disputes/{dispute['id']}",
                                    headers={"Cookie": staff()["Cookie"] + f"; console_lang={lang}"})).text()
        decided = page[page.index('id="timeline-h"'):]
        decided = decided[decided.index('class="decided"'):]
        assert words in decided[:decided.index("</span>")], f"the decision's reasons on the {lang} page"
