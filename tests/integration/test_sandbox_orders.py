"""Orders of one's own on the downstream sandbox: added over HTTP (or by `disputes sandbox-order`), served by
its order service at once, written to its orders file before the answer; refused whole when they are not
orders or their id is taken."""

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.demo import demo_orders, seed_orders
from adapters.orders import FileOrderDirectory, HttpOrderDirectory, OrderFile
from sandbox import orders as sandbox_orders
from sandbox.downstream import create_downstream_sandbox
from schemas.orders import Order, PackingRecord, ShipmentStatus
from tests.factories import order, shipment

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
OWN = order("ord-own-1", customer_id="cust-1001", shipments=[shipment("shp-a", carrier="ptt"), shipment("shp-b")])


@pytest.fixture
def orders_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "orders.json"


@pytest.fixture
async def sandbox(aiohttp_server, orders_file: Path):
    return await aiohttp_server(create_downstream_sandbox(demo_orders(NOW), orders_file))


def base(sandbox) -> str:
    return str(sandbox.make_url("")).rstrip("/")


async def post(sandbox, body: bytes) -> tuple[int, str, object]:
    async with aiohttp.ClientSession() as session, session.post(
        f"{base(sandbox)}/_sandbox/orders", data=body, headers={"Content-Type": "application/json"}
    ) as response:
        return response.status, response.content_type, await response.json(content_type=None)


async def test_an_added_order_is_served_at_once_and_written_to_the_file(sandbox, orders_file: Path) -> None:
    status, _, answer = await post(sandbox, OWN.model_dump_json().encode())

    assert status == 201 and Order.model_validate(answer) == OWN
    async with aiohttp.ClientSession() as session:
        assert await HttpOrderDirectory(session, base(sandbox), 1.0, 1).get("ord-own-1") == OWN
    stored = OrderFile.model_validate_json(orders_file.read_bytes()).orders
    assert OWN in stored and len(stored) == len(demo_orders(NOW)["orders"]) + 1


async def test_a_taken_id_or_a_body_that_is_no_order_is_refused_and_changes_nothing(sandbox, orders_file: Path) -> None:
    assert (await post(sandbox, OWN.model_dump_json().encode()))[0] == 201
    written = orders_file.read_bytes()
    other = OWN.model_copy(update={"customer_id": "cust-2"})
    broken = json.dumps({"order_id": "ord-own-2", "customer_id": "cust-1001"}).encode()

    for body, expected in ((other.model_dump_json().encode(), 409), (broken, 422), (b"{not json", 422)):
        status, content_type, problem = await post(sandbox, body)
        assert (status, content_type) == (expected, "application/problem+json"), problem
    assert orders_file.read_bytes() == written
    async with aiohttp.ClientSession() as session:
        directory = HttpOrderDirectory(session, base(sandbox), 1.0, 1)
        assert await directory.get("ord-own-2") is None and (await directory.get("ord-own-1")) == OWN


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sandbox_orders.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_cli_builds_an_order_of_several_packages_of_any_carrier() -> None:
    args = cli_args("--order-id", "ord-9001", "--package", "fedex:794600000001", "--package", "aras:100:in_transit",
                    "--price-minor", "2500", "--delivered-days-ago", "2")
    built = sandbox_orders.order_from(args, NOW)

    assert [(s.shipment_id, s.carrier, s.tracking_number, s.status) for s in built.shipments] == [
        ("ord-9001-1", "fedex", "794600000001", ShipmentStatus.DELIVERED),
        ("ord-9001-2", "aras", "100", ShipmentStatus.IN_TRANSIT),
    ]
    assert built.shipments[0].delivered_at == NOW - timedelta(days=2) and built.shipments[1].delivered_at is None
    assert built.customer_id == "cust-1001" and built.shipments[0].value_minor == 2500


def test_orders_the_cli_builds_for_several_customers_are_no_shared_address_unless_told() -> None:
    built = [sandbox_orders.order_from(cli_args("--order-id", f"ord-93{n}", "--customer-id", f"cust-93{n}",
                                                "--package", f"yurtici:93{n}"), NOW) for n in range(3)]
    told = sandbox_orders.order_from(cli_args("--order-id", "ord-9310", "--package", "yurtici:9310",
                                              "--address", "Bağdat Cad. No: 12"), NOW)

    assert len({order.address.line for order in built}) == 3  # one line for all: three accounts on one address
    assert told.address.line == "Bağdat Cad. No: 12"


def test_the_cli_builds_an_order_delivered_when_it_is_told() -> None:
    built = sandbox_orders.order_from(
        cli_args("--order-id", "ord-9002", "--package", "yurtici:100", "--delivered-at", "2026-05-20T10:00:00Z"), NOW
    )
    assert built.shipments[0].delivered_at == datetime(2026, 5, 20, 10, tzinfo=UTC)
    with pytest.raises(SystemExit):  # one delivery time: given, or counted back from now
        cli_args("--order-id", "o", "--package", "yurtici:1", "--delivered-at", "2026-05-20T10:00:00Z",
                 "--delivered-days-ago", "2")


