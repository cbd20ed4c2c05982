"""Small value types shared by every boundary: identifiers, roles, resolutions."""

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"),
]
"""An identifier: a plain token, never an object or an operator (`{"$ne": …}` fails validation)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Role(StrEnum):
    CUSTOMER = "customer"
    INVESTIGATOR = "investigator"
    SUPERVISOR = "supervisor"
    SERVICE = "service"


STAFF_ROLES = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR, Role.SERVICE})


class Resolution(StrEnum):
    """What the customer asks for."""

    REFUND = "refund"
    RESHIP = "reship"


class Outcome(StrEnum):
    """How a dispute ends."""

    REFUND = "refund"
    RESHIP = "reship"
    REJECTED = "rejected"


class RefundDestination(StrEnum):
    ORIGINAL_PAYMENT = "original_payment"
    WALLET = "wallet"
