"""Work a save makes due starts at once in the process that saved it, not at the worker's next poll."""

import asyncio
import uuid
from datetime import datetime, timedelta

from adapters.bootstrap import Overrides, create_app
from adapters.memory import InMemoryOrders
from adapters.mongo.client import connect
from disputes.ports import EvidenceUnavailable, Slot
from disputes.work import WorkKind
from sandbox.carriers import create_carrier_sandbox
from schemas.proof import ProofOfDelivery
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, RunningClock, app_settings, eventually, sandbox_shipments
from tests.factories import order, shipment
from tests.query_plans import CommandRecorder

LONG = 60.0  # far longer than the test waits: only a wake-up can start the pull in time
BOUND = 5.0
INTERVALS = ("evidence", "push", "assess", "sla", "restriction", "relay", "retention", "busy")  # every loop's pause


class WatchedGateway:
    """A carrier that is never reachable; it tells when it was asked."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.tracking: list[str] = []

    async def pull(self, carrier: str, tracking_number: str, slot: Slot | None = None) -> ProofOfDelivery:
        self.tracking.append(tracking_number)
        self.asked.set()
        raise EvidenceUnavailable("away")


async def test_an_opened_dispute_is_pulled_without_waiting_for_the_poll(aiohttp_client, tmp_path):
    placed = order("ord-1")
    gateway = WatchedGateway()
    settings = app_settings(
        None, "unused", tmp_path / "orders.json", "http://127.0.0.1:9", storage="memory",
        evidence_interval_seconds=LONG, busy_interval_seconds=LONG, assess_interval_seconds=LONG,
    )
    overrides = Overrides(orders=InMemoryOrders([placed]), gateway=gateway, clock=RunningClock())
    api = await aiohttp_client(create_app(settings, overrides))
    try:
        await asyncio.sleep(0)  # the loops' first pass (nothing due) is over before the dispute opens
        assert not gateway.asked.is_set()
        opened = await api.post(
            "/v1/disputes", json={"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"},
            headers=CUSTOMER,
        )
        assert opened.status == 201
        await asyncio.wait_for(gateway.asked.wait(), BOUND)
        assert gateway.tracking == [placed.shipments[0].tracking_number]
    finally:
        await api.close()


async def test_without_wake_ups_the_pull_waits_for_the_poll(aiohttp_client, tmp_path):
    gateway = WatchedGateway()
    settings = app_settings(
        None, "unused", tmp_path / "orders.json", "http://127.0.0.1:9", storage="memory", wake_workers=False,
        evidence_interval_seconds=LONG, busy_interval_seconds=LONG,
    )
    overrides = Overrides(orders=InMemoryOrders([order("ord-1")]), gateway=gateway, clock=RunningClock())
    api = await aiohttp_client(create_app(settings, overrides))
    try:
        opened = await api.post(
            "/v1/disputes", json={"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"},
            headers=CUSTOMER,
        )
        assert opened.status == 201
        assert (await api.get("/healthz")).status == 200  # a round trip: time for a wake-up, had there been one
        assert not gateway.asked.is_set()
    finally:
        await api.close()


async def test_pushed_proof_is_attached_and_assessed_by_the_same_worker_without_waiting_for_a_poll(
    aiohttp_client, aiohttp_server, tmp_path, mongo_uri, query_audit
):
    placed = order("ord-srt", shipments=[shipment("shp-srt", carrier="surat")])  # Sürat only pushes
    carrier = await aiohttp_server(create_carrier_sandbox(sandbox_shipments([(placed, "delivered", "Ayşe Yılmaz")])))
    settings = app_settings(
        mongo_uri, f"wake_{uuid.uuid4().hex[:10]}", tmp_path / "orders.json", "http://127.0.0.1:9", carriers={},
        carrier_sandbox_url=str(carrier.make_url("")).rstrip("/"),
        **{f"{loop}_interval_seconds": LONG for loop in INTERVALS},
    )
    overrides = Overrides(orders=InMemoryOrders([placed]), clock=RunningClock(), mongo_listeners=(query_audit,))
    api = await aiohttp_client(create_app(settings, overrides))
    try:
        opened = await api.post(
            "/v1/disputes", json={"order_id": "ord-srt", "statement": "Gelmedi.", "preferred_resolution": "refund"},
            headers=CUSTOMER,
        )
        assert opened.status == 201
        case_url = f"/v1/disputes/{(await opened.json())['id']}"

        async def read(path: str = "") -> dict:
            return await (await api.get(case_url + path, headers=INVESTIGATOR)).json()

        async def advised_without_proof() -> bool:  # Sürat has no pull API: its failed pull leaves advice without proof
            return (await read())["recommendation_provisional"]

        assert await eventually(advised_without_proof, BOUND)  # the work the opening made is over
        claimed_before = assessment_claims(query_audit)
        sent = await (await aiohttp_client(carrier)).post("/_sandbox/push", json={
            "carrier": "surat", "tracking_number": placed.shipments[0].tracking_number,
            "target": str(api.make_url("")).rstrip("/"),
        })
        assert sent.status == 200 and (await sent.json())["status"] == 202  # signed as Sürat signs, accepted

        async def advised_on_the_pushed_proof() -> dict | None:
            case = await read()
            return case if case["evidence"] and not case["recommendation_provisional"] else None

        case = await eventually(advised_on_the_pushed_proof, BOUND)
        assert case is not None, "the pushed proof was not attached and assessed without a poll"
        [evidence] = case["evidence"]
        assert evidence["proof"]["source"] == "push" and case["recommendation"]["rule"] == "strong_proof"
        *_, attached, assessed = (await read("/timeline"))["entries"]
        assert (attached["action"], attached["details"]["source"], assessed["action"]) == (
            "evidence_received", "push", "assessed"
        )  # the assessment came next, nothing between
        assert timedelta(0) <= at(assessed) - at(attached) < timedelta(seconds=BOUND)
        assert at(assessed) == datetime.fromisoformat(case["recommendation"]["computed_at"])
        assert assessment_claims(query_audit) == claimed_before  # handed over by the attaching save: never claimed
    finally:
        await api.close()
        cleaner = connect(mongo_uri)
        await cleaner.drop_database(settings.mongodb_database)
        await cleaner.close()


def at(entry: dict) -> datetime:
    return datetime.fromisoformat(entry["at"])


def assessment_claims(commands: CommandRecorder) -> int:
    """How many claims of due assessments the service sent to the database."""
    due = f"due.{WorkKind.ASSESS}"
    return sum(1 for name, command in commands.commands if name == "findAndModify" and due in command["query"])
