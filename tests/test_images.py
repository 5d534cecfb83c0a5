"""Offline tests of course_lib.images; every fixture is generated in tmp_path."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from course_lib.images import IMAGE_EXTENSIONS, ImageSet, load_image_folder

RED, BLUE = (255, 0, 0), (0, 0, 255)


def _rgb(path: Path, size: tuple[int, int] = (40, 40), colour=(200, 100, 50)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def _truncated_jpeg(path: Path) -> Path:
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _sixteen_bit(path: Path, value: int, size: tuple[int, int] = (40, 40)) -> Path:
    Image.fromarray(np.full(size[::-1], value, np.uint16)).save(path)
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """RGB, grey, RGBA, palette and 16-bit PNGs, a nested JPEG, a text file, a truncated JPEG."""
    folder = tmp_path / "mixed"
    _rgb(folder / "a_rgb.png")
    Image.new("L", (40, 30), 128).save(folder / "b_grey.png")
    Image.new("RGBA", (40, 40), (255, 0, 0, 0)).save(folder / "c_rgba.png")  # fully transparent
    Image.new("RGB", (40, 40), (0, 255, 0)).convert("P").save(folder / "d_palette.png")
    _sixteen_bit(folder / "e_16bit.png", 32768)
    (folder / "f_notes.txt").write_text("not an image")
    _truncated_jpeg(folder / "g_broken.jpg")
    _rgb(folder / "sub" / "h_nested.jpg")
    (folder / ".hidden.png").write_bytes(b"ignored")
    return folder


def test_mixed_folder_loads_every_readable_image_as_float_rgb(mixed: Path) -> None:
    data = load_image_folder(mixed, size=16)
    assert isinstance(data, ImageSet)
    assert data.images.shape == (6, 16, 16, 3)
    assert data.images.dtype == np.float32
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    assert list(data.labels["file"]) == [
        "a_rgb.png",
        "b_grey.png",
        "c_rgba.png",
        "d_palette.png",
        "e_16bit.png",
        "sub/h_nested.jpg",
    ]


def test_non_images_and_corrupt_files_are_skipped_with_reasons(
    mixed: Path, capsys: pytest.CaptureFixture
) -> None:
    data = load_image_folder(mixed, size=16)
    reasons = dict(data.skipped)
    assert set(reasons) == {"f_notes.txt", "g_broken.jpg"}
    assert reasons["f_notes.txt"] == "not an image"
    assert reasons["g_broken.jpg"].startswith("corrupt:")
    assert "truncated" in reasons["g_broken.jpg"]
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1
    assert printed[0] == data.summary()
    assert data.summary().startswith(f"loaded 6 images from {mixed}; skipped 2: f_notes.txt (")


def test_nothing_is_printed_when_nothing_was_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _rgb(tmp_path / "x.png")
    load_image_folder(tmp_path, size=32)
    assert capsys.readouterr().out == ""


def test_sixteen_bit_mid_grey_loads_as_half_not_white(tmp_path: Path) -> None:
    _sixteen_bit(tmp_path / "mid.png", 32768)
    _sixteen_bit(tmp_path / "quarter.png", 16384)
    with Image.open(tmp_path / "mid.png") as im:
        assert im.mode == "I;16"
    data = load_image_folder(tmp_path, size=16)
    np.testing.assert_allclose(data.images[0], 32768 / 65535, atol=1e-3)
    np.testing.assert_allclose(data.images[1], 16384 / 65535, atol=1e-3)


def test_32_bit_integer_tiff_is_scaled_as_16_bit(tmp_path: Path) -> None:
    Image.fromarray(np.full((20, 20), 32768, np.int32)).save(tmp_path / "i.tif")
    with Image.open(tmp_path / "i.tif") as im:
        assert im.mode == "I"
    data = load_image_folder(tmp_path, size=16)
    np.testing.assert_allclose(data.images, 0.5, atol=1e-3)


def test_grey_rgba_palette_and_cmyk_give_three_channels(mixed: Path) -> None:
    Image.new("CMYK", (40, 40), (0, 255, 255, 0)).save(mixed / "i_cmyk.jpg")
    Image.new("LA", (40, 40), (0, 255)).save(mixed / "j_la.png")
    data = load_image_folder(mixed, size=16)
    by_name = dict(zip(data.labels["file"], data.images, strict=True))
    np.testing.assert_allclose(by_name["b_grey.png"], 128 / 255, atol=1e-3)
    np.testing.assert_allclose(by_name["c_rgba.png"], 1.0, atol=1e-3)  # transparent -> white
    green = np.broadcast_to([0.0, 1.0, 0.0], (16, 16, 3))
    np.testing.assert_allclose(by_name["d_palette.png"], green, atol=1e-3)
    np.testing.assert_allclose(by_name["j_la.png"], 0.0, atol=1e-3)  # opaque black
    cmyk = by_name["i_cmyk.jpg"].mean(axis=(0, 1))
    assert cmyk[0] > 0.8 and cmyk[1] < 0.2 and cmyk[2] < 0.2  # CMYK (0, 1, 1, 0) is red
    assert all(image.shape == (16, 16, 3) for image in data.images)


def test_half_transparent_red_is_composited_on_white(tmp_path: Path) -> None:
    Image.new("RGBA", (20, 20), (255, 0, 0, 128)).save(tmp_path / "x.png")
    pixel = load_image_folder(tmp_path, size=16).images[0, 8, 8]
    np.testing.assert_allclose(pixel, [1.0, 127 / 255, 127 / 255], atol=0.01)


def test_small_image_is_upscaled_and_reported_when_asked(tmp_path: Path, capsys) -> None:
    _rgb(tmp_path / "tiny.png", size=(8, 8))
    _rgb(tmp_path / "big.png", size=(64, 64))
    data = load_image_folder(tmp_path, size=32, upscale=True)
    assert data.images.shape == (2, 32, 32, 3)
    assert data.n_upscaled == 1
    assert "1 images smaller than 32 px were upscaled" in data.summary()
    assert "upscaled" in capsys.readouterr().out


def test_images_smaller_than_the_size_are_skipped_and_counted_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _rgb(tmp_path / "a_big.png", size=(64, 48))
    _rgb(tmp_path / "b_narrow.png", size=(100, 20))  # the centre crop would be 20 x 20
    _rgb(tmp_path / "c_tiny.png", size=(8, 8))
    _rgb(tmp_path / "d_exact.png", size=(32, 32))
    data = load_image_folder(tmp_path, size=32)
    assert list(data.labels["file"]) == ["a_big.png", "d_exact.png"]
    assert data.n_upscaled == 0
    assert dict(data.skipped) == {
        "b_narrow.png": "smaller than 32 px (100x20)",
        "c_tiny.png": "smaller than 32 px (8x8)",
    }
    printed = capsys.readouterr().out
    assert "2 of them smaller than 32 px (pass upscale=True" in printed


def test_folder_of_only_small_images_says_to_choose_a_smaller_size_or_upscale(
    tmp_path: Path,
) -> None:
    _rgb(tmp_path / "tiny.png", size=(20, 20))
    with pytest.raises(ValueError) as info:
        load_image_folder(tmp_path, size=32)
    message = str(info.value)
    assert "tiny.png (smaller than 32 px (20x20))" in message
    assert "choose a smaller size" in message and "upscale=True" in message
    assert load_image_folder(tmp_path, size=16).images.shape == (1, 16, 16, 3)


def _png_header(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims width x height pixels but holds no pixel data to decode."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    signature = b"\x89PNG\r\n\x1a\n"
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    path.write_bytes(signature + body)
    return path


@pytest.mark.parametrize(
    ("side", "reason"),
    [(12_000, "too large: 12000x12000 = 144,000,000 pixels"), (100_000, "decompression-bomb")],
)
def test_huge_image_is_refused_by_the_default_guard_before_decoding(
    tmp_path: Path, side: int, reason: str
) -> None:
    _rgb(tmp_path / "a_small.png")
    _png_header(tmp_path / "b_bomb.png", side, side)
    data = load_image_folder(tmp_path, size=16)
    assert list(data.labels["file"]) == ["a_small.png"]
    why = dict(data.skipped)["b_bomb.png"]
    assert why.startswith("too large") and reason in why


@pytest.mark.parametrize(
    "content",
    [b"", b"this is a text file, not a photo", b"\xff\xd8\xff\xe0" + bytes(200)],
    ids=["empty", "text", "jpeg-header-then-zeros"],
)
def test_damaged_jpeg_files_are_skipped_with_a_reason(tmp_path: Path, content: bytes) -> None:
    _rgb(tmp_path / "a_good.jpg")
    (tmp_path / "b_bad.jpg").write_bytes(content)
    data = load_image_folder(tmp_path, size=16)
    assert list(data.labels["file"]) == ["a_good.jpg"]
    why = dict(data.skipped)["b_bad.jpg"]
    assert why.startswith(("corrupt", "not a readable image"))


@pytest.mark.parametrize("shape", [(60, 20), (20, 60)])
def test_centre_crop_keeps_the_centre_of_a_non_square_image(
    tmp_path: Path, shape: tuple[int, int]
) -> None:
    width, height = shape
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[...] = BLUE
    side = min(width, height)
    top, left = (height - side) // 2, (width - side) // 2
    pixels[top : top + side, left : left + side] = RED
    Image.fromarray(pixels).save(tmp_path / "x.png")
    image = load_image_folder(tmp_path, size=16).images[0]
    np.testing.assert_allclose(image, np.broadcast_to([1.0, 0.0, 0.0], image.shape), atol=0.02)


def test_large_jpeg_is_resized_correctly(tmp_path: Path) -> None:
    _rgb(tmp_path / "big.jpg", size=(1600, 1200), colour=(10, 200, 30))
    image = load_image_folder(tmp_path, size=32).images[0]
    np.testing.assert_allclose(image.mean(axis=(0, 1)), [10 / 255, 200 / 255, 30 / 255], atol=0.03)


def test_limit_stops_after_that_many_images(mixed: Path) -> None:
    data = load_image_folder(mixed, size=16, limit=2)
    assert list(data.labels["file"]) == ["a_rgb.png", "b_grey.png"]


def test_loading_is_deterministic(mixed: Path) -> None:
    first, second = load_image_folder(mixed, size=16), load_image_folder(mixed, size=16)
    np.testing.assert_array_equal(first.images, second.images)
    assert first.labels.equals(second.labels)


def test_missing_folder_says_what_was_given(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(FileNotFoundError) as info:
        load_image_folder(missing, size=32)
    assert str(missing) in str(info.value)
    assert "Check the path" in str(info.value)


def test_empty_folder_says_it_is_empty_and_lists_extensions(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        load_image_folder(tmp_path, size=32)
    message = str(info.value)
    assert "empty" in message and "check the path or add images" in message
    assert all(ext in message for ext in IMAGE_EXTENSIONS)


def test_folder_without_readable_images_lists_what_was_found(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    _truncated_jpeg(tmp_path / "broken.jpg")
    with pytest.raises(ValueError) as info:
        load_image_folder(tmp_path, size=32)
    message = str(info.value)
    assert "readme.txt (not an image)" in message
    assert "broken.jpg (corrupt" in message
    assert ".png" in message


@pytest.mark.parametrize("size", [8, 15, 1025, 4096])
def test_size_outside_16_to_1024_is_refused(tmp_path: Path, size: int) -> None:
    _rgb(tmp_path / "x.png")
    with pytest.raises(ValueError, match="16 to 1024"):
        load_image_folder(tmp_path, size=size)


def test_labels_csv_is_merged_and_missing_rows_are_reported(
    mixed: Path, capsys: pytest.CaptureFixture
) -> None:
    table = pd.DataFrame(
        {
            "file": ["a_rgb.png", "b_grey.png", "sub/h_nested.jpg", "c_rgba.png", "gone.png"],
            "style": ["photo", "sketch", "photo", "sketch", "photo"],
            "score": [1, 2, 3, 4, 5],
        }
    )
    table.to_csv(mixed / "labels.csv", index=False)
    data = load_image_folder(mixed, size=16, labels_csv=mixed / "labels.csv")
    labels = data.labels.set_index("file")
    assert list(data.labels.columns) == ["file", "style", "score"]
    assert labels.loc["sub/h_nested.jpg", "score"] == 3
    assert labels.loc["b_grey.png", "style"] == "sketch"
    assert pd.isna(labels.loc["d_palette.png", "style"])
    assert "labels.csv" not in dict(data.skipped)  # the CSV itself is not an image to skip
    summary = data.summary()
    assert "2 image(s) have no row in labels.csv: d_palette.png, e_16bit.png" in summary
    assert "1 row(s) of labels.csv match no loaded image" in summary
    assert summary in capsys.readouterr().out


def test_labels_csv_matches_bare_file_names_in_sub_folders(tmp_path: Path) -> None:
    _rgb(tmp_path / "imgs" / "cats" / "tom.png")
    pd.DataFrame({"file": ["tom.png"], "kind": ["cat"]}).to_csv(tmp_path / "l.csv", index=False)
    data = load_image_folder(tmp_path / "imgs", size=16, labels_csv=tmp_path / "l.csv")
    assert data.labels.to_dict("records") == [{"file": "cats/tom.png", "kind": "cat"}]


def test_labels_csv_without_file_column_is_refused(tmp_path: Path) -> None:
    _rgb(tmp_path / "x.png")
    pd.DataFrame({"name": ["x.png"]}).to_csv(tmp_path / "l.csv", index=False)
    with pytest.raises(ValueError, match="'file' column"):
        load_image_folder(tmp_path, size=16, labels_csv=tmp_path / "l.csv")


def test_decompression_bomb_guard_via_max_pixels(tmp_path: Path) -> None:
    _rgb(tmp_path / "a_small.png", size=(30, 30))
    _rgb(tmp_path / "b_huge.png", size=(100, 100))
    data = load_image_folder(tmp_path, size=16, max_pixels=1000)
    assert list(data.labels["file"]) == ["a_small.png"]
    reason = dict(data.skipped)["b_huge.png"]
    assert "too large" in reason and "10,000" in reason and "max_pixels" in reason


def test_decompression_bomb_guard_follows_pillow_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rgb(tmp_path / "a_small.png", size=(20, 20))
    _rgb(tmp_path / "b_over.png", size=(40, 40))  # 1,600 px: over the limit
    _rgb(tmp_path / "c_bomb.png", size=(100, 100))  # 10,000 px: Pillow's own error (> 2x)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = load_image_folder(tmp_path, size=16)
    assert list(data.labels["file"]) == ["a_small.png"]
    reasons = dict(data.skipped)
    assert reasons["b_over.png"].startswith("too large")
    assert reasons["c_bomb.png"].startswith("too large")
