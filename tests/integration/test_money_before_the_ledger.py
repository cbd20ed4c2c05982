"""Cases decided by the release before the money ledger (`tests/fixtures/before_ledger/cases.json`, written by that
release's code) get, at start-up, the ledger rows their decisions sent, so the ledger and the carrier report's
liabilities of a past period are what they were billed as; a second start-up adds nothing."""

from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import json_util
from bson.json_util import JSONOptions

from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.indexes import DISPUTES
from adapters.mongo.migrations import migrate
from adapters.mongo.reports import MongoReports
from disputes.ledger import LedgerQuery, LedgerRow, MoneyState
from schemas.dispute import EffectKind, ParkReason
from tests.factories import NOW

CASES = Path(__file__).parents[1] / "fixtures" / "before_ledger" / "cases.json"
LIABLE, RESHIPPED, PARTIAL, REJECTED, TWICE = range(5)
NOVEMBER = LedgerQuery(NOW - timedelta(days=10), NOW + timedelta(days=10))
DECEMBER = LedgerQuery(NOVEMBER.decided_to, NOVEMBER.decided_to + timedelta(days=31))


def _old_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json_util.loads(CASES.read_text(), json_options=JSONOptions(tz_aware=True, tzinfo=UTC))
    return cases


@pytest.fixture(params=["upgrade", "rolling deploy"])
async def started(request: pytest.FixtureRequest, mongo_db: Any, query_audit: Any) -> list[dict[str, Any]]:
    """The old cases stored, then a start-up: the first of the new release (every migration runs), or a later one
    while the release before still decides cases (only the steps run at every start-up)."""
    if request.param == "rolling deploy":
        await migrate(mongo_db)  # a new database: every migration recorded
    cases = _old_cases()
    await mongo_db[DISPUTES].insert_many(cases)
    await migrate(mongo_db)
    query_audit.commands.clear()
    return cases


async def _rows(mongo_db: Any, period: LedgerQuery) -> dict[str, LedgerRow]:
    return {row.money.key: row for row in (await MongoReports(mongo_db[DISPUTES]).ledger(period)).rows}


def _sent(case: dict[str, Any], kind: EffectKind) -> dict[str, Any]:
    """The payload of the case's message of `kind` still held (pending or parked): what its decision sent."""
    return next(m["payload"] for m in (*case["outbox"], *case["effects_parked"]) if m["kind"] == kind)


def _key(case: dict[str, Any], ending: str) -> str:
    return f"{case['effects_key']}:{ending}"


async def test_a_refund_the_carrier_was_held_liable_for_is_in_the_ledger_and_billed_in_its_period(mongo_db, started) -> None:
    case = started[LIABLE]
    rows = await _rows(mongo_db, NOVEMBER)
    refund, liability = rows[_key(case, "d1:refund")], rows[_key(case, "d1:liability")]
    value, decided_at = case["order"]["value_minor"], case["decision"]["decided_at"]

    assert (refund.dispute_id, refund.carrier, refund.money.amount_minor, refund.money.currency, refund.money.lines,
            refund.money.destination, refund.money.decision, refund.money.decided_at, refund.money.rebuilt) == (
        case["_id"], "aras", value, "TRY", [], "wallet", 1, decided_at, True
    )
    assert (refund.whereabouts.state, refund.whereabouts.at, refund.whereabouts.reference) == (
        MoneyState.DELIVERED, NOW + timedelta(hours=2), "pay_1"
    )
    assert (liability.money.kind, liability.money.amount_minor, liability.money.decided_at, liability.whereabouts.state,
            liability.whereabouts.reference, liability.money.rebuilt) == (
        EffectKind.CARRIER_LIABILITY, value, decided_at, MoneyState.DELIVERED, None, True  # finance's id was not kept
    )
    [aras] = [row for row in await MongoReports(mongo_db[DISPUTES]).carriers(NOVEMBER.decided_from, NOVEMBER.decided_to)
              if row.carrier == "aras"]
    assert aras.liabilities == {"TRY": value}


