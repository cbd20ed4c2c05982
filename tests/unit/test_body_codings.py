"""Request bodies decoded from their content codings: each step bounded, a body cut short refused."""

import gzip
import zlib

import pytest

from adapters.web.bodies import Decoder, Rejection
from carriers.errors import WebhookReason

BODY = b'{"trackingNumber": "1Z204W4R0308071865", "activityStatus": {"type": "D"}}' * 200
LIMIT = 64 * 1024


def decoded(codings: tuple[str, ...], sent: bytes, limit: int = LIMIT) -> bytes | WebhookReason:
    try:
        return Decoder(codings, limit).whole(sent)
    except Rejection as rejection:
        return rejection.reason


def gz(data: bytes) -> bytes:
    """Gzipped with no time in its header: the same bytes on every run (test ids are made of them)."""
    return gzip.compress(data, mtime=0)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(("codings", "sent"), [
    (("gzip",), gz(BODY)),
    (("x-gzip",), gz(BODY)),
    (("deflate",), zlib.compress(BODY)),
    (("deflate",), raw_deflate(BODY)),
    (("gzip", "gzip"), gz(gz(BODY))),
    (("deflate", "gzip"), gz(zlib.compress(BODY))),
    (("gzip",), gz(BODY[:100]) + gz(BODY[100:])),
    ((), BODY),
])
def test_a_body_is_decoded_in_the_reverse_of_the_order_its_codings_were_applied(codings, sent) -> None:
    assert decoded(codings, sent) == BODY


def test_a_body_arriving_a_few_bytes_at_a_time_decodes_the_same() -> None:
    sent, decoder = gz(zlib.compress(BODY)), Decoder(("deflate", "gzip"), LIMIT)
    for start in range(0, len(sent), 7):
        decoder.feed(sent[start:start + 7])
    assert decoder.finish() == BODY


@pytest.mark.parametrize(("codings", "sent"), [
    (("gzip",), gz(BODY)[:-10]),  # the data whole, its CRC and length missing
    (("gzip",), gz(BODY)[:-100]),
    (("deflate",), zlib.compress(BODY)[:-4]),
    (("gzip", "gzip"), gz(gz(BODY)[:-10])),
    (("deflate",), zlib.compress(BODY) + b"more"),
    (("gzip",), gz(BODY) + b"more"),
    (("gzip",), BODY),
    (("deflate", "gzip"), gz(BODY)),
])
def test_a_body_that_does_not_decode_to_its_end_is_unreadable(codings, sent) -> None:
    assert decoded(codings, sent) is WebhookReason.UNREADABLE_BODY


@pytest.mark.parametrize(("codings", "sent"), [
    (("gzip",), gz(b" " * (LIMIT + 1))),
    (("gzip", "gzip"), gz(gz(b" " * 100_000_000))),
    # a deflate stream of empty stored blocks inflates to nothing: the gzip around it is bounded all the same
    (("deflate", "gzip"), gz(b"\x78\x01" + b"\x00\x00\x00\xff\xff" * 1_000_000)),
    ((), BODY + b" " * LIMIT),
])
def test_a_body_is_too_large_when_any_step_of_it_passes_the_limit(codings, sent) -> None:
    assert decoded(codings, sent) is WebhookReason.TOO_LARGE


def test_the_limit_itself_is_taken() -> None:
    assert decoded(("gzip",), gz(b" " * LIMIT)) == b" " * LIMIT


@pytest.mark.parametrize(("codings", "sent"), [
    (("deflate", "gzip"), gz(zlib.compress(BODY))),
    (("gzip",), gz(BODY[:100]) + gz(BODY[100:])),
    ((), BODY),
])
def test_a_body_passed_on_as_it_decodes_keeps_only_the_bytes_sent(codings, sent) -> None:
    """Each decoded piece goes on as it comes out; what is kept, and returned, is the body as sent."""
    pieces: list[bytes] = []
    decoder = Decoder(codings, LIMIT, pieces.append)
    for start in range(0, len(sent), 7):
        decoder.feed(sent[start:start + 7])
    assert (decoder.finish(), b"".join(pieces)) == (sent, BODY)


@pytest.mark.parametrize(("codings", "sent", "reason"), [
    (("gzip",), gz(b" " * (LIMIT + 1)), WebhookReason.TOO_LARGE),
    (("gzip", "gzip"), gz(gz(b" " * 100_000_000)), WebhookReason.TOO_LARGE),
    ((), BODY + b" " * LIMIT, WebhookReason.TOO_LARGE),
    (("gzip",), gz(BODY)[:-8], WebhookReason.UNREADABLE_BODY),
])
def test_a_body_passed_on_is_bounded_and_read_to_its_end_as_one_kept(codings, sent, reason) -> None:
    passed: list[int] = []
    with pytest.raises(Rejection) as refused:
        Decoder(codings, LIMIT, lambda piece: passed.append(len(piece))).whole(sent)
    assert refused.value.reason is reason
    assert sum(passed) <= LIMIT
