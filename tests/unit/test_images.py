"""Customers' images: told apart by their bytes, and stored without the metadata a phone writes into them
(images made here by Pillow, with a GPS position, a maker, a comment and XMP written in)."""

import random
from io import BytesIO

import pytest
from PIL import Image, ImageCms, ImageFile, PngImagePlugin

from adapters import images
from adapters.images import UnusableImage, image_type, without_metadata

GPS_IFD, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112
ROTATED_90 = 6  # EXIF: the camera was held sideways; show the picture turned 90° clockwise
PERSONAL = (b"Samsung-Galaxy-A54", b"Kadikoy-kapi", b"ayse@example.com")


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = PERSONAL[0].decode()
    exif[ORIENTATION] = ROTATED_90
    exif[GPS_IFD] = {1: "N", 2: (40.0, 59.0, 1.0), 3: "E", 4: (29.0, 3.0, 2.0)}
    return exif


def made(fmt: str, size: tuple[int, int] = (6, 4), **metadata: object) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(out, fmt, **metadata)
    return out.getvalue()


def png_text() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PERSONAL[1].decode())
    info.add_itxt("Author", PERSONAL[2].decode())
    return info


PHOTOS = {
    "image/jpeg": made("JPEG", exif=phone_exif(), comment=PERSONAL[1], xmp=b"<x:xmpmeta>" + PERSONAL[2] + b"</x:xmpmeta>"),
    "image/png": made("PNG", exif=phone_exif(), pnginfo=png_text()),
    "image/webp": made("WEBP", exif=phone_exif(), xmp=b"<x:xmpmeta>" + PERSONAL[2] + b"</x:xmpmeta>"),
}


@pytest.mark.parametrize("media_type", PHOTOS)
def test_the_photos_as_made_carry_the_metadata_the_test_is_about(media_type: str) -> None:
    photo = Image.open(BytesIO(PHOTOS[media_type]))
    assert photo.getexif()[MAKE] == PERSONAL[0].decode() and photo.getexif().get_ifd(GPS_IFD)
    assert any(value in PHOTOS[media_type] for value in PERSONAL[1:])


@pytest.mark.parametrize("media_type", PHOTOS)
def test_each_accepted_type_is_told_by_its_first_bytes(media_type: str) -> None:
    assert image_type(PHOTOS[media_type][: images.SNIFF_BYTES]) == media_type


@pytest.mark.parametrize(
    "content",
    [made("GIF"), made("BMP"), made("TIFF"), b"%PDF-1.7\n", b"<html><body>", b"\x00\x00\x00\x18ftypheic", b""],
    ids=["gif", "bmp", "tiff", "pdf", "html", "heic", "empty"],
)
def test_anything_else_is_not_an_accepted_image(content: bytes) -> None:
    assert image_type(content[: images.SNIFF_BYTES]) is None


@pytest.mark.parametrize("media_type", PHOTOS)
def test_the_stored_copy_has_no_exif_location_comment_or_xmp(media_type: str) -> None:
    clean = without_metadata(PHOTOS[media_type], media_type)

    stored = Image.open(BytesIO(clean))
    assert stored.format == images.FORMATS[media_type]
    assert dict(stored.getexif()) == {} and "exif" not in stored.info and "xmp" not in stored.info
    assert not [value for value in (*PERSONAL, b"Exif\x00\x00") if value in clean]
    assert image_type(clean[: images.SNIFF_BYTES]) == media_type


@pytest.mark.parametrize("media_type", PHOTOS)
def test_the_picture_is_turned_upright_before_its_orientation_is_dropped(media_type: str) -> None:
    stored = Image.open(BytesIO(without_metadata(PHOTOS[media_type], media_type)))
    assert stored.size == (4, 6)  # made 6×4, shown turned a quarter


def test_the_colour_profile_and_transparency_are_kept() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = BytesIO()
    Image.new("RGBA", (3, 3), (0, 0, 0, 0)).save(out, "PNG", icc_profile=srgb)

    stored = Image.open(BytesIO(without_metadata(out.getvalue(), "image/png")))
    assert stored.info.get("icc_profile") == srgb and stored.mode == "RGBA"
    assert stored.getpixel((1, 1)) == (0, 0, 0, 0)


