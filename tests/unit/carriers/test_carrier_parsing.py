from datetime import UTC, datetime, timedelta, timezone

import pytest
from structlog.testing import capture_logs

from carriers.errors import MalformedResponse
from carriers.parsing import parse_timestamp, same_number, short
from carriers.status import status_table
from schemas.proof import ProofStatus


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-03-02T07:53:47Z", datetime(2018, 3, 2, 7, 53, 47, tzinfo=UTC)),
        ("2018-02-02T12:01:00-07:00", datetime(2018, 2, 2, 12, 1, tzinfo=timezone(-timedelta(hours=7)))),
        ("2018-03-02T07:53:47", datetime(2018, 3, 2, 7, 53, 47, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_timestamps_are_aware_with_naive_ones_read_as_utc(value: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(value, carrier="dhl", what="events") == expected


def test_an_unreadable_timestamp_is_malformed_and_says_where() -> None:
    with pytest.raises(MalformedResponse, match="unreadable timestamp in events"):
        parse_timestamp("next tuesday", carrier="dhl", what="events")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "1900-01-01T00:00:00Z",
                                   "9999-12-31T23:59:59", "9999-01-01T00:00:00Z"])
def test_a_placeholder_time_is_no_instant_and_unreadable(value: str) -> None:
    """.NET's `DateTime.MinValue` and `MaxValue` (9999-12-31T23:59:59) mean "none"; in a zone east of UTC the first has
    no UTC instant, and the last has no local time in Istanbul (the customer is told times there)."""
    with pytest.raises(MalformedResponse, match="placeholder time, not an instant, in events"):
        parse_timestamp(value, carrier="dhl", what="events", zone=timezone(timedelta(hours=3)))


def test_a_status_table_ignores_case_and_blanks_and_logs_codes_it_does_not_know() -> None:
    table = status_table("test", "status", {"DL": ProofStatus.DELIVERED})
    assert table(" dl ") is ProofStatus.DELIVERED
    assert table(None) is ProofStatus.UNKNOWN
    with capture_logs() as logs:
        assert table("ZZ") is ProofStatus.UNKNOWN
    assert logs == [
        {"event": "carrier_code_unmapped", "log_level": "warning", "carrier": "test", "field": "status", "code": "ZZ"}
    ]


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("   ", None), (" Kadıköy şubesi ", "Kadıköy şubesi"),
    (" " * 10 + "x" * 600, "x" * 500),  # the blanks before it eat nothing of the 500
    ("x" * 499 + " y", "x" * 499),  # nor is one left at the cut
    (" " * 500 + "Kadıköy", "Kadıköy"),  # text after a run of blanks is kept
])
def test_short_text_is_the_stripped_text_cut_to_500(value: str | None, expected: str | None) -> None:
    assert short(value) == expected


def test_a_number_in_a_reply_is_the_asked_one_in_either_case_and_without_blanks() -> None:
    assert same_number(" hj270000000001 ", "HJ270000000001 ")
    assert not same_number("HJ270000000001", "HJ270000000002")
    assert not same_number(None, "HJ270000000001")
