"""Tests for course_lib.experiments.notebook05: budgets, domains, cache names and CycleGAN runs."""

import dataclasses

import keras
import numpy as np
import pandas as pd
import pytest

from course_lib import cyclegan, experiments, models, training
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
    assert training.model_path(notebook05.inverse_name("tiny-cyclegan")).exists()
    steps = training.load_steps("tiny-cyclegan")
    assert list(steps["step"]) == [1, 2, 3, 4] and "gan_g" in steps

    loaded_ab, loaded_ba, loaded_history = notebook05.train_cyclegan(
        "tiny-cyclegan", None, domain_a, domain_b, 2, BATCH
    )
    pd.testing.assert_frame_equal(loaded_history, history)
    images = models.to_model_range(domain_a[:2])
    for loaded, trained in ((loaded_ab, generator_ab), (loaded_ba, generator_ba)):
        np.testing.assert_allclose(loaded(images), trained(images), atol=1e-6)


def test_deblur_domains_share_no_face():
    budget = notebook05.cyclegan_budget(get_profile("smoke"))
    blurred, sharp = notebook05.deblur_domains(budget)
    assert blurred.shape == sharp.shape == (budget.train_count, 64, 64, 3)
    behind_blurred = experiments.face_split(budget, "train", count=budget.train_count)
    assert not {face.tobytes() for face in sharp} & {face.tobytes() for face in behind_blurred}
    np.testing.assert_allclose(blurred, experiments.blurred_copy(behind_blurred), atol=1e-6)


def test_facade_domains_are_day_and_night_photos_of_different_buildings():
    budget = notebook05.facades_budget(get_profile("smoke"))
    day, night = notebook05.facade_domains(budget)
    assert day.shape == night.shape == (budget.train_count, 64, 64, 3)
    test_day, test_night = notebook05.facade_test_pairs(budget, count=2)
    assert test_day.shape == test_night.shape == (2, 64, 64, 3)
    assert not np.array_equal(test_day, test_night)


def test_budgets_and_names_follow_the_profile():
    laptop = get_profile("laptop")
    budget = notebook05.cyclegan_budget(laptop)
    assert budget.batch_size == notebook05.BATCH_SIZE and budget.base_filters < laptop.base_filters
    facades = notebook05.facades_budget(laptop)
    assert facades.epochs * facades.train_count // facades.batch_size == 192
    assert [notebook05.residual_blocks(profile) for profile in PROFILES.values()] == [1, 3, 6]
    names = {
        notebook05.cyclegan_name("deblur", budget, 3),
        notebook05.cyclegan_name("deblur", budget, 3, identity_weight=0.0),
        notebook05.cyclegan_name("deblur", budget, 3, discriminator_learning_rate=2e-3),
        notebook05.cyclegan_name("deblur", budget, 3, normalization="batch"),
        notebook05.cyclegan_name("deblur", budget, 3, residual=True),
        notebook05.cyclegan_name("deblur", budget, 3, upsampling="resize"),
        notebook05.cyclegan_name("deblur", budget, 3, residual=True, upsampling="resize"),
    }
    assert len(names) == 7
    # The ResNet runs upsample by resizing, and say so; the main deblurring run names its
    # own generators, so neither loads in place of the other.
    name = notebook05.resnet_deblur_name(budget)
    assert "resize" in name and "residual" not in name
    assert name == notebook05.cyclegan_name(
        "deblur", budget, 3, upsampling="resize", blur=experiments.DEFAULT_BLUR
    )
    deblur = notebook05.deblur_budget(laptop)
    assert deblur.epochs == notebook05.DEBLUR_EPOCHS * budget.epochs
    assert "unet_learnedblur" in notebook05.deblur_name(deblur)
    assert notebook05.deblur_name(deblur) not in names | {notebook05.resnet_deblur_name(deblur)}
    assert "residual" not in notebook05.cyclegan_name("facades", budget, 3, style="daytonight")