def noise(fmt: str, size: tuple[int, int], **options: object) -> bytes:
    """A picture of random pixels, which no coder compresses well: written anew, it keeps most of its bytes."""
    out = BytesIO()
    Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3)).save(out, fmt, **options)
    return out.getvalue()


def test_a_picture_sent_at_a_low_quality_is_written_at_a_lower_one_when_the_first_would_pass_the_limit(
    monkeypatch,
) -> None:
    sent = noise("JPEG", (256, 256), quality=10)
    at_ninety = BytesIO()
    Image.open(BytesIO(sent)).save(at_ninety, "JPEG", quality=90)
    assert at_ninety.tell() > 2 * len(sent)  # what writing it anew at the first quality alone would store
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", at_ninety.tell() - 1)

    clean = without_metadata(sent, "image/jpeg")

    assert len(clean) < at_ninety.tell() and Image.open(BytesIO(clean)).size == (256, 256)


@pytest.mark.parametrize(("media_type", "fmt"), [("image/jpeg", "JPEG"), ("image/png", "PNG"), ("image/webp", "WEBP")])
def test_a_picture_that_fits_at_no_quality_is_written_smaller_until_it_fits(monkeypatch, media_type, fmt) -> None:
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 6_000)

    clean = without_metadata(noise(fmt, (256, 256)), media_type)

    stored = Image.open(BytesIO(clean))
    assert len(clean) <= 6_000 and stored.format == fmt
    assert stored.size in {(128, 128), (64, 64), (32, 32)}  # halved, as often as it takes


def test_a_picture_whose_copy_fits_at_no_size_is_refused_once_it_is_a_single_pixel(monkeypatch) -> None:
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 10)  # less than a PNG's signature and header alone

    with pytest.raises(UnusableImage, match="could not be written within"):
        without_metadata(noise("PNG", (64, 64)), "image/png")


def test_a_file_that_only_starts_like_an_image_is_unusable() -> None:
    truncated = PHOTOS["image/jpeg"][:40]
    with pytest.raises(UnusableImage, match="could not be read"):
        without_metadata(truncated, "image/jpeg")


def test_a_file_that_unpacks_to_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 23)
    with pytest.raises(UnusableImage, match="6×4 pixels"):
        without_metadata(made("PNG"), "image/png")


@pytest.mark.parametrize(("size", "reduced"), [((20, 20), (10, 10)), ((40, 30), (10, 8))], ids=["half", "quarter"])
def test_a_jpeg_over_the_pixel_budget_is_decoded_reduced_to_within_it(monkeypatch, size, reduced) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    stored = Image.open(BytesIO(without_metadata(made("JPEG", size), "image/jpeg")))
    assert stored.size == reduced and stored.width * stored.height <= 100


@pytest.mark.parametrize(
    ("fmt", "budget", "largest_photo"), [("PNG", 100, 10_000), ("WEBP", 100, 10_000), ("JPEG", 100, 300)],
    ids=["png", "webp", "jpeg beyond the largest photo"],
)
def test_an_image_over_the_budget_is_refused_on_its_header_before_any_pixel_is_decoded(
    monkeypatch, fmt, budget, largest_photo,
) -> None:
    content = made(fmt, (20, 20))
    monkeypatch.setattr(images, "MAX_PIXELS", budget)
    monkeypatch.setattr(images, "MAX_PHOTO_PIXELS", largest_photo)
    decoded: list[object] = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    with pytest.raises(UnusableImage, match="20×20 pixels is more than this service takes"):
        without_metadata(content, f"image/{fmt.lower()}")
    assert decoded == []


def segments(jpeg: bytes) -> list[bytes]:
    """`jpeg` cut before each marker: its start, each segment (a scan with the entropy-coded data after it, where a
    0xFF of data is followed by 0x00 and restart markers 0xFFD0–0xFFD7 come between intervals), its end."""
    parts, start = [jpeg[:2]], 2
    while jpeg[start + 1] != 0xD9:
        end = start + 2 + int.from_bytes(jpeg[start + 2:start + 4])
        if jpeg[start + 1] == 0xDA:
            while jpeg[end] != 0xFF or jpeg[end + 1] == 0x00 or 0xD0 <= jpeg[end + 1] <= 0xD7:
                end += 1
        parts.append(jpeg[start:end])
        start = end
    return [*parts, jpeg[start:]]


def scans_in(jpeg: bytes) -> int:
    return sum(part[1] == 0xDA for part in segments(jpeg))


