"""Every query the service sends must be served by a declared index (equality fields first, then the
sort, then ranges — the ESR rule), checked on the commands recorded with PyMongo's command monitoring."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import monitoring

from adapters.mongo.indexes import INDEXES

EQUALITY_OPERATORS = {"$eq", "$in"}
READS = {"find": ("filter", "sort"), "findAndModify": ("query", "sort"), "count": ("query", None)}
NOT_QUERIES = {"insert", "createIndexes", "listIndexes", "dropIndexes", "dropDatabase", "drop", "ping", "endSessions", "getMore",
               "killCursors", "hello", "isMaster", "ismaster", "buildInfo", "saslStart", "saslContinue", "abortTransaction",
               "commitTransaction"}
# Queries that knowingly run without an index, and why.
ALLOWED: dict[tuple[str, frozenset[str]], str] = {
    ("disputes", frozenset({"due"})): "start-up migration, once per database: disputes stored before `due` existed",
    ("carrier_events", frozenset({"attach_due"})): "start-up migration, once per database: events' old due field",
    ("disputes", frozenset({"purged", "images_deleted_at", "closed_at"})):
        "start-up migration, once per database: cases whose images were deleted before the case recorded it",
    ("disputes", frozenset({"purged"})): "start-up migration, once per database: the flags those purges left",
    ("disputes", frozenset({"earlier_pushes_read", "evidence_pull_due", "evidence_pulls"})):
        "start-up migration, once per database: cases stored before they recorded their first pull's read of pushes",
    ("attachments", frozenset({"due.attachment_check"})): "start-up migration, once per database: images not due for a check",
    ("raw_payloads", frozenset({"due.raw_check"})): "start-up migration, once per database: raw bodies not due for a check",
    ("disputes", frozenset({"facts.hours_to_proof"})):
        "start-up migration, once per database: report facts stored with negative hours to proof",
    ("disputes", frozenset({"decision.decided_by_role", "decision.reason_code", "facts.by_deadline_rule"})):
        "start-up migration, once per database: the deadline rule's decisions stored as automatic in report facts",
    ("disputes", frozenset({"order.placed_at"})):
        "start-up migration, once per database: cases stored with the order service's placeholder time",
    ("disputes", frozenset({"needs_supervisor", "status", "timeline.action"})):
        "start-up migration, once per database: cases handed to a supervisor before such a case was marked",
    ("disputes", frozenset({"anonymised_at", "closed_at", "due.retention"})):
        "start-up migration, once per database: closed cases stored before their personal data was anonymised",
    ("disputes", frozenset({"decision.decided_at", "money"})):
        "every start-up: the cases without money rows decided since the latest decision the start-up before saw, read "
        "through the index on the decision's time (`queue_by_decision_period`, named), `money` tested on the documents",
    ("carrier_events", frozenset({"tracking_number"})):
        "every start-up: pushed events whose number is not in the one spelling, a regex tested on the keys of the "
        "index it names (`events_by_push`, read whole), not on the documents",
}


@dataclass
class CommandRecorder(monitoring.CommandListener):
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in NOT_QUERIES:
            self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


def _fields(filter_: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    equality: set[str] = set()
    ranges: set[str] = set()
    for key, value in filter_.items():
        if key in ("$or", "$and"):
            for branch in value:
                more_eq, more_range = _fields(branch)
                equality |= more_eq if key == "$and" else set()
                ranges |= more_range | (more_eq if key == "$or" else set())
        elif isinstance(value, Mapping) and list(value) == ["$elemMatch"]:  # the element's fields, as `key.field`
            more_eq, more_range = _fields(value["$elemMatch"])
            equality |= {f"{key}.{name}" for name in more_eq}
            ranges |= {f"{key}.{name}" for name in more_range}
        elif isinstance(value, Mapping) and value and all(str(op).startswith("$") for op in value):
            (equality if set(value) <= EQUALITY_OPERATORS else ranges).add(key)
        else:
            equality.add(key)
    return equality, ranges


def _usable(index_options: Mapping[str, Any], mentioned: set[str]) -> bool:
    partial = index_options.get("partialFilterExpression", {})
    return set(partial) <= mentioned


def served(
    collection: str, filter_: Mapping[str, Any], sort: Iterable[str], hint: str | None = None, limit: int | None = None
) -> bool:
    """Whether a declared index serves the query; with `hint`, the index the query names (by name)."""
    equality, ranges = _fields(filter_)
    sort = list(sort)
    if hint is not None:
        return _hinted(collection, hint, equality, ranges, sort, limit)
    by_id = "_id" in ranges or sort == ["_id"]
    if "_id" in equality or (by_id and (equality | ranges) <= {"_id"}):
        return True  # the index every collection has on `_id`
    for index in (i for i in INDEXES if i.collection == collection):
        if not _usable(index.options, equality | ranges):
            continue
        keys = [name for name, _ in index.keys]
        prefix = 0
        while prefix < len(keys) and keys[prefix] in equality:
            prefix += 1
        rest = keys[prefix:]
        if (equality and not prefix) or (sort and rest[: len(sort)] != sort):
            continue  # an equality the index ignores means scanning it all; a sort it cannot give is done in memory
        if sort and not prefix and ranges - set(keys) and not ranges & set(keys):
            continue  # walked whole in the sort's order, every document fetched to test a range the index does not hold
        if prefix or sort or (rest and rest[0] in ranges):
            return True
    return False


def _hinted(
    collection: str, hint: str, equality: set[str], ranges: set[str], sort: list[str], limit: int | None
) -> bool:
    """A named index serves when its first key bounds the read (an equality or a range of the query), it holds every
    range, and it gives the sort or the sort keeps only `limit` documents (a bounded sort of what the range read)."""
    index = next((i for i in INDEXES if i.collection == collection and i.name == hint), None)
    if index is None or not _usable(index.options, equality | ranges):
        return False
    keys = [name for name, _ in index.keys]
    prefix = 0
    while prefix < len(keys) and keys[prefix] in equality:
        prefix += 1
    gives_sort = keys[prefix : prefix + len(sort)] == sort
    return keys[0] in equality | ranges and ranges <= set(keys) and (gives_sort or bool(limit))


def unindexed(commands: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    problems = []
    for name, command in commands:
        collection = command.get(name)
        hint, limit = command.get("hint"), command.get("limit")
        if name in READS:
            filter_key, sort_key = READS[name]
            queries = [(command.get(filter_key) or {}, list((command.get(sort_key) or {}) if sort_key else []))]
        elif name in ("update", "delete"):
            key = "updates" if name == "update" else "deletes"
            queries = [(statement.get("q", {}), []) for statement in command.get(key, [])]
        elif name == "aggregate":
            first = (command.get("pipeline") or [{}])[0]
            queries = [(first.get("$match", {}), [])]
        else:
            problems.append(f"{name} on {collection}: not checked by the index audit")
            continue
        for filter_, sort in queries:
            shape = (str(collection), frozenset(_fields(filter_)[0] | _fields(filter_)[1]))
            named = hint if isinstance(hint, str) and name == "find" else None
            if not served(str(collection), filter_, sort, named, limit) and shape not in ALLOWED:
                problems.append(f"{name} on {collection}: filter {sorted(shape[1])} sort {sort}")
    return sorted(set(problems))
