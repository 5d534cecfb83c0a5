"""Tests for course_lib.cache: run names, where models are kept, and train_or_load."""

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from tiny import autoencoder_pairs, steps_done, tiny_model

from course_lib import cache, models, training
from course_lib.blur import BlurSpec

BATCH = 8
IMAGES = 24  # 3 steps an epoch


pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


@pytest.fixture
def pairs() -> tf.data.Dataset:
    return autoencoder_pairs(IMAGES, BATCH)


def test_run_name_is_stable_readable_and_complete():
    config = dict(
        model="dcgan_ae",
        image_size=64,
        base_filters=32,
        loss="mse",
        blur=BlurSpec(),
        train_count=8192,
        epochs=8,
        batch_size=64,
        seed=0,
    )
    name = cache.run_name(**config)
    assert name == "dcgan_ae-64px-32f-mse-gaussian_sigma2-8192x8ep-bs64-seed0"
    assert cache.run_name(**dict(reversed(list(config.items())))) == name
    assert cache.run_name(**{**config, "blur": BlurSpec(sigma=2)}) == name
    changes = [
        {"loss": "mae"},
        {"seed": 1},
        {"epochs": 9},
        {"batch_size": 32},
        {"blur": BlurSpec(sigma=(1.0, 3.0))},
        {"blur": BlurSpec(quantize=False)},
        {"blur": BlurSpec(kind="mixed")},
        {"blur": BlurSpec(kind="mixed", gaussian_fraction=0.25)},
        {"steps_per_epoch": 100},
    ]
    names = {cache.run_name(**{**config, **change}) for change in changes}
    assert len(names) == len(changes) and name not in names
    assert all("/" not in other and " " not in other for other in names)
    resize = cache.run_name(model="dcgan_ae", blur=BlurSpec(kind="resize", factor=(2, 4)))
    assert resize == "dcgan_ae-resize_x2or4_bilinear"


def test_model_path_lives_in_the_data_folder(data_folder):
    assert cache.model_path("abc") == data_folder / "models" / "abc.keras"
    with pytest.raises(ValueError):
        cache.model_path("../abc")


def tiny_compiled(loss: str = "mae") -> keras.Model:
    return training.compile_autoencoder(tiny_model(), loss)


def test_train_or_load_trains_once_then_loads(pairs, data_folder, capsys):
    name = "tiny-run"
    networks, history = cache.train_or_load(name, tiny_compiled, pairs, 2, verbose=0)
    assert list(networks) == [name]
    model = networks[name]
    assert "Training tiny-run" in capsys.readouterr().out
    assert list(history.columns) == ["epoch", "loss"]  # no empty val_loss without validation
    assert list(history["epoch"]) == [1, 2]
    assert cache.model_path(name).exists()
    assert not (data_folder / "runs" / name / "backup").exists()  # the .keras file replaced it
    assert not list((data_folder / "models").glob(".*partial*"))

    def must_not_build() -> keras.Model:
        raise AssertionError("a finished model must be loaded, not rebuilt")

    loaded, loaded_history = cache.train_or_load(name, must_not_build, pairs, 2)
    loaded = loaded[name]
    assert "Loaded tiny-run (2 epochs)" in capsys.readouterr().out
    for got, expected in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    pd.testing.assert_frame_equal(loaded_history, history)
    assert loaded.loss == "mae" and steps_done(loaded) == 2 * 3


def test_save_model_atomically_leaves_no_partial_file(tmp_path):
    path = cache.save_model_atomically(tiny_model(), tmp_path / "models" / "m.keras")
    assert path.exists() and [p.name for p in path.parent.iterdir()] == ["m.keras"]


class _WriteRunFile(keras.callbacks.Callback):
    """Writes ``extra.csv`` into the run folder, as StepLosses writes steps.csv."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        self.path.write_text(f"epoch\n{epoch}\n")


def test_train_or_load_keeps_each_network_and_run_file_with_the_last_network_last(
    pairs, data_folder, monkeypatch
):
    name = "tiny-two"

    def build() -> keras.Model:
        model = tiny_compiled()
        model.encoder = models.bottleneck_model(model)  # a part kept on its own
        return model

    written = []
    for function in ("save_model_atomically", "_copy_atomically"):
        original = getattr(cache, function)

        def recording(source, path, original=original):
            written.append(path.name)
            return original(source, path)

        monkeypatch.setattr(cache, function, recording)
    keep = {"tiny-encoder": "encoder", name: None}
    extra = _WriteRunFile(cache.run_dir_for(name) / "extra.csv")
    networks, _ = cache.train_or_load(
        name, build, pairs, 1, keep, ["extra.csv"], callbacks=[extra], verbose=0
    )
    assert list(networks) == ["tiny-encoder", name]
    assert networks["tiny-encoder"].output.shape == (None, 2, 2, 32)
    # The last network of ``keep`` is written last: its file marks a finished run.
    assert written == [
        "tiny-encoder.keras",
        "tiny-two.extra.csv",
        "tiny-two.history.csv",
        "tiny-two.keras",
    ]
    assert cache.kept_file_path(name, "extra.csv").read_text() == "epoch\n0\n"
    loaded, _ = cache.train_or_load(name, None, pairs, 1, keep)
    assert list(loaded) == ["tiny-encoder", name]
    images = np.zeros((1, 32, 32, 3), np.float32)
    np.testing.assert_allclose(loaded["tiny-encoder"]([images]), networks["tiny-encoder"]([images]))
    cache.model_path("tiny-encoder").unlink()  # one file missing: the run trains again
    cache.train_or_load(name, build, pairs, 1, keep, ["extra.csv"], verbose=0)
    assert cache.model_path("tiny-encoder").exists()
