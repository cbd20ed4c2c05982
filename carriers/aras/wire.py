"""The parts of Aras's ``GetQueryJSON`` document we read, and how its records are found in it.

Aras publishes the columns of a record (Turkish upper case: ``KARGO_TAKIP_NO``, ``DURUM_KODU``, …) but not
the document around them. ``records`` therefore finds the records wherever they are: any object holding one
of the record keys, at any depth, alone or in an array. Keys are compared folded, so ``KARGO TAKİP NO`` (the
spelling of Aras's column tables) and ``KARGO_TAKIP_NO`` are one key.
"""

import re
from collections.abc import Iterator
from typing import Any

from pydantic import ConfigDict

from carriers.parsing import WireModel
from carriers.turkish import ascii_key

_RECORD_KEYS = frozenset({"KARGO_TAKIP_NO", "MUSTERI_OZEL_KODU", "DURUM_KODU", "DURUMU"})
_NOT_KEY = re.compile(r"[^A-Z0-9]+")
_MAX_DEPTH = 16
type Record = dict[str, Any]


class Cargo(WireModel):
    """One record, its values already read as text (``mapping.cargo``). Every field is optional."""

    model_config = ConfigDict(alias_generator=str.upper)

    musteri_ozel_kodu: str | None = None  # our integration code (MÖK)
    kargo_takip_no: str | None = None  # Aras's tracking number of this waybill
    durum_kodu: str | None = None
    durumu: str | None = None
    tip_kodu: str | None = None
    devir_kodu: str | None = None
    alici: str | None = None
    teslim_alan: str | None = None
    teslim_tarihi: str | None = None
    teslim_saati: str | None = None
    cikis_tarih: str | None = None
    varis_sube: str | None = None


def field_key(name: str) -> str:
    """``KARGO TAKİP NO`` → ``KARGO_TAKIP_NO``: one spelling for a column name."""
    return _NOT_KEY.sub("_", ascii_key(name)).strip("_")


def records(document: Any) -> list[Record]:
    """Every record in the document, in document order, with its keys folded (``field_key``)."""
    return list(_records(document, 0))


def _records(node: Any, depth: int) -> Iterator[Record]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, dict):
        keyed = {field_key(name): value for name, value in node.items()}
        if _RECORD_KEYS & keyed.keys():
            yield keyed
            return
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _records(child, depth + 1)


def is_empty(document: Any, depth: int = 0) -> bool:
    """True when the document holds no value at all (``null``, ``{"QueryResult": null}``, ``[]``, …)."""
    if isinstance(document, dict):
        document = list(document.values())
    if isinstance(document, list):
        return depth <= _MAX_DEPTH and all(is_empty(value, depth + 1) for value in document)
    return document is None or document == ""
