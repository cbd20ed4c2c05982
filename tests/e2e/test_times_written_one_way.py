"""Every time in an answer is written one way, as the README and the OpenAPI document say: UTC, `Z`, milliseconds
(`2026-12-06T07:00:00.000Z`). The order service gives the delivery time with its offset and microseconds, and the
clock has microseconds: the answer that opens the case, its replay and a read of the same version are the same
bytes under the same ETag (the opening wrote the offset as given, a read the stored UTC form; fractions were 6
digits or none)."""

import json
import re
from datetime import timedelta, timezone
from typing import Any

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, RunningClock, orders_file_document
from tests.factories import NOW, order, shipment

PUBLISHED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
DATED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISTANBUL = timezone(timedelta(hours=3))
DELIVERED = shipment("shp-tz").model_copy(
    update={"delivered_at": (NOW - timedelta(days=2)).astimezone(ISTANBUL).replace(microsecond=123456)}
)


class MicrosecondClock(RunningClock):
    def now(self):
        return NOW + timedelta(seconds=2, microseconds=15_004) + self.offset


@pytest.fixture
def orders_document():
    return orders_file_document([order("ord-tz", shipments=[DELIVERED])])


@pytest.fixture
def clock():
    return MicrosecondClock()


def times(value: Any, path: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        return {p: t for k, v in value.items() for p, t in times(v, f"{path}/{k}").items()}
    if isinstance(value, list):
        return {p: t for i, v in enumerate(value) for p, t in times(v, f"{path}/{i}").items()}
    return {path: value} if isinstance(value, str) and DATED.match(value) else {}


async def test_the_opening_answer_its_replay_and_a_read_write_the_same_utc_milliseconds(api):
    body = {"order_id": "ord-tz", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    headers = CUSTOMER | {"Idempotency-Key": "open-tz-1"}
    opened = await api.post("/v1/disputes", json=body, headers=headers)
    assert opened.status == 201, await opened.text()
    first = await opened.read()
    one = f"/v1/disputes/{json.loads(first)['id']}"
    read = await api.get(one, headers=CUSTOMER)
    replay = await api.post("/v1/disputes", json=body, headers=headers)

    assert json.loads(first)["order"]["delivered_at"] == "2026-11-16T09:30:00.123Z"
    assert json.loads(first)["opened_at"] == "2026-11-18T09:30:02.015Z"
    assert (await read.read(), read.headers["ETag"]) == (first, opened.headers["ETag"])
    assert await replay.read() == first
    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    written = times(json.loads(first)) | {f"staff{p}": t for p, t in times(staff).items()}
    assert len(written) > 5 and {p: t for p, t in written.items() if not PUBLISHED.fullmatch(t)} == {}
