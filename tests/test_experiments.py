"""Tests for course_lib.experiments: the shared face splits and notebooks 02 and 03's runs."""

import dataclasses

import numpy as np
import pytest

from course_lib import blur, cache, experiments
from course_lib.experiments import notebook02, notebook03, runs
from course_lib.profiles import PROFILES

TINY = dataclasses.replace(
    PROFILES["smoke"], train_count=64, test_count=16, batch_size=16, epochs=1, base_filters=2
)


def test_face_splits_are_deterministic_and_disjoint():
    train = experiments.face_split(TINY, "train", count=8)
    again = experiments.face_split(TINY, "train", count=8)
    test = experiments.face_split(TINY, "test", count=8)
    np.testing.assert_array_equal(train, again)
    distances = np.abs(train[:, None] - test[None]).mean(axis=(2, 3, 4))
    assert distances.min() > 0.01


def test_face_split_sizes_come_from_the_profile():
    assert len(experiments.face_split(TINY, "train")) == TINY.train_count
    assert len(experiments.face_split(TINY, "test")) == TINY.test_count


def test_unknown_split_is_rejected():
    with pytest.raises(ValueError, match="validation"):
        experiments.face_split(TINY, "holdout")


def test_blurred_copy_is_the_same_every_time():
    sharp = experiments.face_split(TINY, "test", count=4)
    spec = blur.BlurSpec(kind="mixed", sigma=(1.0, 3.0))
    np.testing.assert_array_equal(
        experiments.blurred_copy(sharp, spec), experiments.blurred_copy(sharp, spec)
    )


def test_model_names_differ_for_every_setting_that_changes_the_weights():
    run = notebook02.runs(TINY)["autoencoder"]
    names = {
        run.name,
        run.changed(loss="mae").name,
        notebook02.autoencoder_run(TINY, group=0).name,
        notebook02.autoencoder_run(TINY, blur.BlurSpec(kind="resize")).name,
        dataclasses.replace(run, budget=dataclasses.replace(TINY, epochs=3)).name,
        notebook02.runs(dataclasses.replace(TINY, base_filters=4))["autoencoder"].name,
        notebook02.autoencoder_run(TINY, muted=True).name,
    }
    assert len(names) == 7
    assert all(name.startswith("dcgan_ae-") for name in names)


def test_a_run_is_data_its_name_and_steps_derived_and_a_variant_a_new_name():
    run = notebook02.runs(TINY)["autoencoder"]
    assert (run.notebook, run.key, run.kind) == ("02", "autoencoder", "autoencoder")
    assert run.steps == TINY.epochs * TINY.train_count // TINY.batch_size
    assert run.name == notebook02.runs(TINY)["autoencoder"].name  # the same data, the same name
    variant = run.changed(loss="mae", lr=None)
    assert variant.settings["loss"] == "mae" and "lr" not in variant.settings
    assert run.settings["loss"] == "mse"  # the original is unchanged
    assert "-mae-" in variant.name and "lr0.001" in run.name and "lr0.001" not in variant.name
    with pytest.raises(ValueError, match="share a key"):
        runs.by_key(run, variant)
    with pytest.raises(ValueError, match="Unknown faces"):
        dataclasses.replace(run, faces="horses")


def test_train_autoencoder_trains_once_then_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path))
    run = notebook02.runs(TINY)["autoencoder"]
    model, history = notebook02.train(run, verbose=0)
    assert len(history) == 1 and "val_loss" in history
    assert "Training" in capsys.readouterr().out
    assert cache.model_path(run.name).exists()
    drawn = []
    real_split = experiments.splits.face_split
    monkeypatch.setattr(  # loading a kept model draws no training faces: they cost seconds
        notebook02, "face_split", lambda *args, **kw: drawn.append(args) or real_split(*args, **kw)
    )
    loaded, _ = notebook02.train(run, verbose=0)
    assert "Loaded" in capsys.readouterr().out
    assert all(split != "train" for _, split, *_ in drawn), drawn
    for trained, reloaded in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(trained.numpy(), reloaded.numpy())


def test_held_out_faces_are_drawn_once_and_handed_out_as_copies():
    first = experiments.face_split(TINY, "test")
    first[:] = 0.0  # a caller's change must not reach the next caller
    second = experiments.face_split(TINY, "test")
    assert second.flags.writeable and second.max() > 0.0
    np.testing.assert_array_equal(second, experiments.face_split(TINY, "test"))


def test_notebook_03_trains_on_half_the_faces_muted_and_of_one_group():
    laptop = PROFILES["laptop"]
    described = notebook03.runs(laptop)
    assert list(described) == ["gaussian", "gaussian_group0", "resize", "mixed"]
    budget = described["gaussian"].budget
    assert {run.budget for run in described.values()} == {budget}
    assert budget.train_count == laptop.train_count // 2
    assert (budget.batch_size, budget.epochs) == (32, laptop.epochs // 2)
    steps = budget.epochs * budget.train_count // budget.batch_size
    assert steps == laptop.epochs * budget.train_count // laptop.batch_size  # half the images
    assert notebook03.runs(PROFILES["smoke"])["gaussian"].budget.epochs == 1
    name = described["gaussian"].name
    assert "group1" in name and "facesmuted" in name
    assert [run.group for run in described.values()] == [1, 0, 1, 1]
    no_groups = notebook03.runs(laptop, groups_known=False)
    assert [run.group for run in no_groups.values()] == [None, 0, None, None]
    assert notebook03.train is notebook02.train  # notebook 02's trainer, on muted faces
