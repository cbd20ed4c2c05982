"""mongoeco's SQLite engine and wire server as the embedded default runs them, with the changes below: where
mongoeco's cost per operation grows with the size of the collection (1 to 10), where its cache fails a write under
concurrent reads (11), where every write pays for change delivery nothing uses and can stall behind it (12), and
where a server that runs for weeks keeps every session a client dropped (13). Written for one mongoeco version
(`MONGOECO_VERSION`): `tests/integration/test_embedded_engine.py` fails when another version is installed, and
checks that each change is still needed and keeps MongoDB's semantics (duplicate `_id`s and unique keys refused,
queries answering the same as before).

1. `_id` uniqueness on a single-document insert. mongoeco checks the new `_id` by an indexed lookup of its
   storage key, then again by loading and decoding *every* document of the collection to compare `_id`
   values (`_validate_document_against_unique_indexes(..., scan_payload_id=True)`). The scan exists for
   ids whose BSON equality is wider than their storage key (1, 1.0 and Int64(1) are one `_id`), which
   mongoeco also scans for on its own; for a string or an ObjectId the storage key is the value, so the
   lookup alone decides and the scan is skipped.

2. Collection features after a write. Before running a query or checking a unique index, mongoeco asks
   questions about the whole collection ("does any document hold an array at `shipment_key`?", "a Decimal128
   at `opened_at`?", "are all `sla.decision_due` values of one type?") with a full-table SQL scan each, and
   caches the answers in `_collection_features_cache` — until the next write to the collection, which
   drops them all. On a service that writes all the time, nearly every operation paid several full scans.
   Here a write keeps the answers it cannot have changed: a SQLite trigger records the documents each write
   stores, the same questions are asked of those documents alone (mongoeco's own methods, run against a
   scratch database holding just them), and an answer is kept only when they do not change it — "no
   document has it" stays true if no stored document has it; "all values are strings" stays true if the
   stored ones are strings. Every other answer is dropped and recomputed by mongoeco as before, and a write
   that stored nothing (a delete) drops everything, as mongoeco does.

3. Sorting by a field that holds nothing mongoeco must sort in Python. Before each sorted query mongoeco asks
   its cached questions (an array on a path of the filter or on the way to a sort field, bytes or undefined at
   one), then scans every document matching the filter for an array at each sort field or an object it cannot
   order in SQL (a plain object, or one tagged int64, decimal, decimal128 or decimal128_public):
   `_sort_requires_python`, uncached. Where no document holds an array on a path of the filter and, at each
   sort field, every document holds one scalar type (mongoeco's own, cached answer of
   `_field_has_uniform_scalar_sort_type_in_collection`) or the other cached questions find nothing and no
   document of the collection holds such a value (a date field: asked once, and kept like the answers of 2),
   mongoeco's answer can only be no: the scan is skipped.

4. Sorting from a single-field index (`_build_scalar_sort_select_sql`). mongoeco walks the index's entries
   ordered by value but not by type (`ORDER BY element_key`), which SQLite cannot read from the index
   (type, value) in order: it joins and sorts every entry of the collection before taking the first page.
   Where the field holds one scalar type in every document, all entries have that type, so the same
   statement restricted to it (`type_score = ?`) reads the index in order and stops at the page's end.

5. Reading in the order of a field whose index is partial on its existence: a sorted find-and-modify
   (`find_one_and_update(..., sort=...)`, how one item of due work is claimed), and a sorted find (the ids of the
   earliest due, how a batch is claimed; the messages and the pushed events waiting, read for /metrics). For the
   find-and-modify mongoeco loads and decodes every document of the collection and sorts the matches in Python
   (`_sqlite_modify_ops.update_with_operation` refuses SQL whenever there is a sort); for the find it sorts from an
   index only when the index has no filter, so it tests every document of the collection in SQL and sorts the matches.
   Where the sort is one ascending field with a single-field index partial on that field's existence, the filter
   holds only documents that have the field (a comparison of it with values other than null, or `$exists: true`:
   every one has an entry in that index), and no document holds an array or an object there (asked once and kept
   like the answers of 2), the index's entries are in the sort's order (by type, then value), so reading them in
   order with mongoeco's SQL for the filter (when mongoeco itself would run the filter as SQL), up to the limit,
   finds the documents mongoeco would: the find reads them alone, and the find-and-modify hands mongoeco the first
   alone, which it checks, sorts and updates as before. The work follows the documents holding the field (the work
   due, of one kind), not the collection.

6. Filters naming the `_id` among other conditions (`{"_id": id, "version": 3}`: a compare-and-set save, a
   lease released by its holder, `{"_id": {"$in": ids}, ...}`). mongoeco finds the document by its storage
   key only for a filter on `_id` alone; with other conditions it tests every document's JSON. For an `_id`
   of a string or an ObjectId the storage key is the value (see 1), so the same SQL with
   `documents.storage_key = ?` (or `IN (...)`) added selects the same documents, through the primary key.

7. Equality to a string on a field of an index (`{"order.carrier": c, "order.tracking_number": t}`, `{"idempotency.key": k}`, `{"customer_id": c, "opened_at": {...}}`). mongoeco creates each index as
   an SQLite index on expressions of the document (`index_expressions_sql`: the value's type tag, then its
   value) but translates the equality with other expressions (`json_type(f) = 'text' AND json_extract(f) =
   v`), so SQLite never uses the index and tests every document. Where a string is matched that way, its
   type tag is '' and its value is v, so those two conditions, in the index's own expressions, are added:
   the same documents, found through the index.

8. A write that changes some fields keeps what is known of the others (2, before asking the written documents).
   An update made of field operators (`$set`, `$unset`, `$inc`, `$push`, ...: no replacement, pipeline or upsert)
   changes values only under the paths it names (a `$rename`'s target too; a path is cut before its first array
   position), so an answer about a field neither under nor above one of them is what it was: a save that writes
   three fields of a dispute, or a claim that writes its lease of one kind, no longer has every question about the
   collection asked again of the document; the other questions are asked of the top-level fields it changed alone.

9. An update whose filter mongoeco cannot translate to SQL (`{"_id": id, "outbox.id": m}`, a condition on a
   field of an array's elements: how the relay records a delivery) makes it load and decode every document of
   the collection and test each. Where the filter names the `_id` (alone or among other conditions, see 6), only
   the documents with those storage keys can match: mongoeco is handed those and tests them as before.

10. A page sorted by one field and filtered by an equality on another (`{"flagged": True}` sorted by `queue_key`: the
   queue of one carrier, assignee, customer, channel or outcome, or of flagged cases). mongoeco sorts only from an
   index on the sort field alone, so it reads that index in order (see 4) testing each entry's document until the
   page is full: every entry ahead of the page, the whole index when few documents hold the value. Where the filter
   holds an equality to a string, a bool or an int that mongoeco translates as `json_type(f) = t AND json_extract(f)
   = v` (see 7), the collection has an index on that field then the sort field ascending, and the sort field is a
   string in every document (so its index entries are its values, in the same order), the page is read from that
   index instead, an SQLite index on each field's type tag then value: mongoeco's conditions are kept, and those they
   imply are added in the index's own expressions (tag '' and value v for the equality, tag '' for the sort field,
   and each range of a string bound on the sort field, such as `$gt` a cursor, as a bound of its value). SQLite
   then searches the index from the value (and the bound) and reads the sort field's values in order, stopping at
   the page's end; equal values of the sort field are put in storage-key order as mongoeco puts them (SQLite sorts
   each run of them). Anything else (descending, another type, an array at either field) keeps the statement of 4.

11. The cache of 2 is shared by the threads mongoeco runs operations on, and its invalidation after each write
    iterated it: a read on another thread adding an answer meanwhile failed the write ("dictionary changed size during
    iteration", a rare 500 under load). It is read from a copy (one step for the interpreter) and never iterated.

12. Change delivery. mongoeco's SQLite engine declares change delivery through a transactional outbox: after every
    write, on the server's event loop, it takes a lease row for its change consumer (a write and a commit), starts a
    thread to keep the lease, copies the write's changes out of the outbox one commit each, compacts the outbox
    (another commit), gives the lease back (another) and joins the thread. A lease left held (one whose keeping thread
    did not end within 11 s is never given back; it expires after 30 s) makes each write wait until it expires, and
    the event loop with it: nothing is answered meanwhile, not even a driver's handshake. Change streams do not reach
    the wire, and the service never opens one, so the engine declares no change delivery (`change_delivery="none"`,
    a mode mongoeco supports): writes no longer pay for it, and no lease can hold them.

13. Sessions of the wire server (`EmbeddedServer`, not the engine). mongoeco keeps a session for each `lsid` a client
    sends until the client ends it (`endSessions`), though its handshake says sessions expire after
    `logicalSessionTimeoutMinutes` (30) unused, as MongoDB's do. PyMongo ends the sessions it pools only when the
    client closes, and drops without a word one that failed (a network error, or a client-side timeout: the service
    bounds every storage call) or went unused for 29 minutes: it counts on the server to expire it. On a server that
    runs for weeks each such session was kept for good (about 2 KB each). Here each session's last use is noted, and
    those unused for longer than the handshake says are ended as `endSessions` ends them (a transaction left open in
    one is aborted), looked for at most once a minute, as commands arrive.
"""

