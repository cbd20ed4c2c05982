"""Customers' images: told apart by their bytes, and stored without the metadata a phone writes into them
(images made here by Pillow, with a GPS position, a maker, a comment and XMP written in)."""

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
