"""The carriers the registry holds, for the tests that go over every carrier: a carrier added to
``carriers.registry.CARRIERS`` (and its sandbox stand-in) is taken by all of them, and fails their per-carrier
tables until it is described there."""

from carriers.registry import CARRIERS
from sandbox.carriers.registry import SANDBOX_CARRIERS

PULLED = tuple(code for code, entry in CARRIERS.items() if entry.build.capabilities.pull is not None)
PUSHED = tuple(code for code, carrier in SANDBOX_CARRIERS.items() if carrier.webhook is not None)
