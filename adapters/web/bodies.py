"""Request bodies in a content coding (RFC 9110 §8.4), decoded here rather than by aiohttp.

The server runs with aiohttp's `auto_decompress` off (`adapters.web.limits.server_options`): aiohttp would answer a
coding it cannot decode (`br`, `zstd`) with a plain-text 400 before the service runs, pass `x-gzip` and stacked
codings on undecoded, and accept a gzip body cut short. Here a body is decoded as it arrives, coding by coding in
the reverse of the order they were applied, each step's output bounded as the body is (the body as sent and
after each decoding may not pass the limit: a small body that inflates past it is refused without being inflated
whole). `gzip` (and its alias `x-gzip`) and `deflate` are decoded; another coding is refused (415 with
`Accept-Encoding`), and a body that does not decode to its end is unreadable (400). A body from a sender yet to be
proven (a signed push, whose signature covers the decoded body) is decoded without being kept: its pieces go to the
signature's check as they come out, only the bytes as sent are kept, and they are decoded again once it holds.

JSON bodies are decoded (`read_json_bytes`); forms and multipart uploads take no coding (`refuse_coded`), as no
browser compresses a request body.
"""

import zlib
from collections.abc import Callable, Iterator, Mapping

from aiohttp import hdrs, web
from aiohttp.streams import StreamReader
from multidict import CIMultiDictProxy

from adapters.web.problems import UNSUPPORTED_ENCODING, ProblemError
from adapters.web.rejections import problem_of
from carriers.errors import WebhookReason

WINDOW_BITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}
"""zlib's `wbits` per coding: a gzip member, a zlib stream (RFC 9110 §8.4.1.2: `deflate` is the zlib format)."""
RAW_DEFLATE = -15
"""A `deflate` body sent without its zlib header, as some clients do (aiohttp reads those too)."""
ACCEPT_ENCODING = "gzip, deflate"
MAX_CODINGS = 3
CHUNK = 64 * 1024


