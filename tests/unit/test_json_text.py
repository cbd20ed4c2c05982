"""An API body's JSON text read as I-JSON: an object naming a member twice is refused, each such member named."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.web.json_text import parse_json
from adapters.web.problems import ProblemError


def refusal(raw: bytes) -> tuple[str, int, list[str]]:
    with pytest.raises(ProblemError) as refused:
        parse_json(raw)
    return refused.value.code, refused.value.status, [e.field for e in refused.value.extra.get("errors", [])]


def test_a_body_naming_each_member_once_is_read_as_written() -> None:
    raw = b'{"order_id": "ord-1", "missing_items": [{"sku": "a", "quantity": 2}], "accessibility_need": false}'
    assert parse_json(raw) == {"order_id": "ord-1", "missing_items": [{"sku": "a", "quantity": 2}], "accessibility_need": False}


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_the_literals_json_has_no_grammar_for_are_a_malformed_body(literal: bytes) -> None:
    """RFC 8259 §6: "Numeric values that cannot be represented in the grammar below (such as Infinity and NaN) are not
    permitted"; Python's own json module reads them."""
    assert refusal(b'{"amount_minor": ' + literal + b"}") == ("malformed-json", 400, [])


NAMES = st.text(max_size=4)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_any_body_naming_each_member_once_reads_as_the_standard_library_reads_it(value) -> None:
    assert parse_json(json.dumps(value).encode()) == value


@given(st.dictionaries(NAMES, VALUES, min_size=1, max_size=4), st.data())
def test_any_object_given_one_of_its_names_again_is_refused_naming_it(members, data) -> None:
    name = data.draw(st.sampled_from(sorted(members)))
    raw = b"{" + json.dumps(name).encode() + b": null, " + json.dumps(members).encode()[1:]

    assert refusal(raw) == ("validation-failed", 422, [name])


def test_the_same_name_in_two_objects_is_no_repetition() -> None:
    assert parse_json(b'[{"sku": "a"}, {"sku": "b"}, {"x": {"sku": "c"}}]') == [{"sku": "a"}, {"sku": "b"}, {"x": {"sku": "c"}}]


@pytest.mark.parametrize(("raw", "fields"), [
    (b'{"preferred_resolution": "reship", "statement": "x", "preferred_resolution": "refund"}', ["preferred_resolution"]),
    (b'{"missing_items": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 1, "quantity": 9}]}',
     ["missing_items.1.quantity"]),
    (b'{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}', ["a", "b.c"]),
    (b'{"text": "x", "a": {"b": 1, "b": 2}, "a": 1}', ["a", "a.b"]),  # within the value a repetition replaced
    (b'{"a": 1, "\\u0061": 2}', ["a"]),  # the same name, escaped
    (b'[[{"x": 1, "x": 1}]]', ["0.0.x"]),
    (b'{"n": 1, "n": 2, "big": ' + b"9" * 5_000 + b"}", ["n"]),  # a number past what int() reads from text
])
def test_a_member_named_twice_is_a_422_naming_each_by_its_path(raw, fields) -> None:
    assert refusal(raw) == ("validation-failed", 422, fields)


def test_a_name_repeated_before_the_text_stops_being_json_is_malformed_json() -> None:
    assert refusal(b'{"a": 1, "a": 2, "b": ') == ("malformed-json", 400, [])


def test_a_name_repeated_in_a_body_nested_past_what_is_read_is_too_deep() -> None:
    assert refusal(b'{"a": 1, "a": 2, "b": ' + b"[" * 100_000 + b"]" * 100_000 + b"}") == ("validation-failed", 422, ["body"])


@pytest.mark.parametrize(("raw", "refused"), [
    (b'{"order_id": ', ("malformed-json", 400, [])),
    (b"", ("malformed-json", 400, [])),
    (b"[" * 5_000 + b"]" * 5_000, ("validation-failed", 422, ["body"])),
])
def test_malformed_and_too_deep_bodies_are_refused_as_before(raw, refused) -> None:
    assert refusal(raw) == refused
