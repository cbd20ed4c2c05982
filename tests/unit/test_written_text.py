"""Required free text (statements, notes, reasons, the partner's names and places) must hold something
written: white space, control, zero-width and other format characters alone are refused, naming the field.
What people type (statements, messages, notes, reasons, staff and test clock names) holds no control character
either, besides tab, line feed and carriage return; the partner's names and places are a carrier's words, read
as sent."""

import json
import re
import unicodedata

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.api import (
    AppealRequest,
    ClearFlags,
    CustomerMessage,
    DecisionRequest,
    InformationRequest,
    Note,
    OpenDispute,
    Reopen,
    RestrictionReview,
    Withdraw,
)
from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web.openapi import build_openapi
from schemas.common import TYPED, WRITTEN, Reason, Remark, Statement
from schemas.conversation import AskCustomer
from schemas.partner_webhook import PartnerCourier, PartnerEvent, PartnerLocation
from schemas.staff import StaffRecord
from schemas.test_clocks import NewTestClock

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
Fields = list[tuple[type[BaseModel], dict[str, object], str]]
PEOPLE_WRITES: Fields = [
    (OpenDispute, {"order_id": "ord-1", "preferred_resolution": "refund"}, "statement"),
    (AppealRequest, {}, "statement"),
    (Note, {}, "text"),
    (DecisionRequest, DECISION, "note"),
    (DecisionRequest, DECISION, "override_reason"),
    (Withdraw, {}, "reason"),
    (Reopen, {}, "reason"),
    (ClearFlags, {}, "reason"),
]
PARTNER_WRITES: Fields = [
    (PartnerEvent, EVENT, "received_by"),
    (PartnerCourier, {}, "name"),
    (PartnerLocation, {}, "text"),
]
FIELDS = PEOPLE_WRITES + PARTNER_WRITES


def ids(fields: Fields) -> list[str]:
    return [f"{model.__name__}.{field}" for model, _, field in fields]


FIELD_IDS = ids(FIELDS)
TYPED_FIELDS: Fields = [
    *PEOPLE_WRITES,
    (InformationRequest, {}, "statement"),
    (CustomerMessage, {}, "text"),
    (AskCustomer, {}, "question"),
    (RestrictionReview, {"decision": "lift"}, "reason"),
    (StaffRecord, {"role": "investigator"}, "name"),
    (NewTestClock, {}, "name"),
]
TYPED_IDS = ids(TYPED_FIELDS)
CONTROLS = [chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]]
"""C0 but tab, line feed and carriage return; DEL; C1."""


def unwritten_ranges() -> str:
    """The character class the schemas publish, derived again from this Python's Unicode database: up to U+FFFF."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)) in UNWRITTEN_CATEGORIES:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))

    def escape(code: int) -> str:
        return f"\\u{code:04x}"

    return "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)


def test_the_published_class_is_exactly_unicode_s_white_space_control_format_and_private_use_up_to_u_ffff() -> None:
    assert WRITTEN == f"[^{unwritten_ranges()}]" and "\\U" not in WRITTEN


def as_utf16_units(pattern: str) -> str:
    """The pattern as an engine with no Unicode mode reads it: each character beyond U+FFFF as its two UTF-16 units."""
    return "".join(chr(unit) for unit in memoryview(pattern.encode("utf-16-le", "surrogatepass")).cast("H"))


def test_every_published_pattern_compiles_in_an_engine_with_no_unicode_mode() -> None:
    """.NET, or JavaScript without `u`, reads a pattern as UTF-16 units: a class naming a character beyond U+FFFF is,
    to them, a surrogate pair and a range out of order. Python's `re` given those units stands in for them."""
    text = json.dumps(build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test"), ensure_ascii=False)
    patterns = set(re.findall(r'"pattern": ("(?:[^"\\]|\\.)*")', text))
    assert len(patterns) >= 10
    for pattern in map(json.loads, patterns):
        assert all(ord(c) < 0x10000 for c in pattern), pattern[:40]
        re.compile(as_utf16_units(pattern))


def test_the_service_still_refuses_text_written_only_with_characters_the_published_pattern_leaves_out() -> None:
    private_and_tags = "\U000f0000\U0010fffd\U000e0067\U000e007f"
    assert re.search(WRITTEN, private_and_tags)  # what a partner's validator lets through
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(Statement).validate_python(private_and_tags)
    assert "must contain a letter" in str(refused.value)


def test_the_published_patterns_are_ones_the_schema_validators_compile() -> None:
    validator = jsonschema_rs.validator_for({"type": "string", "pattern": WRITTEN})
    assert [validator.is_valid(text) for text in ("\u200b\u2060", "\x89", "Gelmedi.", "😀")] == [False, False, True, True]
    typed = jsonschema_rs.validator_for({"type": "string", "pattern": TYPED})
    texts = ("\u200b\u2060", "Gel\x00medi.", "Gelmedi.\x85", "Gel\r\nmedi.\t", "\u200fשלום", "😀")
    assert [typed.is_valid(text) for text in texts] == [False, False, False, True, True, True]


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


def test_the_controls_are_exactly_unicode_s_control_category_but_tab_line_feed_and_carriage_return() -> None:
    assert CONTROLS == [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc" and chr(c) not in "\t\n\r"]


@pytest.mark.parametrize(("model", "rest", "field"), TYPED_FIELDS, ids=TYPED_IDS)
@pytest.mark.parametrize("control", ["\x00", "\x1b[2J", "\x7f", "\x85", "\x9b", "\x0b", "\x0c"])
def test_typed_text_with_a_control_character_is_refused_naming_the_field_not_the_value(
    model: type[BaseModel], rest: dict[str, object], field: str, control: str
) -> None:
    value = f"Kapıcıya sordum {control}sonra gelmedi"
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps({**rest, field: value}))
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]
    assert control not in caught.value.errors()[0]["msg"] and "Kapıcı" not in caught.value.errors()[0]["msg"]


