"""A worker pass that fails with an error nobody foresaw is logged with where it was raised (its stack), as the
API logs an unhandled error (`unhandled_error`, adapters/web/problems.py), so the person on call can act on it.
The alert DisputesWorkerFailing and the README send the reader to `worker_pass_failed`: the exception's class alone
("KeyError") would say nothing of where. The message is not logged (it may carry a case's data).
"""

import asyncio

from structlog.testing import capture_logs

from adapters.workers import Pace, run_loop


def no_pause(seconds: float):
    async def pause(_: float) -> None:
        await asyncio.sleep(0)
    return pause(seconds)


def a_bug_in_a_mapping(document: dict[str, str]) -> str:
    return document["delivered_at"]  # a stored document without the field


async def test_a_pass_failing_with_an_unforeseen_error_logs_where_it_was_raised():
    stop = asyncio.Event()

    async def step() -> int:
        stop.set()
        return len(a_bug_in_a_mapping({}))

    with capture_logs() as logs:
        await run_loop("assess", step, Pace(0.05, 1.0), stop, asyncio.Event(), no_pause)
    [failed] = [line for line in logs if line["event"] == "worker_pass_failed"]
    assert failed["error"] == "KeyError"
    assert 'in a_bug_in_a_mapping\n    return document["delivered_at"]' in failed["stack"]
    assert "delivered_at'" not in repr({k: v for k, v in failed.items() if k != "stack"})  # no message
