"""Digital goods through the running app: the delivery record of a code (from the sandbox provider) decides,
refunds reach payments once, only for the lines not delivered, and nothing is charged to a carrier."""

import re

import pytest

from sandbox.digital import DigitalScript
from sandbox.downstream import create_downstream_sandbox
from schemas.orders import DigitalKind, OrderItem
from schemas.common import Role
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, SUPERVISOR, e2e_orders, eventually, money_key, settled
from tests.e2e.test_console import CSRF, staff
from tests.factories import order, shipment

CODES = {
    "ord-d1": ("sku-steam", DigitalKind.GAME_CODE, "activated"),
    "ord-d2": ("sku-gift", DigitalKind.GIFT_CARD, "not_sent"),
    "ord-d3": ("sku-office", DigitalKind.LICENCE_KEY, "opened"),
}
TWO_CODES = "ord-d4"
GAME = OrderItem(sku="sku-game", name="Oyun kodu", quantity=1, unit_price_minor=150_000, digital=DigitalKind.GAME_CODE)
GIFT = OrderItem(sku="sku-gift50", name="Hediye kartı", quantity=1, unit_price_minor=5_000, digital=DigitalKind.GIFT_CARD)
TWO_CODES_SHOW = {"sku-game": "activated", "sku-gift50": "not_sent"}


def digital_order(order_id: str, *lines: OrderItem):
    delivery = shipment(f"shp-{order_id}", carrier="digital").model_copy(update={"items": list(lines)})
    return order(order_id, shipments=[delivery])


@pytest.fixture
def orders_document() -> dict:
    document = e2e_orders()
    for order_id, (sku, kind, _) in CODES.items():
        line = OrderItem(sku=sku, name="Dijital ürün", quantity=1, unit_price_minor=50_000, digital=kind)
        document["orders"].append(digital_order(order_id, line).model_dump(mode="json"))
    document["orders"].append(digital_order(TWO_CODES, GAME, GIFT).model_dump(mode="json"))
    return document


@pytest.fixture
async def sandbox(aiohttp_server, orders_document):
    scripts = {(order_id, sku): DigitalScript(scenario=scenario) for order_id, (sku, _, scenario) in CODES.items()}
    scripts |= {(TWO_CODES, sku): DigitalScript(scenario=scenario) for sku, scenario in TWO_CODES_SHOW.items()}
    return await aiohttp_server(create_downstream_sandbox(orders_document, digital=scripts))


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


async def open_case(api, order_id: str, preference: str = "refund") -> dict:
    body = {"order_id": order_id, "statement": "Kod bana hiç ulaşmadı.", "preferred_resolution": preference}
    opened = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    return await opened.json()


async def advised(api, dispute_id: str, rule: str):
    async def check():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        advice = case["recommendation"]
        return case if advice and advice["rule"] == rule else None

    case = await eventually(check, timeout=10)
    assert case is not None, f"no {rule} recommendation"
    return case


async def applied(downstream, service: str) -> dict[str, int]:
    return (await (await downstream.get("/_sandbox/received")).json())["applied"].get(service, {})


async def test_an_activated_code_recommends_rejection_with_its_record_and_a_person_decides(api, sandbox, aiohttp_client):
    dispute = await open_case(api, "ord-d1")

    case = await advised(api, dispute["id"], "digital_activated")

    advice = case["recommendation"]
    assert advice["action"] == "reject" and advice["auto_resolve"] is False and case["status"] == "under_review"
    assert advice["findings"][0]["code"] == "digital_activated" and "activated on" in advice["findings"][0]["text"]
    (record,) = case["digital_deliveries"]
    assert record["sku"] == "sku-steam" and record["sent_to"] == "a***@example.com" and record["activated_at"]
    assert case["evidence"] == [] and case["order"]["reshippable"] is False

    reject = {"outcome": "rejected", "reason_code": "digital_delivered", "note": "The code was activated."}
    decided = await api.post(f"/v1/disputes/{dispute['id']}/decision", json=reject,
                             headers={**INVESTIGATOR, "If-Match": f'"{case["version"]}"'})
    assert decided.status == 200, await decided.text()
    mine = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=CUSTOMER)).json()
    assert "activated" in mine["next_step"]["en"] and "etkinleştirildiğini" in mine["next_step"]["tr"]
    downstream = await aiohttp_client(sandbox)
    assert await applied(downstream, "payments") == {}