import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from bson import MaxKey, MinKey, ObjectId
from mongoeco.engines._sqlite_fast_paths import build_select_statement_with_custom_order
from mongoeco.engines.semantic_core import compile_find_semantics, compile_update_semantics
from mongoeco.engines.sqlite_query import (
    _translate_same_type_comparison,
    _translate_scalar_equals,
    json_path_for_field,
    translate_query_plan,
    type_expression_sql,
    value_expression_sql,
)
from mongoeco.engines.sqlite import SQLiteEngine as _SQLiteEngine
from mongoeco.session import ClientSession
from mongoeco.wire import AsyncMongoEcoProxyServer
from mongoeco.wire._session_identity import wire_session_key
from mongoeco.wire.sessions import WireSessionStore
from mongoeco.wire.surface import WireSurface
from mongoeco._types.aliases import Document
from mongoeco.core.query_plan import (
    AndCondition,
    EqualsCondition,
    ExistsCondition,
    GreaterThanCondition,
    GreaterThanOrEqualCondition,
    InCondition,
    LessThanCondition,
    LessThanOrEqualCondition,
    QueryNode,
)
from mongoeco._types.documents import EngineIndexRecord

MONGOECO_VERSION = "4.11.0"
_EXACT_ID_TYPES = (str, ObjectId)  # ids whose storage key decides equality
WRITTEN = "embedded_written_documents"
_CAPTURE = (  # one statement each: executescript would commit the write in progress
    f"CREATE TEMP TABLE IF NOT EXISTS {WRITTEN} (db_name TEXT, coll_name TEXT, document TEXT)",
    *(f"CREATE TEMP TRIGGER IF NOT EXISTS {WRITTEN}_{event} AFTER {event} ON main.documents "
      f"BEGIN INSERT INTO {WRITTEN} VALUES (new.db_name, new.coll_name, new.document); END"
      for event in ("insert", "update")),
)
# Feature kinds (the text before the first ':' of a cache key) and the answer that survives a write when
# the written documents alone give it too. A kind not listed here is always dropped.
_KEEP_IF_UNCHANGED: dict[str, Callable[[Any], bool]] = {
    kind: (lambda answer: answer is False)
    for kind in ("array_or_object", "tagged_type", "traverses_array", "traverses_dbref", "top_level_array", "contains_real_numeric",
                 "contains_non_ascii_text", "comparison_mismatch", "scalar_or_array_comparison_mismatch", "sorted_in_python")
} | {"uniform_scalar_sort_type": lambda answer: isinstance(answer, str)}
# Type tags of an object at a sort field that make mongoeco sort in Python ('' for an object that is not a
# tagged value), as `_sort_requires_python` lists them.
_SORTED_IN_PYTHON = ("", "int64", "decimal", "decimal128", "decimal128_public")
_RANGE_TYPES = (GreaterThanCondition, GreaterThanOrEqualCondition, LessThanCondition, LessThanOrEqualCondition)
_RANGES: dict[type[QueryNode], str] = dict(zip(_RANGE_TYPES, (">", ">=", "<", "<="), strict=True))
# Update operators whose paths (and a `$rename`'s targets) name every field they change.
_FIELD_OPERATORS = frozenset({
    "$set", "$unset", "$inc", "$mul", "$min", "$max", "$currentDate", "$push", "$pull", "$pullAll", "$addToSet",
    "$pop", "$bit", "$rename",
})


