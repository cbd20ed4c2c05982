"""Range and the validators read as RFC 9110 spells them, for a file of 1000 bytes."""

import pytest

from adapters.web.byte_ranges import MAX_RANGES, ByteRange, Unsatisfiable, none_match, range_applies, requested_range

SIZE = 1000
TAG = '"0a1b2c"'

SERVED = [
    ("bytes=0-99", ByteRange(0, 99)),
    ("bytes=900-", ByteRange(900, 999)),
    ("bytes=-100", ByteRange(900, 999)),
    ("bytes=-5000", ByteRange(0, 999)),  # a suffix longer than the file is all of it
    ("bytes=990-5000", ByteRange(990, 999)),  # a last position past the end stops at the end
    ("Bytes = 5-5", ByteRange(5, 5)),
    ("bytes=2000-3000, 10-19", ByteRange(10, 19)),  # the first satisfiable one
    ("bytes=10-19,30-39", ByteRange(10, 19)),
    ("bytes=0-99999999999999999999", ByteRange(0, 999)),  # a last position of any length stops at the end
    ("bytes=-99999999999999999999", ByteRange(0, 999)),
    ("bytes=0000000000000000000000010-19", ByteRange(10, 19)),  # leading zeros are still the same position
]


@pytest.mark.parametrize(("header", "expected"), SERVED, ids=[h for h, _ in SERVED])
def test_a_readable_range_names_the_part_to_send(header, expected):
    assert requested_range(header, SIZE) == expected


IGNORED = [None, "items=0-9", "bytes=99999999999999999999-99999999999999999998", "bytes=9-0", "bytes=abc", "bytes=", "bytes=0-9;x", "bytes=--5", "bytes=0-9,9-0",
           "bytes=" + ",".join(["0-1"] * (MAX_RANGES + 1))]


@pytest.mark.parametrize("header", IGNORED)
def test_a_range_that_cannot_be_read_is_ignored_and_the_whole_file_sent(header):
    assert requested_range(header, SIZE) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=1000-1001, 2000-",
                                    "bytes=999999999-", "bytes=99999999999999999999-", "bytes=" + "9" * 6000 + "-"])
def test_a_range_wholly_past_the_end_is_unsatisfiable(header):
    with pytest.raises(Unsatisfiable):
        requested_range(header, SIZE)


def test_an_empty_file_satisfies_no_range():
    with pytest.raises(Unsatisfiable):
        requested_range("bytes=0-", 0)


def test_content_range_names_the_part_and_the_whole():
    assert ByteRange(10, 19).content_range(SIZE) == "bytes 10-19/1000"


@pytest.mark.parametrize(("header", "current"), [
    (TAG, True), ('W/"0a1b2c"', True), ('"other", "0a1b2c"', True), ("*", True),
    ('"other"', False), (None, False), ("0a1b2c", False),
])
def test_if_none_match_compares_weakly(header, current):
    assert none_match(header, TAG) is current


@pytest.mark.parametrize(("header", "applies"), [
    (None, True), (TAG, True), ('W/"0a1b2c"', False), ('"other"', False), ("Sat, 05 Dec 2026 00:00:00 GMT", False),
])
def test_if_range_lets_the_range_apply_only_to_the_current_file(header, applies):
    assert range_applies(header, TAG) is applies