async def test_a_code_never_sent_is_refunded_once_and_no_carrier_is_charged(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute = await open_case(api, "ord-d2", preference="reship")

    await eventually(lambda: applied(downstream, "payments"), timeout=10)  # decided by the policy, then sent
    await settled(api, dispute["id"], timeout=10)

    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund": 1}
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["decision"]["outcome"] == "refund" and case["decision"]["reason_code"] == "digital_not_delivered"
    assert case["recommendation"]["findings"][0]["code"] == "digital_not_sent"
    assert await applied(downstream, "fulfillment") == {} and await applied(downstream, "finance") == {}
    mine = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=CUSTOMER)).json()
    assert "refunding" in mine["next_step"]["en"] and "iade" in mine["next_step"]["tr"]

    report = await api.get("/v1/reports/carriers?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z", headers=INVESTIGATOR)
    [row] = (await report.json())["carriers"]  # the digital delivery's own row, which owes nothing
    assert (row["carrier"], row["outcomes"]["refund"]) == ("digital", 1)
    assert row["liabilities"] == []  # no carrier is liable for a code never sent: nothing owed, in any currency


async def test_a_code_opened_but_not_activated_needs_a_person(api):
    dispute = await open_case(api, "ord-d3")

    case = await advised(api, dispute["id"], "digital_not_activated")

    assert case["recommendation"]["action"] == "needs_person" and case["decision"] is None
    assert case["recommendation"]["findings"][0]["code"] == "digital_opened"
    timeline = await (await api.get(f"/v1/disputes/{dispute['id']}/timeline", headers=INVESTIGATOR)).json()
    received = [e for e in timeline["entries"] if e["action"] == "digital_delivery_received"]
    assert [e["details"]["states"] for e in received] == [{"sku-office": "opened"}]
    mine = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=CUSTOMER)).json()
    assert "delivery record of your code" in mine["next_step"]["en"]


async def test_a_digital_case_cannot_be_decided_as_a_reship(api):
    dispute = await open_case(api, "ord-d3")
    case = await advised(api, dispute["id"], "digital_not_activated")

    reship = {"outcome": "reship", "reason_code": "goodwill", "note": "Send it again.", "override_reason": "Goodwill."}
    refused = await api.post(f"/v1/disputes/{dispute['id']}/decision", json=reship,
                             headers={**INVESTIGATOR, "If-Match": f'"{case["version"]}"'})

    assert refused.status == 422 and refused.content_type == "application/problem+json"


def offered(page: str, select: str) -> set[str]:
    """The values the decision form's `select` offers."""
    form = page[page.index('id="decide-h"'):]
    options = re.search(rf'<select id="{select}".*?</select>', form[:form.index("</form>")], re.S)
    assert options is not None, select
    return set(re.findall(r'<option value="(\w+)"', options.group()))


async def test_the_console_offers_a_digital_case_only_the_outcomes_and_reasons_it_takes(api):
    dispute = await open_case(api, "ord-d3")
    await advised(api, dispute["id"], "digital_not_activated")
    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=staff())).text()

    # A code cannot be shipped again, and no carrier delivered it (README "Digital goods"; the decision's reasons).
    assert offered(page, "outcome") == {"refund", "rejected"}
    assert offered(page, "reason_code") == {"digital_not_delivered", "digital_delivered", "suspected_abuse", "goodwill",
                                            "deadline_reached"}
    parcel = await open_case(api, "ord-1")
    page = await (await api.get(f"/console/disputes/{parcel['id']}", headers=staff())).text()
    assert offered(page, "outcome") == {"refund", "reship", "rejected"}
    assert offered(page, "reason_code") == {"carrier_no_proof", "weak_proof", "lost_in_transit", "proof_of_delivery",
                                            "third_party_confirmed", "suspected_abuse", "goodwill", "deadline_reached"}


