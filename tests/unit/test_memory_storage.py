"""The in-memory storage keeps what it stores apart from what callers hold, as a database would."""

import copy
import types
from datetime import datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import AwareDatetime, BaseModel, ValidationError

from disputes.model import Dispute
from disputes.ports import DisputeQuery
from tests.factories import CUSTOMER, INVESTIGATOR, order

IMMUTABLE = (str, int, float, bool, datetime, AwareDatetime, type(None))


def _shared_safely(annotation: Any) -> bool:
    """A value of this type may be shared between copies: immutable, or a frozen model."""
    if get_origin(annotation) in (Union, types.UnionType):
        return all(_shared_safely(a) for a in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return bool(annotation.model_config.get("frozen"))
    return isinstance(annotation, type) and issubclass(annotation, (Enum, *IMMUTABLE))


def test_a_dispute_holds_only_immutable_values_besides_its_own_lists() -> None:
    unsafe = []
    for name, field in Dispute.model_fields.items():
        annotation = field.annotation
        if get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        if not _shared_safely(annotation):
            unsafe.append(name)
    assert unsafe == []


async def test_changes_to_a_dispute_after_it_is_stored_do_not_reach_storage(service, request_for, repository) -> None:
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    opened.statement = "changed"
    opened.timeline.clear()

    stored = await repository.get(opened.id)

    assert stored.statement != "changed" and len(stored.timeline) == 1


async def test_changes_to_a_dispute_read_from_storage_need_a_save(service, request_for, repository) -> None:
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    read = await repository.get(opened.id)
    read.assignee = "someone"
    read.timeline.append(read.timeline[0])
    read._new_messages.append(read.outbox[0])

    again = await repository.get(opened.id)

    assert again.assignee is None and len(again.timeline) == 1 and again.new_messages == []


async def test_a_saved_change_is_read_back_and_bumps_the_version(service, request_for, repository) -> None:
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.assign(INVESTIGATOR, opened.id, None)

    stored = await repository.get(opened.id)

    assert stored.assignee == INVESTIGATOR.id and stored.version == 2


async def test_a_dispute_read_to_be_shown_refuses_changes_instead_of_copying_itself(service, request_for, repository) -> None:
    """`read` and the queue hand out the stored snapshot itself: a caller that tries to change it is stopped at once."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    queued = (await repository.query(DisputeQuery())).items[0]
    assert await repository.read(opened.id) is queued

    with pytest.raises(ValidationError):
        queued.assignee = "someone"
    with pytest.raises(TypeError):
        queued.timeline.append(queued.timeline[0])
    with pytest.raises((ValidationError, TypeError)):
        queued.add_note(INVESTIGATOR, "a note", queued.updated_at)

    read = await repository.get(opened.id)
    read.add_note(INVESTIGATOR, "a note", read.updated_at)  # what get() gives is the caller's to change and save
    await repository.save(read)
    assert [e.action for e in (await repository.query(DisputeQuery())).items[0].timeline][-1] == "note_added"
    assert copy.deepcopy(queued).timeline == queued.timeline and type(copy.copy(queued.timeline)) is list


async def test_a_stored_dispute_s_empty_lists_refuse_changes_and_each_copy_gets_lists_of_its_own(
    service, request_for, repository, orders
) -> None:
    """Stored snapshots may share what cannot change: their empty lists refuse changes like any other, and what
    `get` hands out has lists of its own, so a change to one copy reaches neither storage nor another copy."""
    orders.orders["ord-2"] = order(order_id="ord-2")
    first_id = (await service.open(CUSTOMER, request_for(), None)).dispute.id
    second_id = (await service.open(CUSTOMER, request_for(order_id="ord-2"), None)).dispute.id
    shown = await repository.read(first_id)
    for name in ("abuse_flags", "evidence", "customer_evidence", "missing_items"):
        with pytest.raises(TypeError):
            getattr(shown, name).append("x")

    changed, untouched = await repository.get(first_id), await repository.get(first_id)
    changed.abuse_flags.append("repeat_claims")
    changed.evidence.extend(["x"])

    other = await repository.get(second_id)
    assert (untouched.abuse_flags, untouched.evidence) == ([], [])
    assert (other.abuse_flags, other.evidence) == ([], [])
    assert ((await repository.read(first_id)).abuse_flags, (await repository.read(second_id)).evidence) == ([], [])
