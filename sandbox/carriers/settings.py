"""Adapter settings for every carrier the sandbox plays, valid for ``carriers.registry.create_adapter``.

Timeouts and retry budgets suit a sandbox on loopback: it answers in milliseconds, so a call that has not
answered in two seconds is an injected fault, and retries wait milliseconds (a ``Retry-After`` still wins).
"""

import copy
from typing import Any

from sandbox.carriers.registry import SANDBOX_CARRIERS

LOCAL: dict[str, Any] = {
    "timeout_seconds": 2.0,
    "retry": {"attempts": 3, "total_seconds": 5.0, "initial_backoff": 0.01, "max_backoff": 0.1},
    "breaker": {"failure_threshold": 5, "cool_down_seconds": 5.0},
}


def sandbox_carrier_settings(base_url: str) -> dict[str, dict[str, Any]]:
    """``{code: settings}``: base URL ``<base_url>/<code>``, the credentials and webhook secrets the sandbox
    accepts and signs with. Each call returns fresh dicts, which callers may change."""
    base = base_url.rstrip("/")
    return {
        code: {"base_url": f"{base}/{code}", **copy.deepcopy(LOCAL), **copy.deepcopy(dict(carrier.credentials))}
        for code, carrier in SANDBOX_CARRIERS.items()
    }
