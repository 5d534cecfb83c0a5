"""Tests for course_lib.experiments.notebook05: its runs, domains, cache names and CycleGANs."""

import keras
import numpy as np
import pandas as pd
import pytest

from course_lib import cache, cyclegan, experiments, models
from course_lib.experiments import notebook05
from course_lib.profiles import PROFILES, get_profile

SIZE = 32
FILTERS = 4
BATCH = 4
IMAGES = 8  # 2 steps an epoch


pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


def domain_images() -> tuple[np.ndarray, np.ndarray]:
    """Images of A and of B in [0, 1], unrelated to each other."""
    rng = np.random.default_rng(1)
    return rng.uniform(0, 1, (2, IMAGES, SIZE, SIZE, 3)).astype(np.float32)


def tiny_cyclegan() -> cyclegan.CycleGAN:
    options = {"receptive_field": 16, "total_steps": 4, "pool_size": 3}
    return cyclegan.build_cyclegan(SIZE, FILTERS, 1, **options)


def test_train_cyclegan_trains_once_then_loads_both_generators(capsys):
    domain_a, domain_b = domain_images()
    generator_ab, generator_ba, history = notebook05.train_cyclegan(
        "tiny-cyclegan", tiny_cyclegan, domain_a, domain_b, 2, BATCH
    )
    assert "Training tiny-cyclegan" in capsys.readouterr().out
    assert list(history["epoch"]) == [1, 2] and {"disc_a", "cycle"} <= set(history.columns)
    assert cache.model_path(notebook05.inverse_name("tiny-cyclegan")).exists()
    steps = cache.load_steps("tiny-cyclegan")
    assert list(steps["step"]) == [1, 2, 3, 4] and "gan_g" in steps

    loaded_ab, loaded_ba, loaded_history = notebook05.train_cyclegan(
        "tiny-cyclegan", None, domain_a, domain_b, 2, BATCH
    )
    pd.testing.assert_frame_equal(loaded_history, history)
    images = models.to_model_range(domain_a[:2])
    for loaded, trained in ((loaded_ab, generator_ab), (loaded_ba, generator_ba)):
        np.testing.assert_allclose(loaded(images), trained(images), atol=1e-6)


def test_deblur_domains_share_no_face():
    budget = notebook05.runs(get_profile("smoke"))["cyclegan_deblur"].budget
    blurred, sharp = notebook05.deblur_domains(budget)
    assert blurred.shape == sharp.shape == (budget.train_count, 64, 64, 3)
    behind_blurred = experiments.face_split(budget, "train", count=budget.train_count)
    assert not {face.tobytes() for face in sharp} & {face.tobytes() for face in behind_blurred}
    np.testing.assert_allclose(blurred, experiments.blurred_copy(behind_blurred), atol=1e-6)


def test_facade_domains_are_day_and_night_photos_of_different_buildings():
    budget = notebook05.runs(get_profile("smoke"))["cyclegan_facades"].budget
    day, night = notebook05.facade_domains(budget)
    assert day.shape == night.shape == (budget.train_count, 64, 64, 3)
    test_day, test_night = notebook05.facade_test_pairs(budget, count=2)
    assert test_day.shape == test_night.shape == (2, 64, 64, 3)
    assert not np.array_equal(test_day, test_night)


def test_budgets_and_names_follow_the_profile():
    laptop = get_profile("laptop")
    runs = notebook05.runs(laptop)
    assert list(runs) == ["cyclegan_deblur", "cyclegan_facades"]
    deblur, facades = runs["cyclegan_deblur"], runs["cyclegan_facades"]
    assert deblur.budget.batch_size == notebook05.BATCH_SIZE
    assert deblur.budget.base_filters < laptop.base_filters
    assert (deblur.steps, facades.steps) == (512, 768)
    assert [notebook05.residual_blocks(profile) for profile in PROFILES.values()] == [1, 3, 6]
    names = {
        facades.name,
        facades.changed(identity=0.0).name,
        facades.changed(disc_lr=2e-4).name,
        facades.changed(norm="batch").name,
        facades.changed(gen="residual_resize").name,
        facades.changed(gen=None).name,
        facades.changed(seed=2).name,
    }
    assert len(names) == 7
    # The ResNet runs upsample by resizing, and say so; the main deblurring run names its
    # own generators, so neither loads in place of the other.
    resnet = notebook05.resnet_deblur_run(laptop)
    assert "resize" in resnet.name and "residual" not in resnet.name
    assert "unet_learnedblur" in deblur.name and deblur.name != resnet.name
    assert resnet.budget == deblur.budget


