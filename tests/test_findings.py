"""The notebooks' findings, re-run at a reduced but honest scale with a fixed seed.

Each test states the claim a notebook's prose makes and checks it on held-out faces.
"""

import numpy as np
import pytest
from findings_setup import REDUCED

from course_lib import baselines, evaluation, experiments, metrics, models

pytestmark = pytest.mark.findings


@pytest.fixture(scope="module")
def gaussian_test_pairs():
    sharp = experiments.face_split(REDUCED, "test")
    return sharp, experiments.blurred_copy(sharp)


def _half_power_frequency(sharp, images):
    frequencies, sharp_power = metrics.radial_power(sharp)
    ratio = metrics.radial_power(images)[1] / sharp_power
    return frequencies[np.flatnonzero(ratio[1:] < 0.5)[0] + 1]


# Notebook 02 -----------------------------------------------------------------------------


def test_02_autoencoder_beats_the_blurred_input_at_the_default_blur(
    reduced_models, gaussian_test_pairs
):
    sharp, blurred = gaussian_test_pairs
    restored = models.restore(reduced_models(), blurred)
    table = evaluation.evaluate(sharp, {"blurred input": blurred, "autoencoder": restored})
    assert table.loc["autoencoder", "psnr_gain"] > 0.1


def test_02_autoencoder_sharpens_beyond_its_input_but_not_as_far_as_the_oracle(
    reduced_models, gaussian_test_pairs
):
    sharp, blurred = gaussian_test_pairs
    restored = models.restore(reduced_models(), blurred)
    oracle = baselines.richardson_lucy_deblur(blurred[:64], 2.0, iterations=200)
    assert (
        _half_power_frequency(sharp, blurred)
        < _half_power_frequency(sharp, restored)
        < _half_power_frequency(sharp[:64], oracle)
    )


def test_02_autoencoder_loses_to_its_input_on_light_blur(reduced_models, gaussian_test_pairs):
    sharp, _ = gaussian_test_pairs
    restore = reduced_models()
    by_strength = evaluation.psnr_by_strength(lambda x: models.restore(restore, x), sharp, [1.0])
    assert by_strength.loc[1.0, "psnr_gain"] < 0


def test_02_richardson_lucy_with_a_wrong_sigma_is_worse_than_the_blurred_input(
    gaussian_test_pairs,
):
    sharp, blurred = gaussian_test_pairs
    wrong = baselines.richardson_lucy_deblur(blurred[:64], 3.0, iterations=200)
    table = evaluation.evaluate(sharp[:64], {"blurred input": blurred[:64], "wrong": wrong})
    assert table.loc["wrong", "psnr_gain"] < 0


def test_02_noise_costs_richardson_lucy_more_than_the_autoencoder(
    reduced_models, gaussian_test_pairs
):
    sharp, blurred = gaussian_test_pairs
    sharp, blurred = sharp[:64], blurred[:64]
    noisy = baselines.add_noise(blurred, std=0.01, seed=0)
    model = reduced_models()
    gains = evaluation.evaluate(
        sharp,
        {
            "blurred input": blurred,
            "rl": baselines.richardson_lucy_deblur(blurred, 2.0, 200),
            "rl noisy": baselines.richardson_lucy_deblur(noisy, 2.0, 200),
            "ae": models.restore(model, blurred),
            "ae noisy": models.restore(model, noisy),
        },
    ).psnr_gain
    assert gains["rl"] - gains["rl noisy"] > gains["ae"] - gains["ae noisy"]
