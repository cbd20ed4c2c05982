"""A customer's history is for staff: investigators and supervisors read it, a page no longer than the limit."""

import pytest

from disputes.customers import CustomerRecords
from disputes.errors import Forbidden
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR, order


@pytest.fixture
async def opened(service, request_for, orders):
    return [(await service.open(CUSTOMER, request_for(), None)).dispute]


@pytest.mark.parametrize("staff", [INVESTIGATOR, SUPERVISOR], ids=["investigator", "supervisor"])
async def test_staff_read_a_customers_disputes(repository, opened, staff):
    page = await CustomerRecords(repository).history(staff, "cust-1", None, 50)

    assert [d.id for d in page.items] == [d.id for d in opened]


@pytest.mark.parametrize("caller", [CUSTOMER, AGENT], ids=["customer", "agent"])
async def test_the_customer_side_may_not_read_a_history(repository, opened, caller):
    with pytest.raises(Forbidden):
        await CustomerRecords(repository).history(caller, "cust-1", None, 50)


async def test_a_page_is_no_longer_than_the_service_allows(repository, service, request_for, orders):
    for number in range(3):
        orders.orders[f"ord-h{number}"] = order(f"ord-h{number}")
        await service.open(CUSTOMER, request_for(f"ord-h{number}"), None)

    page = await CustomerRecords(repository, max_page=2).history(INVESTIGATOR, "cust-1", None, 100)

    assert len(page.items) == 2 and page.next_after is not None
