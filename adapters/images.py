"""Customers' images: what the bytes are (never what the client said they are), and a copy without metadata.

Only JPEG, PNG and WebP are taken. Each is decoded and written anew by Pillow from its pixels, so EXIF (with the
GPS position, the time and the device), XMP, comments and PNG text chunks stay behind. The EXIF orientation is
applied to the pixels first, so the picture stays upright without it. The ICC colour profile is kept: it
describes colours, not people. An animated image keeps its first frame. The copy takes at most the bytes a file may be
sent in (`MAX_IMAGE_BYTES`, `_written`).

Decoding is what costs: a small file can unpack to hundreds of megabytes of pixels. The header (all `Image.open`
reads) is judged first: at most `MAX_PIXELS` are decoded; a larger baseline JPEG (a phone's 50 or 108 MP mode, up
to `MAX_PHOTO_PIXELS`) is decoded at a half or a quarter of its width and height, which libjpeg does a row of
blocks at a time without ever holding the full picture; a larger PNG or WebP is refused. A JPEG coded in more than
one scan (progressive) is another matter: libjpeg keeps every coefficient of the full-size picture until the last
scan is read, whatever the output scale, and goes over every block once per scan however few bytes the scan holds.
So a JPEG's markers are walked first (no decoding): one of more than `MAX_JPEG_SCANS` scans is refused, and one of
several scans is held to `MAX_PIXELS`. `DecodeTurns` bounds how many decode at once.
"""

import asyncio
import ctypes
import os
import re
from collections.abc import Callable
from functools import cache
from io import BytesIO
from typing import Any

from PIL import Image, ImageOps

