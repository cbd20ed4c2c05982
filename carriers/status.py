"""Carrier codes normalised through one explicit table per carrier.

Each carrier's ``mapping`` declares a ``CodeTable`` from its status codes to ``ProofStatus`` (and, where
the carrier reports where or to whom it delivered, from those codes to ``RecipientRelation``). Lookups
ignore case and surrounding blanks; a code missing from the table maps to the table's default, so a
carrier adding a new code degrades to "unknown" rather than failing the pull. Such a code is logged and
counted in ``UNMAPPED`` (by carrier and code, for the service's metrics) so operators can add it.
"""

from collections import Counter
from collections.abc import Mapping
from enum import StrEnum

import structlog

from schemas.proof import ProofStatus, RecipientRelation

log = structlog.get_logger("carriers.status")
UNMAPPED: Counter[tuple[str, str]] = Counter()
"""Codes met that a table does not know, by (carrier, code), since the process started."""
_MAX_UNMAPPED_KINDS = 500  # a carrier sending garbage codes must not grow the metric without bound
_CODE_CHARS = 32


def count_unmapped(carrier: str, code: str) -> None:
    """Count a code no table knows; past the bound on distinct codes, new ones count under ``(other)``."""
    key = (carrier, code[:_CODE_CHARS])
    if key not in UNMAPPED and len(UNMAPPED) >= _MAX_UNMAPPED_KINDS:
        key = (carrier, "(other)")
    UNMAPPED[key] += 1


class CodeTable[V: StrEnum]:
    def __init__(self, carrier: str, field: str, entries: Mapping[str, V], default: V) -> None:
        self._carrier = carrier
        self._field = field
        self._entries = {code.strip().upper(): value for code, value in entries.items()}
        self._default = default

    def __call__(self, code: str | None) -> V:
        return self.lookup(code)[0]

    def lookup(self, code: str | None) -> tuple[V, bool]:
        """The value of ``code`` and whether the table knows it (a blank code is not known, and not logged)."""
        key = (code or "").strip().upper()
        if not key:
            return self._default, False
        if (value := self._entries.get(key)) is None:
            # Codes are carrier vocabulary, not personal data: safe to log, useful to extend the table.
            log.warning("carrier_code_unmapped", carrier=self._carrier, field=self._field, code=key[:_CODE_CHARS])
            count_unmapped(self._carrier, key)
            return self._default, False
        return value, True

    def knows(self, code: str | None) -> bool:
        return (code or "").strip().upper() in self._entries


def status_table(carrier: str, field: str, entries: Mapping[str, ProofStatus]) -> CodeTable[ProofStatus]:
    return CodeTable(carrier, field, entries, ProofStatus.UNKNOWN)


def relation_table(carrier: str, field: str, entries: Mapping[str, RecipientRelation]) -> CodeTable[RecipientRelation]:
    return CodeTable(carrier, field, entries, RecipientRelation.UNKNOWN)
