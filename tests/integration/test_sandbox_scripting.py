"""Scripting the carrier sandbox number by number, pulled through every carrier's real adapter: a status
sequence advances one pull at a time, a scripted fault hits only its number, a raw code nobody mapped stays
visible, a masked name arrives masked. The CLI builds the same scripts (``disputes sandbox-shipment``)."""

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, create_carrier_sandbox, script
from sandbox.carriers.registry import SANDBOX_CARRIERS
from sandbox.carriers.state import Scripts
from schemas.proof import ProofStatus
from tests.integration.conftest import sandbox_adapter, scripted_shipment
from tests.registered import PULLED as PULL


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox())


async def add(session: aiohttp.ClientSession, sandbox: TestServer, shipment: SandboxShipment) -> None:
    status, answer = await script.send(str(sandbox.make_url("")), shipment)
    assert status == 201, answer


async def calls(session: aiohttp.ClientSession, sandbox: TestServer, code: str) -> list[dict[str, Any]]:
    async with session.get(sandbox.make_url("/_sandbox/requests")) as response:
        seen = (await response.json())["requests"]
    return [e for e in seen if e["carrier"] == code and e["endpoint"] != "token"]


@pytest.mark.parametrize("code", PULL)
async def test_a_status_sequence_advances_one_pull_at_a_time(sandbox, session, code) -> None:
    await add(session, sandbox, scripted_shipment(code, "SEQ1", statuses=["in_transit", "failed_attempt", "delivered"]))
    carrier = sandbox_adapter(sandbox, session, code)
    first, second, third, later = [await carrier.pull("SEQ1") for _ in range(4)]
    assert first.status is not ProofStatus.DELIVERED and first.delivered_at is None
    assert second.status is not ProofStatus.DELIVERED
    assert third.status is ProofStatus.DELIVERED and third.delivered_at is not None
    assert later.status is ProofStatus.DELIVERED  # the last state holds


@pytest.mark.parametrize("code", PULL)
async def test_a_scripted_fault_hits_only_its_own_number(sandbox, session, code) -> None:
    await add(session, sandbox, scripted_shipment(code, "FLT1", faults=["error"]))
    await add(session, sandbox, scripted_shipment(code, "OK1"))
    carrier = sandbox_adapter(sandbox, session, code)
    assert (await carrier.pull("OK1")).status is ProofStatus.DELIVERED
    assert (await carrier.pull("FLT1")).status is ProofStatus.DELIVERED  # retried past the one 503
    faulted = [(c["fault"], c["status"]) for c in await calls(session, sandbox, code) if c["fault"]]
    assert faulted == [("error", 503)]


@pytest.mark.parametrize("code", PULL)
async def test_a_status_code_nobody_mapped_is_unknown_and_kept(sandbox, session, code) -> None:
    await add(session, sandbox, scripted_shipment(code, "RAW1", status_code="97"))
    proof = await sandbox_adapter(sandbox, session, code).pull("RAW1")
    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, "97")


@pytest.mark.parametrize("code", PULL)
async def test_a_scripted_masked_name_arrives_masked_from_every_carrier_that_names_the_receiver(
    sandbox, session, code
) -> None:
    carrier = sandbox_adapter(sandbox, session, code)
    await add(session, sandbox, scripted_shipment(code, "MSK1", masked_name=True))
    proof = await carrier.pull("MSK1")
    offer = carrier.capabilities.pull
    assert offer is not None and proof.status is ProofStatus.DELIVERED
    assert offer.receiver_name and proof.received_by is not None and "***" in proof.received_by


def test_the_cli_builds_the_script_it_is_given() -> None:
    parser = argparse.ArgumentParser()
    script.add_arguments(parser)
    args = parser.parse_args([
        "--carrier", "ups", "--tracking", "1Z1", "--status", "in_transit", "--status", "delivered",
        "--no-signed", "--masked-name", "--other-package", "1Z2:delivered", "--other-package", "1Z3",
        "--fault", "throttle", "--latency", "1.5", "--status-code", "ZZ", "--relation", "neighbour",
    ])
    shipment = script.shipment_from(args)
    assert shipment.model_dump(include={"statuses", "signed", "photographed", "masked_name", "faults",
                                        "latency_seconds", "status_code", "relation"}) == {
        "statuses": ["in_transit", "delivered"], "signed": False, "photographed": None, "masked_name": True,
        "faults": ["throttle"], "latency_seconds": 1.5, "status_code": "ZZ", "relation": "neighbour",
    }
    assert [(p.tracking_number, p.delivered) for p in shipment.other_packages] == [("1Z2", True), ("1Z3", False)]


