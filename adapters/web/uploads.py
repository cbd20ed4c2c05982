"""A customer's submission (a statement and up to `MAX_IMAGES` images) read from `multipart/form-data` while it
streams, or from JSON (a statement only).

A file is refused the moment its first bytes show it is not a JPEG, PNG or WebP image, or as soon as it passes
`MAX_IMAGE_BYTES`, before the rest of it arrives; the problem names the file. A form is held in memory while it is
read and then used, so the forms in flight in a process share one budget (`FORMS_IN_FLIGHT`), taken only once the
caller is known and the case is one they may see (another's is a 404 before a byte is read), and one form at a time
per caller: a second form of the same caller is answered 429, one that finds no room for what it may hold 503, both
before a byte of it is read, so no one caller holds more than one form's share. Nothing is stored or decoded here:
every part is read and checked before the use case is called, and the use case has the images decoded and
stripped of their metadata (`ImageCleaner`) only once the case takes them.
"""

import warnings
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import cast
from urllib.parse import unquote

from aiohttp import BodyPartReader, MultipartReader, StreamReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import TypeAdapter, ValidationError

from adapters.images import (
    FORMATS,
    MAX_IMAGE_BYTES,
    SNIFF_BYTES,
    DecodersBusy,
    DecodeTurns,
    UnusableImage,
    image_type,
    without_metadata,
)
from adapters.web.bodies import refuse_coded
from adapters.web.endpoint import Call, read_json_body, remembered_caller
from adapters.web.in_flight import InFlight, at_work, waiting_on_client
from adapters.web.keys import SERVICE
from adapters.web.problems import ProblemError, validation_problem
from disputes.actors import Actor
from disputes.service import Upload
from schemas.api import FieldError, StatementBody
from schemas.common import Statement

STATEMENT, IMAGES = "statement", "images"
MAX_IMAGES = 5
MAX_STATEMENT_BYTES = 16 * 1024
MAX_FILENAME = 255
MAX_FORM_BYTES = MAX_IMAGES * MAX_IMAGE_BYTES + 256 * 1024
"""Largest multipart body: the images, the statement, and the parts' headers (a Content-Length past it is refused
before the body is read, a chunked body once it passes it)."""
FORM_BUDGET_BYTES = 4 * MAX_FORM_BYTES
"""The multipart bodies a process holds at once: four forms of five full-size images (about 200 MiB), or as many
smaller ones as fit (a form takes its `Content-Length`; a chunked one, which declares none, `MAX_FORM_BYTES`)."""
CHUNK = 64 * 1024
SEND_AS_JPEG = ("Save or share the photo as JPEG and send it again (an iPhone's HEIC photo: share it as JPEG, or set"
                " Settings > Camera > Formats to Most Compatible).")
_STATEMENT = TypeAdapter(Statement)
_ACCEPTED = ", ".join(list(FORMATS.values())[:-1]) + " or " + list(FORMATS.values())[-1]  # "JPEG, PNG or WEBP"


async def read_submission(
    request: web.Request, actor: Actor, json_model: type[StatementBody],
) -> tuple[str, list[Upload]]:
    """The statement and the images, from a form or (statement only) from JSON of `json_model`, sent by `actor` to
    the case the path names."""
    if request.content_type == "application/json":
        body = await read_json_body(request, json_model, optional=False)
        assert isinstance(body, StatementBody)
        return body.statement, []
    if request.content_type != "multipart/form-data":
        raise ProblemError("unsupported-media-type",
                           "Send multipart/form-data (a statement and images) or application/json (a statement).")
    refuse_coded(request)
    if (request.content_length or 0) > MAX_FORM_BYTES:
        raise _form_too_large()
    at_work()  # the case is looked up among the requests in flight...
    await request.app[SERVICE].read(actor, Call(request, actor).path_id())  # one the caller may not see: 404, unread
    FORMS_IN_FLIGHT.hold(request.content_length or MAX_FORM_BYTES, actor.id)
    waiting_on_client()  # ...and the form read outside them (`Endpoint` takes a place again once it is in)
    try:
        return await _read_form(request)
    except (ValueError, RuntimeError, HttpProcessingError):
        raise ProblemError("malformed-multipart",
                           "The body is not readable as multipart/form-data.") from None


