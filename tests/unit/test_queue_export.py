"""The export's cells and the queue's cursor, below HTTP: what a spreadsheet reads from a cell, and which
cursors the service takes back."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.web.queue import csv_cell, csv_rows
from adapters.web.views import Cursors

WHEN = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_start_a_formula_is_shown_as_text(start):
    assert csv_cell(f"{start}HYPERLINK(\"http://x\")") == f"'{start}HYPERLINK(\"http://x\")"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        ("TRK123", "TRK123"),
        ("a=b", "a=b"),
        (129_900, "129900"),
        (0.85, "0.85"),
        (True, "true"),
        (["shared_address", "many_claims"], "shared_address many_claims"),
        (["=1+2"], "'=1+2"),
        (WHEN.astimezone(timezone(timedelta(hours=3))), "2026-11-18T09:30:00.000Z"),
        (WHEN + timedelta(microseconds=192_000), "2026-11-18T09:30:00.192Z"),
    ],
)
def test_cells_are_written_as_documented(value, cell):
    assert csv_cell(value) == cell


def test_rows_read_back_as_written_whatever_they_hold():
    rows = [["id", "note"], ["dsp_1", 'a, "quoted"\nsecond line'], ["dsp_2", "-5"]]

    read = list(csv.reader(io.StringIO(csv_rows(rows).decode(), newline="")))

    assert read == [["id", "note"], ["dsp_1", 'a, "quoted"\nsecond line'], ["dsp_2", "'-5"]]


def test_a_cursor_reads_back_as_the_position_it_was_made_from():
    cursors = Cursors.from_secret("s" * 32)
    after = (WHEN, "dsp_01HZX")

    assert cursors.decode(cursors.encode(after)) == after


def test_a_cursor_changed_or_made_elsewhere_is_refused():
    cursors = Cursors.from_secret("s" * 32)
    cursor = cursors.encode((WHEN, "dsp_01HZX"))
    changed = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    others = Cursors.from_secret("t" * 32).encode((WHEN, "dsp_01HZX"))

    for forged in (changed, others, "", "e30", "not-a-cursor"):
        with pytest.raises(ValueError):
            cursors.decode(forged)


def test_cursors_signed_with_the_accepted_secret_are_read_and_new_ones_signed_with_the_current_one():
    """A rotation: instances restarted one by one, some signing with the old secret, some with the new, each
    accepting the other; once the old one is no longer accepted, its cursors are refused."""
    old, new, after = "o" * 32, "n" * 32, (WHEN, "dsp_01HZX")
    not_yet_restarted, restarted = Cursors.from_secret(old, accepted=new), Cursors.from_secret(new, accepted=old)

    assert not_yet_restarted.decode(restarted.encode(after)) == after
    assert restarted.decode(not_yet_restarted.encode(after)) == after
    assert restarted.decode(Cursors.from_secret(old).encode(after)) == after  # handed out before the rotation
    with pytest.raises(ValueError):
        Cursors.from_secret(new).decode(not_yet_restarted.encode(after))
    mine, someone_else_s = restarted.bound("inv-1", ""), not_yet_restarted.bound("inv-2", "").encode(after)
    assert mine.decode(not_yet_restarted.bound("inv-1", "").encode(after)) == after
    with pytest.raises(ValueError):
        mine.decode(someone_else_s)


@pytest.mark.parametrize(
    "payload", [b"", b" ", b"\xff\xfe", b"yesterday x", b"2026-11-18T09:30:00 x", b"2026-11-18T09:30:00+00:00", b"7 7"]
)
def test_even_a_signed_cursor_must_hold_a_position(payload):
    """Only the service signs cursors; should one ever hold something else, it is refused, not a server error."""
    cursors = Cursors.from_secret("s" * 32)
    forged = base64.urlsafe_b64encode(cursors._tag(payload) + payload).decode().rstrip("=")

    with pytest.raises((ValueError, TypeError)):
        cursors.decode(forged)
