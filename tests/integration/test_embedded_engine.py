"""The embedded default's adaptation of mongoeco's SQLite engine (`adapters/mongo/engine.py`): written for
one mongoeco version, still needed on it, and answering every operation exactly as the engine it adapts."""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite3

import mongoeco
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from bson import Decimal128, Int64, MinKey, ObjectId
from mongoeco import AsyncMongoClient
from mongoeco.engines.sqlite import SQLiteEngine as PlainEngine
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from adapters.mongo.engine import MONGOECO_VERSION, SQLiteEngine

ENGINES = {"plain": PlainEngine, "adapted": SQLiteEngine}


@pytest.fixture(params=list(ENGINES))
async def collection(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    engine = ENGINES[request.param](str(tmp_path / "test.sqlite"))
    async with AsyncMongoClient(engine) as client:
        coll = client["db"]["things"]
        await coll.create_index("k", unique=True)
        await coll.insert_many([{"_id": f"id-{n}", "k": f"k-{n}", "v": f"v-{n:03d}"} for n in range(30)])
        coll.engine = engine
        yield coll


def counting(engine: Any, name: str) -> list[object]:
    calls: list[object] = []
    method = getattr(engine, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return method(*args, **kwargs)

    setattr(engine, name, counted)
    return calls


def features(engine: Any) -> dict[tuple[str, str, str], Any]:
    return {key: value for key, value in engine._collection_features_cache.items() if key[:2] == ("db", "things")}


def test_the_adaptation_is_written_for_the_installed_mongoeco():
    assert mongoeco.__version__ == MONGOECO_VERSION, (
        f"mongoeco {mongoeco.__version__} is installed; adapters/mongo/engine.py was written for {MONGOECO_VERSION}: "
        "re-read the engine functions it names, re-run this file, then update MONGOECO_VERSION"
    )


async def test_mongoeco_reads_every_document_to_check_a_string_id_and_the_adapted_engine_does_not(collection):
    loaded = counting(collection.engine, "_load_documents")
    await collection.insert_one({"_id": "id-new", "k": "k-new", "v": "v-new"})
    still_needed = isinstance(collection.engine, SQLiteEngine) is False
    assert bool(loaded) is still_needed


async def test_mongoeco_forgets_what_it_knows_of_a_collection_on_each_write_and_the_adapted_engine_keeps_it(collection):
    await collection.insert_one({"_id": "id-new", "k": "k-new", "v": "v-new"})
    await collection.find_one({"k": "k-3"})  # the query planner records what it learnt of the collection
    known = features(collection.engine)
    assert known

    await collection.insert_one({"_id": "id-newer", "k": "k-newer", "v": "v-newer"})
    await collection.update_one({"_id": "id-3"}, {"$set": {"v": "v-changed"}})

    kept = features(collection.engine)
    if isinstance(collection.engine, SQLiteEngine):
        assert known.items() <= kept.items()
    else:
        assert kept == {}


async def test_a_write_to_some_fields_keeps_what_is_known_of_the_others_without_asking_again(tmp_path):
    engine = SQLiteEngine(str(tmp_path / "test.sqlite"))
    async with AsyncMongoClient(engine) as client:
        coll = client["db"]["things"]
        await coll.create_index("k", unique=True)
        await coll.create_index("v")
        await coll.insert_many([{"_id": f"id-{n}", "k": f"k-{n}", "v": f"v-{n:03d}"} for n in range(30)])
        await coll.find_one({"k": "k-3"})
        await coll.find({}).sort("v", 1).limit(5).to_list()
        known = features(engine)
        about_v = {key for key in known if key[2].split(":", 1)[1].startswith("v")}
        assert about_v and set(known) - about_v
        asked = counting(engine, "_unchanged")

        await coll.update_one({"_id": "id-3"}, {"$set": {"w": [1]}, "$inc": {"n": 1}, "$unset": {"x": ""}})
        assert features(engine) == known
        assert asked == []

        await coll.update_one({"_id": "id-3"}, {"$set": {"v": "v-changed"}})
        assert {args[0] for args in asked} == about_v
        await coll.find_one({"m.a": "x"})
        await coll.find_one({"m.b": "y"})
        about_m = {key[2] for key in features(engine) if ":m." in key[2]}
        assert {"traverses_array:m.a", "traverses_array:m.b"} <= about_m
        asked.clear()
        await coll.update_one({"_id": "id-3"}, {"$set": {"m.a": "z"}})
        assert {args[0][2] for args in asked if ":m." in args[0][2]} == {key for key in about_m if ":m.a" in key}
        asked.clear()
        known = features(engine)
        await coll.replace_one({"_id": "id-4"}, {"k": "k-4", "v": "v-004"})
        assert {args[0] for args in asked} == set(known)


class Shared(dict):  # type: ignore[type-arg]
    """The engine's cache of what it knows of collections, as another thread adds an answer to it while it is read."""

    def _grown(self) -> None:
        self[("db", "elsewhere", f"array_or_object:f{len(self)}")] = False

    def __iter__(self) -> Iterator[Any]:
        keys = dict.__iter__(self)
        self._grown()
        return keys

    def items(self) -> Any:
        every = dict.items(self)
        self._grown()
        return every


async def test_a_write_while_another_thread_adds_to_what_is_known_fails_on_mongoeco_and_not_on_the_adapted_engine(
    collection,
):
    await collection.find_one({"k": "k-3"})
    engine = collection.engine
    engine._cache_state.collection_features_cache = Shared(engine._collection_features_cache)

    written = collection.update_one({"_id": "id-3"}, {"$set": {"v": "v-changed"}})

    if isinstance(engine, SQLiteEngine):
        assert (await written).modified_count == 1
    else:
        with pytest.raises(Exception, match="changed size during iteration"):
            await written


async def test_a_change_consumer_s_lease_left_held_stalls_writes_on_mongoeco_and_not_on_the_adapted_engine(tmp_path):
    """mongoeco leases its change consumer around every write; a lease another owner holds (one whose keeper did not end
    in time) holds every later write until it expires. The adapted engine delivers no changes: there is no lease."""
    for name, engine_class in ENGINES.items():
        path = tmp_path / f"{name}.sqlite"
        async with AsyncMongoClient(engine_class(str(path))) as client:
            things = client["db"]["things"]
            await things.insert_one({"_id": "first"})
            other = sqlite3.connect(path)
            with other:
                held = other.execute(
                    "UPDATE change_outbox_consumers SET lease_owner = 'another', lease_expires_at_epoch = ?",
                    (time.time() + 4,),
                ).rowcount
            other.close()
            began = time.monotonic()
            await things.insert_one({"_id": "second"})  # mongoeco waits on its event loop's thread: nothing else runs
            waited = time.monotonic() - began

            if engine_class is SQLiteEngine:
                assert held == 0, "the adapted engine has a change consumer whose lease could be held"
            else:
                assert held == 1 and waited >= 3, "mongoeco no longer leases its change consumer: is 12 still needed?"


async def test_mongoeco_decodes_every_document_to_update_one_it_names_by_id_and_the_adapted_engine_only_that_one(
    collection,
):
    await collection.insert_one({"_id": "with-array", "k": "k-array", "items": [{"id": "a"}, {"id": "b"}]})
    loaded = []
    load = collection.engine._load_documents

    def counted(*args: Any) -> Any:
        documents = list(load(*args))
        loaded.extend(documents)
        return iter(documents)

    collection.engine._load_documents = counted
    updated = await collection.update_one({"_id": "with-array", "items.id": "b"}, {"$pull": {"items": {"id": "b"}}})

    assert updated.modified_count == 1
    assert (await collection.find_one({"_id": "with-array"}))["items"] == [{"id": "a"}]
    assert len(loaded) == (1 if isinstance(collection.engine, SQLiteEngine) else 31)


@pytest.mark.parametrize("duplicate", ["id-4", ObjectId("65a1b2c3d4e5f60718293a4b"), 7.0])
async def test_a_duplicate_id_is_refused(collection, duplicate):
    if not isinstance(duplicate, str):
        await collection.insert_one({"_id": 7 if isinstance(duplicate, float) else duplicate, "k": "first"})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": duplicate, "k": "second"})


async def test_a_duplicate_unique_key_is_refused_also_inside_an_array(collection):
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": "id-x", "k": "k-5"})
    await collection.find_one({"k": "k-1"})
    await collection.insert_one({"_id": "id-array", "k": ["k-a", "k-b"]})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": "id-y", "k": "k-b"})
    with pytest.raises(DuplicateKeyError):
        await collection.update_one({"_id": "id-2"}, {"$set": {"k": "k-a"}})


Step = Callable[[Any], Any]


async def observe(collection: Any) -> list[Any]:
    """Reads whose plan depends on what the collection holds, after writes that change it: each write adds a
    value of a kind no document had (a number among strings, an array, a Decimal128, bytes, a nested array)."""
    seen: list[Any] = []

    async def reads() -> None:
        seen.append([d["_id"] async for d in collection.find({"v": {"$gte": "v-010"}}).sort("v", 1)])
        seen.append([d["_id"] async for d in collection.find({}).sort([("v", 1), ("_id", 1)]).limit(8)])
        seen.append([d["_id"] async for d in collection.find({"v": {"$lt": 3}})])
        seen.append([d["_id"] async for d in collection.find({"v": b"\x01"})])
        seen.append([d["_id"] async for d in collection.find({"v": "inner"})])
        seen.append([d["_id"] async for d in collection.find({"n.x": 1})])

    writes: list[Step] = [
        lambda c: c.insert_one({"_id": "num", "k": "k-num", "v": 2}),
        lambda c: c.insert_one({"_id": "arr", "k": "k-arr", "v": ["inner", "v-000"]}),
        lambda c: c.update_one({"_id": "id-7"}, {"$set": {"v": Decimal128(Decimal("1.5"))}}),
        lambda c: c.insert_one({"_id": "bytes", "k": "k-bytes", "v": b"\x01"}),
        lambda c: c.insert_one({"_id": "nested", "k": "k-nested", "n": [{"x": 1}]}),
        lambda c: c.update_one({"_id": "id-8"}, {"$set": {"w": [1, 2]}}),
        lambda c: c.update_one({"_id": "id-8"}, {"$rename": {"w": "v"}}),
        lambda c: c.update_one({"_id": "id-9"}, {"$push": {"n": {"x": 1}}}),
        lambda c: c.update_one({"_id": "nested", "n.x": 1}, {"$set": {"v": "v-0075"}}),
        lambda c: c.update_one({"_id": "id-3", "n.x": 1}, {"$set": {"v": "v-0095"}}),  # matches nothing
        lambda c: c.update_one({"_id": {"$in": ["id-5", "id-9"]}, "n.x": 1}, {"$set": {"v": "v-0105"}}),
        lambda c: c.update_one({"_id": "nested"}, {"$set": {"n.0.x": [1, 2]}}),
        lambda c: c.update_one({"_id": "id-9"}, {"$set": {"n.$[].x": "inner"}}),
        lambda c: c.delete_one({"_id": "num"}),
        lambda c: c.replace_one({"_id": "arr"}, {"k": "k-arr", "v": "v-005"}),
    ]
    await reads()
    for write in writes:
        await write(collection)
        await reads()
    return seen


async def test_reads_answer_as_on_mongoeco_while_writes_change_what_the_collection_holds(tmp_path):
    answers = {}
    for name, engine_class in ENGINES.items():
        async with AsyncMongoClient(engine_class(str(tmp_path / f"{name}.sqlite"))) as client:
            coll = client["db"]["things"]
            await coll.create_index("k", unique=True)
            await coll.create_index("v")  # sorts by `v` read this index while every `v` is a string
            await coll.insert_many([{"_id": f"id-{n}", "k": f"k-{n}", "v": f"v-{n:03d}"} for n in range(30)])
            answers[name] = await observe(coll)
    assert answers["adapted"] == answers["plain"]
    assert answers["plain"][-6:] != answers["plain"][:6], "the writes changed nothing the reads can see"


def traced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement run on the connections opened from here on."""
    seen: list[str] = []
    connect = sqlite3.connect

    def connect_traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_traced)
    return seen


async def test_mongoeco_scans_and_sorts_the_collection_for_a_page_in_index_order_and_the_adapted_engine_does_not(
    tmp_path, monkeypatch
):
    """A page of 5 sorted by a string field with its own index: mongoeco first scans every document for an
    array at the field, then sorts every index entry (SQLite's temporary B-tree); the adapted engine does
    neither, and the page is the same."""
    pages, scans, sorts = {}, {}, {}
    for name, engine_class in ENGINES.items():
        path = str(tmp_path / f"{name}.sqlite")
        seen = traced(monkeypatch)
        async with AsyncMongoClient(engine_class(path)) as client:
            coll = client["db"]["things"]
            await coll.create_index("v")
            await coll.insert_many([{"_id": f"id-{n}", "v": f"v-{(n * 7) % 40:03d}"} for n in range(40)])
            await coll.find({}).sort("v", 1).limit(5).to_list()  # the planner learns what the collection holds
            seen.clear()
            pages[name] = [d["_id"] for d in await coll.find({}).sort("v", 1).limit(5).to_list()]
        page_reads = [s for s in seen if "scalar_index_entries INDEXED BY" in s and s.lstrip().startswith("SELECT")]
        scans[name] = any("json_type(document, '$.v') = 'array'" in s for s in seen)
        with sqlite3.connect(path) as conn:
            plan = [str(row) for s in page_reads for row in conn.execute("EXPLAIN QUERY PLAN " + s)]
        sorts[name] = any("TEMP B-TREE" in row for row in plan)
        assert page_reads, "the page was not read from the index"

    assert pages["adapted"] == pages["plain"] == [f"id-{n}" for n in (0, 23, 6, 29, 12)]  # 7n mod 40 = 0, 1, 2, 3, 4
    assert scans == {"plain": True, "adapted": False}
    assert sorts == {"plain": True, "adapted": False}


@asynccontextmanager
async def claimable(engine_class: Any, path: str) -> AsyncIterator[Any]:
    """A collection of 40 tasks, 5 of them due (at distinct times, out of id order) and one of those held, as
    the service's schedule stores them: `due` and its index partial on existence."""
    engine = engine_class(path)
    async with AsyncMongoClient(engine) as client:
        coll = client["db"]["tasks"]
        coll.engine = engine
        await _fill_tasks(coll)
        yield coll


async def _fill_tasks(coll: Any) -> None:
    await coll.create_indexes([IndexModel("due", partialFilterExpression={"due": {"$exists": True}})])
    tasks: list[dict[str, Any]] = [{"_id": f"t-{n:02d}", "v": n} for n in range(40)]
    for n, minutes in ((31, 3), (7, 1), (18, 4), (25, 2), (3, 5)):
        tasks[n]["due"] = datetime(2026, 11, 18, 9, minutes, tzinfo=UTC)
    tasks[7]["lease"] = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    await coll.insert_many(tasks)


async def claim_all(coll: Any) -> list[str]:
    now = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    query = {"due": {"$lte": now}, "lease": {"$not": {"$gt": now}}}
    claimed = []
    while doc := await coll.find_one_and_update(query, {"$set": {"lease": now + timedelta(hours=1)}}, sort=[("due", 1)]):
        claimed.append(doc["_id"])
    return claimed


async def test_mongoeco_decodes_every_document_to_claim_one_and_the_adapted_engine_reads_its_index(tmp_path):
    claims, decoded = {}, {}
    for name, engine_class in ENGINES.items():
        async with claimable(engine_class, str(tmp_path / f"{name}.sqlite")) as coll:
            loads = counting(coll.engine, "_deserialize_document")
            claims[name] = await claim_all(coll)
            decoded[name] = len(loads)
    assert claims["adapted"] == claims["plain"] == ["t-25", "t-31", "t-18", "t-03"]  # by due; t-07 is held
    assert decoded["plain"] > 4 * 40 and decoded["adapted"] <= 2 * 5, decoded


async def test_a_sorted_claim_answers_as_on_mongoeco_when_a_task_holds_an_array_or_an_object_at_its_due_field(tmp_path):
    claims = {}
    for name, engine_class in ENGINES.items():
        async with claimable(engine_class, str(tmp_path / f"{name}.sqlite")) as coll:
            await coll.insert_one({"_id": "t-odd", "due": [datetime(2026, 11, 18, 9, 0, tzinfo=UTC)]})
            await coll.insert_one({"_id": "t-doc", "due": {"at": 1}})
            claims[name] = await claim_all(coll)
    assert claims["adapted"] == claims["plain"]
    assert "t-odd" in claims["plain"]


async def earliest_due(coll: Any) -> list[list[str]]:
    """Sorted finds as the service's schedule and /metrics run them: the ids of the earliest due and free (a batch's
    claim), a shorter batch, and every task that has a due time (the work waiting), by due time."""
    now = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    query = {"due": {"$lte": now}, "lease": {"$not": {"$gt": now}}}
    return [
        [d["_id"] async for d in coll.find(query, {"_id": 1}).sort("due", 1).limit(10)],
        [d["_id"] async for d in coll.find(query, {"_id": 1}).sort("due", 1).limit(2)],
        [d["_id"] async for d in coll.find({"due": {"$exists": True}}, {"_id": 1}).sort("due", 1)],
    ]


async def test_mongoeco_tests_every_document_for_the_earliest_due_and_the_adapted_engine_reads_its_index(
    tmp_path, monkeypatch
):
    """A batch of due tasks among 40, then among 40 and 400 with nothing due: SQLite's work for the batch grows with
    the collection on mongoeco, not on the adapted engine, and the answers are the same."""
    answers, work = {}, {}
    for name, engine_class in ENGINES.items():
        for more in (0, 400):
            path = str(tmp_path / f"{name}-{more}.sqlite")
            seen = traced(monkeypatch)
            async with claimable(engine_class, path) as coll:
                if more:
                    await coll.insert_many([{"_id": f"u-{n:03d}", "v": n} for n in range(more)])
                await earliest_due(coll)  # the planner learns what the collection holds
                seen.clear()
                answers[name, more] = await earliest_due(coll)
            work[name, more] = sqlite_work(path, page_reads(seen))
    by_due = ["t-25", "t-31", "t-18", "t-03"]  # t-07 is due first (9:01) but held
    assert all(answer == [by_due, by_due[:2], ["t-07", *by_due]] for answer in answers.values()), answers
    assert work["plain", 400] > 4 * work["plain", 0], work
    assert work["adapted", 400] <= 1.1 * work["adapted", 0], work


@pytest.mark.parametrize("odd", [
    {"due": None}, {"due": "soon"}, {"due": 3}, {"due": datetime(2026, 11, 18, 9, 0, tzinfo=UTC)},
    {"due": [datetime(2026, 11, 18, 9, 0, tzinfo=UTC)]}, {"due": {"at": 1}},
])
async def test_finds_sorted_by_a_due_time_answer_as_on_mongoeco_whatever_a_task_holds_there(tmp_path, odd):
    """Tasks holding at `due` a null, a string, a number, a date equal to another's, an array or an object, and finds
    whose filter does not hold only tasks with a due time (ordered with those that have none, first)."""
    answers = {}
    for name, engine_class in ENGINES.items():
        async with claimable(engine_class, str(tmp_path / f"{name}.sqlite")) as coll:
            await coll.insert_one({"_id": "t-odd", "v": 99} | odd)
            answers[name] = [
                *await earliest_due(coll),
                [d["_id"] async for d in coll.find({"v": {"$gte": 20}}, {"_id": 1}).sort("due", 1).limit(6)],
                [d["_id"] async for d in coll.find({"due": {"$in": [None, 3]}}, {"_id": 1}).sort("due", 1).limit(6)],
                [d["_id"] async for d in coll.find({"due": {"$ne": 3}}, {"_id": 1}).sort("due", 1).skip(30).limit(20)],
                [d["_id"] async for d in coll.find({"due": {"$gt": MinKey()}}, {"_id": 1}).sort("due", 1).limit(6)],
            ]
    assert answers["adapted"] == answers["plain"]


async def test_mongoeco_tests_every_document_for_a_filter_on_the_id_and_more_and_the_adapted_engine_does_not(
    tmp_path, monkeypatch
):
    answers, scans = {}, {}
    for name, engine_class in ENGINES.items():
        seen = traced(monkeypatch)
        async with AsyncMongoClient(engine_class(str(tmp_path / f"{name}.sqlite"))) as client:
            coll = client["db"]["things"]
            await coll.insert_many([{"_id": f"id-{n}", "version": n % 3} for n in range(30)])
            seen.clear()
            saved = await coll.update_one({"_id": "id-4", "version": 1}, {"$inc": {"version": 1}})
            stale = await coll.update_one({"_id": "id-5", "version": 1}, {"$inc": {"version": 1}})
            some = await coll.update_many({"_id": {"$in": ["id-1", "id-2", "id-3"]}, "version": 2}, {"$set": {"x": 1}})
            answers[name] = (saved.modified_count, stale.matched_count, some.modified_count,
                             sorted([d["_id"] async for d in coll.find({"x": 1})]))
        selects = [s for s in seen if s.lstrip().startswith("SELECT") and "json_extract(document, '$.version')" in s]
        scans[name] = any("storage_key" not in s for s in selects)
    assert answers["adapted"] == answers["plain"] == (1, 0, 1, ["id-2"])
    assert scans == {"plain": True, "adapted": False}


async def test_mongoeco_tests_every_document_for_an_equality_on_an_indexed_field_and_the_adapted_engine_uses_the_index(
    tmp_path, monkeypatch
):
    answers, scans = {}, {}
    for name, engine_class in ENGINES.items():
        path = str(tmp_path / f"{name}.sqlite")
        seen = traced(monkeypatch)
        async with AsyncMongoClient(engine_class(path)) as client:
            coll = client["db"]["things"]
            await coll.create_indexes([IndexModel([("o.carrier", 1), ("o.number", 1)])])
            await coll.insert_many([{"_id": f"id-{n}", "o": {"carrier": f"c{n % 3}", "number": f"n{n % 7}"}}
                                    for n in range(40)])
            await coll.insert_one({"_id": "tagged", "o": {"carrier": "c1", "number": Decimal128("7")}})
            seen.clear()
            answers[name] = [
                sorted([d["_id"] async for d in coll.find({"o.carrier": "c1", "o.number": "n3"})]),
                sorted([d["_id"] async for d in coll.find({"o.carrier": "c1"})]),
            ]
        reads = [s for s in seen if s.lstrip().startswith("SELECT") and "'c1'" in s]  # the finds, not the planner's questions
        with sqlite3.connect(path) as conn:
            plans = [str(row) for s in reads for row in conn.execute("EXPLAIN QUERY PLAN " + s)]
        scans[name] = not all("<expr>=?" in row for row in plans)  # SQLite searches the index by the field's value
        assert reads
    assert answers["adapted"] == answers["plain"]
    assert answers["plain"][0] == ["id-10", "id-31"]
    assert scans == {"plain": True, "adapted": False}


@asynccontextmanager
async def queue(engine_class: Any, path: str, size: int, odd: dict[str, Any]) -> AsyncIterator[Any]:
    """`size` cases in a queue ordered by `q` (a string, each value held by two cases, out of id order), with an
    index on `q` and one on each filter field then `q`; one case in 10 flagged, and one more case with `odd` in it."""
    async with AsyncMongoClient(engine_class(path)) as client:
        coll = client["db"]["cases"]
        await coll.create_indexes([IndexModel("q"), *(IndexModel([(f, 1), ("q", 1)]) for f in ("flag", "c", "n", "at"))])
        await coll.insert_many([
            {"_id": f"id-{i:04d}", "q": f"q-{(i * 37) % size // 2:04d}", "flag": i % 10 == 3, "c": f"c{i % 4}",
             "n": i % 3, "at": datetime(2026, 11, 18, i % 2, tzinfo=UTC)}
            for i in range(size)
        ])
        await coll.insert_one({"_id": "odd", "q": "q-0010", "flag": True, "c": "c2", "n": 1, **odd})
        yield coll


FILTERED_PAGES: dict[str, tuple[dict[str, Any], int]] = {
    "flagged": ({"flag": True}, 1),
    "flagged, after a cursor": ({"flag": True, "q": {"$gt": "q-0021"}}, 1),
    "not flagged, in a range": ({"flag": False, "q": {"$gte": "q-0010", "$lt": "q-0030"}}, 1),
    "a carrier": ({"c": "c2"}, 1),
    "a number, up to a key": ({"n": 1, "q": {"$lte": "q-0040"}}, 1),
    "flagged, descending": ({"flag": True}, -1),
    "a date": ({"at": datetime(2026, 11, 18, 1, tzinfo=UTC)}, 1),
}


async def filtered_pages(engine_class: Any, path: str, monkeypatch: pytest.MonkeyPatch, odd: dict[str, Any]) -> Any:
    """Each of FILTERED_PAGES (a page of 5, and one skipping 2), and SQLite's plan for each statement reading them."""
    seen = traced(monkeypatch)
    answers, plans = {}, {}
    async with queue(engine_class, path, 120, odd) as coll:
        for name, (query, direction) in FILTERED_PAGES.items():
            await coll.find(query).sort("q", direction).limit(5).to_list()  # the planner learns what the collection holds
            seen.clear()
            answers[name] = [[d["_id"] for d in await coll.find(query).sort("q", direction).skip(skip).limit(5).to_list()]
                             for skip in (0, 2)]
            plans[name] = page_reads(seen)
    with sqlite3.connect(path) as conn:
        for name, reads in plans.items():
            assert len(reads) == 2, f"{name}: the pages were not read by one statement each"
            plans[name] = [row[3] for s in reads for row in conn.execute("EXPLAIN QUERY PLAN " + s)]
        physical = dict(conn.execute("SELECT name, physical_name FROM indexes WHERE coll_name = 'cases' UNION ALL "
                                     "SELECT name || ' entries', scalar_physical_name FROM indexes WHERE coll_name = 'cases'"
                                     ).fetchall())
    return answers, {name: _read_through(plan, physical) for name, plan in plans.items()}


def _read_through(plan: list[str], physical: dict[str, str]) -> str:
    """"sorted" when SQLite's plan sorts the page's rows (or scans a table), else the index it reads in order (sorting,
    if at all, only each run of equal `q` values by storage key: `USE TEMP B-TREE FOR RIGHT PART OF ORDER BY`)."""
    if any("TEMP B-TREE FOR ORDER BY" in row or row.startswith("SCAN") for row in plan):
        return "sorted"
    return next(name for name, index in physical.items() if any(f" INDEX {index} (" in row for row in plan))


COMPOUND = {"flagged": "flag_1_q_1", "flagged, after a cursor": "flag_1_q_1", "not flagged, in a range": "flag_1_q_1",
            "a carrier": "c_1_q_1", "a number, up to a key": "n_1_q_1"}


@pytest.mark.parametrize(("odd", "flagged", "compound"), [
    ({}, ["id-0013", "id-0023", "id-0033", "odd", "id-0043"], COMPOUND),  # q: 0, 5, 10, 10 (by id), 15
    ({"flag": "yes"}, ["id-0013", "id-0023", "id-0033", "id-0043", "id-0053"], COMPOUND),  # the equality selects one type
    # an array at the filter field: mongoeco's statement for that field (its equality also matches an element)
    ({"flag": [True]}, ["id-0013", "id-0023", "id-0033", "odd", "id-0043"],
     {name: index for name, index in COMPOUND.items() if index != "flag_1_q_1"}),
    ({"q": 7}, ["odd", "id-0013", "id-0023", "id-0033", "id-0043"], {}),  # a number among the sort field's strings
])
async def test_mongoeco_sorts_the_whole_queue_for_a_filtered_page_and_the_adapted_engine_reads_the_compound_index(
    tmp_path, monkeypatch, odd, flagged, compound
):
    """A page of the queue filtered by an equality on a field with an index on it then the sort field: mongoeco
    reads every entry of the sort field's index and sorts them; the adapted engine reads the compound index in
    order from the filter's value (and the cursor's bound) and stops at the page's end, and the page is the same."""
    answers, read = {}, {}
    for name, engine_class in ENGINES.items():
        answers[name], read[name] = await filtered_pages(engine_class, str(tmp_path / f"{name}.sqlite"), monkeypatch, odd)
    assert answers["adapted"] == answers["plain"]
    assert answers["plain"]["flagged"][0] == flagged
    assert set(read["plain"].values()) == {"sorted"}
    assert {name: index for name, index in read["adapted"].items() if index.endswith("_q_1")} == compound


def page_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().startswith("SELECT") and "ORDER BY" in s and "LIMIT" in s]


def sqlite_work(path: str, statements: list[str]) -> int:
    """The instructions SQLite's virtual machine runs for `statements`: a deterministic count of the work."""
    count = 0

    def step() -> int:
        nonlocal count
        count += 1
        return 0

    with sqlite3.connect(path) as conn:
        conn.set_progress_handler(step, 1)
        for statement in statements:
            conn.execute(statement).fetchall()
    return count


async def test_a_filtered_page_costs_the_adapted_engine_the_same_whatever_the_size_of_the_queue(tmp_path, monkeypatch):
    """SQLite's work for the page of 5 flagged cases, the page after it, and the page of the one case of a carrier,
    in a queue of 100 and of 800: it grows with the queue on mongoeco, not on the adapted engine."""
    work = {}
    for name, engine_class in ENGINES.items():
        for size in (100, 800):
            path = str(tmp_path / f"{name}-{size}.sqlite")
            seen = traced(monkeypatch)
            async with queue(engine_class, path, size, {"c": "rare"}) as coll:
                first = await coll.find({"flag": True}).sort("q", 1).limit(5).to_list()
                seen.clear()
                await coll.find({"flag": True}).sort("q", 1).limit(5).to_list()
                await coll.find({"flag": True, "q": {"$gt": first[-1]["q"]}}).sort("q", 1).limit(5).to_list()
                assert [d["_id"] for d in await coll.find({"c": "rare"}).sort("q", 1).limit(5).to_list()] == ["odd"]
            work[name, size] = sqlite_work(path, page_reads(seen))
    assert work["plain", 800] > 4 * work["plain", 100], work
    assert work["adapted", 800] <= 1.5 * work["adapted", 100], work


def date_sort_scans(statements: list[str]) -> int:
    """The statements of mongoeco's scan before a find of `sorted_by_date`: a test for an array at `at` among the
    documents its filter (on `s`, or none: `1 = 1`) selects. A question about every document names no filter."""
    return sum(1 for s in statements if " ".join(s.split()).startswith("SELECT 1 FROM documents")
               and "json_type(document, '$.at') = 'array'" in s and ("'$.s'" in s or "(1 = 1)" in s))


async def sorted_by_date(coll: Any) -> list[list[str]]:
    """Finds sorted by the date `at`, as the service reads a shipment's events by the time they were received."""
    return [
        [d["_id"] async for d in coll.find({"s": "s1"}).sort("at", 1)],
        [d["_id"] async for d in coll.find({"s": {"$ne": "s1"}}).sort("at", -1).limit(4)],
        [d["_id"] async for d in coll.find({}).sort([("at", 1), ("_id", -1)]).skip(2)],
    ]


def events_at(minutes: list[int | None]) -> list[dict[str, Any]]:
    """Events e-00, e-01, ... of shipments s0, s1, s2 in turn, each received at 9:m (no `at` where m is None)."""
    at = [{} if m is None else {"at": datetime(2026, 11, 18, 9, m, tzinfo=UTC)} for m in minutes]
    return [{"_id": f"e-{n:02d}", "s": f"s{n % 3}", **fields} for n, fields in enumerate(at)]


EVENTS = events_at([None, *((n * 7) % 30 for n in range(1, 30))]) + [{"_id": "e-30", "s": "s0", "at": None}]


SORTED_IN_PYTHON_AT = ("db", "events", "sorted_in_python:at")  # the adapted engine's answer for the field


async def date_sorts_of(engine_class: Any, monkeypatch: pytest.MonkeyPatch, odd: dict[str, Any], write: str) -> Any:
    """The finds of `sorted_by_date` on EVENTS (after they ran once), before and after `write` (an "insert" of an
    event e-new holding `odd`, an "update" storing `odd` in e-05, or "none": e-05 held `odd` from the start); the
    number of scans mongoeco ran for them, before and after; and what the engine knew right after the write of
    whether any event holds at `at` what mongoeco sorts in Python (None: nothing)."""
    seen = traced(monkeypatch)
    engine = engine_class()
    async with AsyncMongoClient(engine) as client:
        coll = client["db"]["events"]
        await coll.insert_many([event | odd if event["_id"] == "e-05" and write == "none" else event for event in EVENTS])
        await sorted_by_date(coll)  # the planner learns what the collection holds
        seen.clear()
        before, scans_before = await sorted_by_date(coll), date_sort_scans(seen)
        if write == "insert":
            await coll.insert_one({"_id": "e-new", "s": "s1"} | odd)
        elif write == "update":
            await coll.update_one({"_id": "e-05"}, {"$set": odd})
        known = engine._collection_features_cache.get(SORTED_IN_PYTHON_AT)
        seen.clear()
        after = await sorted_by_date(coll)
        return (before, after), (scans_before, date_sort_scans(seen)), known


@pytest.mark.parametrize("write", ["insert", "update"])
async def test_mongoeco_scans_the_collection_before_each_find_sorted_by_a_date_and_the_adapted_engine_does_not(
    monkeypatch, write
):
    """Dates, nulls and a missing field at the sort field: nothing mongoeco sorts in Python, asked once of the
    collection and still known after a write storing another date."""
    date = {"at": datetime(2026, 11, 18, 9, 3, 30, tzinfo=UTC)}
    runs = {name: await date_sorts_of(engine_class, monkeypatch, date, write) for name, engine_class in ENGINES.items()}
    assert runs["plain"][1:] == ((3, 3), None)
    assert runs["adapted"] == (runs["plain"][0], (0, 0), False)
    (plain, plain_after), _, _ = runs["plain"]
    # s1 is e-01, e-04, ... e-28, received at 7n mod 30 minutes past 9
    assert plain[0] == [f"e-{n:02d}" for n in (13, 22, 1, 10, 19, 28, 7, 16, 25, 4)]
    assert plain[1] == ["e-17", "e-21", "e-08", "e-12"]  # at 9:29, 9:27, 9:26, 9:24
    assert plain[2][:3] == ["e-13", "e-26", "e-09"]  # after the null and the missing `at` (skipped), at 9:01, 9:02, 9:03
    find, first = {"insert": (0, ["e-13", "e-new", "e-22"]), "update": (2, ["e-13", "e-26", "e-09", "e-05", "e-22"])}[write]
    assert plain_after[find][: len(first)] == first  # the date written at 9:03:30


@pytest.mark.parametrize("write", ["none", "insert", "update"])
@pytest.mark.parametrize("odd", [
    {"at": [datetime(2026, 11, 18, 9, 40, tzinfo=UTC), datetime(2026, 11, 18, 8, 0, tzinfo=UTC)]},
    {"at": {"when": datetime(2026, 11, 18, 8, 0, tzinfo=UTC)}},
    {"at": Int64(3)},
    {"at": Decimal128("2.5")},
], ids=["an array", "an object", "an Int64", "a Decimal128"])
async def test_a_find_sorted_by_a_date_is_scanned_for_as_on_mongoeco_once_an_event_holds_what_it_sorts_in_python(
    monkeypatch, odd, write
):
    """An event holding at the sort field what mongoeco sorts in Python, from the start or stored by a write after
    the collection was known to hold none (which drops that answer): the adapted engine scans as mongoeco does from
    then on, and answers the same."""
    runs = {name: await date_sorts_of(engine_class, monkeypatch, odd, write) for name, engine_class in ENGINES.items()}
    assert runs["plain"][1:] == ((3, 3), None)
    scans, known = ((3, 3), True) if write == "none" else ((0, 3), None)
    assert runs["adapted"] == (runs["plain"][0], scans, known)
    (_, after), _, _ = runs["plain"]
    holder = "e-new" if write == "insert" else "e-05"
    assert after[2][0] == holder  # before every date: a number, an object, or an array by its earliest element


SCALAR = st.one_of(
    st.integers(0, 4).map(lambda m: datetime(2026, 11, 18, 9, m, tzinfo=UTC)), st.none(), st.integers(-2, 2),
    st.floats(-2, 2, allow_nan=False), st.text("ab", max_size=2), st.booleans(),
)
SORTED_IN_PYTHON = st.one_of(
    st.lists(SCALAR, max_size=2), st.dictionaries(st.sampled_from("ab"), SCALAR, max_size=2), st.integers(-2, 2).map(Int64),
    st.sampled_from(["-1.5", "0", "2"]).map(Decimal128),
)
AT_SCALAR = st.one_of(st.just({}), SCALAR.map(lambda value: {"at": value}))  # {}: no `at`
AT_ANY = st.one_of(AT_SCALAR, SORTED_IN_PYTHON.map(lambda value: {"at": value}))


@settings(max_examples=60, deadline=None)
@given(
    first=st.lists(AT_SCALAR, max_size=10),
    mixed_in=st.lists(SORTED_IN_PYTHON.map(lambda value: {"at": value}), max_size=2),
    later=st.lists(AT_ANY, max_size=3),
)
async def test_finds_sorted_by_a_field_of_mixed_values_answer_as_on_mongoeco(
    first: list[dict[str, Any]], mixed_in: list[dict[str, Any]], later: list[dict[str, Any]]
):
    """Dates, nulls, missing fields, numbers, strings and bools at the sort field, with or without arrays, objects,
    Int64s and Decimal128s among them, then writes (an insert, an update setting or removing the field) of any of
    these: the finds of `sorted_by_date` answer as on mongoeco after each."""
    answers = {}
    for name, engine_class in ENGINES.items():
        async with AsyncMongoClient(engine_class()) as client:
            coll = client["db"]["events"]
            events = [{"_id": f"e-{n:02d}", "s": f"s{n % 3}", **at} for n, at in enumerate([*first, *mixed_in])]
            if events:
                await coll.insert_many(events)
            seen = [await sorted_by_date(coll)]
            for n, at in enumerate(later):
                if n % 2:
                    await coll.update_one({"_id": "e-00"}, {"$set": at} if at else {"$unset": {"at": ""}})
                else:
                    await coll.insert_one({"_id": f"later-{n}", "s": "s1", **at})
                seen.append(await sorted_by_date(coll))
            answers[name] = seen
    assert answers["adapted"] == answers["plain"]
