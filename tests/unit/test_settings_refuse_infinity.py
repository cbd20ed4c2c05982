"""A duration setting given as `inf` (or `nan`) is refused when the settings load, in one line naming the variable,
as every other refused value is (README: "a refused value (naming the variable ...)").

pydantic reads the strings "inf", "infinity" and "nan" as floats and `gt=0` lets infinity through: such a value would
reach the composition root, where `timedelta(seconds=inf)` raises OverflowError (a 40-line traceback at start), or,
for DISPUTES_MONGODB_WORKER_TIMEOUT_SECONDS, a worker would start, answer /readyz 200 and fail every pass. So would a
finite duration too long for date arithmetic.
"""

import pytest
from pydantic import ValidationError

from adapters.cli import explain
from adapters.settings import Settings


@pytest.mark.parametrize("variable", [
    "DISPUTES_LEASE_SECONDS",  # traceback at start: bootstrap.py `timedelta(seconds=settings.lease_seconds)`
    "DISPUTES_MONGODB_TIMEOUT_SECONDS",  # traceback at start
    "DISPUTES_EVIDENCE_MAX_RETRY_SECONDS",  # traceback at start
    "DISPUTES_MONGODB_WORKER_TIMEOUT_SECONDS",  # starts, /readyz 200, every pass fails with OverflowError
])
def test_an_infinite_duration_is_refused_when_the_settings_load(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "inf")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    lines = list(explain(refused.value))
    assert len(lines) == 1 and lines[0].startswith(variable)


def test_a_nan_hours_setting_is_refused_naming_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS", "nan")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert any("DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS" in line for line in explain(refused.value))


@pytest.mark.parametrize("variable", ["DISPUTES_JWT_JWKS_CACHE_SECONDS", "DISPUTES_POLICY_THIRD_PARTY_WAIT_HOURS"])
def test_a_duration_past_any_date_arithmetic_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "1e300")  # timedelta(seconds=1e300) overflows; 1000 years either way is the most taken
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    unit = variable.rpartition("_")[2].lower()
    assert list(explain(refused.value)) == [f"settings: {variable} must be within 1000 years (1e+300 {unit})"]


@pytest.mark.parametrize("variable", [
    "DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS",
    "DISPUTES_EVIDENCE_RETRY_SECONDS",
    "DISPUTES_POLICY_THIRD_PARTY_REVIEW_HOURS",
    "DISPUTES_POLICY_DELIVERY_TIME_TOLERANCE_HOURS",
])
def test_a_huge_negative_duration_is_refused_naming_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "-1e20")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    lines = list(explain(refused.value))
    assert len(lines) == 1 and variable in lines[0]