def test_score_facades_sets_each_generator_beside_doing_nothing_and_the_colour_baseline():
    profile = PROFILES["smoke"]
    budget = notebook05.facades_budget(profile)
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


def test_the_facades_run_is_cached_under_facades_name_and_scores_itself_while_training():
    budget = dataclasses.replace(
        notebook05.facades_budget(get_profile("smoke")), train_count=BATCH * 2, batch_size=BATCH
    )
    profile = dataclasses.replace(get_profile("smoke"), test_count=4)
    curve_path = training.run_dir_for(notebook05.facades_name(budget)) / "curve.csv"
    curve_path.parent.mkdir(parents=True)
    curve = notebook05.FacadesScoreCurve(profile, budget, curve_path, every=1)
    notebook05.train_facades_cyclegan(budget, verbose=0, callbacks=[curve])
    assert training.model_path(notebook05.facades_name(budget)).exists()
    rows = pd.read_csv(curve_path)
    assert list(rows.step) == [2 * (epoch + 1) for epoch in range(budget.epochs)]
    assert {"g_psnr", "g_ssim", "f_ssim", "night_baseline_psnr", "day_baseline_ssim"} <= set(rows)


def test_the_facades_reference_is_the_laptop_run_trained_longer_at_any_profile():
    laptop = notebook05.facades_budget(get_profile("laptop"))
    reference = notebook05.facades_reference_budget()
    assert reference.epochs == notebook05.REFERENCE_EPOCHS * laptop.epochs
    assert dataclasses.replace(reference, epochs=laptop.epochs) == laptop
    assert notebook05.facades_name(reference) != notebook05.facades_name(laptop)
    assert notebook05.facades_reference_network(reference)["residual_blocks"] == 3


def write_steps(name: str, steps: int) -> pd.DataFrame:
    """A finished run's per-step losses, step k's losses all equal to k."""
    values = np.arange(1.0, steps + 1)
    table = pd.DataFrame(
        {
            "epoch": 1,
            "batch": np.arange(1, steps + 1),
            "disc_a": values,
            "disc_b": values,
            "gan_g": 2 * values,
            "gan_f": 2 * values,
        }  # fmt: skip
    )
    path = training.kept_file_path(name, training.STEPS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table


def test_step_loss_summary_averages_each_block_of_steps():
    write_steps("tiny-steps", 8)
    summary = notebook05.step_loss_summary("tiny-steps", every=4)
    assert summary["step"] == [4, 8]
    assert summary["disc_a"] == [2.5, 6.5] and summary["gan_g"] == [5.0, 13.0]


def test_late_losses_average_the_last_quarter_of_the_steps():
    write_steps("tiny-steps", 8)
    entry = {"steps": 8, "losses": notebook05.step_loss_summary("tiny-steps", every=2)}
    late = notebook05.late_losses(entry)  # blocks ending at steps 7-8 only: (7 + 8) / 2
    assert late["discriminator loss, last quarter"] == 7.5
    assert late["generator GAN loss, last quarter"] == 15.0


def test_pitfall_runs_each_change_one_setting_of_the_facades_run():
    budget = notebook05.pitfall_reference_budget()
    laptop = notebook05.facades_budget(get_profile("laptop"))
    assert budget == dataclasses.replace(laptop, epochs=notebook05.PITFALL_EPOCHS * laptop.epochs)
    assert budget.epochs * budget.train_count // budget.batch_size == 960
    runs = notebook05.PITFALL_RUNS
    assert runs["baseline"] == {} and all(len(changes) == 1 for changes in list(runs.values())[1:])
    names = {notebook05.facades_name(budget, **changes) for changes in runs.values()}
    shipped = {notebook05.pitfall_reference_name(label) for label in runs}
    assert len(names) == len(shipped) == len(runs)
    assert notebook05.facades_name(budget) == notebook05.facades_name(budget, **runs["baseline"])
