"""Notebooks 04 and 06's findings: their U-Nets at their laptop budgets, with fixed seeds.

Scored on 256 held-out faces, beside notebook 02's autoencoder (tests/conftest.py trains it
once for both findings files). Each test states the claim a notebook's prose makes and checks
it with ``assert_claim``, whose margins over three training seeds are tabled in
tests/FINDINGS.md. make test runs this file in one pytest-xdist worker and
tests/test_findings_autoencoders.py in the other (``--dist loadfile``).
"""

import numpy as np
import pytest
from findings_setup import NOTEBOOK02, assert_claim

from course_lib import baselines, evaluation, experiments, metrics, models

pytestmark = pytest.mark.findings


# Notebook 04 ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ladder_table(reduced_unets, gaussian_test_pairs):
    """Notebook 04's ladder at its laptop budget; Wiener's balance tuned on validation."""
    sharp, blurred = gaussian_test_pairs
    validation = experiments.face_split(NOTEBOOK02, "validation", count=64)
    balance, _ = baselines.tune_wiener(experiments.blurred_copy(validation), validation, 2.0)
    unet_l1, unet_gan = reduced_unets
    return evaluation.ladder_table(
        sharp,
        {
            "blurred input": blurred,
            "Wiener": baselines.wiener_deblur(blurred, 2.0, balance),
            "U-Net, L1": models.restore(unet_l1, blurred),
            "U-Net, L1 + cGAN": models.restore(unet_gan, blurred),
        },
    )


def test_04_the_l1_unet_beats_the_wiener_oracle_handed_the_true_kernel(ladder_table):
    psnr = ladder_table.psnr_mean
    assert_claim("04 L1 U-Net minus Wiener (dB)", psnr["U-Net, L1"] - psnr["Wiener"], 0.0)


def test_04_the_cgan_unet_keeps_a_3_db_lead_over_its_input_and_a_nearer_spectrum(ladder_table):
    spectral, psnr = ladder_table.spectral_distance, ladder_table.psnr_mean
    spectral_gain = spectral["blurred input"] - spectral["U-Net, L1 + cGAN"]
    assert_claim("04 cGAN U-Net spectral distance below its input's (dB)", spectral_gain, 3.0)
    psnr_gain = psnr["U-Net, L1 + cGAN"] - psnr["blurred input"]
    assert_claim("04 cGAN U-Net gain over its input (dB)", psnr_gain, 3.0)


def test_04_the_cgan_draws_texture_the_l1_unet_averages_away_within_2_db_of_its_psnr(
    ladder_table,
):
    l1, gan = (ladder_table.loc[name] for name in ("U-Net, L1", "U-Net, L1 + cGAN"))
    claim = "04 cGAN perception distance / the L1 U-Net's"
    assert_claim(claim, gan.perception / l1.perception, 0.7, above=False)
    claim = "04 cGAN spectral distance / the L1 U-Net's"
    assert_claim(claim, gan.spectral_distance / l1.spectral_distance, 0.8, above=False)
    assert_claim("04 cGAN PSNR minus the L1 U-Net's (dB)", gan.psnr_mean - l1.psnr_mean, -2.0)


def test_04_no_unet_draws_a_checkerboard(ladder_table):
    for name in ("U-Net, L1", "U-Net, L1 + cGAN"):
        ratio = ladder_table.loc[name, "checkerboard_ratio"]
        assert_claim(f"04 {name} checkerboard ratio", ratio, 1.5, above=False)


def test_04_on_blur_of_unknown_strength_the_unet_beats_the_best_guessed_wiener_by_1_db(
    unknown_blur_unet,
):
    from course_lib.experiments import notebook04

    psnr = notebook04.unknown_blur_psnr(NOTEBOOK02, unknown_blur_unet)
    claim = "04 unknown blur: U-Net minus the best guessed Wiener (dB)"
    assert_claim(claim, psnr["U-Net"] - psnr["best guessed Wiener"], 1.0)


