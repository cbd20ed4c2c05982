"""Customers' images: what the bytes are (never what the client said they are), and a copy without metadata.

Only JPEG, PNG and WebP are taken. Each is decoded and written anew by Pillow from its pixels, so EXIF (with the
GPS position, the time and the device), XMP, comments and PNG text chunks stay behind. The EXIF orientation is
applied to the pixels first, so the picture stays upright without it. The ICC colour profile is kept: it
describes colours, not people. An animated image keeps its first frame.
"""

from io import BytesIO
from typing import Any

from PIL import Image, ImageOps

from carriers.parsing import sniff

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
SNIFF_BYTES = 12
"""Enough of the start of a file to tell the accepted types apart (WebP needs 12)."""
MAX_PIXELS = 50_000_000
"""A 10 MiB file can unpack to gigabytes of pixels; no phone photo comes near this."""
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
            if image.width * image.height > MAX_PIXELS:
                raise UnusableImage(f"{image.width}×{image.height} pixels is more than this service takes")
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
