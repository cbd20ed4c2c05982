"""The fuzzing and limit suites share the stand-in database server of their tier."""

from tests.conftest import tier_database  # noqa: F401  (this tier's own stand-in database server)
