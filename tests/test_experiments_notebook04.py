"""Tests for course_lib.experiments.notebook04: budgets, cache names and tiny ladder trainings."""

import dataclasses

import keras
import numpy as np
import pytest

from course_lib import blur, experiments, models, pix2pix, training
from course_lib.experiments import notebook02, notebook04
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


def test_autoencoder_budget_is_notebook_02s_so_its_model_is_reused():
    for profile in PROFILES.values():
        assert notebook02.autoencoder_name(notebook04.autoencoder_budget(profile)) == (
            notebook02.autoencoder_name(profile)
        )


def test_ladder_budget_is_768_small_steps_and_the_gan_fine_tunes_for_an_eighth_of_them():
    laptop = PROFILES["laptop"]
    unet = notebook04.ladder_budget(laptop)
    assert (unet.train_count, unet.epochs, unet.batch_size, unet.base_filters) == (1536, 8, 16, 16)
    assert unet.train_count // unet.batch_size * unet.epochs == 768
    gan = notebook04.gan_budget(unet)
    assert (gan.train_count, gan.epochs, gan.batch_size) == (192, 8, 16)
    facades = notebook04.facades_budget(laptop)
    assert (facades.train_count, facades.epochs, facades.batch_size) == (1024, 8, 64)


@pytest.mark.parametrize("name", list(PROFILES))
def test_budgets_never_drop_below_one_batch_or_one_epoch(name):
    profile = PROFILES[name]
    unet = notebook04.ladder_budget(profile)
    for budget in (unet, notebook04.gan_budget(unet), notebook04.facades_budget(profile)):
        assert budget.train_count >= budget.batch_size
        assert budget.epochs >= 1
        assert budget.train_count <= profile.train_count


def test_cache_names_differ_by_every_setting():
    budget = notebook04.ladder_budget(TINY)
    base = notebook04.unet_name(budget)
    variants = [
        notebook04.unet_name(budget, adversarial=False),
        notebook04.unet_name(budget, l1_weight=10),
        notebook04.unet_name(budget, receptive_field=16),
        notebook04.unet_name(budget, blur.BlurSpec(kind="resize", factor=4)),
        notebook04.unet_name(dataclasses.replace(budget, epochs=3)),
        notebook04.unet_name(dataclasses.replace(budget, train_count=16)),
        notebook04.unet_name(dataclasses.replace(budget, base_filters=8)),
        notebook04.unet_name(dataclasses.replace(budget, batch_size=4)),
        notebook04.facades_name(budget),
    ]
    assert len({base, *variants}) == len(variants) + 1
    # The cGAN rung names the L1 U-Net it starts from.
    assert training.name_digest(notebook04.unet_name(budget, adversarial=False)) in base
    assert "l1+cgan" in base and "patch70" in base and "l1_weight100" in base
    # Without a discriminator the patch size changes nothing, so it is not in the name.
    l1_only = notebook04.unet_name(budget, adversarial=False)
    assert notebook04.unet_name(budget, adversarial=False, receptive_field=16) == l1_only
    assert "patch" not in l1_only


def test_names_reject_settings_pix2pix_cannot_build():
    with pytest.raises(ValueError):
        notebook04.unet_name(TINY, receptive_field=34)
    with pytest.raises(ValueError):
        notebook04.unet_name(TINY, l1_weight=0)


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
    budget = notebook04.ladder_budget(TINY)
    generator, history = notebook04.train_unet(budget, receptive_field=16)
    name = notebook04.unet_name(budget, receptive_field=16)
    printed = capsys.readouterr().out
    assert f"Training {name}" in printed
    assert f"Training {notebook04.unet_name(budget, adversarial=False)}" in printed  # its start
    assert training.model_path(name).exists()
    assert list(history.epoch) == list(range(1, budget.epochs + 1))
    assert {"gen_gan", "disc", "val_gen_l1", "val_psnr"} <= set(history.columns)
    loaded, _ = notebook04.train_unet(budget, receptive_field=16)
    assert "Loaded" in capsys.readouterr().out
    faces = experiments.face_split(TINY, "test")
    np.testing.assert_allclose(
        models.restore(loaded, faces), models.restore(generator, faces), atol=1e-6
    )


def test_training_starts_from_the_same_weights_whatever_trained_before():
    build = notebook04._l1_builder(notebook04.ladder_budget(TINY), pix2pix.L1_WEIGHT)
    keras.utils.set_random_seed(123)
    first = build().generator.get_weights()
    keras.utils.set_random_seed(456)
    second = build().generator.get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_gan_rung_starts_from_the_l1_unets_weights():
    budget = notebook04.ladder_budget(TINY)
    start = pix2pix.restoring_unet(budget.image_size, budget.base_filters)
    model = notebook04._gan_builder(start, budget, pix2pix.L1_WEIGHT, 16)()
    assert model.adversarial
    for a, b in zip(start.get_weights(), model.generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_facades_model_trains_on_label_photo_pairs(capsys):
    budget = dataclasses.replace(notebook04.facades_budget(TINY), image_size=64, epochs=1)
    generator, history = notebook04.train_facades_pix2pix(budget, adversarial=False)
    assert "gen_gan" not in history.columns and len(history) == 1
    labels, _ = notebook04.facade_split(budget, "test", count=2)
    assert models.restore(generator, labels).shape == labels.shape
    assert training.model_path(notebook04.facades_name(budget, adversarial=False)).exists()


def test_the_unknown_blur_unet_fine_tunes_the_l1_unet_for_a_quarter_of_its_steps(capsys):
    budget = notebook04.ladder_budget(TINY)
    tuning = notebook04.unknown_blur_budget(budget)
    assert tuning.train_count == budget.batch_size and tuning.epochs == budget.epochs  # one batch
    laptop = notebook04.unknown_blur_budget(notebook04.ladder_budget(PROFILES["laptop"]))
    assert laptop.train_count // laptop.batch_size * laptop.epochs == 192
    name = notebook04.unknown_blur_name(budget)
    start = notebook04.unet_name(budget, adversarial=False)
    assert training.name_digest(start) in name and "noise0.01" in name and name != start
    generator, history = notebook04.train_unknown_blur_unet(budget, verbose=0)
    printed = capsys.readouterr().out
    assert f"Training {start}" in printed and f"Training {name}" in printed
    assert len(history) == tuning.epochs and "val_psnr" in history.columns
    assert training.model_path(name).exists()


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