def test_the_cli_refuses_an_order_it_cannot_build() -> None:
    for argv in (("--order-id", "ord-9001"), ("--package", "fedex:1"), ("--order-id", "o", "--package", "fedex"),
                 ("--order-id", "o", "--package", "fedex:1:lost")):
        with pytest.raises(ValueError):
            sandbox_orders.order_from(cli_args(*argv), NOW)


@pytest.mark.parametrize("when", [
    ("--delivered-at", "0001-01-01T00:00:00Z"),  # placed two days before: before the year 1
    ("--delivered-at", "1970-01-02T00:00:00Z"),  # placed in 1969
    ("--delivered-at", "9999-01-01T00:00:00Z"),
    ("--delivered-days-ago", "1e6"),  # before the year 1
    ("--delivered-days-ago", "1e10"),  # more days than a duration holds
])
def test_the_cli_refuses_a_delivery_time_outside_1970_to_9998_as_the_order_service_reads_it(when) -> None:
    """These stopped `disputes sandbox-order` with a traceback (OverflowError) rather than one line."""
    with pytest.raises(ValueError, match="must be from 1970 to the year 9998"):
        sandbox_orders.order_from(cli_args("--order-id", "o", "--package", "ups:1Z1", *when), NOW)


async def test_the_cli_command_adds_the_order_and_says_when_it_could_not(sandbox, orders_file: Path, tmp_path) -> None:
    async def cli(*argv: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli", "sandbox-order", "--sandbox", base(sandbox), *argv, cwd=ROOT,
            env={"PATH": "/usr/bin:/bin"}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode(), err.decode()

    code, out, _ = await cli("--order-id", "ord-9001", "--package", "mng:12345678901", "--package", "dhl:1234567890")
    assert code == 0 and json.loads(out)["order_id"] == "ord-9001"
    mine = OWN.model_copy(update={"order_id": "ord-9002"})
    (tmp_path / "mine.json").write_text(mine.model_dump_json())
    assert (await cli("--file", str(tmp_path / "mine.json")))[0] == 0
    assert {"ord-9001", "ord-9002"} <= {o.order_id for o in OrderFile.model_validate_json(orders_file.read_bytes()).orders}

    code, out, _ = await cli("--order-id", "ord-9001", "--package", "mng:12345678901")
    assert code == 1 and "already" in out
    code, _, err = await cli("--order-id", "ord-9003", "--package", "mng")
    assert code == 1 and err.count("\n") == 1 and "--package" in err


def test_a_start_keeps_own_orders_renews_the_demo_s_and_adds_a_new_journey_order(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    first, journey = seed_orders(path, NOW)
    sandbox_orders.write_document(path, {"orders": [*first["orders"], json.loads(OWN.model_dump_json())]})

    later = NOW + timedelta(days=3)
    second, next_journey = seed_orders(path, later)

    stored = {o.order_id: o for o in OrderFile.model_validate_json(path.read_bytes()).orders}
    assert stored["ord-own-1"] == OWN  # kept as it was
    assert next_journey.order_id != journey.order_id and {journey.order_id, next_journey.order_id} <= set(stored)
    assert stored["ord-2001"].placed_at == datetime.fromisoformat(demo_orders(later)["orders"][0]["placed_at"])
    assert stored[next_journey.order_id].shipments == stored["ord-2009"].shipments
    # each start's journey on a customer and an address of its own: the abuse signals count claims by both
    copies = [stored[journey.order_id], stored[next_journey.order_id]]
    assert [copy.customer_id for copy in copies] == [journey.customer_id, next_journey.customer_id]
    assert len({copy.customer_id for copy in copies} | {stored["ord-2009"].customer_id}) == 3
    assert len({copy.address.line for copy in copies} | {stored["ord-2009"].address.line}) == 3
    assert OrderFile.model_validate(second).orders == list(stored.values())


async def test_an_added_order_keeps_its_packing_record_served_and_across_a_restart(sandbox, orders_file: Path) -> None:
    record = {"shipment_id": "shp-b", "packed_at": "2026-11-16T10:00:00Z", "lines": [{"sku": "sku-1", "quantity": 0}],
              "weight_grams": 900, "photo": True}
    document = json.loads(OWN.model_dump_json())
    document["shipments"][1]["packing_record"] = record
    assert (await post(sandbox, json.dumps(document).encode()))[0] == 201

    async with aiohttp.ClientSession() as session:
        served = await HttpOrderDirectory(session, base(sandbox), 1.0, 1).packing_record("ord-own-1", "shp-b")
        assert served == PackingRecord.model_validate(record)
        assert await HttpOrderDirectory(session, base(sandbox), 1.0, 1).packing_record("ord-own-1", "shp-a") is None

    seed_orders(orders_file, NOW + timedelta(days=1))  # the next start
    assert await FileOrderDirectory(orders_file).packing_record("ord-own-1", "shp-b") == PackingRecord.model_validate(record)


def test_the_cli_reads_an_order_file_an_editor_saved_with_a_byte_order_mark(tmp_path: Path) -> None:
    """Windows editors put U+FEFF first; JSON does not, and the file was refused at line 1 column 1."""
    file = tmp_path / "order.json"
    file.write_bytes(b"\xef\xbb\xbf" + OWN.model_dump_json().encode())
    args = cli_args("--file", str(file))
    assert sandbox_orders.order_from(args) == OWN
    assert sandbox_orders.packing_from(args) is not None
