"""The tests' bounded wait (`tests/e2e/conftest.py`): a condition that never holds fails the test at the bound,
saying what was awaited, instead of handing its last value back as if it had held."""

import pytest

from tests.e2e.conftest import eventually


async def test_a_condition_that_holds_gives_its_value():
    answers = iter([None, [], {"status": "resolved"}])

    async def resolved():
        return next(answers)

    assert await eventually(resolved, timeout=5, interval=0) == {"status": "resolved"}


async def test_a_condition_that_never_holds_fails_at_the_bound_naming_it_and_its_last_value():
    async def never_resolved():
        return []

    asked = []

    def logs() -> str:
        asked.append(True)
        return "the worker's last lines"

    with pytest.raises(pytest.fail.Exception) as failed:
        await eventually(never_resolved, timeout=0.05, interval=0.01, explain=logs)
    message = str(failed.value)
    assert "never_resolved did not hold within 0.05 s" in message and "(last value [])" in message
    assert message.endswith(": the worker's last lines") and asked == [True]  # asked once, at the bound