FORMS_IN_FLIGHT = InFlight(
    FORM_BUDGET_BYTES, "Too many images are being received at the moment; please retry shortly.",
    one_each="One form at a time: wait for the one being sent to be answered.",
)
"""The multipart bodies held at once, each counted at the most it may hold, and one form at a time for each caller (the
token's subject), so that no one caller can take the budget from the others."""


def form_refused(request: web.Request) -> bool:
    """Whether a form is refused on its headers alone, as `read_submission` refuses it before a byte is read (the
    route's expectation: such a form is answered its refusal instead of `100 Continue`): no room among the forms in
    flight for what it declares, or a caller (known by a token already verified) with a form being sent."""
    if request.content_type != "multipart/form-data":
        return False
    caller = remembered_caller(request)
    held = caller is not None and caller.id in FORMS_IN_FLIGHT.holders
    return held or not FORMS_IN_FLIGHT.fits(request.content_length or MAX_FORM_BYTES)


class _Bounded:
    """The body as the multipart reader reads it, refused (413) once more than `MAX_FORM_BYTES` of it were read,
    however it is framed: a chunked body declares no length, and the reader skips what precedes the first boundary
    (a preamble) without a bound of its own. (What follows the last boundary is not read: the form is answered.)"""

    def __init__(self, stream: StreamReader) -> None:
        self._stream = stream
        self._read = 0

    def _counted(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > MAX_FORM_BYTES:
            raise _form_too_large()
        return data

    async def read(self, n: int = -1) -> bytes:
        return self._counted(await self._stream.read(n))

    async def readline(self, *, max_line_length: int | None = None) -> bytes:
        return self._counted(await self._stream.readline(max_line_length=max_line_length))

    def at_eof(self) -> bool:
        return self._stream.at_eof()

    def unread_data(self, data: bytes) -> None:
        self._read -= len(data)
        with warnings.catch_warnings():  # deprecated in aiohttp, which calls it itself: given back as it was read
            warnings.simplefilter("ignore", DeprecationWarning)
            self._stream.unread_data(data)


def _form_too_large() -> ProblemError:
    return ProblemError("content-too-large", f"At most {MAX_IMAGES} images of {MAX_IMAGE_BYTES // 2**20} MiB each.")


async def _read_form(request: web.Request) -> tuple[str, list[Upload]]:
    statement: str | None = None
    uploads: list[Upload] = []
    body = cast(StreamReader, _Bounded(request.content))  # what MultipartReader calls of a StreamReader, and no more
    protocol = request.protocol  # the server's limits on header fields hold for the parts' headers too
    form = MultipartReader(request.headers, body, max_field_size=protocol.max_field_size, max_headers=protocol.max_headers)
    async for part in form:
        if not isinstance(part, BodyPartReader):
            raise _invalid("form", "Nested multipart bodies are not taken.")
        if part.name == STATEMENT and statement is None:
            statement = _statement(await _read(part, MAX_STATEMENT_BYTES, _statement_too_long))
        elif part.name == IMAGES:
            if (upload := await _image(part, len(uploads))) is not None:
                uploads.append(upload)
        elif part.name == STATEMENT:
            raise _invalid(STATEMENT, "The statement is given twice.")
        else:
            raise _invalid(part.name or "form", f"Unknown form field; send '{STATEMENT}' and up to {MAX_IMAGES} '{IMAGES}'.")
    if statement is None:
        raise _invalid(STATEMENT, "Field required.")
    return statement, uploads


async def _image(part: BodyPartReader, index: int) -> Upload | None:
    """The image the part carries; None when it carries none: no file name and no bytes, what a browser sends for a
    file input left empty (WHATWG HTML, "constructing the entry list"), which is not counted among the images."""
    name = _filename(part.filename, index)
    if index == MAX_IMAGES:
        if not part.filename and not await part.read_chunk(CHUNK):
            return None
        raise ProblemError("too-many-images",
                           f"At most {MAX_IMAGES} images; '{name}' is one too many.", file=name)
    media_type: str | None = None

    def check(head: bytearray, final: bool) -> None:
        nonlocal media_type
        if media_type is not None or (len(head) < SNIFF_BYTES and not final):
            return
        if not head:
            if not part.filename:
                return
            raise ProblemError("unreadable-image", f"'{name}': the file is empty.", file=name)
        if (media_type := image_type(bytes(head[:SNIFF_BYTES]))) is None:
            raise ProblemError("unsupported-image-type",
                               f"'{name}' is not a {_ACCEPTED} image (judged by its content). {SEND_AS_JPEG}",
                               file=name)

    content = await _read(part, MAX_IMAGE_BYTES, lambda: _too_large(name), check)
    if not content:  # no name either (`check` refuses a named empty file)
        return None
    assert media_type is not None  # `check` saw the end of the file
    return Upload(filename=name, media_type=media_type, content=content)


@dataclass(frozen=True, slots=True)
class ImageCleaner:
    """The use cases' image cleaner (disputes/service.py `CleanImage`): the image decoded and written anew without
    its metadata, on a turn of `turns`; the problems name the file."""

    turns: DecodeTurns

    async def __call__(self, upload: Upload) -> Upload:
        try:
            clean = await self.turns.run(lambda: without_metadata(upload.content, upload.media_type))
        except UnusableImage as why:
            name = upload.filename
            raise ProblemError("unreadable-image", f"'{name}': {why}.", file=name) from None
        except DecodersBusy:
            raise ProblemError("unavailable",
                               "Too many images are being read at the moment; please retry shortly.") from None
        return replace(upload, content=clean)


async def _read(
    part: BodyPartReader,
    limit: int,
    too_large: Callable[[], ProblemError],
    check: Callable[[bytearray, bool], None] | None = None,
) -> bytes:
    """The part's bytes, refused (`too_large`) as soon as there are more than `limit`; `check(bytes so far,
    whether they are all)` sees them as they come and may refuse them."""
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > limit:
            raise too_large()
        if check is not None:
            check(data, False)
    if check is not None:
        check(data, True)
    return bytes(data)


def _statement(raw: bytes) -> str:
    try:
        return _STATEMENT.validate_python(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _invalid(STATEMENT, "The statement is not UTF-8 text.") from None
    except ValidationError as error:
        raise validation_problem(error, STATEMENT) from None


def _filename(sent: str | None, index: int) -> str:
    """The name the file was sent with, without any folder a browser put before it; its position without one. A name
    percent-encoded as RFC 7578 §4.2 allows (aiohttp's client sends `kap%C4%B1.jpg`) is read decoded, when it decodes
    as UTF-8."""
    sent = sent or ""
    if "%" in sent:
        with suppress(UnicodeDecodeError):  # not percent-encoded UTF-8: a name with a % of its own
            sent = unquote(sent, errors="strict")
    name = "".join(c for c in sent.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable()).strip()
    return name[:MAX_FILENAME] or f"{IMAGES}[{index}]"


def _too_large(name: str) -> ProblemError:
    return ProblemError("image-too-large",
                        f"'{name}' is larger than {MAX_IMAGE_BYTES // 2**20} MiB.", file=name)


def _statement_too_long() -> ProblemError:
    return _invalid(STATEMENT, "The statement is too long.")


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError("validation-failed", f"Invalid {field}.",
                        errors=[FieldError(field=field, message=message)])
