"""The decision policy: pure code from a dispute, its evidence and the customer's history to a recommendation."""

from disputes.policy.abuse import CustomerHistory, PastClaim, opening_of
from disputes.policy.engine import recommend
from disputes.policy.settings import PolicySettings

__all__ = ["CustomerHistory", "PastClaim", "PolicySettings", "opening_of", "recommend"]