async def test_a_parked_reshipment_a_partial_refund_and_a_rejection_are_what_their_decisions_sent(mongo_db, started) -> None:
    rows = await _rows(mongo_db, NOVEMBER)
    reshipped, partial, rejected = started[RESHIPPED], started[PARTIAL], started[REJECTED]

    reship = rows[_key(reshipped, "d1:reship")]
    assert [(line.sku, line.quantity) for line in reship.money.lines] == [
        (item["sku"], item["quantity"]) for item in _sent(reshipped, EffectKind.RESHIP)["items"]
    ]
    assert (reship.money.amount_minor, reship.whereabouts.state, reship.whereabouts.at, reship.whereabouts.parked_reason) == (
        None, MoneyState.PARKED, NOW + timedelta(hours=3), ParkReason.REFUSED
    )
    refund, sent = rows[_key(partial, "d1:refund:sku-glass")], _sent(partial, EffectKind.REFUND)
    assert (refund.money.amount_minor, [(x.sku, x.quantity) for x in refund.money.lines], refund.money.destination,
            refund.whereabouts.state) == (
        sent["amount_minor"], [(sent["sku"], sent["quantity"])], sent["destination"], MoneyState.PENDING
    )
    assert not [row for row in rows.values() if row.dispute_id == rejected["_id"]]
    assert {row.dispute_id for row in rows.values()} == {started[n]["_id"] for n in (LIABLE, RESHIPPED, PARTIAL, TWICE)}


async def test_each_decision_of_a_case_decided_twice_has_its_own_rows_in_its_own_period(mongo_db, started) -> None:
    case = started[TWICE]
    [reship] = [row for row in (await _rows(mongo_db, NOVEMBER)).values() if row.dispute_id == case["_id"]]
    [refund] = (await _rows(mongo_db, DECEMBER)).values()

    assert (reship.money.key, [(x.sku, x.quantity) for x in reship.money.lines], reship.whereabouts.reference) == (
        _key(case, "d1:reship:sku-glass"), [("sku-glass", 1)], "shp_9"
    )
    sent = _sent(case, EffectKind.REFUND)
    assert (refund.money.key, refund.money.decision, refund.money.decided_at, refund.money.amount_minor,
            refund.money.lines[0].quantity) == (
        _key(case, "d2:refund:sku-glass"), 2, case["decision"]["decided_at"], sent["amount_minor"], sent["quantity"]
    )


async def test_a_second_start_up_adds_nothing_and_the_cases_read_as_they_were(mongo_db, started) -> None:
    before = {doc["_id"]: doc async for doc in mongo_db[DISPUTES].find({}).sort("_id", 1)}

    assert await migrate(mongo_db) == 0

    assert {doc["_id"]: doc async for doc in mongo_db[DISPUTES].find({}).sort("_id", 1)} == before
    assert {case["_id"]: before[case["_id"]]["version"] - case["version"] for case in started} == {
        case["_id"]: int(n != REJECTED) for n, case in enumerate(started)  # a case given rows is a new version
    }
    read = await MongoDisputes.in_database(mongo_db).get(started[LIABLE]["_id"])
    assert read is not None and [m.kind for m in read.money] == [EffectKind.REFUND, EffectKind.CARRIER_LIABILITY]


async def test_what_the_release_before_decides_after_a_start_up_gets_its_rows_at_the_next_one(mongo_db, query_audit) -> None:
    """During a rolling deploy the release before keeps deciding cases without money rows: the next start-up reads
    the cases decided since the latest decision the one before saw, and gives them theirs."""
    *earlier, later = _old_cases()
    await mongo_db[DISPUTES].insert_many(earlier)
    await migrate(mongo_db)
    await mongo_db[DISPUTES].insert_one(later)  # decided by the release before after that start-up
    query_audit.commands.clear()

    await migrate(mongo_db)  # its queue key is written in full too

    read = [name for name, command in query_audit.commands if name == "find" and command["find"] == DISPUTES]
    assert len(read) == 4  # the numbers' spelling, the queue's keys, the latest decision, the cases decided since
    assert {row.money.key for row in (await _rows(mongo_db, DECEMBER)).values()} == {_key(later, "d2:refund:sku-glass")}
