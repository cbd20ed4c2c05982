"""`disputes embedded` across restarts: the orders a tester added (`disputes sandbox-order`) are still there, the
demo staff directory with a supervisor's change to it too, and the banner's journey (open, review, decide, refund)
runs again from start to end after every start."""

import asyncio
import json
import signal
import subprocess
import sys

import aiohttp
import pytest

from adapters.settings import DEV_JWT_SECRET
from adapters.web.auth import HmacTokens
from schemas.common import Role
from tests.e2e.conftest import eventually
from tests.integration.test_embedded_lifecycle import ROOT, Embedded, ready, start, started  # noqa: F401

pytestmark = pytest.mark.timeout(300)


async def banner(service: Embedded) -> str:
    stdout = service.stderr_path.with_suffix(".stdout")

    async def printed() -> str | None:
        text = stdout.read_text(errors="replace")
        return text if "Stop with" in text else None

    return await eventually(printed, timeout=30, interval=0.1, explain=service.stderr)


def journey(text: str) -> tuple[str, str]:
    """The banner's tokens and its "Try it" commands as two bash scripts: opening the case, and the rest."""
    lines = text.splitlines()
    exports = [line.strip() for line in lines if line.strip().startswith("export ")]
    tried = lines[lines.index("Try it (bash):") + 1 : next(i for i, line in enumerate(lines) if line.startswith("Stop with"))]
    split = next(i for i, line in enumerate(tried) if "within seconds" in line)
    return "\n".join(exports + tried[:split] + ['echo "$ID"']), "\n".join(exports + tried[split:])


async def bash(script: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )


async def run_journey(session: aiohttp.ClientSession, service: Embedded) -> dict:
    """Open the case, wait (as a reader of the banner would) for the proof and the policy's advice, review and
    decide it; the case at the end."""
    opening, review = journey(await banner(service))
    opened = await bash(opening)
    assert opened.returncode == 0, opened.stderr
    dispute_id = opened.stdout.split()[-1]
    staff = {"Authorization": "Bearer " + HmacTokens(DEV_JWT_SECRET, "dispute-service", "dispute-service").mint(
        "inv-test", Role.INVESTIGATOR)}

    async def case() -> dict | None:
        async with session.get(f"{service.base}/v1/disputes/{dispute_id}", headers=staff) as response:
            found = await response.json()
        return found if found["recommendation"] and not found["recommendation_provisional"] else None

    await eventually(case, timeout=30, explain="the case did not get its proof and advice")
    reviewed = await bash(f"ID={dispute_id}\n{review}")
    assert reviewed.returncode == 0, reviewed.stderr
    return await case()


async def stop(service: Embedded) -> None:
    service.process.send_signal(signal.SIGINT)
    assert await asyncio.to_thread(service.process.wait, 60) == 0, service.stderr()


def supervisor() -> dict[str, str]:
    token = HmacTokens(DEV_JWT_SECRET, "dispute-service", "dispute-service").mint("sup-zeynep", Role.SUPERVISOR)
    return {"Authorization": f"Bearer {token}"}


async def directory(session: aiohttp.ClientSession, service: Embedded) -> dict[str, bool]:
    async with session.get(f"{service.base}/v1/staff", headers=supervisor()) as response:
        return {member["id"]: member["active"] for member in (await response.json())["items"]}


OWN_CUSTOMER = "cust-2001"
"""Whose own order the test adds."""


def customer() -> dict[str, str]:
    token = HmacTokens(DEV_JWT_SECRET, "dispute-service", "dispute-service").mint(OWN_CUSTOMER, Role.CUSTOMER, OWN_CUSTOMER)
    return {"Authorization": f"Bearer {token}"}


async def add_order(text: str, *packages: str) -> subprocess.CompletedProcess[str]:
    """`disputes sandbox-order` against the sandbox the banner names."""
    sandbox = next(line.split()[1] for line in text.splitlines() if line.strip().startswith("Sandbox "))
    options = [option for package in packages for option in ("--package", package)]
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "adapters.cli", "sandbox-order", "--sandbox", sandbox,
                         "--order-id", "ord-own-1", "--customer-id", OWN_CUSTOMER, *options],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )


async def open_dispute(session: aiohttp.ClientSession, service: Embedded, shipment_id: str) -> tuple[int, dict]:
    body = {"order_id": "ord-own-1", "shipment_id": shipment_id, "statement": "Bu paket elime ulaşmadı.",
            "preferred_resolution": "refund"}
    async with session.post(f"{service.base}/v1/disputes", json=body, headers=customer()) as response:
        return response.status, await response.json()


async def test_own_orders_outlive_a_restart_and_the_banner_journey_runs_after_every_start(tmp_path, started):  # noqa: F811
    data_dir = tmp_path / "data"
    async with aiohttp.ClientSession() as session:
        first = start(started, data_dir, "first")
        assert await ready(session, first)
        added = await add_order(await banner(first), "fedex:794600000001", "aras:1234567890123")
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["shipments"][1]["carrier"] == "aras"
        status, opened = await open_dispute(session, first, "ord-own-1-2")  # the second package, at once
        assert status == 201 and opened["order"]["tracking_number"] == "1234567890123", opened
        first_case = await run_journey(session, first)
        assert first_case["status"] == "resolved" and first_case["decision"]["outcome"] == "refund"
        assert await directory(session, first) == {"inv-ayse": True, "inv-emre": False, "inv-mehmet": True,
                                                   "sup-zeynep": True}
        left = {"name": "Mehmet Kaya", "role": "investigator", "active": False}
        async with session.put(f"{first.base}/v1/staff/inv-mehmet", json=left, headers=supervisor()) as response:
            assert response.status == 200
        await stop(first)

        second = start(started, data_dir, "second")
        assert await ready(session, second)
        status, opened = await open_dispute(session, second, "ord-own-1-1")  # the first package, after the restart
        assert status == 201 and opened["order"]["carrier"] == "fedex", opened
        again = await add_order(await banner(second), "ups:1Z0000000000000001")
        assert again.returncode == 1 and "already" in again.stdout  # the order is kept, not replaced
        second_case = await run_journey(session, second)
        assert second_case["status"] == "resolved" and second_case["decision"]["outcome"] == "refund"
        assert second_case["id"] != first_case["id"]
        assert (await directory(session, second))["inv-mehmet"] is False  # the start's seeding kept the change
        await stop(second)

        third = start(started, data_dir, "third")  # a third claim by one customer would need a supervisor
        assert await ready(session, third)
        third_case = await run_journey(session, third)
        assert third_case["status"] == "resolved" and third_case["decision"]["outcome"] == "refund", third_case
        assert third_case["id"] not in (first_case["id"], second_case["id"])
