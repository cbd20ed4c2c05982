"""Writes that end a work and may take the next: the save that ends a work ends its holder's lease in the same
write, conditional on the holder, and may take the lease of the work it makes due (a hand-over), conditional on
nobody holding it. Used by the disputes' repository and the evidence store; claims, renewals and releases are the
schedule's (`adapters/mongo/schedule.py`)."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from disputes.ports import Lease, Taking

Doc = dict[str, Any]


async def write_ending(
    collection: AsyncCollection[Doc], filter_: Doc, update: Doc, ending: Lease | None, taking: Taking | None = None
) -> bool:
    """One update of the document `filter_` finds; with `ending`, the same write ends that lease while its holder
    holds it (then `ending.ended`), and with `taking` takes that lease while nobody holds it (then `taking.taken`),
    unless `ending` was to be ended and could not be. A lease taken over by another holder is left alone, and a
    lease that cannot be taken is not taken: the update is made without them (a second write only then). Whether
    the document was found."""
    if ending is not None:
        lease = f"lease.{ending.kind}"
        held = filter_ | {f"{lease}.holder": ending.holder}
        ended = update | {"$unset": update.get("$unset", {}) | {lease: ""}}
        if await _write_taking(collection, held, ended, taking):
            ending.ended = True
            return True
        if (await collection.update_one(held, ended)).matched_count:
            ending.ended = True
            return True
    elif await _write_taking(collection, filter_, update, taking):
        return True
    return bool((await collection.update_one(filter_, update)).matched_count)


async def _write_taking(collection: AsyncCollection[Doc], filter_: Doc, update: Doc, taking: Taking | None) -> bool:
    """With `taking`, the update of the document `filter_` finds, taking that lease in the same write if nobody
    holds it (then `taking.taken`); whether it was made."""
    if taking is None:
        return False
    next_lease = f"lease.{taking.lease.kind}"
    free = filter_ | {f"{next_lease}.until": {"$not": {"$gt": taking.now}}}  # as a claim at `now` finds it
    taken = {next_lease: {"holder": taking.lease.holder, "until": taking.until}}
    result = await collection.update_one(free, update | {"$set": update.get("$set", {}) | taken})
    taking.taken = bool(result.matched_count)
    return taking.taken
