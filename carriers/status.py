"""Carrier codes normalised through one explicit table per carrier.

Each carrier's ``mapping`` declares a ``CodeTable`` from its status codes to ``ProofStatus`` (and, where
the carrier reports where or to whom it delivered, from those codes to ``RecipientRelation``). Lookups
ignore case and surrounding blanks; a code missing from the table maps to the table's default, so a
carrier adding a new code degrades to "unknown" rather than failing the pull.
"""

from collections.abc import Mapping
from enum import StrEnum

import structlog

from schemas.proof import ProofStatus, RecipientRelation

log = structlog.get_logger("carriers.status")


class CodeTable[V: StrEnum]:
    def __init__(self, carrier: str, field: str, entries: Mapping[str, V], default: V) -> None:
        self._carrier = carrier
        self._field = field
        self._entries = {code.strip().upper(): value for code, value in entries.items()}
        self._default = default

    def __call__(self, code: str | None) -> V:
        key = (code or "").strip().upper()
        if not key:
            return self._default
        if (value := self._entries.get(key)) is None:
            # Codes are carrier vocabulary, not personal data: safe to log, useful to extend the table.
            log.info("carrier_code_unmapped", carrier=self._carrier, field=self._field, code=key[:32])
            return self._default
        return value


def status_table(carrier: str, field: str, entries: Mapping[str, ProofStatus]) -> CodeTable[ProofStatus]:
    return CodeTable(carrier, field, entries, ProofStatus.UNKNOWN)


def relation_table(carrier: str, field: str, entries: Mapping[str, RecipientRelation]) -> CodeTable[RecipientRelation]:
    return CodeTable(carrier, field, entries, RecipientRelation.UNKNOWN)
