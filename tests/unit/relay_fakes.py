"""The marketplace's services as the relay meets them, scripted per call, and the relay run as a worker runs it: the
unit fixtures `downstream` and `relay` (`tests/unit/conftest.py`). Kept apart from the tests, so a unit test that does not
use them does not import what the relay's tests do."""

from disputes.relay import Attempt, Relay


class Downstream:
    """Plays payments, fulfillment and notifications; `failures` scripts what the next calls raise (None: answer)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures: list[Exception | None] = []
        self.alerts: list[dict] = []
        self.told: list[tuple[str, dict]] = []  # each notification taken, with its key

    async def _take(self, service: str, key: str) -> None:
        self.calls.append((service, key))
        if self.failures and (failure := self.failures.pop(0)) is not None:
            raise failure

    async def refund(self, request, idempotency_key):
        await self._take("payments", idempotency_key)
        return f"pay_{len(self.calls)}"  # payments' own id of the refund

    async def reship(self, request, idempotency_key):
        await self._take("fulfillment", idempotency_key)

    async def notify(self, request, idempotency_key):
        await self._take("notifications", idempotency_key)
        self.told.append((idempotency_key, dict(request)))

    async def alert_staff(self, alert, idempotency_key):
        await self._take("staff_alerts", idempotency_key)
        self.alerts.append(dict(alert))

    async def report_risk(self, signal, idempotency_key):
        await self._take("accounts", idempotency_key)

    async def change_restriction(self, change, idempotency_key):
        await self._take("account_restrictions", idempotency_key)

    async def record_liability(self, liability, idempotency_key):
        await self._take("finance", idempotency_key)
        return f"liab_{len(self.calls)}"  # finance's own id of the liability


class Relayed:
    """The relay run as a worker runs it (claimed from the schedule); each pass answers its attempts."""

    def __init__(self, repository, downstream, clock, due_work, **settings) -> None:
        self.attempts: list[Attempt] = []
        d = downstream
        self.work = due_work(Relay(repository, d, d, d, d, d, clock, observe=self.attempts.append, **settings))

    async def run_once(self) -> list[Attempt]:
        self.attempts.clear()
        await self.work.run_once()
        return list(self.attempts)
