"""Room for claimed work that goes through per-lane bottlenecks (the evidence puller's lanes are carriers, the relay's
downstream services).

Every claimed item holds a place from its claim until it is through its lane's bottleneck; its lane is
known only once the item is read (until then it is `UNREAD`). The room for more claims is `per_lane` for
every lane met during the run, plus one place for a lane not met yet (`per_lane` before any is met), less
the places held:

- with one lane that is its free slots and one read ahead, so little is claimed that would have to wait;
- with several, an item claimed into another lane's share waits for its own lane, and that wait is bounded
  because it counts against the room of all; a lane keeps its share while it is idle, so a lane that is
  full (a slow carrier) does not take away the room of the others;
- the place kept for an unmet lane means a lane that hangs cannot hide the others: while the first carrier
  met holds all its places, claims still reach the carriers behind it in the due order.

A job may ask for claims of `least` items at the least while it has work in flight: places that free up one by
one are then claimed together (a claim of many costs storage about what a claim of one does).

A job whose items do not wait in a full lane but are given back (`given_back_when_full`: the relay) claims no more
at once than the fewest free places of a lane that has turned an item away (found full) and has any, less the items
not read yet: a claim cannot tell which lanes its items are in, so a larger one, while such a lane has a place or
two, brings that lane's items only to give them back, again at each place it frees. A lane that has turned none away
in the run (`start_run`) bounds no claim: one nearly full with work that fits in it (a slow service) does not cut
the others' claims down to its last place.
"""

import asyncio
from collections import Counter

UNREAD = ""


class Lanes:
    def __init__(self, per_lane: int, least: int = 1, given_back_when_full: bool = False) -> None:
        self.per_lane = per_lane
        self.least = least
        """While places are held, less room than this is none."""
        self.given_back_when_full = given_back_when_full
        """An item whose lane is full is given back rather than waiting in it."""
        self.changed = asyncio.Event()
        """Set whenever a place is given up or moves to a lane: the room may have grown."""
        self._held: Counter[str] = Counter()
        self._turned_away: set[str] = set()  # lanes that found an item with no place for it, this run

    def start_run(self) -> None:
        """Forget the lanes that hold nothing: a new run gives shares only to the lanes it meets."""
        for lane in [lane for lane, held in self._held.items() if not held]:
            del self._held[lane]
            self._turned_away.discard(lane)

    def room(self) -> int:
        lanes = sum(1 for lane in self._held if lane != UNREAD)
        free = self.per_lane * lanes + (1 if lanes else self.per_lane) - self._held.total()
        if bounding := [self.per_lane - self._held[lane] for lane in self._turned_away if self._held[lane] < self.per_lane]:
            free = min(free, min(bounding) - self._held[UNREAD])
        return free if free >= self.least or not self._held.total() else 0

    def full(self) -> frozenset[str]:
        """The lanes with no free place: claims for them would only wait."""
        return frozenset(lane for lane, held in self._held.items() if lane != UNREAD and held >= self.per_lane)

    def enter(self) -> "Place":
        return Place(self)

    def _add(self, lane: str, count: int) -> None:
        self._held[lane] += count
        if count < 0:
            self.changed.set()


class Place:
    """One claimed item's place: under `UNREAD`, then in its lane, until it leaves."""

    def __init__(self, lanes: Lanes) -> None:
        self._lanes = lanes
        self._lane: str | None = UNREAD
        self.lane: str | None = None
        """The lane it was last moved to (its carrier, for the evidence puller), kept once it left."""
        self.given_back = False
        """The item was left undone, due again (for whichever worker has room for it)."""
        lanes._add(UNREAD, 1)

    def give_back(self) -> None:
        self.given_back = True
        self.leave()

    def move_to(self, lane: str) -> None:
        """Move to `lane`, whatever it holds (the item waits there for its bottleneck)."""
        if lane == self._lane:
            return
        self.leave()
        self._lane = self.lane = lane
        self._lanes._add(lane, 1)

    def move_if_room(self, lane: str) -> bool:
        """Move to `lane` unless it is full and this place is not in it already; whether it is there now."""
        if lane != self._lane and lane in self._lanes.full():
            if self._lanes.given_back_when_full:
                self._lanes._turned_away.add(lane)
            return False
        self.move_to(lane)
        return True

    def leave(self) -> None:
        if self._lane is not None:
            self._lanes._add(self._lane, -1)
            self._lane = None
