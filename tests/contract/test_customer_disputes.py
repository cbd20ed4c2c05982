"""A customer's disputes for staff: only theirs, newest first by opening then id, a page at a time with
nothing skipped or repeated, as they are stored (outcome, flags)."""

from datetime import timedelta

from schemas.common import Outcome
from schemas.dispute import ReasonCode
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW


async def test_a_customers_disputes_come_newest_first_a_page_at_a_time(cases: Cases) -> None:
    opened = []
    for hours in range(5):
        cases.clock.current = NOW + timedelta(hours=hours)
        opened.append(await cases.open())
    await cases.open(customer="cust-2")

    first = await cases.storage.disputes.customer_disputes("cust-1", None, 2)
    second = await cases.storage.disputes.customer_disputes("cust-1", first.next_after, 2)
    last = await cases.storage.disputes.customer_disputes("cust-1", second.next_after, 2)

    newest_first = [d.id for d in reversed(opened)]
    assert [d.id for page in (first, second, last) for d in page.items] == newest_first
    assert first.next_after == (first.items[-1].opened_at, first.items[-1].id)
    assert last.next_after is None and len(last.items) == 1


async def test_disputes_opened_at_the_same_instant_are_told_apart_by_id(cases: Cases) -> None:
    twins = [await cases.open(), await cases.open()]  # the clock stands still: opened at the same instant

    first = await cases.storage.disputes.customer_disputes("cust-1", None, 1)
    second = await cases.storage.disputes.customer_disputes("cust-1", first.next_after, 1)

    assert [first.items[0].id, second.items[0].id] == sorted((d.id for d in twins), reverse=True)
    assert second.next_after is None


async def test_the_history_shows_each_dispute_as_stored(cases: Cases) -> None:
    dispute = await cases.open()
    await cases.change(dispute.id, lambda d: setattr(d, "abuse_flags", ["repeat_claims"]))
    await cases.change(dispute.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None, NOW
    ))

    [stored] = (await cases.storage.disputes.customer_disputes("cust-1", None, 10)).items

    assert stored.decision is not None and stored.decision.outcome is Outcome.REJECTED
    assert stored.abuse_flags == ["repeat_claims"] and stored.version == 3


async def test_a_customer_without_disputes_has_an_empty_history(cases: Cases) -> None:
    await cases.open()

    page = await cases.storage.disputes.customer_disputes("cust-404", None, 10)

    assert page.items == [] and page.next_after is None