class Rejection(Exception):
    """A request refused for ``reason`` (a push's reason code: its coding, its size, its credential...); ``detail``
    says why in words, never quoting a credential."""

    def __init__(self, reason: WebhookReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def content_codings(headers: CIMultiDictProxy[str]) -> tuple[str, ...]:
    """The codings applied to the body, in the order they were applied; refused (``unsupported_encoding``) unless
    each is one decoded here, and at most `MAX_CODINGS` of them."""
    codings = _named_codings(headers)
    if len(codings) > MAX_CODINGS or any(coding not in WINDOW_BITS for coding in codings):
        raise Rejection(WebhookReason.UNSUPPORTED_ENCODING,
                        f"Send the body uncompressed or in {ACCEPT_ENCODING} (at most {MAX_CODINGS} of them).")
    return codings


def _named_codings(headers: CIMultiDictProxy[str]) -> tuple[str, ...]:
    """Every coding `Content-Encoding` names, however many times it is given (`identity` is none)."""
    named = (coding.strip().lower() for value in headers.getall(hdrs.CONTENT_ENCODING, ()) for coding in value.split(","))
    return tuple(coding for coding in named if coding and coding != "identity")


class _Inflater:
    """One coding undone: its output in pieces of at most `CHUNK`, refused once it passes `limit` in all."""

    def __init__(self, coding: str, limit: int) -> None:
        self._wbits, self._limit = WINDOW_BITS[coding], limit
        self._stream: zlib._Decompress | None = None
        self.size = 0

    @property
    def complete(self) -> bool:
        """Whether what it was given ends where its stream ends (nothing given is nothing to end)."""
        return self._stream is None or self._stream.eof

    def inflate(self, data: bytes) -> Iterator[bytes]:
        while True:
            if data and (self._stream is None or self._stream.eof):
                self._stream = self._next_stream(data)
            if (stream := self._stream) is None:
                return
            try:
                piece = stream.decompress(data, CHUNK)
            except zlib.error:
                raise _unreadable() from None
            data = stream.unused_data if stream.eof else stream.unconsumed_tail
            self.size += len(piece)
            if self.size > self._limit:
                raise too_large(self._limit)
            if piece:
                yield piece
            if not data and (stream.eof or len(piece) < CHUNK):  # a full piece: more may be held back, ask again
                return

    def _next_stream(self, data: bytes) -> "zlib._Decompress":
        """The first stream, or (gzip) the next member after one that ended; data after a zlib stream is refused."""
        if self._stream is not None and self._wbits != WINDOW_BITS["gzip"]:
            raise _unreadable()
        raw = self._wbits == WINDOW_BITS["deflate"] and data[0] & 0x0F != 8  # RFC 1950: CM = 8 in the first byte
        return zlib.decompressobj(RAW_DEFLATE if raw else self._wbits)


class Decoder:
    """A body's bytes as they arrive → the body decoded, every step (the bytes as sent too) within `limit`.

    Given `passed`, each piece of the decoded body goes there as it comes out and is not kept: what `finish` returns
    is then the body as sent (bounded on the wire by `limit`), to be decoded again (`whole`) once it may be (a push
    proven to be its carrier's: a body of a few kilobytes may inflate to the limit)."""

    def __init__(self, codings: tuple[str, ...], limit: int, passed: Callable[[bytes], None] | None = None) -> None:
        self._stages = [_Inflater(coding, limit) for coding in reversed(codings)]  # the last applied, first undone
        self._limit = limit
        self._passed = passed
        self._received = 0
        self._body = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received > self._limit:
            raise too_large(self._limit)
        if self._passed is not None:
            self._body += chunk
        self._pass(0, chunk)

    def finish(self) -> bytes:
        if not all(stage.complete for stage in self._stages):
            raise _unreadable()
        return bytes(self._body)

    def whole(self, body: bytes) -> bytes:
        """All of a body at once (not copied when it has no coding and nothing is passed on)."""
        if not self._stages and self._passed is None and len(body) <= self._limit:
            return body
        self.feed(body)
        return self.finish()

    def _pass(self, index: int, data: bytes) -> None:
        if index == len(self._stages):  # bounded already: the bytes as sent, or the last decoding's output
            if self._passed is None:
                self._body += data
            else:
                self._passed(data)
            return
        for piece in self._stages[index].inflate(data):
            self._pass(index + 1, piece)


async def read_decoded(
    content: StreamReader, codings: tuple[str, ...], limit: int, arrived: Callable[[int], None],
    passed: Callable[[bytes], None] | None = None,
) -> bytes:
    """The body decoded, refused as soon as a step of it passes `limit`: a chunked body is never read past it. Each
    piece of the body as sent is given to `arrived` (its size) as it is read, before anything is done with it (which
    may refuse it: a budget of the bytes received, `InFlight.taking`). Given `passed`, the decoded body goes there in
    pieces as it comes, and the body as sent is returned (`Decoder`)."""
    decoder = Decoder(codings, limit, passed)
    if content.is_eof():  # all of it came with the headers
        body = content.read_nowait()
        arrived(len(body))
        return decoder.whole(body)
    try:
        async for chunk in content.iter_chunked(CHUNK):
            arrived(len(chunk))
            decoder.feed(chunk)
    except web.RequestPayloadError:  # its chunked framing is broken
        raise _unreadable() from None
    return decoder.finish()


async def read_json_bytes(request: web.Request) -> bytes:
    """A JSON body as the API reads it (bounded by the application's `client_max_size`), decoded; a refusal is the
    API's problem: 415 naming the codings taken, 413, or 400 ``unreadable-body``."""
    try:
        codings = content_codings(request.headers)
        raw = await request.read()
        return Decoder(codings, request.client_max_size).whole(raw) if codings else raw
    except Rejection as refused:
        raise _api_problem(refused) from None


def refuse_coded(request: web.Request) -> None:
    """A form takes no content coding: one that names any is refused (415) before it is read."""
    if _named_codings(request.headers):
        raise ProblemError(UNSUPPORTED_ENCODING, "Send the form uncompressed.",
                           headers={hdrs.ACCEPT_ENCODING: "identity"})


def accept_encoding(reason: WebhookReason) -> Mapping[str, str] | None:
    """The header a refusal for `reason` adds: the codings taken (RFC 9110 §15.5.16), if the coding was refused."""
    return {hdrs.ACCEPT_ENCODING: ACCEPT_ENCODING} if reason is WebhookReason.UNSUPPORTED_ENCODING else None


def too_large(limit: int) -> Rejection:
    return Rejection(WebhookReason.TOO_LARGE, f"Bodies are limited to {limit} bytes.")


def _unreadable() -> Rejection:
    return Rejection(WebhookReason.UNREADABLE_BODY, "The body does not decode as its Content-Encoding says.")


def _api_problem(refused: Rejection) -> ProblemError:
    return ProblemError(problem_of(refused.reason), refused.detail, headers=accept_encoding(refused.reason))
