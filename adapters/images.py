"""Customers' images: what the bytes are (never what the client said they are), and a copy without metadata.

Only JPEG, PNG and WebP are taken. Each is decoded and written anew by Pillow from its pixels, so EXIF (with the
GPS position, the time and the device), XMP, comments and PNG text chunks stay behind. The EXIF orientation is
applied to the pixels first, so the picture stays upright without it. The ICC colour profile is kept: it
describes colours, not people. An animated image keeps its first frame.

Decoding is what costs: a small file can unpack to hundreds of megabytes of pixels. The header (all `Image.open`
reads) is judged first: at most `MAX_PIXELS` are decoded; a larger JPEG (a phone's 50 or 108 MP mode, up to
`MAX_PHOTO_PIXELS`) is decoded at a half or a quarter of its width and height, which libjpeg does without ever
holding the full picture; a larger PNG or WebP is refused. `DecodeTurns` bounds how many decode at once.
"""

import asyncio
import ctypes
import os
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
"""The largest JPEG taken (a 108 MP phone camera's full size), decoded reduced to within `MAX_PIXELS`."""
_QUALITY = {"JPEG": 90, "WEBP": 90}
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
        with Image.open(BytesIO(content), formats=[fmt]) as image:
            _within_budget(image)
            image.load()
            upright = ImageOps.exif_transpose(image)
            options: dict[str, Any] = {"format": fmt}
            if fmt in _QUALITY:
                options["quality"] = _QUALITY[fmt]
            if profile := image.info.get("icc_profile"):
                options["icc_profile"] = profile
    except (OSError, SyntaxError, EOFError, ValueError, Image.DecompressionBombError) as error:
        if isinstance(error, UnusableImage):
            raise
        raise UnusableImage("the file could not be read as an image") from None
    # What was read besides the pixels (EXIF, XMP, comments, text) is not written back; transparency is pixels.
    upright.info = {key: upright.info[key] for key in _KEPT if key in upright.info}
    out = BytesIO()
    upright.save(out, **options)
    return out.getvalue()


def _within_budget(image: Image.Image) -> None:
    """Refuse, before it is decoded, an image with more pixels than are decoded; have a large JPEG decoded reduced
    (by 2 or 4 each way: libjpeg's scaled decoding, chosen through `draft`)."""
    pixels = image.width * image.height
    if pixels <= MAX_PIXELS:
        return
    if image.format != "JPEG" or pixels > MAX_PHOTO_PIXELS:
        raise UnusableImage(f"{image.width}×{image.height} pixels is more than this service takes")
    scale = 2 if pixels <= 4 * MAX_PIXELS else 4
    image.draft(None, (image.width // scale, image.height // scale))


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