def with_scans(jpeg: bytes, scans: int) -> bytes:
    """The progressive `jpeg` with its last scan sent again until it has `scans` scans: a repeated scan refines
    nothing, yet the decoder goes over the whole picture for it, however few bytes it holds."""
    parts = segments(jpeg)
    last_scan = next(part for part in reversed(parts) if part[1] == 0xDA)
    return b"".join(parts[:-1]) + last_scan * (scans - scans_in(jpeg)) + parts[-1]


def progressive(size: tuple[int, int] = (64, 48), noisy: bool = False, **options: object) -> bytes:
    """A progressive JPEG as libjpeg writes it; `noisy` pixels make entropy-coded data with 0xFF bytes in it."""
    picture = Image.effect_noise(size, 90).convert("RGB") if noisy else Image.new("RGB", size, (120, 90, 60))
    out = BytesIO()
    picture.save(out, "JPEG", progressive=True, **options)
    return out.getvalue()


def decoded_never(monkeypatch) -> list[object]:
    decoded: list[object] = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    return decoded


def test_a_progressive_jpeg_as_written_has_the_ten_scans_of_libjpegs_progression_and_is_kept() -> None:
    photo = progressive((640, 480), noisy=True, exif=phone_exif(), comment=PERSONAL[1])
    assert scans_in(photo) == 10

    clean = without_metadata(photo, "image/jpeg")
    stored = Image.open(BytesIO(clean))
    assert stored.size == (480, 640) and dict(stored.getexif()) == {}
    assert not [value for value in PERSONAL if value in clean]


def test_a_jpeg_of_a_hundred_scans_is_decoded() -> None:
    hundred = with_scans(progressive(), 100)
    assert scans_in(hundred) == 100
    assert Image.open(BytesIO(without_metadata(hundred, "image/jpeg"))).size == (64, 48)


def test_a_jpeg_repeating_a_scan_past_a_hundred_is_refused_before_it_is_decoded(monkeypatch) -> None:
    decoded = decoded_never(monkeypatch)
    for scans in (101, 30_000):
        with pytest.raises(UnusableImage, match="more than 100 scans"):
            without_metadata(with_scans(progressive(), scans), "image/jpeg")
    assert decoded == []


def test_scans_are_counted_through_stuffed_bytes_and_restart_markers_in_their_data() -> None:
    photo = progressive(noisy=True, restart_marker_blocks=1)
    scan_data = b"".join(part for part in segments(photo) if part[1] == 0xDA)
    assert b"\xff\x00" in scan_data and b"\xff\xd0" in scan_data and b"\xff\xd7" in scan_data

    assert Image.open(BytesIO(without_metadata(with_scans(photo, 100), "image/jpeg"))).size == (64, 48)
    with pytest.raises(UnusableImage, match="more than 100 scans"):
        without_metadata(with_scans(photo, 101), "image/jpeg")


def test_what_follows_the_end_of_the_picture_is_not_counted() -> None:
    """A phone's HDR gain map or second picture comes after the first picture's end; it is never decoded."""
    photo = progressive() + with_scans(progressive(), 500)
    assert Image.open(BytesIO(without_metadata(photo, "image/jpeg"))).size == (64, 48)


def test_a_jpeg_of_a_thousand_empty_comments_is_refused_before_it_is_read(monkeypatch) -> None:
    decoded = decoded_never(monkeypatch)
    photo = PHOTOS["image/jpeg"]
    padded = photo[:2] + b"\xff\xfe\x00\x02" * 1000 + photo[2:]
    with pytest.raises(UnusableImage, match="more than 1000 segments"):
        without_metadata(padded, "image/jpeg")
    assert decoded == []


@pytest.mark.parametrize("jpeg", [progressive((20, 20)), with_scans(progressive((20, 20)), 12)],
                         ids=["progressive", "progressive with repeated scans"])
def test_a_progressive_jpeg_over_the_pixel_budget_is_refused_not_decoded_reduced(monkeypatch, jpeg) -> None:
    """libjpeg holds a progressive picture's coefficients at full size, whatever the scale it is decoded at."""
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    decoded = decoded_never(monkeypatch)
    with pytest.raises(UnusableImage, match="20×20 pixels is more than this service takes"):
        without_metadata(jpeg, "image/jpeg")
    assert decoded == []