async def test_of_a_code_activated_and_a_gift_card_never_sent_only_the_gift_card_is_refunded(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute = await open_case(api, TWO_CODES)
    case = await advised(api, dispute["id"], "digital_not_delivered")
    advice = case["recommendation"]
    assert (advice["action"], advice["lines"]) == ("needs_person", [{"sku": "sku-gift50", "quantity": 1}])

    refund = {"outcome": "refund", "reason_code": "digital_not_delivered", "note": "Hediye kartı gönderilmemiş."}
    decided = await api.post(f"/v1/disputes/{dispute['id']}/decision", json=refund,
                             headers={**INVESTIGATOR, "If-Match": f'"{case["version"]}"'})

    assert decided.status == 200, await decided.text()
    await settled(api, dispute["id"], timeout=10)
    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund:sku-gift50": 1}
    requests = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    assert [r["body"]["amount_minor"] for r in requests if r["service"] == "payments"] == [5_000]  # not 155,000
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert [(line["sku"], line["outcome"]) for line in case["decision"]["lines"]] == [
        ("sku-game", "rejected"), ("sku-gift50", "refund"),
    ]
    [told] = [r["body"] for r in requests if r["service"] == "notifications" and r["body"]["template"] == "decision_made"]
    assert (told["outcome"], told["partial"]) == ("refund", True)  # the game code was rejected


async def test_after_an_appeal_the_console_names_each_code_so_a_supervisor_can_pay_the_activated_one(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    dispute = await open_case(api, TWO_CODES)
    one = f"/v1/disputes/{dispute['id']}"
    case = await advised(api, dispute["id"], "digital_not_delivered")
    refund = {"outcome": "refund", "reason_code": "digital_not_delivered", "note": "Hediye kartı gönderilmemiş."}
    assert (await api.post(f"{one}/decision", json=refund,
                           headers={**INVESTIGATOR, "If-Match": f'"{case["version"]}"'})).status == 200
    appeal = {"statement": "Oyun kodunu ben etkinleştirmedim."}
    assert (await api.post(f"{one}/appeal", json=appeal, headers=CUSTOMER)).status == 200
    supervisor = staff(Role.SUPERVISOR, "sup-zeynep")

    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=supervisor)).text()
    assert page.count('name="line_sku" value="sku-game"') == 1 and 'name="line_sku" value="sku-gift50"' not in page

    async def decided_in_the_console():  # the appeal's assessment may land between a read and the form: 412, again
        case = await (await api.get(one, headers=SUPERVISOR)).json()
        form = {"csrf": CSRF, "outcome": "refund", "reason_code": "goodwill", "note": "Oyun kodu da.",
                "override_reason": "Müşteri haklı.", "version": str(case["version"]), "seen_at": case["updated_at"],
                "line_sku": "sku-game", "line_outcome": "", "line_quantity": "1"}
        sent = await api.post(f"/console/disputes/{dispute['id']}/decision", data=form, headers=supervisor,
                              allow_redirects=False)
        return sent if sent.status != 412 else None

    decided = await eventually(decided_in_the_console, timeout=10)
    assert decided is not None and decided.status == 303, decided and await decided.text()
    both = {f"{money_key(dispute)}:d1:refund:sku-gift50": 1, f"{money_key(dispute)}:d2:refund:sku-game": 1}

    async def paid() -> dict[str, int] | None:
        return got if (got := await applied(downstream, "payments")) == both else None

    assert await eventually(paid, timeout=10) == both
