"""Fixtures for the cases whose images are kept: the store they go to, the cleaner each passes, and the use cases
over both (`service`, in place of tests/unit/conftest.py's, which keeps none). A module takes the three as its own
(`store, cleaner, service = kept_images.store, ...`: pytest finds fixtures by the module's names)."""

import pytest

from adapters.memory import InMemoryEvidenceStore
from disputes.rules import Rules
from disputes.service import DisputeService
from tests.factories import CountedCleaner


@pytest.fixture
def store() -> InMemoryEvidenceStore:
    return InMemoryEvidenceStore()


@pytest.fixture
def cleaner() -> CountedCleaner:
    return CountedCleaner()


@pytest.fixture
def service(repository, orders, clock, store, cleaner) -> DisputeService:
    return DisputeService(repository, orders, clock, Rules(), attachments=store, clean_image=cleaner)
