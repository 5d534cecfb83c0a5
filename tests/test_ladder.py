"""Tests for course_lib.ladder: budgets, cache names, the ladder table and tiny trainings."""

import dataclasses
import time

import keras
import numpy as np
import pytest

from course_lib import blur, experiments, ladder, models, training
from course_lib.profiles import PROFILES, Profile

TINY = Profile(
    name="tiny",
    purpose="tests",
    image_size=32,
    train_count=32,
    test_count=8,
    batch_size=8,
    epochs=2,
    base_filters=4,
    timing_count=8,
)


pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


def test_seed_budget_is_notebook_02s_so_its_model_is_reused():
    for profile in PROFILES.values():
        assert experiments.seed_model_name(ladder.seed_budget(profile)) == (
            experiments.seed_model_name(profile)
        )


def test_ladder_budget_is_an_eighth_of_the_seed_rungs_images_at_laptop_scale():
    laptop = PROFILES["laptop"]
    seed, unet = ladder.seed_budget(laptop), ladder.ladder_budget(laptop)
    assert (unet.train_count, unet.epochs) == (2048, 4)
    assert unet.train_count * unet.epochs * 8 == seed.train_count * seed.epochs
    assert (unet.image_size, unet.base_filters, unet.batch_size) == (64, 32, 64)
    facades = ladder.facades_budget(laptop)
    assert (facades.train_count, facades.epochs) == (1024, 8)


@pytest.mark.parametrize("name", list(PROFILES))
def test_budgets_never_drop_below_one_batch_or_one_epoch(name):
    profile = PROFILES[name]
    for budget in (ladder.ladder_budget(profile), ladder.facades_budget(profile)):
        assert budget.train_count >= profile.batch_size
        assert budget.epochs >= 1
        assert budget.train_count <= profile.train_count


def test_cache_names_differ_by_every_setting():
    budget = ladder.ladder_budget(TINY)
    base = ladder.unet_name(budget)
    variants = [
        ladder.unet_name(budget, adversarial=False),
        ladder.unet_name(budget, l1_weight=10),
        ladder.unet_name(budget, receptive_field=16),
        ladder.unet_name(budget, blur.BlurSpec(kind="resize", factor=4)),
        ladder.unet_name(dataclasses.replace(budget, epochs=3)),
        ladder.unet_name(dataclasses.replace(budget, train_count=16)),
        ladder.unet_name(dataclasses.replace(budget, base_filters=8)),
        ladder.unet_name(dataclasses.replace(budget, batch_size=4)),
        ladder.facades_name(budget),
    ]
    assert len({base, *variants}) == len(variants) + 1
    assert "l1+cgan" in base and "patch70" in base and "l1_weight100" in base
    # Without a discriminator the patch size changes nothing, so it is not in the name.
    l1_only = ladder.unet_name(budget, adversarial=False)
    assert ladder.unet_name(budget, adversarial=False, receptive_field=16) == l1_only
    assert "patch" not in l1_only


def test_names_reject_settings_pix2pix_cannot_build():
    with pytest.raises(ValueError):
        ladder.unet_name(TINY, receptive_field=34)
    with pytest.raises(ValueError):
        ladder.unet_name(TINY, l1_weight=0)


def test_ladder_table_has_the_columns_and_measures_the_sharpness_gap():
    truth = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    blurred = blur.gaussian_blur(truth, 2.0).numpy()
    noisy = np.clip(truth + np.random.default_rng(1).normal(0, 0.2, truth.shape), 0, 1)
    table = ladder.ladder_table(
        truth, {"blurred": blurred, "noisy": noisy, "flipped": truth[:, ::-1]}
    )
    assert list(table.columns) == list(ladder.LADDER_COLUMNS)
    assert list(table.index) == ["blurred", "noisy", "flipped"]
    assert table.loc["blurred", "sharpness_ratio"] < 0.1
    assert table.loc["flipped", "sharpness_ratio"] == pytest.approx(1.0, rel=1e-4)
    np.testing.assert_allclose(table.sharpness_gap, (table.sharpness_ratio - 1).abs())
    assert table.loc["flipped", "sharpness_gap"] < table.loc["blurred", "sharpness_gap"]
    assert table.loc["flipped", "psnr_mean"] < table.loc["blurred", "psnr_mean"]


def test_facade_splits_are_disjoint_label_and_photo_pairs():
    profile = dataclasses.replace(TINY, image_size=64)
    train_labels, train_photos = ladder.facade_split(profile, "train", count=4)
    test_labels, _ = ladder.facade_split(profile, "test")
    assert train_labels.shape == train_photos.shape == (4, 64, 64, 3)
    assert len(test_labels) == profile.test_count
    assert not np.array_equal(train_labels[0], test_labels[0])
    with pytest.raises(ValueError):
        ladder.facade_split(profile, "holdout")


def test_a_ladder_rung_trains_once_then_loads(capsys):
    budget = ladder.ladder_budget(TINY)
    generator, history = ladder.train_unet(budget, receptive_field=16)
    name = ladder.unet_name(budget, receptive_field=16)
    assert f"Training {name}" in capsys.readouterr().out
    assert training.model_path(name).exists()
    assert list(history.epoch) == list(range(1, budget.epochs + 1))
    assert {"gen_gan", "disc", "val_gen_l1"} <= set(history.columns)
    start = time.perf_counter()
    loaded, _ = ladder.train_unet(budget, receptive_field=16)
    assert time.perf_counter() - start < 5
    assert "Loaded" in capsys.readouterr().out
    faces = experiments.face_split(TINY, "test")
    np.testing.assert_allclose(
        models.restore(loaded, faces), models.restore(generator, faces), atol=1e-6
    )


def test_training_starts_from_the_same_weights_whatever_trained_before():
    budget = dataclasses.replace(ladder.facades_budget(TINY), image_size=64, epochs=1)
    keras.utils.set_random_seed(123)
    first = ladder._builder(budget)().get_weights()
    keras.utils.set_random_seed(456)
    second = ladder._builder(budget)().get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_facades_model_trains_on_label_photo_pairs(capsys):
    budget = dataclasses.replace(ladder.facades_budget(TINY), image_size=64, epochs=1)
    generator, history = ladder.train_facades_pix2pix(budget, adversarial=False)
    assert "gen_gan" not in history.columns and len(history) == 1
    labels, _ = ladder.facade_split(budget, "test", count=2)
    assert models.restore(generator, labels).shape == labels.shape
    assert training.model_path(ladder.facades_name(budget, adversarial=False)).exists()