from carriers.parsing import sniff

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
SNIFF_BYTES = 12
"""Enough of the start of a file to tell the accepted types apart (WebP needs 12)."""
MAX_PIXELS = 4096 * 4096
"""The most pixels decoded at full size (64 MiB as RGBA): a 12 MP phone photo, a screenshot, a scan."""
MAX_PHOTO_PIXELS = 108_000_000
"""The largest baseline JPEG taken (a 108 MP phone camera's full size), decoded reduced to within `MAX_PIXELS`."""
MAX_JPEG_SCANS = 100
"""The most scans a JPEG may have. Real encoders write few: a baseline JPEG one (or one per colour component),
libjpeg's default progression 10 (6 in grey), Photoshop's progressive 3 to 5, optimising encoders (mozjpeg, jpegli)
about a dozen. Each scan costs the decoder a pass over the whole picture (20 to 50 ms at `MAX_PIXELS`) whatever its
size in the file, and a scan can be 30 bytes: unbounded, a 10 MiB upload holds ~300,000 passes (hours). At 100 a
file costs a few seconds at most, about what the largest photo taken costs, and no real file comes near it
(libjpeg-turbo's `djpeg -maxscans` and TurboJPEG's scan limit exist for the same files)."""
MAX_JPEG_SEGMENTS = 1000
"""The most marker segments a JPEG may have before the end of its picture. A real one has a few dozen: APPn (EXIF,
XMP, an ICC profile in at most 255 parts), tables (a Huffman table or two per scan), frame and scans. Each is cheap
to step over, but a 10 MiB file of empty 4-byte comments holds 2.6 million of them: seconds of walking."""
MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""The most bytes an image may be sent in, and the most its copy is written in (one stored document holds it, within
MongoDB's 16 MiB)."""
_WRITES: dict[str, tuple[dict[str, Any], ...]] = {
    "JPEG": ({"quality": 90}, {"quality": 75}, {"quality": 60}, {"quality": 45}),
    "WEBP": ({"quality": 90}, {"quality": 75}, {"quality": 60}, {"quality": 45}),
    "PNG": ({}, {"compress_level": 9}),
}
"""How a copy is written, tried in turn while it is over `MAX_IMAGE_BYTES`: a picture sent at a low quality (a
scanner's, or one compressed to fit) can take several times its bytes once written at the first quality."""
_KEPT = ("transparency",)


class UnusableImage(ValueError):
    """Bytes that are not an image this service takes; the message says why (never the bytes)."""


def image_type(head: bytes) -> str | None:
    """The accepted media type the first bytes of a file show (`SNIFF_BYTES` of them), or None."""
    media = sniff(head)
    return media if media in FORMATS else None


def without_metadata(content: bytes, media_type: str) -> bytes:
    """The image in `content` (of the sniffed `media_type`) written anew, its metadata left out."""
    fmt = FORMATS[media_type]
    try:
        held_whole = _jpeg_scans(content) if fmt == "JPEG" else False
        with Image.open(BytesIO(content), formats=[fmt]) as image:
            _within_budget(image, held_whole)
            image.load()
            upright = ImageOps.exif_transpose(image)
            options: dict[str, Any] = {"format": fmt}
            if profile := image.info.get("icc_profile"):
                options["icc_profile"] = profile
    except (OSError, SyntaxError, EOFError, ValueError, Image.DecompressionBombError) as error:
        if isinstance(error, UnusableImage):
            raise
        raise UnusableImage("the file could not be read as an image") from None
    # What was read besides the pixels (EXIF, XMP, comments, text) is not written back; transparency is pixels.
    upright.info = {key: upright.info[key] for key in _KEPT if key in upright.info}
    return _written(upright, options)


def _written(image: Image.Image, options: dict[str, Any]) -> bytes:
    """The image written within `MAX_IMAGE_BYTES`: in the first of its format's `_WRITES` that fits, else at half its
    width and height, and so on (each halving takes three quarters of the pixels away)."""
    while True:
        for write in _WRITES[options["format"]]:
            out = BytesIO()
            image.save(out, **options, **write)
            if out.tell() <= MAX_IMAGE_BYTES:
                return out.getvalue()
        if image.width == image.height == 1:  # what is left over is not pixels (a colour profile near the limit)
            raise UnusableImage(f"the picture could not be written within {MAX_IMAGE_BYTES // 2**20} MiB")
        image = image.resize((max(image.width // 2, 1), max(image.height // 2, 1)), Image.Resampling.LANCZOS)


def _within_budget(image: Image.Image, held_whole: bool) -> None:
    """Refuse, before it is decoded, an image with more pixels than are decoded; have a large JPEG decoded reduced
    (by 2 or 4 each way: libjpeg's scaled decoding, chosen through `draft`) unless libjpeg holds its whole picture
    whatever the scale (`held_whole`: a JPEG of several scans, see `_jpeg_scans`)."""
    pixels = image.width * image.height
    if pixels <= MAX_PIXELS:
        return
    if image.format != "JPEG" or held_whole or pixels > MAX_PHOTO_PIXELS:
        raise UnusableImage(f"{image.width}×{image.height} pixels is more than this service takes")
    scale = 2 if pixels <= 4 * MAX_PIXELS else 4
    image.draft(None, (image.width // scale, image.height // scale))


_NEXT_MARKER = re.compile(rb"\xff[^\x00\x01\xd0-\xd7\xff]")
"""The next marker as libjpeg finds it: 0xFF (after any 0xFF fill bytes) and a byte that is not 0x00 (a 0xFF
stuffed in entropy-coded data), nor a restart or TEM marker, which have no length and which libjpeg steps over
(inside a scan's data or between segments). One two-byte pattern: linear however the bytes are arranged."""
_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_PROGRESSIVE_SOF = {0xC2, 0xC6, 0xCA, 0xCE}


def _jpeg_scans(content: bytes) -> bool:
    """Walk the JPEG in `content` by its markers alone (no entropy decoding), as libjpeg does: each segment skipped
    by its length, a scan's entropy-coded data up to the next marker, to where libjpeg stops (the end of the
    picture, a second start, or the end of the bytes; what follows the end of the picture, such as a phone's gain
    map or second picture, is never decoded). Refuse one of more than `MAX_JPEG_SCANS` scans or `MAX_JPEG_SEGMENTS`
    segments; say whether libjpeg will hold the whole picture's coefficients: a progressive frame, or more than one
    scan (a first scan that leaves out some of the frame's components, to come in later scans, counts too)."""
    scans, segments, frame_components, held_whole = 0, 0, 0, False
    position = 2  # past SOI, which the sniffed type has shown
    while match := _NEXT_MARKER.search(content, position):
        marker, position = content[match.end() - 1], match.end()
        if marker in (_EOI, _SOI) or position + 2 > len(content):
            break
        length = int.from_bytes(content[position:position + 2])
        if length < 2:
            raise UnusableImage("the file could not be read as an image")
        segment = content[position + 2:position + length]
        position += length
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise UnusableImage(f"a JPEG of more than {MAX_JPEG_SEGMENTS} segments is more than this service takes")
        if marker in _SOF and not frame_components and len(segment) >= 6:
            frame_components = segment[5]
            held_whole = marker in _PROGRESSIVE_SOF
        elif marker == _SOS:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise UnusableImage(f"a JPEG of more than {MAX_JPEG_SCANS} scans is more than this service takes")
            held_whole = held_whole or scans > 1 or (segment[:1] or b"\0")[0] < frame_components
    return held_whole


class DecodersBusy(Exception):
    """More images are waiting to be decoded than may wait: the caller is told to come back."""


class DecodeTurns:
    """At most `at_once` decodes at a time in this process (one per CPU by default), and at most `may_wait` more
    waiting for a turn; one beyond that is refused at once (DecodersBusy) rather than held, with its bytes, in a
    queue that only grows. When the last decode ends, the memory it freed is handed back to the system."""

    def __init__(self, at_once: int | None = None, may_wait: int | None = None) -> None:
        self.at_once = at_once or os.process_cpu_count() or 1
        self.may_wait = self.at_once * 2 if may_wait is None else may_wait
        self._turns = asyncio.Semaphore(self.at_once)
        self._waiting = 0
        self._running = 0

    async def run[T](self, decode: Callable[[], T]) -> T:
        """`decode()` in a thread, on its turn. A caller that goes away does not free the turn: the thread goes on
        until it ends, and holds the turn until then."""
        if self._turns.locked():
            if self._waiting >= self.may_wait:
                raise DecodersBusy(f"{self._waiting} images are waiting to be decoded")
            self._waiting += 1
            try:
                await self._turns.acquire()
            finally:
                self._waiting -= 1
        else:
            await self._turns.acquire()
        self._running += 1
        work = asyncio.get_running_loop().run_in_executor(None, decode)
        work.add_done_callback(self._ended)
        return await asyncio.shield(work)

    def _ended(self, _: object) -> None:
        self._running -= 1
        self._turns.release()
        if not self._running and not self._waiting:
            _give_back_memory()


@cache
def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None elsewhere (musl, macOS)."""
    return getattr(ctypes.CDLL(None), "malloc_trim", None)


def _give_back_memory() -> None:
    """Return freed heap pages to the system: glibc keeps what decoding threads freed in their arenas otherwise,
    so the process stays at its peak after a burst."""
    if (trim := _malloc_trim()) is not None:
        trim(0)
