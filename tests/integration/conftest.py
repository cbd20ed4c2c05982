"""What the carrier-sandbox suites share: an HTTP session, scripted shipments at one Kadıköy address, and a
carrier's real adapter pointed at a running sandbox."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, Scenario, sandbox_carrier_settings
from carriers.base import CarrierAdapter
from carriers.registry import create_adapter
from tests.conftest import tier_database  # noqa: F401  (this tier's own stand-in database server)

HOME = (40.9858, 29.0262)  # the delivery address (Kadıköy)
DELIVERED_AT = datetime(2026, 11, 17, 11, 42, 7, tzinfo=UTC)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def scripted_shipment(
    carrier: str, number: str, scenario: Scenario = Scenario.DELIVERED, **script: Any
) -> SandboxShipment:
    """A shipment addressed to Ayşe Yılmaz in Kadıköy, delivered at ``DELIVERED_AT`` when its scenario is a
    delivery, with the scripted facts given (they may override any of these)."""
    fields: dict[str, Any] = {
        "carrier": carrier, "tracking_number": number, "scenario": scenario, "recipient_name": "Ayşe Yılmaz",
        "delivered_at": DELIVERED_AT if Scenario(scenario).delivered else None, "lat": HOME[0], "lon": HOME[1],
        "city": "İstanbul", "district": "Kadıköy", "postal_code": "34710",
    }
    return SandboxShipment.model_validate(fields | script)


def sandbox_adapter(sandbox: TestServer, session: aiohttp.ClientSession, code: str, **changes: Any) -> CarrierAdapter:
    """The carrier's real adapter, with the sandbox's credentials for it (``changes`` override them)."""
    settings = sandbox_carrier_settings(str(sandbox.make_url("")).rstrip("/"))[code]
    return create_adapter(code, settings | changes, session)
