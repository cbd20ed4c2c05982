"""The chaos suite drives the whole app as the e2e tier does: the same fixtures, reused rather than copied."""

from tests.e2e.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    api,
    carrier_sandbox_url,
    carrier_settings,
    clock,
    evidence_interval,
    log_audit,
    orders_document,
    sandbox,
)