class SQLiteEngine(_SQLiteEngine):
    capabilities = dataclasses.replace(_SQLiteEngine.capabilities, change_delivery="none")  # see 12

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scratch = threading.local()
        self._sorted_update = threading.local()

    def _create_sqlite_connection(self) -> sqlite3.Connection:
        """mongoeco's write-ahead log commits with `synchronous=NORMAL`, which leaves the last commits in the
        operating system's cache: a disk that fails, or a machine that loses power, loses them, though each was
        answered 2xx. Here each commit waits for the disk (`FULL`: the contract and integration tiers took 6% longer
        with it, 47 s → 50 s)."""
        connection = super()._create_sqlite_connection()
        if self._path != ":memory:":
            connection.execute("PRAGMA synchronous=FULL")
        return connection

    def _validate_document_against_unique_indexes(
        self,
        db_name: str,
        coll_name: str,
        document: Document,
        *,
        exclude_storage_key: str | None = None,
        skip_id_check: bool = False,
        scan_payload_id: bool = False,
    ) -> None:
        if scan_payload_id and type(document.get("_id")) in _EXACT_ID_TYPES:
            scan_payload_id = False
        super()._validate_document_against_unique_indexes(
            db_name, coll_name, document,
            exclude_storage_key=exclude_storage_key, skip_id_check=skip_id_check, scan_payload_id=scan_payload_id,
        )

    def _translate_query_plan_with_multikey(self, db_name: str, coll_name: str, plan: QueryNode) -> tuple[str, list[object]]:
        sql, params = super()._translate_query_plan_with_multikey(db_name, coll_name, plan)
        if ids := _exact_ids(plan):
            keys = [self._storage_key(value) for value in ids]
            return f"documents.storage_key IN ({', '.join('?' for _ in keys)}) AND ({sql})", [*keys, *params]
        if self._string_equality_on_an_index(db_name, coll_name, plan):
            assert isinstance(plan, EqualsCondition)
            field = plan.field
            return (f"({sql}) AND {type_expression_sql(field)} = '' AND {value_expression_sql(field)} = ?",
                    [*params, plan.value])
        return sql, params

    def _string_equality_on_an_index(self, db_name: str, coll_name: str, plan: QueryNode) -> bool:
        """An equality to a string that mongoeco translates as `json_type(f) = 'text' AND json_extract(f) = v`
        (no multikey index on the field, no array at it), on a field of an index."""
        if not isinstance(plan, EqualsCondition) or type(plan.value) is not str or plan.field == "_id":
            return False
        field = plan.field
        indexed = any(field in index["fields"] and index.get("physical_name")
                      for index in self._load_indexes(db_name, coll_name))
        return (indexed and self._find_multikey_index(db_name, coll_name, field) is None
                and not self._field_is_top_level_array_in_collection(db_name, coll_name, field))

    def _sort_requires_python(self, db_name: str, coll_name: str, plan: QueryNode, sort: Any) -> bool:
        if sort and self._sorts_in_sql(db_name, coll_name, plan, sort):
            return False
        return bool(super()._sort_requires_python(db_name, coll_name, plan, sort))

    def _sorts_in_sql(self, db_name: str, coll_name: str, plan: QueryNode, sort: Any) -> bool:
        """Whether mongoeco's `_sort_requires_python` can only answer no, from answers kept for the collection (see 3)."""
        if self._plan_has_array_traversing_paths(db_name, coll_name, plan):
            return False
        translate_query_plan(plan)  # raises where mongoeco's scan would (and mongoeco then sorts in Python)
        return all(
            self._field_has_uniform_scalar_sort_type_in_collection(db_name, coll_name, field)
            or not (
                self._field_traverses_array_in_collection(db_name, coll_name, field)
                or self._field_contains_tagged_bytes_in_collection(db_name, coll_name, field)
                or self._field_contains_tagged_undefined_in_collection(db_name, coll_name, field)
                or self._field_holds_value_sorted_in_python_in_collection(db_name, coll_name, field)
            )
            for field, _ in sort
        )

    def _build_scalar_sort_select_sql(
        self, db_name: str, coll_name: str, plan: QueryNode, *, select_clause: str, sort: Any, skip: int,
        limit: int | None, hint: Any,
    ) -> tuple[str, list[object]] | None:
        built = super()._build_scalar_sort_select_sql(
            db_name, coll_name, plan, select_clause=select_clause, sort=sort, skip=skip, limit=limit, hint=hint
        )
        if hint is None and (built is None or "scalar_index_entries" not in built[0]):
            in_order = self._in_existence_index_order(db_name, coll_name, plan, sort, select_clause, skip, limit)
            if in_order is not None:
                return in_order  # see 5
        if built is None or "scalar_index_entries" not in built[0] or sort[0][1] != 1:
            return built  # mongoeco's own statement, or one that does not read an index
        field = sort[0][0]
        where_sql, where_params = self._translate_query_plan_with_multikey(db_name, coll_name, plan)
        if compound := self._compound_index_order(db_name, coll_name, plan, field):
            ordered, conditions, params = compound
            return build_select_statement_with_custom_order(
                select_clause=select_clause,
                from_clause=f"documents INDEXED BY {self._quote_identifier(str(ordered.physical_name))}",
                namespace_sql="documents.db_name = ? AND documents.coll_name = ?",
                namespace_params=(db_name, coll_name),
                where_fragment=(f"({where_sql}) AND {conditions}", [*where_params, *params]),
                order_sql=f" ORDER BY {value_expression_sql(field)} ASC, documents.storage_key ASC",
                skip=skip,
                limit=limit,
            )
        index = self._find_scalar_sort_index(db_name, coll_name, field)
        scalar_type = self._field_has_uniform_scalar_sort_type_in_collection(db_name, coll_name, field)
        collection_id = self._lookup_collection_id(self._require_connection(), db_name, coll_name)
        assert index is not None and scalar_type is not None and collection_id is not None  # as mongoeco found them
        return build_select_statement_with_custom_order(
            select_clause=self._resolve_select_clause_for_scalar_sort(select_clause),
            from_clause=self._documents_by_index_entries(index),
            namespace_sql=(
                "scalar_index_entries.collection_id = ? AND scalar_index_entries.index_name = ? "
                "AND scalar_index_entries.type_score = ?"
            ),
            namespace_params=(db_name, coll_name, collection_id, index["name"], self._multikey_type_score(scalar_type)),
            where_fragment=(where_sql, where_params),
            order_sql=" ORDER BY scalar_index_entries.element_key ASC, scalar_index_entries.storage_key ASC",
            skip=skip,
            limit=limit,
        )

    def _compound_index_order(
        self, db_name: str, coll_name: str, plan: QueryNode, field: str
    ) -> tuple[EngineIndexRecord, str, list[object]] | None:
        """An index on a field of a plain equality then `field`, when `field` is a string in every document (see
        10): the index, and the conditions the filter's SQL implies, in the index's own expressions."""
        if self._field_has_uniform_scalar_sort_type_in_collection(db_name, coll_name, field) != "string":
            return None
        clauses = plan.clauses if isinstance(plan, AndCondition) else (plan,)
        for clause in clauses:
            equality = self._plain_equality(db_name, coll_name, clause)
            index = None if equality is None else self._index_on(db_name, coll_name, equality[0], field)
            if equality is not None and index is not None:
                first, value = equality
                bounds = [bound for other in clauses if (bound := self._string_bound(db_name, coll_name, other, field))]
                conditions = [
                    f"{type_expression_sql(first)} = ''", f"{value_expression_sql(first)} = ?",
                    f"{type_expression_sql(field)} = ''", *(f"{value_expression_sql(field)} {op} ?" for op, _ in bounds),
                ]
                return index, " AND ".join(conditions), [value, *(bound for _, bound in bounds)]
        return None

    def _plain_equality(self, db_name: str, coll_name: str, clause: QueryNode) -> tuple[str, object] | None:
        """The field of an equality to a string, a bool or an int, and the value SQLite compares it with, when
        mongoeco translates it as `json_type(f) = t AND json_extract(f) = v` (no array at f, nor a multikey index)."""
        if not isinstance(clause, EqualsCondition) or type(clause.value) not in (str, bool, int):
            return None
        plain = _translate_scalar_equals(clause.field, clause.value)
        translated = super()._translate_query_plan_with_multikey(db_name, coll_name, clause)
        return (clause.field, plain[1][0]) if translated == plain else None

    def _string_bound(self, db_name: str, coll_name: str, clause: QueryNode, field: str) -> tuple[str, str] | None:
        """The SQL operator and bound of a range on `field` (a string in every document) by a string, when mongoeco
        translates it as `json_type(f) = 'text' AND json_extract(f) op v`, alone or beside a comparison of type
        brackets that no string passes."""
        if not isinstance(clause, _RANGE_TYPES) or clause.field != field or type(clause.value) is not str:
            return None
        operator = _RANGES[type(clause)]
        translated = super()._translate_query_plan_with_multikey(db_name, coll_name, clause)
        known = (_translate_same_type_comparison(operator, field, clause.value), translate_query_plan(clause))
        return (operator, clause.value) if translated in known else None

    def _index_on(self, db_name: str, coll_name: str, first: str, second: str) -> EngineIndexRecord | None:
        """An index on `first`, then `second` ascending: an SQLite index on their expressions (type, value)."""
        index: EngineIndexRecord
        for index in self._load_indexes(db_name, coll_name):
            if index.fields == [first, second] and index.physical_name and index.key[1][1] == 1:
                return index
        return None

    def _update_with_operation_sync(
        self, db_name: str, coll_name: str, operation: Any, upsert: bool, upsert_seed: Any, selector_filter: Any,
        context: Any, dialect: Any = None, bypass_document_validation: bool = False, replacement_document: Any = None,
        *args: Any, **kwargs: Any,
    ) -> Any:
        self._sorted_update.pending = (db_name, coll_name, operation)  # read by the first `_load_documents` below
        fields = None if upsert or replacement_document is not None else _fields_changed(operation.update_spec)
        self._sorted_update.fields = fields  # read by `_invalidate_collection_features_cache`
        try:
            return super()._update_with_operation_sync(
                db_name, coll_name, operation, upsert, upsert_seed, selector_filter, context, dialect,
                bypass_document_validation, replacement_document, *args, **kwargs,
            )
        finally:
            self._sorted_update.pending = self._sorted_update.fields = None

    def _select_first_document_for_plan(self, db_name: str, coll_name: str, plan: QueryNode, **kwargs: Any) -> Any:
        found = super()._select_first_document_for_plan(db_name, coll_name, plan, **kwargs)
        self._sorted_update.pending = None  # an update found its document by SQL: no scan follows
        return found

    def _load_documents(self, db_name: str, coll_name: str) -> Any:
        pending = getattr(self._sorted_update, "pending", None)
        self._sorted_update.pending = None
        if pending is not None and pending[:2] == (db_name, coll_name):
            first = self._first_in_sort_order(db_name, coll_name, pending[2])
            if first is None:
                first = self._with_ids(db_name, coll_name, pending[2])
            if first is not None:
                return iter(first)
        return super()._load_documents(db_name, coll_name)

    def _with_ids(self, db_name: str, coll_name: str, operation: Any) -> list[tuple[str, Document]] | None:
        """The documents an unsorted update's filter can match when it names their `_id`s (see 9), or None."""
        plan = compile_update_semantics(operation).query_plan
        clauses = plan.clauses if isinstance(plan, AndCondition) else (plan,)
        ids = next((found for clause in clauses if (found := _exact_ids(clause))), ())
        if not ids or operation.sort:
            return None
        keys = [self._storage_key(value) for value in ids]
        rows = self._require_connection().execute(
            "SELECT storage_key, document FROM documents WHERE db_name = ? AND coll_name = ? "
            f"AND storage_key IN ({', '.join('?' for _ in keys)}) ORDER BY rowid",
            (db_name, coll_name, *keys),
        ).fetchall()
        return [(row[0], self._deserialize_document(row[1])) for row in rows]

    def _first_in_sort_order(self, db_name: str, coll_name: str, operation: Any) -> list[tuple[str, Document]] | None:
        """The document a sorted update would pick (as a list of at most one), or None to let mongoeco look."""
        semantics = compile_update_semantics(operation)
        if (
            semantics.collation is not None
            or semantics.selector_plan is not None
            or self._dialect_requires_python_fallback(semantics.dialect)
        ):
            return None
        find = compile_find_semantics(semantics.filter_spec, plan=semantics.query_plan, limit=1, dialect=semantics.dialect)
        if not self._compile_read_execution_plan(db_name, coll_name, find, select_clause="storage_key, document").use_sql:
            return None  # mongoeco would not trust its SQL for this filter
        statement = self._in_existence_index_order(
            db_name, coll_name, semantics.query_plan, semantics.sort, "storage_key, document", 0, 1
        )
        if statement is None:
            return None
        row = self._require_connection().execute(*statement).fetchone()
        return [] if row is None else [(row[0], self._deserialize_document(row[1]))]

    def _in_existence_index_order(
        self, db_name: str, coll_name: str, plan: QueryNode, sort: Any, select_clause: str, skip: int, limit: int | None
    ) -> tuple[str, list[object]] | None:
        """The statement reading the documents `plan` matches in the order of `sort` from the sort field's index
        partial on its existence (see 5), or None where that index cannot give mongoeco's answer."""
        if not sort or len(sort) != 1 or sort[0][1] != 1:
            return None
        field = sort[0][0]
        index = self._existence_index(db_name, coll_name, field)
        if (
            index is None
            or not _requires_field(plan, field)
            or self._field_traverses_array_in_collection(db_name, coll_name, field)
            or self._field_holds_array_or_object_in_collection(db_name, coll_name, field)
        ):
            return None
        collection_id = self._lookup_collection_id(self._require_connection(), db_name, coll_name)
        if collection_id is None:
            return None
        return build_select_statement_with_custom_order(
            select_clause=self._resolve_select_clause_for_scalar_sort(select_clause),
            from_clause=self._documents_by_index_entries(index),
            namespace_sql="scalar_index_entries.collection_id = ? AND scalar_index_entries.index_name = ?",
            namespace_params=(db_name, coll_name, collection_id, index["name"]),
            where_fragment=self._translate_query_plan_with_multikey(db_name, coll_name, plan),
            order_sql=(" ORDER BY scalar_index_entries.type_score, scalar_index_entries.element_key, "
                       "scalar_index_entries.storage_key"),
            skip=skip,
            limit=limit,
        )

    def _documents_by_index_entries(self, index: EngineIndexRecord) -> str:
        """The documents joined to `index`'s scalar entries, read through that index (the namespace's parameters first:
        database and collection)."""
        return (
            f"scalar_index_entries INDEXED BY {self._quote_identifier(str(index['scalar_physical_name']))} "
            "JOIN documents ON documents.db_name = ? AND documents.coll_name = ? "
            "AND documents.storage_key = scalar_index_entries.storage_key"
        )

    def _existence_index(self, db_name: str, coll_name: str, field: str) -> EngineIndexRecord | None:
        """A single-field index on `field` holding every document where it exists (and only those)."""
        index: EngineIndexRecord
        for index in self._load_indexes(db_name, coll_name):
            if (
                index["fields"] == [field]
                and index.get("scalar_physical_name")
                and not index.get("sparse")
                and index.get("partial_filter_expression") == {field: {"$exists": True}}
            ):
                return index
        return None

    def _field_holds_array_or_object_in_collection(self, db_name: str, coll_name: str, field: str) -> bool:
        """Whether any document holds an array or an object other than a tagged value (such as a date) at
        `field`: such values have no entry in the index's scalar entries."""
        return self._field_holds_array_or_tagged_object(db_name, coll_name, field, "array_or_object", ("",))

    def _field_holds_value_sorted_in_python_in_collection(self, db_name: str, coll_name: str, field: str) -> bool:
        """Whether any document holds at `field` a value for which mongoeco sorts in Python (`_sort_requires_python`):
        an array, or an object tagged as one of `_SORTED_IN_PYTHON`."""
        return self._field_holds_array_or_tagged_object(db_name, coll_name, field, "sorted_in_python", _SORTED_IN_PYTHON)

    def _field_holds_array_or_tagged_object(
        self, db_name: str, coll_name: str, field: str, kind: str, tags: tuple[str, ...]
    ) -> bool:
        """Whether any document holds an array, or an object whose type tag is one of `tags`, at `field`: asked
        once, and cached as the collection feature `kind:field`."""
        feature_key = (db_name, coll_name, f"{kind}:{field}")
        if feature_key in self._collection_features_cache:
            return bool(self._collection_features_cache[feature_key])
        path = "'" + json_path_for_field(field).replace("'", "''") + "'"
        row = self._require_connection().execute(
            f"SELECT 1 FROM documents WHERE db_name = ? AND coll_name = ? AND (json_type(document, {path}) = 'array' "
            f"OR (json_type(document, {path}) = 'object' AND {type_expression_sql(field)} IN "
            f"({', '.join('?' for _ in tags)}))) LIMIT 1",
            (db_name, coll_name, *tags),
        ).fetchone()
        self._collection_features_cache[feature_key] = row is not None
        return row is not None

    def _require_connection(self, context: ClientSession | None = None) -> sqlite3.Connection:
        scratch: sqlite3.Connection | None = getattr(self._scratch, "connection", None)
        return scratch if scratch is not None else super()._require_connection(context)

    def _invalidate_collection_features_cache(self, db_name: str | None = None, coll_name: str | None = None) -> None:
        conn: sqlite3.Connection | None = getattr(self._thread_local, "connection", None) or self._connection
        # Writes invalidate inside their transaction; anywhere else, touching the connection would open one.
        written = self._take_written(conn, db_name, coll_name) if conn is not None and conn.in_transaction else []
        namespace = (db_name, coll_name)
        # Operations on other threads add answers meanwhile: the shared cache is read from a copy (copying it is one
        # step for the interpreter; iterating it is not, and fails when it grows), never iterated (mongoeco's own
        # invalidation iterated it).
        every = self._collection_features_cache.copy()
        everything = db_name is None or coll_name is None
        cached = {key: answer for key, answer in every.items() if everything or key[:2] == namespace}
        changed: frozenset[str] | None = getattr(self._sorted_update, "fields", None)
        # Only for the write of this update (a purge of expired documents within it stores nothing: all dropped).
        untouched = {key: answer for key, answer in cached.items()
                     if written and changed is not None and _about_none_of(key, changed)}
        if everything:
            self._collection_features_cache.clear()
        for key in cached:
            self._collection_features_cache.pop(key, None)
        self._collection_features_cache.update(untouched)
        asked = {key: answer for key, answer in cached.items() if key not in untouched}
        if written and asked and db_name is not None and coll_name is not None:
            if changed is not None:  # the questions left are about the fields it changed: asked of those alone
                written = [_only(document, changed) for document in written]
            self._collection_features_cache.update(self._still_true(db_name, coll_name, asked, written))

    @staticmethod
    def _take_written(conn: sqlite3.Connection, db_name: str | None, coll_name: str | None) -> list[str]:
        """The documents stored since the last call for this collection (and start recording, the first time)."""
        if not _capturing(conn):
            for statement in _CAPTURE:
                conn.execute(statement)
        if db_name is None or coll_name is None:
            conn.execute(f"DELETE FROM {WRITTEN}")
            return []
        where = "WHERE db_name = ? AND coll_name = ?"
        rows = conn.execute(f"SELECT document FROM {WRITTEN} {where}", (db_name, coll_name)).fetchall()
        conn.execute(f"DELETE FROM {WRITTEN} {where}", (db_name, coll_name))
        return [row[0] for row in rows]

    def _still_true(self, db_name: str, coll_name: str, cached: dict[Any, Any], written: list[str]) -> dict[Any, Any]:
        scratch = sqlite3.connect(":memory:")
        scratch.execute("CREATE TABLE documents (db_name TEXT, coll_name TEXT, storage_key TEXT, document TEXT)")
        scratch.executemany("INSERT INTO documents VALUES (?, ?, '', ?)", [(db_name, coll_name, d) for d in written])
        self._scratch.connection = scratch
        try:
            return {key: answer for key, answer in cached.items() if self._unchanged(key, answer)}
        finally:
            self._scratch.connection = None
            scratch.close()

    def _unchanged(self, key: tuple[str, str, str], answer: Any) -> bool:
        """Whether the written documents alone give the same answer (asked through mongoeco's own method)."""
        kind, _, argument = key[2].partition(":")
        keep = _KEEP_IF_UNCHANGED.get(kind)
        ask = _QUESTIONS.get(kind)
        if keep is None or ask is None or not keep(answer):
            return False
        self._collection_features_cache.pop(key, None)
        try:
            ask(self, key[0], key[1], argument)
        except sqlite3.Error:  # a question the scratch database cannot answer: mongoeco asks it again later
            return False
        finally:
            fresh = self._collection_features_cache.pop(key, None)
        return bool(fresh == answer)


