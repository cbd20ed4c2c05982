"""The state of each dispute document as this process last saw it stored (claimed, read to be changed, saved), at
that version, so a save from that version writes only the fields it changes: the save's compare-and-set on the
version guarantees the stored fields are the ones kept here. Fields are compared as BSON, the form in which they are
stored (a tuple and a list, or a datetime and the same one to the millisecond, are the same value there).

Only fields that change with the version may be kept (`adapters/mongo/disputes.py` picks them): a field storage
changes without a new version (the outbox, attachment views, leases, the relay's due time) is never compared, so a
save never writes it back; nor does it write back the images' deletion time, which the deletion clears when done,
unless its change moves it. Bounded: the least recently used dispute is forgotten first, and a save from a version
not kept here writes every field."""

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import bson

Doc = dict[str, Any]
type Encoded = dict[str, bytes]


def encoded(fields: Doc) -> Encoded:
    return {name: bson.encode({"": value}) for name, value in fields.items()}


class StoredStates:
    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[int, Encoded]] = OrderedDict()

    def found(self, dispute_id: str, version: int, fields: Doc) -> None:
        """`fields` are stored at `version` (a claim or a read found them)."""
        self.keep(dispute_id, version, encoded(fields))

    def changes(self, dispute_id: str, version: int, fields: Doc) -> tuple[Doc, Encoded]:
        """Those of `fields` that differ from the ones stored at `version` (all of them when that version is not
        kept), and all of `fields` encoded, for `keep` once they are stored."""
        now = encoded(fields)
        kept = self._kept.get(dispute_id)
        if kept is None or kept[0] != version:
            return fields, now
        before = kept[1]
        return {name: value for name, value in fields.items() if before.get(name) != now[name]}, now

    def holds(self, dispute_id: str, version: int) -> Callable[[str], bool]:
        """Whether a field may be stored at `version`: held in the state kept for it, or any when it is not kept."""
        kept = self._kept.get(dispute_id)
        if kept is None or kept[0] != version:
            return lambda name: True
        return kept[1].__contains__

    def keep(self, dispute_id: str, version: int, fields: Encoded) -> None:
        """Keep `fields` as stored at `version`, unless a later version is kept (a claim answered after a save)."""
        kept = self._kept.get(dispute_id)
        if kept is None or kept[0] <= version:
            self._kept[dispute_id] = (version, fields)
        self._kept.move_to_end(dispute_id)
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)
