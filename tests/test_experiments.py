"""Tests for course_lib.experiments: the shared face splits and notebooks 02 and 03's runs."""

import dataclasses

import numpy as np
import pytest

from course_lib import blur, experiments, training
from course_lib.experiments import notebook02, notebook03
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
    names = {
        notebook02.autoencoder_name(TINY),
        notebook02.autoencoder_name(TINY, loss="mae"),
        notebook02.autoencoder_name(TINY, group=0),
        notebook02.autoencoder_name(TINY, blur.BlurSpec(kind="resize")),
        notebook02.autoencoder_name(TINY, epochs=3),
        notebook02.autoencoder_name(dataclasses.replace(TINY, base_filters=4)),
        notebook02.autoencoder_name(TINY, muted=True),
    }
    assert len(names) == 7
    assert all(name.startswith("dcgan_ae-") for name in names)


def test_train_autoencoder_trains_once_then_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path))
    model, history = notebook02.train_autoencoder(TINY, verbose=0)
    assert len(history) == 1 and "val_loss" in history
    assert "Training" in capsys.readouterr().out
    assert training.model_path(notebook02.autoencoder_name(TINY)).exists()
    drawn = []
    real_split = experiments.splits.face_split
    monkeypatch.setattr(  # loading a kept model draws no training faces: they cost seconds
        notebook02, "face_split", lambda *args, **kw: drawn.append(args) or real_split(*args, **kw)
    )
    loaded, _ = notebook02.train_autoencoder(TINY, verbose=0)
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
    budget = notebook03.findings_budget(laptop)
    assert budget.train_count == laptop.train_count // 2
    assert (budget.batch_size, budget.epochs) == (32, laptop.epochs // 2)
    steps = budget.epochs * budget.train_count // budget.batch_size
    assert steps == laptop.epochs * budget.train_count // laptop.batch_size  # half the images
    assert notebook03.findings_budget(PROFILES["smoke"]).epochs == 1
    name = notebook02.autoencoder_name(budget, group=1, muted=True)
    assert "group1" in name and "facesmuted" in name


def test_train_muted_autoencoder_is_notebook_02s_trainer_on_muted_faces(monkeypatch):
    calls = []
    monkeypatch.setattr(notebook02, "train_autoencoder", lambda *a, **k: calls.append((a, k)))
    notebook03.train_muted_autoencoder(TINY, experiments.DEFAULT_BLUR, group=0)
    assert calls == [((TINY, experiments.DEFAULT_BLUR), {"group": 0, "muted": True})]
