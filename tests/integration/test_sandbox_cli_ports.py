"""`disputes sandbox-order` and `disputes sandbox-shipment` without `--sandbox` reach the sandboxes where
`disputes embedded` serves them: on the ports DISPUTES_SANDBOX_PORT and DISPUTES_CARRIER_SANDBOX_PORT name."""

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.demo import demo_orders
from sandbox.carriers import create_carrier_sandbox
from sandbox.downstream import create_downstream_sandbox

ROOT = Path(__file__).resolve().parents[2]


async def cli(*argv: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *argv, cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_sandbox_order_goes_to_the_configured_sandbox_port(aiohttp_server) -> None:
    sandbox: TestServer = await aiohttp_server(create_downstream_sandbox(demo_orders(datetime.now(UTC))))

    code, out, err = await cli("sandbox-order", "--order-id", "ord-9001", "--package", "mng:12345678901",
                               env={"DISPUTES_SANDBOX_PORT": str(sandbox.port)})

    assert code == 0, err
    assert json.loads(out)["order_id"] == "ord-9001"
    async with aiohttp.ClientSession() as session, session.get(sandbox.make_url("/orders/v1/orders/ord-9001")) as response:
        assert response.status == 200


async def test_sandbox_shipment_goes_to_the_configured_carrier_sandbox_port(aiohttp_server) -> None:
    carriers: TestServer = await aiohttp_server(create_carrier_sandbox())

    code, _, err = await cli("sandbox-shipment", "--carrier", "aras", "--tracking", "7021459800001",
                             env={"DISPUTES_CARRIER_SANDBOX_PORT": str(carriers.port)})

    assert code == 0, err
    async with aiohttp.ClientSession() as session, session.get(carriers.make_url("/_sandbox/shipments")) as response:
        assert "7021459800001" in await response.text()
