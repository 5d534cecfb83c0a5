"""Your own photo: prepare_photo's checks and the upload explorer, on generated images."""

from __future__ import annotations

import datetime
import io
import struct
import zlib
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from course_lib import widgets
from course_lib.images import load_image_folder, prepare_photo

matplotlib.use("Agg")

SIZE = 32


def _encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _noise(width: int = 48, height: int = 40) -> Image.Image:
    pixels = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def _huge_png_header(side: int) -> bytes:
    """PNG bytes whose header claims side x side pixels, with no pixel data to decode."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def _upload(data: bytes, name: str = "me.png") -> tuple[dict, ...]:
    """A FileUpload value as ipywidgets 8 holds it."""
    return (
        {
            "name": name,
            "type": "image/png",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        },
    )


# --------------------------------------------------------------------------- prepare_photo


def test_a_jpeg_photo_becomes_a_square_float_rgb_image_of_the_model_size() -> None:
    photo = prepare_photo(_encode(_noise(), "JPEG", quality=95), SIZE)
    assert photo.shape == (SIZE, SIZE, 3) and photo.dtype == np.float32
    assert 0.0 <= photo.min() and photo.max() <= 1.0


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (Image.new("L", (40, 40), 128), [128 / 255] * 3),
        (Image.new("RGBA", (40, 40), (255, 0, 0, 0)), [1.0, 1.0, 1.0]),  # transparent: white
        (Image.new("RGB", (40, 40), (0, 255, 0)).convert("P"), [0.0, 1.0, 0.0]),
        (Image.fromarray(np.full((40, 40), 32768, np.uint16)), [32768 / 65535] * 3),
    ],
    ids=["grey", "rgba", "palette", "16-bit"],
)
def test_grey_rgba_palette_and_16_bit_photos_become_rgb(image: Image.Image, expected) -> None:
    photo = prepare_photo(_encode(image), SIZE)
    assert photo.shape == (SIZE, SIZE, 3)
    np.testing.assert_allclose(photo, np.broadcast_to(expected, photo.shape), atol=2e-3)


def test_prepare_photo_gives_exactly_what_the_folder_loader_gives(tmp_path: Path) -> None:
    data = _encode(_noise(60, 44), "JPEG", quality=90)
    (tmp_path / "photo.jpg").write_bytes(data)
    from_folder = load_image_folder(tmp_path, size=SIZE).images[0]
    np.testing.assert_array_equal(prepare_photo(data, SIZE), from_folder)


def test_a_memoryview_upload_is_accepted() -> None:
    data = _encode(_noise())
    np.testing.assert_array_equal(prepare_photo(memoryview(data), SIZE), prepare_photo(data, SIZE))


@pytest.mark.parametrize(
    "data",
    [
        _encode(_noise(), "JPEG")[:300],  # truncated
        b"this is a text file, not a photo",
        b"\xff\xd8\xff\xe0" + bytes(200),  # a JPEG header, then nothing usable
    ],
    ids=["truncated-jpeg", "text", "jpeg-header-then-zeros"],
)
def test_a_corrupt_photo_is_refused_with_what_to_do(data: bytes) -> None:
    with pytest.raises(ValueError, match="Cannot use this photo") as info:
        prepare_photo(data, SIZE)
    assert "save it again as JPEG or PNG" in str(info.value)


def test_an_empty_file_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"empty \(0 bytes\): pick a JPEG or PNG"):
        prepare_photo(b"", SIZE)


def test_a_photo_smaller_than_the_model_size_is_refused() -> None:
    with pytest.raises(ValueError) as info:
        prepare_photo(_encode(_noise(100, 20)), SIZE)
    message = str(info.value)
    assert "smaller than 32 px (100x20)" in message
    assert "at least 32 px on its shorter side" in message


@pytest.mark.parametrize(
    ("side", "reason"), [(12_000, "too large: 12000x12000"), (100_000, "decompression-bomb")]
)
def test_a_huge_photo_is_refused_before_it_is_decoded(side: int, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        prepare_photo(_huge_png_header(side), SIZE)
    assert reason in str(info.value) and "Shrink it" in str(info.value)


def test_max_pixels_lowers_the_guard() -> None:
    data = _encode(_noise(48, 40))
    assert prepare_photo(data, SIZE, max_pixels=48 * 40).shape == (SIZE, SIZE, 3)
    with pytest.raises(ValueError, match="max_pixels"):
        prepare_photo(data, SIZE, max_pixels=48 * 40 - 1)


def test_prepare_photo_rejects_a_path_and_a_bad_size() -> None:
    with pytest.raises(TypeError, match="bytes of an image file"):
        prepare_photo("photo.jpg", SIZE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="16 to 1024"):
        prepare_photo(_encode(_noise()), 8)


# --------------------------------------------------------------------------- the explorer


@pytest.fixture(scope="module")
def tiny_model():
    import keras

    from course_lib import models

    keras.utils.set_random_seed(0)
    return models.dcgan_autoencoder(SIZE, 2)


def test_own_photo_view_shows_the_photo_blurred_and_restored_with_psnr(tiny_model) -> None:
    photo = prepare_photo(_encode(_noise()), SIZE)
    views = widgets.own_photo_view(photo, 2.0, tiny_model)
    assert list(views) == ["sharp (your photo)", "blurred, sigma 2", "restored"]
    assert views["sharp (your photo)"][1] == float("inf")
    np.testing.assert_array_equal(views["sharp (your photo)"][0], photo)
    for image, score in list(views.values())[1:]:
        assert image.shape == photo.shape and np.isfinite(score)
        assert 0.0 <= image.min() and image.max() <= 1.0
    stronger = widgets.own_photo_view(photo, 4.0, tiny_model)["blurred, sigma 4"][1]
    assert stronger < views["blurred, sigma 2"][1]


def test_photo_from_upload_reads_ipywidgets_8_and_7_values() -> None:
    data = _encode(_noise())
    assert widgets.photo_from_upload((), SIZE) is None
    photo, name = widgets.photo_from_upload(_upload(data), SIZE)
    assert name == "me.png" and photo.shape == (SIZE, SIZE, 3)
    legacy = {"old.png": {"metadata": {"name": "old.png"}, "content": data}}
    photo7, name7 = widgets.photo_from_upload(legacy, SIZE)
    assert name7 == "old.png"
    np.testing.assert_array_equal(photo7, photo)
    with pytest.raises(ValueError, match="Cannot use this photo"):
        widgets.photo_from_upload(_upload(b"not an image"), SIZE)


def test_own_photo_explorer_shows_the_sample_and_explains_a_bad_upload(
    tiny_model, capsys: pytest.CaptureFixture
) -> None:
    import ipywidgets

    sample = np.full((SIZE, SIZE, 3), 0.5, np.float32)
    explorer = widgets.own_photo_explorer(tiny_model, SIZE, sample=sample)
    upload, sigma = explorer.children[0].children
    assert isinstance(upload, ipywidgets.FileUpload) and upload.accept == "image/*"
    assert isinstance(sigma, ipywidgets.FloatSlider) and sigma.value == 2.0
    assert "course sample" in capsys.readouterr().out  # drawn once with nothing uploaded
    upload.value = _upload(_encode(_noise(20, 20)), "small.png")
    printed = capsys.readouterr().out
    assert "smaller than 32 px (20x20)" in printed and "course sample instead" in printed
    upload.value = _upload(_encode(_noise()), "mine.png")
    assert "mine.png: centre-cropped and resized to 32x32 px" in capsys.readouterr().out
