"""Required free text (statements, notes, reasons, the partner's names and places) must hold something
written: white space, control, zero-width and other format characters alone are refused, naming the field."""

import json
import re
import unicodedata

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from schemas.api import AppealRequest, ClearFlags, DecisionRequest, Note, OpenDispute, Reopen, Withdraw
from schemas.common import WRITTEN
from schemas.partner_webhook import PartnerCourier, PartnerEvent, PartnerLocation

UNWRITTEN_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf", "Co"}
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c\u200d\u2060",  # zero-width non-joiner, joiner, word joiner
    "\ufeff",  # byte order mark
    "\u202e\u2066\u2069",  # direction overrides and isolates
    "\U000e0067\U000e0062\U000e007f",  # tag characters
    "\x00\x07\x1b",  # controls
    " \u3000\u00a0\u200b\t",  # white space around a zero-width space
    "\ue000",  # private use
]
WRITTEN_TEXTS = ["Gelmedi.", "٣", "👍", "\u0301", "?", "\u200bKapıda değildim\u200b"]

DECISION = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim."}
EVENT = {"event_id": "e-1", "carrier": "yurtici", "tracking_number": "T1", "status": "in_transit",
         "occurred_at": "2024-04-22T14:31:09+03:00"}
FIELDS: list[tuple[type[BaseModel], dict[str, object], str]] = [
    (OpenDispute, {"order_id": "ord-1", "preferred_resolution": "refund"}, "statement"),
    (AppealRequest, {}, "statement"),
    (Note, {}, "text"),
    (DecisionRequest, DECISION, "note"),
    (DecisionRequest, DECISION, "override_reason"),
    (Withdraw, {}, "reason"),
    (Reopen, {}, "reason"),
    (ClearFlags, {}, "reason"),
    (PartnerEvent, EVENT, "received_by"),
    (PartnerCourier, {}, "name"),
    (PartnerLocation, {}, "text"),
]
FIELD_IDS = [f"{model.__name__}.{field}" for model, _, field in FIELDS]


def unwritten_ranges() -> str:
    """The character class the schemas publish, derived again from this Python's Unicode database."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        if unicodedata.category(chr(code)) in UNWRITTEN_CATEGORIES:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))

    def escape(code: int) -> str:  # beyond U+FFFF as itself: ECMA-262 (JSON Schema's regex dialect) has no \U
        return f"\\u{code:04x}" if code < 0x10000 else chr(code)

    return "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)


def test_the_published_class_is_exactly_unicode_s_white_space_control_format_and_private_use() -> None:
    assert WRITTEN == f"[^{unwritten_ranges()}]" and "\\U" not in WRITTEN


def test_the_published_pattern_is_one_the_schema_validators_compile() -> None:
    validator = jsonschema_rs.validator_for({"type": "string", "pattern": WRITTEN})
    assert [validator.is_valid(text) for text in ("\u200b\u2060", "\x89", "Gelmedi.", "😀")] == [False, False, True, True]


@pytest.mark.parametrize(("model", "rest", "field"), FIELDS, ids=FIELD_IDS)
@pytest.mark.parametrize("invisible", INVISIBLE)
def test_invisible_text_is_refused_naming_the_field(model: type[BaseModel], rest: dict[str, object], field: str,
                                                    invisible: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps({**rest, field: invisible}))
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize(("model", "rest", "field"), FIELDS, ids=FIELD_IDS)
@pytest.mark.parametrize("written", WRITTEN_TEXTS)
def test_written_text_is_accepted(model: type[BaseModel], rest: dict[str, object], field: str, written: str) -> None:
    assert getattr(model.model_validate_json(json.dumps({**rest, field: written})), field) == written.strip()


@given(st.text(max_size=20))
def test_text_is_accepted_exactly_when_it_has_a_letter_mark_number_punctuation_or_symbol(value: str) -> None:
    written = any(unicodedata.category(c) not in UNWRITTEN_CATEGORIES for c in value)  # unassigned (Cn) counts
    try:
        Note(text=value)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == written
    assert bool(re.search(WRITTEN, value)) == written  # what the document says is what the server does


def test_lone_surrogates_are_not_text_either() -> None:
    with pytest.raises(ValidationError) as caught:
        Note.model_validate({"text": "\ud800 \udfff"})
    assert [error["loc"] for error in caught.value.errors()] == [("text",)]
