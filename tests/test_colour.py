"""Tests of the colour-shift measurements of notebook 03."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch
from skimage import color as skcolor

from course_lib import colour, metrics

TARGET_RGB = np.array([0.8, 0.6, 0.5], np.float32)


@pytest.fixture
def images() -> np.ndarray:
    """Six smooth 16x16 colour images with varied mean colours, not noise."""
    rng = np.random.default_rng(1)
    ramp = np.linspace(0.0, 1.0, 16, dtype=np.float32)
    base = rng.uniform(0.15, 0.85, (6, 1, 1, 3)).astype(np.float32)
    texture = 0.1 * (ramp[None, :, None, None] - ramp[None, None, :, None])
    return np.clip(base + texture, 0.0, 1.0)


def _mix(images: np.ndarray, rgb: np.ndarray, fraction: float) -> np.ndarray:
    return (1.0 - fraction) * images + fraction * rgb


def _target_ab() -> np.ndarray:
    return colour.mean_ab(np.broadcast_to(TARGET_RGB, (4, 4, 3)))[0]


def test_lab_of_white_and_of_a_known_colour():
    white = colour.to_lab(np.ones((2, 2, 3)))
    np.testing.assert_allclose(white[0, 0], [100.0, 0.0, 0.0], atol=0.01)
    pixel = np.array([[[0.2, 0.5, 0.7]]])
    np.testing.assert_allclose(colour.to_lab(pixel), skcolor.rgb2lab(pixel), atol=1e-3)
    assert colour.to_lab(np.ones((3, 2, 2, 3))).shape == (3, 2, 2, 3)
    assert colour.to_lab(pixel).dtype == np.float32


def test_lab_clips_out_of_range_values():
    overshoot = np.full((1, 1, 3), 1.3)
    np.testing.assert_allclose(colour.to_lab(overshoot), colour.to_lab(np.ones((1, 1, 3))))


def test_mean_ab_has_one_row_per_image(images):
    ab = colour.mean_ab(images)
    assert ab.shape == (6, 2)
    np.testing.assert_allclose(ab[2], colour.to_lab(images[2])[..., 1:].mean(axis=(0, 1)), 1e-4)


def test_identical_images_have_no_shift(images):
    table = colour.colour_shift(images, images)
    assert len(table) == 6
    assert (table[["delta_L", "delta_a", "delta_b", "chroma_shift"]] == 0).all().all()
    assert table["hue_deg"].isna().all()
    np.testing.assert_array_equal(colour.shift_toward(images, images, _target_ab()), 0.0)
    summary = colour.summarise_shift({"same": (images, images)}, _target_ab())
    assert summary.loc["same", "fraction_toward"] == 0.0


def test_adding_red_gives_positive_delta_a(images):
    cast = images.copy()
    cast[..., 0] = np.clip(cast[..., 0] + 0.1, 0.0, 1.0)
    table = colour.colour_shift(images, cast)
    assert (table["delta_a"] > 0).all()
    np.testing.assert_allclose(table["chroma_shift"], np.hypot(table["delta_a"], table["delta_b"]))
    # Towards red is a hue angle near 0 degrees in the a*b* plane (either side of it).
    assert ((table["hue_deg"] < 90) | (table["hue_deg"] > 270)).all()


def test_shift_toward_sign_follows_the_direction_of_the_mix(images):
    target = _target_ab()
    toward = colour.shift_toward(images, _mix(images, TARGET_RGB, 0.3), target)
    away = colour.shift_toward(images, np.clip(_mix(images, TARGET_RGB, -0.3), 0, 1), target)
    assert (toward > 0).all()
    assert (away < 0).all()


def test_shift_toward_is_zero_when_the_image_mean_is_the_target():
    flat = np.broadcast_to(TARGET_RGB, (1, 8, 8, 3))
    restored = np.broadcast_to(np.array([0.3, 0.6, 0.4], np.float32), (1, 8, 8, 3))
    np.testing.assert_array_equal(colour.shift_toward(flat, restored, _target_ab()), [0.0])
    # A target a little off the mean gives a real, non-zero projection again.
    off_target = _target_ab() + np.array([5.0, 0.0])
    assert colour.shift_toward(flat, restored, off_target)[0] != 0.0


def test_summary_shows_a_bigger_shift_toward_the_target_for_the_photos(images):
    target = _target_ab()
    groups = {
        "faces": (images, _mix(images, TARGET_RGB, 0.05)),
        "photos": (images, _mix(images, TARGET_RGB, 0.3)),
    }
    table = colour.summarise_shift(groups, target)
    assert list(table.index) == ["faces", "photos"]
    assert list(table.columns) == ["images", "chroma_shift", "shift_toward", "fraction_toward"]
    assert table.loc["photos", "chroma_shift"] > 2 * table.loc["faces", "chroma_shift"]
    assert table.loc["photos", "fraction_toward"] == 1.0
    assert table.loc["photos", "images"] == 6


def test_grey_has_three_equal_channels(images):
    grey = colour.to_grey(images)
    assert grey.shape == images.shape
    np.testing.assert_array_equal(grey[..., 0], grey[..., 1])
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])
    np.testing.assert_allclose(grey[..., 0], skcolor.rgb2gray(images), atol=1e-6)
    assert colour.to_grey(images[0]).shape == images[0].shape


def test_luminance_psnr_ignores_a_change_of_colour_alone(images):
    # Same L*, shifted a* and b*: L* is not BT.709 luma, so luma changes a little, not much.
    lab = skcolor.rgb2lab(images)
    lab[..., 1] += 6.0
    lab[..., 2] -= 6.0
    recoloured = np.clip(skcolor.lab2rgb(lab), 0.0, 1.0).astype(np.float32)
    rgb = metrics.psnr(images, recoloured)
    luminance = colour.luminance_psnr(images, recoloured)
    assert luminance.shape == (6,)
    assert (luminance > rgb + 6.0).all()


def test_luminance_psnr_is_blind_to_a_change_that_keeps_luma_exactly(images):
    # A step orthogonal to the BT.709 weights (0.2125, 0.7154, 0.0721) leaves luma unchanged.
    recoloured = images + 0.05 * np.array([0.7154, -0.2125, 0.0], np.float32)
    rgb = metrics.psnr(images, recoloured)
    assert (colour.luminance_psnr(images, recoloured) > rgb + 40.0).all()


def test_luminance_psnr_matches_rgb_psnr_for_a_grey_offset(images):
    # Adding 0.04 to every channel adds 0.04 to luma too: both PSNRs are -20 log10(0.04).
    brighter = images + 0.04
    expected = -20.0 * np.log10(0.04)
    np.testing.assert_allclose(colour.luminance_psnr(images, brighter), expected, atol=0.01)
    np.testing.assert_allclose(metrics.psnr(images, brighter), expected, atol=0.01)


def test_plot_draws_one_arrow_per_image(images):
    groups = {
        "faces": (images[:2], _mix(images[:2], TARGET_RGB, 0.05)),
        "photos": (images, _mix(images, TARGET_RGB, 0.3)),
    }
    axis = colour.plot_ab_shifts(groups, _target_ab())
    arrows = [patch for patch in axis.patches if isinstance(patch, FancyArrowPatch)]
    assert len(arrows) == 8
    assert axis.get_xlabel() == "a* (green - red)"
    assert axis.get_ylabel() == "b* (blue - yellow)"
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert labels == ["faces (2)", "photos (6)", "training faces' mean colour"]
    plt.close(axis.figure)


def test_colour_view_returns_panels_titles_and_numbers(images):
    restored = _mix(images[0], TARGET_RGB, 0.3)
    view = colour.colour_view(images[0], images[0] * 0.9, restored, grey=False)
    assert set(view) == {"panels", "titles", "numbers"}
    assert view["titles"] == ["original", "blurred", "restored"]
    assert len(view["panels"]) == 3
    np.testing.assert_array_equal(view["panels"][2], restored)
    assert set(view["numbers"]) == {
        "delta_L",
        "delta_a",
        "delta_b",
        "chroma_shift",
        "psnr_rgb",
        "psnr_luminance",
    }
    expected = colour.colour_shift(images[0], restored).iloc[0]
    assert view["numbers"]["delta_a"] == pytest.approx(expected["delta_a"])
    assert view["numbers"]["psnr_rgb"] == pytest.approx(float(metrics.psnr(images[0], restored)))


def test_grey_colour_view_greys_the_panels_but_keeps_the_numbers(images):
    restored = _mix(images[0], TARGET_RGB, 0.3)
    colour_view = colour.colour_view(images[0], images[0], restored, grey=False)
    grey_view = colour.colour_view(images[0], images[0], restored, grey=True)
    assert grey_view["numbers"] == colour_view["numbers"]
    assert grey_view["titles"] == ["original (grey)", "blurred (grey)", "restored (grey)"]
    for panel in grey_view["panels"]:
        np.testing.assert_array_equal(panel[..., 0], panel[..., 2])
