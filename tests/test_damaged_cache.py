"""A damaged model cache: each failure says what happened and what to do, and retrains.

Covers a truncated or corrupt kept model, a backup torn mid-write, a cache folder that cannot
be written and one that does not exist yet.
"""

import os
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import cache, downloads, models, settings, training

NAME = "tiny-cache"


@pytest.fixture
def pairs() -> tf.data.Dataset:
    """Sixteen fixed (blurred, sharp) pairs in model range: 2 steps an epoch."""
    rng = np.random.default_rng(2)
    sharp = rng.uniform(-1, 1, (16, 32, 32, 3)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(((sharp + np.roll(sharp, 1, 1)) / 2, sharp)).batch(8)


def build() -> keras.Model:
    keras.utils.set_random_seed(0)
    return training.compile_autoencoder(models.dcgan_autoencoder(32, 4), "mae")


def steps_done(model: keras.Model) -> int:
    return int(model.optimizer.iterations.numpy())


def test_a_truncated_model_file_is_set_aside_and_the_model_trained_again(
    pairs, data_folder, capsys
):
    cache.train_or_load(NAME, build, pairs, 1, verbose=0)
    path = cache.model_path(NAME)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    networks, _ = cache.train_or_load(NAME, build, pairs, 1, verbose=0)
    out = capsys.readouterr().out
    assert f"{path} is damaged" in out and "Training again" in out
    assert path.with_name(path.name + training.DAMAGED_SUFFIX).exists()  # kept, not deleted
    assert steps_done(networks[NAME]) == 2
    assert steps_done(cache.load_kept(NAME)) == 2  # the new file loads


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04 torn"])
def test_load_kept_names_a_corrupt_file_and_says_how_to_retrain(data_folder, content):
    path = cache.model_path(NAME)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(cache.DamagedModelError, match="Delete it") as raised:
        cache.load_kept(NAME)
    assert raised.value.path == path


def test_load_kept_of_a_model_never_trained_says_so(data_folder):
    with pytest.raises(FileNotFoundError, match="train it first"):
        cache.load_kept(NAME)


def test_kept_models_load_in_keras_safe_mode(pairs, data_folder, monkeypatch):
    cache.train_or_load(NAME, build, pairs, 1, verbose=0)
    calls = []
    original = keras.models.load_model

    def recording(*args, **kwargs):
        calls.append(kwargs.get("safe_mode"))
        return original(*args, **kwargs)

    monkeypatch.setattr(keras.models, "load_model", recording)
    cache.load_kept(NAME)
    assert calls == [True]


def _backed_up_run(pairs, epochs: int = 1) -> Path:
    """A run interrupted after ``epochs`` epochs: its backup holds the last of them."""
    run_dir = cache.run_dir_for(NAME)
    training.train(build(), pairs, epochs, run_dir, verbose=0)
    assert training.completed_epochs(run_dir) == epochs
    return run_dir


def test_a_backup_torn_mid_write_resumes_from_its_previous_state(pairs, data_folder, capsys):
    run_dir = _backed_up_run(pairs, epochs=2)
    backup = run_dir / training.BACKUP_FOLDER
    weights = backup / "latest.weights.h5"
    previous = weights.with_name(weights.name + ".bkp")
    if not previous.exists():
        pytest.skip("this Keras keeps no previous backup state (double_checkpoint)")
    weights.write_bytes(weights.read_bytes()[:100])
    networks, history = cache.train_or_load(NAME, build, pairs, 3, verbose=0)
    assert "damaged" not in capsys.readouterr().out
    assert list(history.epoch) == [1, 2, 3]
    assert steps_done(networks[NAME]) == 6  # resumed after epoch 1: epochs 2 and 3 again


@pytest.mark.parametrize("damage", ["weights", "metadata"])
def test_a_backup_that_cannot_be_read_is_set_aside_and_training_starts_again(
    pairs, data_folder, capsys, damage
):
    run_dir = _backed_up_run(pairs)
    backup = run_dir / training.BACKUP_FOLDER
    if damage == "weights":
        for weights in backup.glob("latest.weights.h5*"):
            weights.write_bytes(b"\x89HDF torn")
    else:
        (backup / "training_metadata.json").write_text('{"epoch": ')
    networks, history = cache.train_or_load(NAME, build, pairs, 2, verbose=0)
    out = capsys.readouterr().out
    assert "is damaged" in out and "starts again from epoch 1" in out
    assert (run_dir / (training.BACKUP_FOLDER + training.DAMAGED_SUFFIX)).is_dir()
    assert list(history.epoch) == [1, 2]
    assert steps_done(networks[NAME]) == 4  # two whole epochs from scratch, none skipped


def test_backup_metadata_without_weights_is_not_resumed_from_fresh_weights(
    pairs, data_folder, capsys
):
    run_dir = _backed_up_run(pairs)
    for weights in (run_dir / training.BACKUP_FOLDER).glob("latest.weights.h5*"):
        weights.unlink()
    networks, _ = cache.train_or_load(NAME, build, pairs, 2, verbose=0)
    assert "starts again from epoch 1" in capsys.readouterr().out
    assert steps_done(networks[NAME]) == 4


def test_an_unwritable_cache_fails_before_training_and_says_what_to_do(
    pairs, tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("IMG2IMG_DATA", str(blocker / "data"))
    with pytest.raises(PermissionError, match="IMG2IMG_DATA"):
        downloads.data_dir()

    def must_not_build() -> keras.Model:
        raise AssertionError("nothing should train when its result cannot be kept")

    models_folder = tmp_path / "data" / "models"
    models_folder.mkdir(parents=True)
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path / "data"))
    settings.use(None)  # the settings were read once: read them again
    os.chmod(models_folder, 0o500)
    try:
        if os.access(models_folder, os.W_OK):  # root writes anywhere: use a file instead
            models_folder.chmod(0o700)
            models_folder.rmdir()
            models_folder.write_text("not a folder")
        with pytest.raises(PermissionError, match="IMG2IMG_DATA"):
            cache.train_or_load(NAME, must_not_build, pairs, 1, verbose=0)
    finally:
        if models_folder.is_dir():
            models_folder.chmod(0o700)


def test_a_missing_cache_folder_is_created(pairs, tmp_path, monkeypatch):
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path / "not" / "yet" / "there"))
    cache.train_or_load(NAME, build, pairs, 1, verbose=0)
    assert cache.model_path(NAME).exists()
    assert cache.history_path(NAME).exists()
