"""Tests for course_lib.experiments.notebook04: its runs, their names and tiny ladder trainings."""

import dataclasses

import keras
import numpy as np
import pytest

from course_lib import blur, cache, experiments, models, unet
from course_lib.experiments import notebook04
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


def test_the_runs_are_described_once_in_training_order_and_fine_tunings_name_their_start():
    runs = notebook04.runs(PROFILES["laptop"])
    assert list(runs) == [
        "unet_l1", "unet_cgan", "unet_cgan_lambda100", "unet_cgan_lambda10", "unet_unknown_blur",
        "facades_l1", "facades_cgan",
    ]  # fmt: skip
    assert all(run.notebook == "04" for run in runs.values())
    for key in ("unet_cgan", "unet_cgan_lambda100", "unet_cgan_lambda10", "unet_unknown_blur"):
        assert runs[key].start == runs["unet_l1"]
        assert cache.name_digest(runs["unet_l1"].name) in runs[key].name
    assert runs["unet_l1"].start is None and runs["facades_cgan"].start is None


def test_ladder_budget_is_768_small_steps_and_the_gan_fine_tunes_for_as_many():
    laptop = PROFILES["laptop"]
    runs = notebook04.runs(laptop)
    unet = runs["unet_l1"].budget
    assert (unet.train_count, unet.epochs, unet.batch_size, unet.base_filters) == (1536, 8, 16, 16)
    assert runs["unet_l1"].steps == 768
    gan = runs["unet_cgan"].budget
    assert (gan.train_count, gan.epochs, gan.batch_size) == (1536, 8, 16)
    assert runs["unet_cgan"].settings["patch"] == 16
    assert runs["unet_cgan"].changed(patch=70).settings["patch"] == 70  # exercise 4's run
    assert runs["unet_unknown_blur"].steps == 192
    facades = runs["facades_l1"].budget
    assert (facades.train_count, facades.epochs, facades.batch_size) == (1024, 8, 64)
    assert facades.base_filters == 24  # three quarters of the faces' 32: 0.54x the time


@pytest.mark.parametrize("name", list(PROFILES))
def test_budgets_never_drop_below_one_batch_or_one_epoch(name):
    profile = PROFILES[name]
    for run in notebook04.runs(profile).values():
        assert run.budget.train_count >= run.budget.batch_size
        assert run.budget.epochs >= 1
        assert run.budget.train_count <= profile.train_count


def test_cache_names_differ_by_every_setting():
    runs = notebook04.runs(TINY)
    gan = runs["unet_cgan"]
    variants = [
        runs["unet_l1"],
        gan.changed(l1_weight=10.0),
        gan.changed(patch=70),
        dataclasses.replace(gan, blur=blur.BlurSpec(kind="resize", factor=4)),
        *(
            dataclasses.replace(gan, budget=dataclasses.replace(gan.budget, **change))
            for change in ({"epochs": 3}, {"train_count": 16}, {"base_filters": 8},
                           {"batch_size": 4})
        ),
        runs["facades_cgan"],
    ]  # fmt: skip
    assert len({gan.name, *(run.name for run in variants)}) == len(variants) + 1
    assert "l1+cgan" in gan.name and "patch16" in gan.name and "l1_weight30" in gan.name
    # Without a discriminator the patch size changes nothing, so it is not in the name.
    assert "patch" not in runs["unet_l1"].name and "patch" not in runs["facades_l1"].name


def test_settings_pix2pix_cannot_build_are_refused_before_any_training():
    gan = notebook04.runs(TINY)["unet_cgan"]
    with pytest.raises(ValueError, match="receptive"):
        notebook04.train(gan.changed(patch=34))
    with pytest.raises(ValueError, match="lambda"):
        notebook04.builder(gan.changed(l1_weight=0.0))
    assert not cache.model_path(gan.start.name).exists()  # nothing trained


def test_facade_splits_are_disjoint_label_and_photo_pairs():
    profile = dataclasses.replace(TINY, image_size=64)
    train_labels, train_photos = notebook04.facade_split(profile, "train", count=4)
    test_labels, _ = notebook04.facade_split(profile, "test")
    assert train_labels.shape == train_photos.shape == (4, 64, 64, 3)
    assert len(test_labels) == profile.test_count
    assert not np.array_equal(train_labels[0], test_labels[0])
    with pytest.raises(ValueError):
        notebook04.facade_split(profile, "holdout")


