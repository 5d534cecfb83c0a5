"""Tests for course_lib.training: DCGAN's optimiser, resumable runs, per-step losses."""

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from tiny import autoencoder_pairs, steps_done, tiny_model

from course_lib import cache, training

BATCH = 8
IMAGES = 24  # 3 steps an epoch


pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


@pytest.fixture
def pairs() -> tf.data.Dataset:
    return autoencoder_pairs(IMAGES, BATCH)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_compile_autoencoder_uses_the_dcgan_adam(loss):
    model = training.compile_autoencoder(tiny_model(), loss)
    assert model.loss == loss
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.optimizer.beta_1) == pytest.approx(0.5)


def test_compile_autoencoder_can_decay_a_chosen_rate_to_zero_from_the_first_step():
    model = training.compile_autoencoder(tiny_model(), "mse", 1e-3, total_steps=4)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    model.optimizer.iterations.assign(3)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3 / 4)


def test_compile_autoencoder_rejects_other_losses():
    with pytest.raises(ValueError, match="Unknown loss 'l2'"):
        training.compile_autoencoder(tiny_model(), "l2")


def test_adam_is_dcgans_and_decays_only_when_given_a_step_count():
    constant, decaying = training.adam(), training.adam(1e-3, total_steps=10)
    assert float(constant.learning_rate) == pytest.approx(2e-4)
    assert float(constant.beta_1) == float(decaying.beta_1) == pytest.approx(0.5)
    assert isinstance(decaying._learning_rate, training.LinearDecay)
    decaying.iterations.assign(8)  # 3 of the 5 decaying steps done: 2/5 of the rate left
    assert float(decaying.learning_rate) == pytest.approx(1e-3 * 2 / 5)


def test_kernel_initializer_draws_what_a_fresh_random_normal_draws():
    draws = []
    for initializer in (
        training.kernel_initializer,
        lambda: keras.initializers.RandomNormal(0, 0.02),
    ):
        keras.utils.set_random_seed(5)
        draws.append([np.asarray(initializer()((3, 3))) for _ in range(2)])
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0][0], draws[0][1])  # a fresh stream for every layer
    assert np.std(np.asarray(training.kernel_initializer()((200, 200)))) == pytest.approx(
        0.02, rel=0.05
    )


def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    schedule = training.LinearDecay(2e-4, total_steps=100)
    expected = {0: 2e-4, 49: 2e-4, 50: 2e-4, 75: 1e-4, 90: 0.4e-4, 100: 0.0, 150: 0.0}
    for step, rate in expected.items():
        assert float(schedule(step)) == pytest.approx(rate, rel=1e-6, abs=1e-12), step
    restored = keras.optimizers.schedules.deserialize(keras.saving.serialize_keras_object(schedule))
    assert isinstance(restored, training.LinearDecay) and float(restored(75)) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="total_steps"):
        training.LinearDecay(2e-4, 0)


def test_step_losses_recover_each_steps_value_from_running_means(tmp_path):
    recorder = training.StepLosses(tmp_path / training.STEPS_FILE)
    values = [4.0, 2.0, 6.0]
    recorder.on_epoch_begin(0)
    for batch, _ in enumerate(values):
        recorder.on_train_batch_end(batch, {"disc_a": np.mean(values[: batch + 1])})
    recorder.on_epoch_end(0)
    recorder.on_epoch_begin(1)
    recorder.on_train_batch_end(0, {"disc_a": 1.0})
    recorder.on_epoch_end(1)
    table = recorder.table()
    np.testing.assert_allclose(table["disc_a"], [4.0, 2.0, 6.0, 1.0])
    assert list(table["step"]) == [1, 2, 3, 4] and list(table["epoch"]) == [1, 1, 1, 2]
    pd.testing.assert_frame_equal(cache.load_steps(tmp_path / training.STEPS_FILE), table)