@pytest.mark.parametrize(("model", "rest", "field"), TYPED_FIELDS, ids=TYPED_IDS)
@pytest.mark.parametrize("control", [" \x0b", "\x1c\n", "\x85"])  # white space to str.strip(), still refused
def test_a_control_character_at_either_end_is_refused_not_stripped(
    model: type[BaseModel], rest: dict[str, object], field: str, control: str
) -> None:
    for value in (f"Gelmedi.{control}", f"{control}Gelmedi."):
        with pytest.raises(ValidationError):
            model.model_validate_json(json.dumps({**rest, field: value}))


@pytest.mark.parametrize(("model", "rest", "field"), TYPED_FIELDS, ids=TYPED_IDS)
@pytest.mark.parametrize("written", [
    "Teslim edilmedi.\r\nKapıcı\tgörmedi.",  # lines and tabs, as a browser's textarea sends them
    "\u05dc\u05d0 \u200f\u05d4\u05d2\u05d9\u05e2",  # Hebrew with a right-to-left mark
    "\u0644\u0645 \u0623\u0633\u062a\u0644\u0645 \u061c\u0661\u0662",  # Arabic with its letter mark
    "\u2067\u0645\u0631\u062d\u0628\u0627\u2069 order 12",  # an isolate around a right-to-left word
])
def test_typed_text_keeps_line_breaks_tabs_and_direction_marks(model: type[BaseModel], rest: dict[str, object],
                                                               field: str, written: str) -> None:
    assert getattr(model.model_validate_json(json.dumps({**rest, field: written})), field) == written.strip()


@pytest.mark.parametrize(("model", "rest", "field"), PARTNER_WRITES, ids=ids(PARTNER_WRITES))
def test_a_carrier_s_names_and_places_are_read_as_sent(model: type[BaseModel], rest: dict[str, object],
                                                       field: str) -> None:
    assert getattr(model.model_validate_json(json.dumps({**rest, field: "Front\x00Door"})), field) == "Front\x00Door"


@pytest.mark.parametrize("text_type", [Statement, Remark, Reason], ids=["Statement", "Remark", "Reason"])
@given(value=st.text(max_size=20))
def test_text_is_accepted_exactly_when_it_has_a_written_character_and_no_control_character(
    text_type: object, value: str
) -> None:
    written = any(unicodedata.category(c) not in UNWRITTEN_CATEGORIES for c in value)  # unassigned (Cn) counts
    uncontrolled = not any(c in CONTROLS for c in value)
    try:
        TypeAdapter(text_type).validate_python(value)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == (written and uncontrolled)
    published = written or any(ord(c) > 0xFFFF for c in value)  # the document names no character beyond U+FFFF
    assert bool(re.search(WRITTEN, value)) == published
    assert bool(re.search(TYPED, value)) == (published and uncontrolled)  # the server checks the same, and more


def test_lone_surrogates_are_not_text_either() -> None:
    with pytest.raises(ValidationError) as caught:
        Note.model_validate({"text": "\ud800 \udfff"})
    assert [error["loc"] for error in caught.value.errors()] == [("text",)]
