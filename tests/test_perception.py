"""The perception measure: sliced Wasserstein distance of Laplacian-pyramid patches."""

import numpy as np
import pytest

from course_lib import baselines, blur, perception
from course_lib.procedural import faces

SIGMA = 2.0


@pytest.fixture(scope="module")
def sharp() -> np.ndarray:
    return faces.make_faces(48, 64, seed=0)[0]


@pytest.fixture(scope="module")
def blurred(sharp) -> np.ndarray:
    return blur.quantize_8bit(blur.gaussian_blur(sharp, SIGMA)).numpy()


def test_identical_sets_are_at_distance_zero(sharp):
    assert perception.sliced_wasserstein_distance(sharp, sharp.copy()) == 0.0


def test_the_order_of_the_images_does_not_change_the_distance(sharp, blurred):
    order = np.random.default_rng(3).permutation(len(blurred))
    in_order = perception.sliced_wasserstein_distance(sharp, blurred)
    shuffled = perception.sliced_wasserstein_distance(sharp, blurred[order])
    assert shuffled == pytest.approx(in_order, rel=1e-9)


def test_the_blurred_input_ranks_behind_the_wiener_oracle_and_other_sharp_faces(sharp, blurred):
    validation = faces.make_faces(16, 64, seed=1)[0]
    balance, _ = baselines.tune_wiener(
        blur.quantize_8bit(blur.gaussian_blur(validation, SIGMA)).numpy(), validation, SIGMA
    )
    wiener = baselines.wiener_deblur(blurred, SIGMA, balance)
    other_faces = faces.make_faces(48, 64, seed=7)[0]
    distance = {
        name: perception.sliced_wasserstein_distance(sharp, images)
        for name, images in (("blurred", blurred), ("wiener", wiener), ("other", other_faces))
    }
    assert distance["other"] < distance["wiener"] < distance["blurred"]
    assert distance["blurred"] > 2 * distance["wiener"]


def test_a_colour_shift_counts_as_a_perceptual_difference(sharp):
    warmer = np.clip(sharp * np.array([1.1, 1.0, 0.85], np.float32), 0, 1)
    assert perception.sliced_wasserstein_distance(sharp, warmer) > 1.0


def test_the_pyramid_bands_add_back_to_the_image_at_the_finest_level(sharp):
    bands = perception.laplacian_pyramid(sharp, levels=1)
    assert bands[0].shape == sharp.shape
    assert abs(bands[0].mean()) < 0.01  # a band-pass image has no average brightness


def test_mismatched_sets_and_tiny_images_get_clear_errors(sharp):
    with pytest.raises(ValueError, match="as many images of one size"):
        perception.sliced_wasserstein_distance(sharp, sharp[:4])
    with pytest.raises(ValueError, match="give fewer levels"):
        perception.sliced_wasserstein_distance(sharp[:, :16, :16], sharp[:, :16, :16])
    with pytest.raises(ValueError, match="NaN"):
        perception.sliced_wasserstein_distance(sharp, np.full_like(sharp, np.nan))


def test_a_sharp_set_described_once_scores_restorations_as_the_plain_call_does():
    sharp = faces.make_faces(8, 32, seed=3)[0]
    blurred = blur.gaussian_blur(sharp, 2.0).numpy()
    described = perception.sharp_patches(sharp)
    assert perception.sliced_wasserstein_distance(described, blurred) == pytest.approx(
        perception.sliced_wasserstein_distance(sharp, blurred), rel=1e-6
    )
    with pytest.raises(ValueError, match="as many images"):
        perception.sliced_wasserstein_distance(described, blurred[:4])


def test_a_sharp_set_is_described_once_per_content(sharp):
    described = perception.sharp_patches(sharp)
    assert perception.sharp_patches(sharp.copy()) is described  # same faces: no second pass
    changed = sharp.copy()
    changed[0, 0, 0, 0] = 1.0 - changed[0, 0, 0, 0]
    assert perception.sharp_patches(changed) is not described


def test_projections_sorted_block_by_block_equal_one_sort():
    patches = np.random.default_rng(0).standard_normal((500, 12))
    directions = perception._directions(12, seed=1)
    plain = np.sort((directions @ patches.T).astype(np.float32), axis=1)
    sorted_in_blocks = perception._sorted_projections(patches, directions)
    np.testing.assert_allclose(sorted_in_blocks, plain, atol=1e-5)