def test_the_facades_run_is_the_papers_at_10x_the_rate_on_as_many_photos_in_batches_of_4():
    laptop = get_profile("laptop")
    live, paper = notebook05.runs(laptop)["cyclegan_facades"], notebook05.paper_facades_run(laptop)
    assert (live.budget.batch_size, paper.budget.batch_size) == (4, 16)
    assert live.steps * 4 == paper.steps * 16 == 3 * 1024  # the same photos per domain, 3 epochs
    assert live.settings["glr"] == live.settings["disc_lr"] == pytest.approx(2e-3)
    assert paper.settings["disc_lr"] == pytest.approx(2e-4) and "glr" not in paper.settings
    rate = notebook05.build(live).generator_optimizer.learning_rate  # at step 0
    assert float(rate) == pytest.approx(2e-3)
    assert live.name != paper.name


def test_a_runs_generator_network_follows_its_gen_setting():
    facades = notebook05.runs(get_profile("smoke"))["cyclegan_facades"]
    network = notebook05.generator_network(facades)
    assert network == {"image_size": 64, "base_filters": facades.budget.base_filters,
                       "residual_blocks": 1, "normalization": "instance",
                       "upsampling": "resize"}  # fmt: skip
    residual = notebook05.generator_network(facades.changed(gen="residual_resize", norm="batch"))
    assert residual["residual"] and residual["upsampling"] == "resize"
    assert residual["normalization"] == "batch"
    assert notebook05.generator_network(facades.changed(gen=None))["upsampling"] == "transpose"


def test_build_compiles_the_deblurring_and_the_resnet_cyclegans():
    runs = notebook05.runs(get_profile("smoke"))
    deblur = notebook05.build(runs["cyclegan_deblur"])
    assert deblur.generator_ab.name != deblur.generator_ba.name
    facades = notebook05.build(runs["cyclegan_facades"].changed(identity=0.0))
    assert facades.generator_ab.count_params() == facades.generator_ba.count_params()


def test_score_facades_sets_each_generator_beside_doing_nothing_and_the_colour_baseline():
    profile = PROFILES["smoke"]
    budget = notebook05.runs(profile)["cyclegan_facades"].budget
    identity = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Identity()])
    table, outputs = notebook05.score_facades(profile, budget, identity, identity)
    assert list(table.index) == list(outputs) and len(table) == 6
    # An identity "generator" does nothing, so it ties with doing nothing in both directions.
    for generator, nothing in (("night: G(day)", "night: do nothing (the day photo)"),
                               ("day: F(night)", "day: do nothing (the night photo)")):  # fmt: skip
        assert table.loc[generator, "psnr_gain"] == pytest.approx(0.0, abs=1e-5)
        assert table.loc[nothing, "psnr_gain"] == 0.0
    # Matching the other style's colour statistics already moves day photos toward night.
    assert table.loc["night: match night's channel statistics", "psnr_gain"] > 0


def test_late_losses_average_the_last_quarter_of_the_steps():
    losses = {"step": [2, 4, 6, 8], "disc_a": [1.0, 2.0, 3.0, 7.0], "disc_b": [1.0, 2.0, 3.0, 8.0],
              "gan_g": [0.0, 0.0, 0.0, 14.0], "gan_f": [0.0, 0.0, 0.0, 16.0]}  # fmt: skip
    late = notebook05.late_losses({"steps": 8, "losses": losses})  # the block ending at step 8
    assert late["discriminator loss, last quarter"] == 7.5
    assert late["generator GAN loss, last quarter"] == 15.0


def test_recovered_share_is_nan_without_a_paired_gain_and_zero_when_cyclegan_loses():
    share, words = notebook05.recovered_share(-0.2, 1.0)
    assert np.isnan(share) and "no gain to share" in words
    assert notebook05.recovered_share(2.0, -0.5) == (
        0.0,
        "CycleGAN does not beat the blurred input in PSNR, so it recovers none of that gain",
    )
    share, words = notebook05.recovered_share(2.0, 1.5)
    assert share == pytest.approx(0.75) and words.endswith("recovers 75% of that gain")
