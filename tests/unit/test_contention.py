"""Writes sent without a precondition that lose the compare-and-set race are applied again on fresh state,
a bounded number of times with jittered pauses; only a caller who quoted a version hears it is stale."""

import asyncio

import pytest
from aiohttp import web

from adapters.memory import InMemoryDisputes
from adapters.web.edge import edge
from disputes.contention import Backoff
from disputes.errors import Conflict, Contended, StaleVersion
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.common import Outcome
from schemas.dispute import ReasonCode, Status
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, OTHER_INVESTIGATOR, SUPERVISOR

ATTEMPTS = 4


class RacingDisputes(InMemoryDisputes):
    """Before each of the next `rivals` saves, another writer's change (`rival`) is stored first."""

    def __init__(self) -> None:
        super().__init__()
        self.rivals = 0
        self.saves = 0
        self.rival = lambda dispute, n: dispute.add_note(OTHER_INVESTIGATOR, f"rival {n}", NOW)

    async def get(self, dispute_id, owner=None):
        await asyncio.sleep(0)  # as a database would: other writers run between the read and the write
        return await super().get(dispute_id, owner)

    async def save(self, dispute, ending=None, taking=None) -> None:
        self.saves += 1
        if self.rivals:
            self.rivals -= 1
            first = await self.get(dispute.id)
            self.rival(first, self.rivals)
            await super().save(first)
        await super().save(dispute, ending, taking)


@pytest.fixture
def repository() -> RacingDisputes:
    return RacingDisputes()


@pytest.fixture
def pauses() -> list[float]:
    return []


@pytest.fixture
def service(repository, orders, clock, pauses) -> DisputeService:
    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    backoff = Backoff(attempts=ATTEMPTS, first_pause=0.01, max_pause=1.0, jitter=lambda: 1.0, sleep=sleep)
    return DisputeService(repository, orders, clock, Rules(), backoff)


@pytest.fixture
async def dispute(service, request_for, repository):
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    repository.saves = 0
    return opened


def notes(repository, dispute_id) -> list[str]:
    return [e.details["text"] for e in repository.docs[dispute_id].timeline if e.action == "note_added"]


async def test_a_note_that_loses_races_is_applied_again_on_fresh_state_and_stored_once(service, dispute, repository, pauses):
    repository.rivals = ATTEMPTS - 1
    noted = await service.add_note(INVESTIGATOR, dispute.id, "mine")
    assert notes(repository, dispute.id) == ["rival 2", "rival 1", "rival 0", "mine"]
    assert noted.version == repository.docs[dispute.id].version == 1 + ATTEMPTS
    assert pauses == [0.01, 0.02, 0.04]


async def test_a_change_that_keeps_losing_gives_up_as_contended_never_as_stale(service, dispute, repository, pauses):
    repository.rivals = 10
    with pytest.raises(Contended) as raised:
        await service.add_note(INVESTIGATOR, dispute.id, "mine")
    assert isinstance(raised.value, Conflict) and not isinstance(raised.value, StaleVersion)
    assert repository.saves == ATTEMPTS and len(pauses) == ATTEMPTS - 1
    assert "mine" not in notes(repository, dispute.id)


@pytest.mark.parametrize(
    "change",
    [
        lambda s, d: s.assign(INVESTIGATOR, d, None),
        lambda s, d: s.request_evidence(INVESTIGATOR, d),
        lambda s, d: s.withdraw(CUSTOMER, d, "found it"),
    ],
    ids=["assign", "evidence request", "withdraw"],
)
async def test_every_change_without_a_precondition_survives_a_lost_race(service, dispute, repository, change):
    repository.rivals = 1
    changed = await change(service, dispute.id)
    assert changed.version == repository.docs[dispute.id].version == 3 and changed.timeline[-2].action == "note_added"


async def test_the_rules_are_checked_again_on_the_fresh_state(service, dispute, repository):
    repository.rival = lambda d, _: d.assign(SUPERVISOR, OTHER_INVESTIGATOR.id, NOW)
    repository.rivals = 1
    with pytest.raises(Conflict, match="assigned to another"):
        await service.assign(INVESTIGATOR, dispute.id, None)
    assert repository.docs[dispute.id].assignee == OTHER_INVESTIGATOR.id


async def test_a_decision_that_loses_the_race_is_stale_at_once(service, dispute, repository, pauses):
    repository.rivals = 1
    with pytest.raises(StaleVersion):
        await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    assert repository.saves == 1 and pauses == []
    assert repository.docs[dispute.id].status is Status.OPENED


QUOTING = {  # each change that takes If-Match, quoting version `v`; whether the case must be the caller's first
    "assign": (lambda s, d, v: s.assign(INVESTIGATOR, d, None, v), False),
    "release": (lambda s, d, v: s.release(INVESTIGATOR, d, v), True),
    "note": (lambda s, d, v: s.add_note(INVESTIGATOR, d, "mine", v), False),
    "evidence request": (lambda s, d, v: s.request_evidence(INVESTIGATOR, d, v), False),
    "withdraw": (lambda s, d, v: s.withdraw(CUSTOMER, d, "found it", v), False),
    "customer message": (lambda s, d, v: s.add_customer_message(CUSTOMER, d, "mine", v), False),
    "message to customer": (lambda s, d, v: s.message_customer(INVESTIGATOR, d, "mine", v), False),
    "question": (lambda s, d, v: s.request_information(INVESTIGATOR, d, "Kapıcıya sordunuz mu?", v), False),
    "information": (lambda s, d, v: s.add_information(CUSTOMER, d, "Komşuda değil.", (), v), False),
}


@pytest.mark.parametrize(("change", "assigned"), QUOTING.values(), ids=QUOTING.keys())
async def test_a_change_quoting_a_version_that_loses_the_race_is_stale_at_once(
    service, dispute, repository, pauses, change, assigned
):
    """If-Match on any change: the version quoted is the one the save compares, not one read before it."""
    if assigned:
        await service.assign(INVESTIGATOR, dispute.id, None)
    quoted = repository.docs[dispute.id].version
    repository.rivals = 1
    with pytest.raises(StaleVersion):
        await change(service, dispute.id, {quoted})
    assert pauses == [] and repository.docs[dispute.id].version == quoted + 1  # the rival's change alone


async def test_writers_in_one_process_take_turns_instead_of_racing(service, dispute, repository, pauses):
    texts = [f"note {n}" for n in range(40)]
    noted = await asyncio.gather(*(service.add_note(INVESTIGATOR, dispute.id, text) for text in texts))
    assert notes(repository, dispute.id) == texts and sorted(d.version for d in noted) == list(range(2, 42))
    assert repository.saves == 40 and pauses == [] and len(service.turns) == 0


def test_pauses_are_a_random_share_of_a_doubling_pause_up_to_a_cap():
    backoff = Backoff(first_pause=0.01, max_pause=0.05, jitter=lambda: 0.5)
    assert [backoff.pause(retry) for retry in range(1, 6)] == [0.005, 0.01, 0.02, 0.025, 0.025]


async def test_giving_up_is_a_409_problem_naming_the_contention(aiohttp_client):
    async def busy(request: web.Request) -> web.Response:
        raise Contended("The dispute kept changing.")

    app = web.Application(middlewares=[edge])
    app.router.add_post("/busy", busy)
    response = await (await aiohttp_client(app)).post("/busy")
    body = await response.json()
    assert response.status == 409 and response.content_type == "application/problem+json"
    assert body["type"].endswith(":contended") and "try again" in body["title"]