# Notebook 06 -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def steps_table(reduced_unets, iterative_unets, notebook02_model, gaussian_test_pairs):
    """Notebook 06's iterative U-Net at each step count beside the autoencoder and L1 U-Net."""
    from course_lib.experiments import notebook06

    sharp, blurred = gaussian_test_pairs
    return evaluation.ladder_table(
        sharp,
        {
            "autoencoder": models.restore(notebook02_model, blurred),
            "U-Net, L1": models.restore(reduced_unets[0], blurred),
            # the step counts the claims read: fewer rows can only raise the least perception
            **notebook06.restorations_by_steps(iterative_unets[0], blurred, (1, 16, 32)),
        },
    )


def test_06_one_step_restores_as_well_as_the_l1_unet(steps_table):
    from course_lib.experiments.notebook06 import ONE_STEP

    lead = steps_table.psnr_mean[ONE_STEP] - steps_table.psnr_mean["U-Net, L1"]
    assert_claim("06 one step minus the L1 U-Net's PSNR (dB)", lead, -0.5)


def test_06_its_most_realistic_steps_halve_the_l1_perception_above_the_autoencoders_psnr(
    steps_table,
):
    stepping = steps_table.loc[[name for name in steps_table.index if "iterative" in name]]
    best = stepping.loc[stepping.perception.idxmin()]
    l1 = steps_table.loc["U-Net, L1"]
    claim = "06 most realistic perception distance / the L1 U-Net's"
    assert_claim(claim, best.perception / l1.perception, 0.5, above=False)
    # Against the cGAN's perception the ratio was 0.89, 0.73 and 0.41 over seeds 1, 11 and 21:
    # below 1 each time, but the cGAN's own texture varies too much for a 3-spread margin, so
    # the notebook states it and this test does not assert it.
    claim = "06 most realistic PSNR minus the autoencoder's (dB)"
    assert_claim(claim, best.psnr_mean - steps_table.psnr_mean["autoencoder"], 0.0)


def test_06_more_steps_draw_texture_nearer_sharp_faces(steps_table):
    from course_lib.experiments.notebook06 import ONE_STEP

    perception = steps_table.perception
    claim = "06 perception distance, 16 steps / 1 step"
    assert_claim(claim, perception["iterative, 16 steps"] / perception[ONE_STEP], 0.8, above=False)


def test_06_draws_disagree_most_in_the_eyes_and_mouth(iterative_unets, gaussian_test_pairs):
    from course_lib import iterative
    from course_lib.experiments import notebook06

    blurred = gaussian_test_pairs[1][:64]
    draws = np.stack([iterative.sample(iterative_unets[0], blurred, 8, seed=s) for s in range(4)])
    by_region = notebook06.spread_by_region(iterative.spread(draws))
    for region in ("eyes", "mouth"):
        claim = f"06 spread in the {region} / the rest of the image"
        assert_claim(claim, by_region[region] / by_region["rest of the image"], 1.0)


def test_06_on_blur_of_unknown_strength_steps_match_the_unet_and_beat_wiener(
    iterative_unets, unknown_blur_unet, gaussian_test_pairs
):
    from course_lib.experiments import notebook04, notebook06

    sharp = gaussian_test_pairs[0]
    blurred = experiments.blurred_copy(sharp, notebook04.UNKNOWN_BLUR)
    # its best PSNR is at few steps (notebook 06); fewer rows can only lower the best
    stepping = notebook06.restorations_by_steps(iterative_unets[1], blurred, (1, 2, 4))
    best = max(float(metrics.psnr(sharp, images).mean()) for images in stepping.values())
    psnr = notebook04.unknown_blur_psnr(NOTEBOOK02, unknown_blur_unet)
    assert_claim("06 unknown blur: best steps minus the fine-tuned U-Net (dB)",
                 best - psnr["U-Net"], -0.5)  # fmt: skip
    assert_claim("06 unknown blur: best steps minus the best guessed Wiener (dB)",
                 best - psnr["best guessed Wiener"], 0.0)  # fmt: skip
