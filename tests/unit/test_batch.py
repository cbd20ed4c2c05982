"""A failing item of a claimed batch does not stop the others; the failures surface together."""

import pytest

from disputes.batch import each


async def test_every_item_is_worked_even_when_one_fails():
    done = []

    async def work(item: int) -> None:
        if item == 2:
            raise ValueError("poisoned case")
        done.append(item)

    with pytest.raises(ExceptionGroup) as raised:
        await each([1, 2, 3], work)
    assert sorted(done) == [1, 3] and [type(e) for e in raised.value.exceptions] == [ValueError]
    await each([], work)