def test_train_rejects_an_uncompiled_model_and_an_endless_dataset(pairs, tmp_path):
    with pytest.raises(ValueError, match="Compile"):
        training.train(tiny_model(), pairs, 1, tmp_path / "run")
    model = training.compile_autoencoder(tiny_model())
    with pytest.raises(ValueError, match="steps_per_epoch"):
        training.train(model, pairs.repeat(), 1, tmp_path / "run")


def test_train_learns_and_writes_a_backup_and_history(pairs, tmp_path):
    model = training.compile_autoencoder(tiny_model())
    before = [weight.copy() for weight in model.get_weights()]
    run_dir = tmp_path / "run"
    history = training.train(model, pairs, 3, run_dir, validation_pairs=pairs, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert (run_dir / "backup" / "latest.weights.h5").exists()
    assert training.completed_epochs(run_dir) == 3
    table = training.load_history(run_dir)
    assert list(table["epoch"]) == [1, 2, 3]
    assert {"loss", "val_loss"} <= set(table.columns)
    np.testing.assert_allclose(table["loss"], history.history["loss"], rtol=1e-5)
    assert model._initial_epoch is None  # a later plain fit() starts at epoch 0


def test_resume_continues_exactly_where_training_stopped(pairs, tmp_path):
    run_dir = tmp_path / "run"
    first = training.compile_autoencoder(tiny_model())
    training.train(first, pairs, 1, run_dir, verbose=0)
    assert steps_done(first) == 3
    # A fresh process: a new model with different initial weights, the same run folder.
    resumed = training.compile_autoencoder(tiny_model(seed=1))
    history = training.train(resumed, pairs, 2, run_dir, verbose=0)
    assert history.epoch == [1]  # only the missing epoch ran
    assert steps_done(resumed) == 2 * 3  # the optimizer state came back with the weights
    assert list(training.load_history(run_dir)["epoch"]) == [1, 2]
    # What an uninterrupted run gives: the first model trained on in memory for one more
    # epoch (the data order is the same every epoch).
    first.fit(pairs, epochs=1, shuffle=False, verbose=0)
    assert steps_done(first) == 2 * 3
    for got, expected in zip(resumed.get_weights(), first.get_weights(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_an_interrupted_fit_resumes_and_keeps_its_history(pairs, tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    model = training.compile_autoencoder(tiny_model())
    original_fit = keras.Model.fit

    def interrupted_fit(self, *args, callbacks=(), **kwargs):
        return original_fit(self, *args, callbacks=[*callbacks, _Interrupt()], **kwargs)

    monkeypatch.setattr(keras.Model, "fit", interrupted_fit)
    with pytest.raises(KeyboardInterrupt):
        training.train(model, pairs, 3, run_dir, verbose=0)
    monkeypatch.undo()
    assert training.completed_epochs(run_dir) == 1
    history = training.train(model, pairs, 3, run_dir, verbose=0)
    assert history.epoch == [1, 2]
    assert list(training.load_history(run_dir)["epoch"]) == [1, 2, 3]


def test_load_history_keeps_the_last_row_of_a_repeated_epoch(tmp_path):
    (tmp_path / "history.csv").write_text("epoch,loss\n0,0.5\n1,0.4\n1,0.3\n2,0.2\n")
    table = training.load_history(tmp_path)
    assert list(table["epoch"]) == [1, 2, 3]
    assert list(table["loss"]) == [0.5, 0.3, 0.2]
    with pytest.raises(FileNotFoundError):
        training.load_history(tmp_path / "missing")


def test_training_prints_an_estimate_from_its_first_steps_and_then_the_time_taken(
    pairs, tmp_path, capsys
):
    repeated = pairs.repeat()
    training.train(training.compile_autoencoder(tiny_model()), repeated, 3, tmp_path, None, 3, 0)
    out = capsys.readouterr().out
    assert "Estimate:" in out and "for 9 steps on this machine" in out
    assert "Trained 9 steps in" in out