def test_a_ladder_rung_trains_once_then_loads(capsys):
    run = notebook04.runs(TINY)["unet_cgan"].changed(patch=16)  # 70 pixels need 64-pixel faces
    generator, history = notebook04.train(run)
    printed = capsys.readouterr().out
    assert f"Training {run.name}" in printed
    assert f"Training {run.start.name}" in printed  # the L1 U-Net it fine-tunes
    assert cache.model_path(run.name).exists()
    assert list(history.epoch) == list(range(1, run.budget.epochs + 1))
    assert {"gen_gan", "disc", "val_gen_l1", "val_psnr"} <= set(history.columns)
    loaded, _ = notebook04.train(run)
    assert "Loaded" in capsys.readouterr().out
    faces = experiments.face_split(TINY, "test")
    np.testing.assert_allclose(
        models.restore(loaded, faces), models.restore(generator, faces), atol=1e-6
    )


def test_training_starts_from_the_same_weights_whatever_trained_before():
    build = notebook04.builder(notebook04.runs(TINY)["unet_l1"])
    keras.utils.set_random_seed(123)
    first = build().generator.get_weights()
    keras.utils.set_random_seed(456)
    second = build().generator.get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_gan_rung_starts_from_the_l1_unets_weights():
    run = notebook04.runs(TINY)["unet_cgan"].changed(patch=16)
    start = unet.restoring_unet(run.budget.image_size, run.budget.base_filters)
    model = notebook04.builder(run, start)()
    assert model.adversarial
    for a, b in zip(start.get_weights(), model.generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_facades_model_trains_on_label_photo_pairs(capsys):
    run = notebook04.runs(dataclasses.replace(TINY, image_size=64))["facades_l1"]
    run = dataclasses.replace(run, budget=dataclasses.replace(run.budget, epochs=1))
    generator, history = notebook04.train(run)
    assert "gen_gan" not in history.columns and len(history) == 1
    labels, _ = notebook04.facade_split(run.budget, "test", count=2)
    assert models.restore(generator, labels).shape == labels.shape
    assert cache.model_path(run.name).exists()


def test_the_unknown_blur_unet_fine_tunes_the_l1_unet_for_a_quarter_of_its_steps(capsys):
    runs = notebook04.runs(TINY)
    run, start = runs["unet_unknown_blur"], runs["unet_l1"]
    tuning = run.budget
    assert tuning.train_count == start.budget.batch_size  # a quarter, at least one batch
    assert tuning.epochs == start.budget.epochs
    assert "noise0.01" in run.name and run.name != start.name
    generator, history = notebook04.train(run, verbose=0)
    printed = capsys.readouterr().out
    assert f"Training {start.name}" in printed and f"Training {run.name}" in printed
    assert len(history) == tuning.epochs and "val_psnr" in history.columns
    assert cache.model_path(run.name).exists()


def test_guessed_wiener_tunes_one_restoration_per_guess():
    sharp = experiments.face_split(TINY, "validation")
    spec = notebook04.UNKNOWN_BLUR
    validation = (experiments.blurred_copy(sharp, spec), sharp)
    restorers = notebook04.guessed_wiener(validation, (1.0, 3.0))
    assert list(restorers) == ["Wiener, guessed sigma 1", "Wiener, guessed sigma 3"]
    restored = [restore(validation[0]) for restore in restorers.values()]
    assert all(images.shape == sharp.shape for images in restored)
    assert not np.allclose(restored[0], restored[1])


def test_psnr_by_true_sigma_scores_the_input_and_every_restorer_at_each_sigma():
    sharp = experiments.face_split(TINY, "test")
    table = notebook04.psnr_by_true_sigma(sharp, {"identity": lambda images: images}, (1.0, 3.0))
    assert list(table.index) == [1.0, 3.0]
    np.testing.assert_allclose(table["identity"], table["blurred input"])
    assert table.loc[1.0, "blurred input"] > table.loc[3.0, "blurred input"]


def test_unknown_blur_psnr_scores_the_input_the_best_guess_and_the_network():
    identity = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Identity()])
    psnr = notebook04.unknown_blur_psnr(TINY, identity)
    assert list(psnr) == ["blurred input", "best guessed Wiener", "U-Net"]
    assert psnr["U-Net"] == pytest.approx(psnr["blurred input"], abs=1e-4)  # it changes nothing
