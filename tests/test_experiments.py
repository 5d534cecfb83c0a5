import dataclasses

import numpy as np
import pytest

from course_lib import blur, experiments
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
        experiments.seed_model_name(TINY),
        experiments.seed_model_name(TINY, loss="mae"),
        experiments.seed_model_name(TINY, group=0),
        experiments.seed_model_name(TINY, blur.BlurSpec(kind="resize")),
        experiments.seed_model_name(TINY, epochs=3),
        experiments.seed_model_name(dataclasses.replace(TINY, base_filters=4)),
    }
    assert len(names) == 6


def test_train_seed_model_trains_once_then_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path))
    model, history = experiments.train_seed_model(TINY, verbose=0)
    assert len(history) == 1 and "val_loss" in history
    assert "Training" in capsys.readouterr().out
    loaded, _ = experiments.train_seed_model(TINY, verbose=0)
    assert "Loaded" in capsys.readouterr().out
    for trained, reloaded in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(trained.numpy(), reloaded.numpy())
