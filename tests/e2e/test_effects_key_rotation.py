"""A new effects signing key rolled out: while the workers sign with it and with the key it replaces, a service that
holds either takes every message, in whatever order the services and the workers got the new key; and a service that
holds neither refuses with 401, which the relay tries again until the service holds the key: the refund goes out
once, not parked for a supervisor to decide again."""

import pytest

from sandbox.downstream import create_downstream_sandbox
from tests.e2e.conftest import SUPERVISOR, eventually, settled
from tests.e2e.test_dispute_journey import applied
from tests.e2e.test_signed_effects import decide_refund
from tests.factories import effects_key

OLD_ID, OLD = "k-2026-06", "effects-signing-OLD-0123456789abcdef0123456789"
NEW_ID, NEW = "k-2026-12", "effects-signing-NEW-0123456789abcdef0123456789"
REFUND = f"{effects_key('ord-1', 'shp-1')}:d1:refund"


@pytest.fixture
def held() -> dict[str, str]:
    """The keys the receiving services hold (secret by key id), changed by the test as a service is given one."""
    return {OLD_ID: OLD}


@pytest.fixture
async def sandbox(aiohttp_server, orders_document, held):
    return await aiohttp_server(create_downstream_sandbox(orders_document, signing_keys=held))


@pytest.fixture
def app_changes(request) -> dict:
    return {"effects_signing_secret": NEW, "effects_signing_key_id": NEW_ID} | getattr(request, "param", {})


async def payments_answers(downstream) -> list[tuple[int, str]]:
    received = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    return [(r["status"], r["key"]) for r in received if r["service"] == "payments"]


@pytest.mark.parametrize(
    "app_changes", [{"effects_signing_previous_secret": OLD, "effects_signing_previous_key_id": OLD_ID}], indirect=True,
)
@pytest.mark.parametrize("service_holds", [{OLD_ID: OLD}, {NEW_ID: NEW}, {OLD_ID: OLD, NEW_ID: NEW}])
async def test_signed_with_both_keys_a_refund_is_taken_by_a_service_holding_either(
    api, sandbox, aiohttp_client, held, service_holds,
):
    held.clear()
    held.update(service_holds)
    downstream = await aiohttp_client(sandbox)

    dispute_id = await decide_refund(api)

    await settled(api, dispute_id)
    assert await payments_answers(downstream) == [(200, REFUND)]
    assert await applied(downstream, "payments") == {REFUND: 1}
    received = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    header = next(r["signature"] for r in received if r["service"] == "payments")
    assert [part.split("=")[1] for part in header.split(",") if part.startswith("kid=")] == [NEW_ID, OLD_ID]


async def test_messages_refused_for_a_key_their_services_lack_are_sent_again_once_the_services_hold_it(
    api, sandbox, aiohttp_client, held,
):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await decide_refund(api)

    async def refused() -> list[tuple[str, int]]:
        received = (await (await downstream.get("/_sandbox/received")).json())["requests"]
        return [(r["service"], r["status"]) for r in received if r["status"] == 401]

    await eventually(refused)  # the case's first message, to the customer, answered 401: its refund waits behind it
    held[NEW_ID] = NEW  # the services are given the new key after the workers

    case = await settled(api, dispute_id, timeout=10.0)
    assert case["effects"]["parked"] == []
    received = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    opened = [r["status"] for r in received if r["key"] == f"{dispute_id}:1:dispute_opened"]
    assert opened[0] == 401 and opened[-1] == 200
    assert await payments_answers(downstream) == [(200, REFUND)]
    assert await applied(downstream, "payments") == {REFUND: 1}  # one refund, under the decision's one key
    supervisor_view = await (await api.get(f"/v1/disputes/{dispute_id}", headers=SUPERVISOR)).json()
    assert supervisor_view["status"] == "resolved"