class ExpiringSessions(WireSessionStore):
    """mongoeco's sessions of the wire, each ended once unused for `timeout` seconds (see 13), by `clock`."""

    def __init__(
        self, timeout: float = WireSurface().logical_session_timeout_minutes * 60.0, sweep_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.timeout, self.sweep_every, self.clock = timeout, sweep_every, clock
        self._used: dict[str, float] = {}
        self._swept = clock()

    def resolve_for_command(self, client: Any, body: dict[str, Any], *, capability: Any) -> ClientSession | None:
        now = self.clock()
        if now - self._swept >= self.sweep_every:
            self._swept = now
            self.expire(now)
        session = super().resolve_for_command(client, body, capability=capability)
        if session is not None:
            self._used[wire_session_key(body["lsid"])] = now
        return session

    def expire(self, now: float) -> None:
        """End the sessions unused since `now - timeout`, as `endSessions` ends them."""
        for key, used in list(self._used.items()):
            if now - used > self.timeout:
                del self._used[key]
                context = self._sessions.pop(key, None)
                if context is not None:
                    context.session.close()

    def end_sessions(self, session_specs: object) -> dict[str, Any]:
        answer = super().end_sessions(session_specs)
        for spec in session_specs if isinstance(session_specs, list) else ():
            self._used.pop(wire_session_key(spec), None)
        return answer

    def clear(self) -> None:
        super().clear()
        self._used.clear()


class EmbeddedServer(AsyncMongoEcoProxyServer):  # type: ignore[misc]  # mongoeco.wire is not typed
    """mongoeco's wire server, whose sessions expire (see 13)."""

    def __init__(self, *args: Any, sessions: ExpiringSessions | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        store = sessions if sessions is not None else ExpiringSessions()
        original = self._session_store
        holders = (self, self._executor, self._executor._handlers)
        assert all(holder._session_store is original for holder in holders), "mongoeco holds its sessions elsewhere"
        for holder in holders:
            holder._session_store = store


def _fields_changed(update: Any) -> frozenset[str] | None:
    """The paths under which an update of field operators may change values (each cut before its first array
    position, `outbox.$.attempts` → `outbox`); None for any other update."""
    if not isinstance(update, dict) or not update or not set(update) <= _FIELD_OPERATORS:
        return None
    paths = [path for operator, spec in update.items() if isinstance(spec, dict)
             for path in (*spec, *(spec.values() if operator == "$rename" else ()))]
    if len(paths) < sum(len(spec) if isinstance(spec, dict) else 1 for spec in update.values()):
        return None  # an operator not given as {path: value}
    if not all(isinstance(path, str) and path for path in paths):
        return None
    return frozenset(_up_to_a_position(path) for path in paths)


def _up_to_a_position(path: str) -> str:
    parts = path.split(".")
    cut = next((n for n, part in enumerate(parts) if n and (part.startswith("$") or part.isdigit())), len(parts))
    return ".".join(parts[:cut])


def _only(document: str, paths: frozenset[str]) -> str:
    """A stored document (mongoeco's JSON) with only the top-level fields (those it holds) that `paths` start with."""
    parsed = json.loads(document)
    return json.dumps({name: parsed[name] for name in {path.split(".", 1)[0] for path in paths} if name in parsed})


def _about_none_of(key: tuple[str, str, str], paths: frozenset[str]) -> bool:
    """Whether a cached answer is about a field neither under nor above any of `paths` (only questions about one
    field are known: `kind:field`, or `kind:field:argument`)."""
    kind, _, argument = key[2].partition(":")
    if kind not in _QUESTIONS:
        return False
    field = argument.rpartition(":")[0] if kind in _ABOUT_A_FIELD_AND_MORE else argument
    return not any(field == path or field.startswith(path + ".") or path.startswith(field + ".") for path in paths)


def _requires_field(plan: QueryNode, field: str) -> bool:
    """Whether every document `plan` matches holds `field` (so has an entry in an index partial on its existence): a
    condition of the filter (or of its top-level `$and`) compares it with values other than null (or MinKey and MaxKey),
    or is `$exists: true`."""
    clauses = plan.clauses if isinstance(plan, AndCondition) else (plan,)
    for clause in clauses:
        if getattr(clause, "field", None) != field:
            continue
        if isinstance(clause, ExistsCondition) and clause.value is True:
            return True
        if isinstance(clause, (EqualsCondition, *_RANGE_TYPES)) and _not_null(clause.value):
            return True
        if isinstance(clause, InCondition) and clause.values and all(map(_not_null, clause.values)):
            return True
    return False


def _not_null(value: object) -> bool:
    """Whether a comparison with `value` can match no missing field (MinKey and MaxKey bound nulls too)."""
    return value is not None and not isinstance(value, MinKey | MaxKey)


def _exact_ids(plan: QueryNode) -> tuple[object, ...]:
    """The `_id` values a condition on `_id` alone allows, when every one is of a type its storage key decides."""
    if isinstance(plan, EqualsCondition) and plan.field == "_id":
        values: tuple[object, ...] = (plan.value,)
    elif isinstance(plan, InCondition) and plan.field == "_id":
        values = plan.values
    else:
        return ()
    return values if values and all(type(value) in _EXACT_ID_TYPES for value in values) else ()


def _capturing(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = ?", (f"{WRITTEN}_update",)).fetchone()
    return row is not None


def _one(method: Callable[..., Any]) -> Callable[[Any, str, str, str], Any]:
    return lambda engine, db, coll, field: method(engine, db, coll, field)


def _two(method: Callable[..., Any]) -> Callable[[Any, str, str, str], Any]:
    def ask(engine: Any, db: str, coll: str, argument: str) -> Any:
        field, _, extra = argument.rpartition(":")
        return method(engine, db, coll, field, extra)

    return ask


_ABOUT_A_FIELD_AND_MORE = frozenset({"tagged_type", "comparison_mismatch", "scalar_or_array_comparison_mismatch"})
_QUESTIONS: dict[str, Callable[[Any, str, str, str], Any]] = {
    "array_or_object": _one(SQLiteEngine._field_holds_array_or_object_in_collection),
    "sorted_in_python": _one(SQLiteEngine._field_holds_value_sorted_in_python_in_collection),
    "tagged_type": _two(_SQLiteEngine._field_contains_tagged_value_type_in_collection),
    "comparison_mismatch": _two(_SQLiteEngine._field_has_comparison_type_mismatch_in_collection),
    "scalar_or_array_comparison_mismatch": _two(
        _SQLiteEngine._field_has_scalar_or_array_element_type_mismatch_in_collection
    ),
    "traverses_array": _one(_SQLiteEngine._field_traverses_array_in_collection),
    "traverses_dbref": _one(_SQLiteEngine._field_traverses_dbref_in_collection),
    "top_level_array": _one(_SQLiteEngine._field_is_top_level_array_in_collection),
    "contains_real_numeric": _one(_SQLiteEngine._field_contains_real_numeric_in_collection),
    "contains_non_ascii_text": _one(_SQLiteEngine._field_contains_non_ascii_text_in_collection),
    "uniform_scalar_sort_type": _one(_SQLiteEngine._field_has_uniform_scalar_sort_type_in_collection),
}
