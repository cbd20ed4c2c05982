import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from structlog.testing import capture_logs

from carriers.errors import MalformedResponse
from carriers.parsing import inline_attachment, linked_attachment, media_type_of, parse_timestamp
from carriers.status import status_table
from schemas.proof import AttachmentKind, ProofStatus


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


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"GIF89a......", "image/gif"),
        (b"%PDF-1.7....", "application/pdf"),
        (b"II*\x00......", "image/tiff"),
        (b"<html>......", "text/html"),
        (b"\x00\x01\x02\x03....", "application/octet-stream"),
    ],
)
def test_the_media_type_of_inline_content_is_sniffed(content: bytes, media_type: str) -> None:
    assert media_type_of(base64.b64encode(content).decode()) == media_type


def test_inline_content_with_line_breaks_is_accepted() -> None:
    wrapped = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ\nAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n"
    attachment = inline_attachment(AttachmentKind.SIGNATURE, wrapped)
    assert (
        attachment is not None and attachment.media_type == "image/png" and "\n" not in (attachment.content_b64 or "")
    )
    assert inline_attachment(AttachmentKind.SIGNATURE, "  ") is None


@pytest.mark.parametrize("url", ["string", "ftp://x.test/a", "", None])
def test_only_http_links_become_attachments(url: str | None) -> None:
    assert linked_attachment(AttachmentKind.SIGNATURE, url) is None


def test_a_status_table_ignores_case_and_blanks_and_logs_codes_it_does_not_know() -> None:
    table = status_table("test", "status", {"DL": ProofStatus.DELIVERED})
    assert table(" dl ") is ProofStatus.DELIVERED
    assert table(None) is ProofStatus.UNKNOWN
    with capture_logs() as logs:
        assert table("ZZ") is ProofStatus.UNKNOWN
    assert logs == [
        {"event": "carrier_code_unmapped", "log_level": "warning", "carrier": "test", "field": "status", "code": "ZZ"}
    ]