def test_the_cli_offers_the_carriers_the_sandbox_plays_and_refuses_any_other(capsys) -> None:
    parser = argparse.ArgumentParser()
    script.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--carrier", "kolaygelsn", "--tracking", "1"])
    choices = capsys.readouterr().err.partition("choose from")[2]
    assert all(f"'{code}'" in choices for code in SANDBOX_CARRIERS)
    assert "{" + ",".join(sorted(SANDBOX_CARRIERS)) + "}" in parser.format_help()


def test_the_cli_scripts_the_delivery_time_it_is_given_else_an_hour_ago() -> None:
    parser = argparse.ArgumentParser()
    script.add_arguments(parser)
    given = parser.parse_args(["--carrier", "yurtici", "--tracking", "1", "--delivered-at", "2026-05-20T13:00:00+03:00"])
    assert script.shipment_from(given).delivered_at == datetime(2026, 5, 20, 10, tzinfo=UTC)
    before = datetime.now(UTC)
    default = script.shipment_from(parser.parse_args(["--carrier", "yurtici", "--tracking", "1"])).delivered_at
    assert default is not None and before - timedelta(hours=1, seconds=1) <= default <= datetime.now(UTC)
    for refused in ("2026-05-20T13:00:00", "yesterday"):  # a time without its offset names no instant
        with pytest.raises(SystemExit):
            parser.parse_args(["--carrier", "yurtici", "--tracking", "1", "--delivered-at", refused])


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-01-01T00:00:00Z"])
def test_the_cli_refuses_a_delivery_time_outside_1970_to_9998_as_the_order_sandbox_does(when: str) -> None:
    """Scripted, a delivery in the year 1 made the carrier sandbox answer 500 to every pull of it."""
    parser = argparse.ArgumentParser()
    script.add_arguments(parser)
    with pytest.raises(ValueError, match="only times from 1970 to the year 9998"):
        script.shipment_from(parser.parse_args(["--carrier", "ups", "--tracking", "1ZOLD", "--delivered-at", when]))


async def test_scripts_kept_in_a_file_outlive_a_restart_but_the_demo_s_which_a_start_dates_anew(
    aiohttp_server, session, tmp_path
) -> None:
    kept, now = tmp_path / "carrier-scripts.json", datetime.now(UTC)
    demo = [scripted_shipment("yurtici", "DEMO1", scenario="in_transit"), scripted_shipment("yurtici", "DEMO2")]
    renewed = frozenset(s.key for s in demo)
    first = await aiohttp_server(create_carrier_sandbox(demo, scripts=Scripts.kept_in(kept, now, renewed)))
    await add(session, first, scripted_shipment("yurtici", "DEMO1", scenario="delivered"))  # a demo number scripted
    await add(session, first, scripted_shipment("aras", "KEEP2", scenario="neighbour"))
    await first.close()

    again = await aiohttp_server(create_carrier_sandbox(demo, scripts=Scripts.kept_in(kept, now, renewed)))

    async with session.get(again.make_url("/_sandbox/shipments")) as response:
        listed = {(s["carrier"], s["tracking_number"]): s["scenario"] for s in (await response.json())["shipments"]}
    assert listed == {("yurtici", "DEMO1"): "in_transit", ("yurtici", "DEMO2"): "delivered",
                      ("aras", "KEEP2"): "neighbour"}
    assert (await sandbox_adapter(again, session, "aras").pull("KEEP2")).status is ProofStatus.DELIVERED


def test_a_script_whose_keeping_failed_is_not_kept(tmp_path) -> None:
    scripts = Scripts(tmp_path / "not-a-directory" / "carrier-scripts.json")
    (tmp_path / "not-a-directory").write_text("a file where the directory would be")

    with pytest.raises(OSError):
        scripts.keep([scripted_shipment("aras", "LOST1")])

    assert scripts.scripted == {}  # nor written with the next script that is
