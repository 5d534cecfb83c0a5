"""Training: DCGAN's optimiser and initialiser, and fit with crash-proof backups.

Every network in the course starts from DCGAN's recipe: weights drawn from N(0, 0.02) and
Adam with learning rate 2e-4 and beta_1 0.5. A run lives in one folder: ``backup/`` holds
Keras's BackupAndRestore state (weights, optimizer state and epoch count, written at the end
of every epoch) and ``history.csv`` the loss of every epoch, across interruptions.
``cache.train_or_load`` trains through ``train`` and keeps the result. Introduced in notebook 02.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import h5py
import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import settings

LOSSES = ("mse", "mae")
LEARNING_RATE = 2e-4  # DCGAN's Adam settings, which the original experiment, pix2pix and
BETA_1 = 0.5  # CycleGAN all kept
WEIGHT_STDDEV = 0.02  # DCGAN initialises every kernel from N(0, 0.02)
HISTORY_FILE = "history.csv"
STEPS_FILE = "steps.csv"  # StepLosses' per-step losses, in a run folder or beside its model
BACKUP_FOLDER = "backup"
_BACKUP_METADATA = "training_metadata.json"  # written by keras.callbacks.BackupAndRestore
_BACKUP_WEIGHTS = "latest.weights.h5"  # and its previous state as latest.weights.h5.bkp
DAMAGED_SUFFIX = ".damaged"  # a damaged file or backup is moved aside under this suffix


def kernel_initializer() -> keras.initializers.Initializer:
    """A fresh N(0, 0.02) initializer for one layer's kernel, as DCGAN's (notebook 02)."""
    return keras.initializers.RandomNormal(stddev=WEIGHT_STDDEV)


@keras.saving.register_keras_serializable(package="course_lib")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate held for the first ``constant_fraction`` of the steps, then linear to 0.

    CycleGAN trains 100 epochs at 2e-4 and 100 more decaying to zero (notebook 05).
    """

    def __init__(
        self, initial_learning_rate: float, total_steps: int, constant_fraction: float = 0.5
    ) -> None:
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"total_steps must be a whole number >= 1, got {total_steps!r}.")
        if not 0.0 <= constant_fraction <= 1.0:
            raise ValueError(f"constant_fraction must be in [0, 1], got {constant_fraction!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = total_steps
        self.constant_fraction = float(constant_fraction)

    @property
    def decay_start(self) -> int:
        """The first step whose rate is below the initial one."""
        return int(round(self.total_steps * self.constant_fraction))

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        start = float(self.decay_start)
        decaying = float(max(self.total_steps - self.decay_start, 1))
        left = tf.clip_by_value((self.total_steps - step) / decaying, 0.0, 1.0)
        return self.initial_learning_rate * tf.where(step < start, 1.0, left)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "total_steps": self.total_steps,
            "constant_fraction": self.constant_fraction,
        }


def adam(
    learning_rate: float = LEARNING_RATE,
    total_steps: int | None = None,
    constant_fraction: float = 0.5,
    beta_1: float = BETA_1,
) -> keras.optimizers.Adam:
    """Adam(beta_1=0.5), constant or with ``LinearDecay`` over ``total_steps`` (notebook 02).

    Notebook 05's CycleGAN decays after half its steps; notebook 04's U-Net from the first.
    """
    rate = learning_rate
    if total_steps is not None:
        rate = LinearDecay(learning_rate, total_steps, constant_fraction)
    return keras.optimizers.Adam(learning_rate=rate, beta_1=beta_1)


def compile_autoencoder(
    model: keras.Model,
    loss: str = "mse",
    learning_rate: float = LEARNING_RATE,
    total_steps: int | None = None,
) -> keras.Model:
    """Compile with Adam(beta_1=0.5) and "mse" or "mae"; the original used 2e-4 (notebook 02).

    The original text says L2 (mse), but its code minimised L1 (mae). With ``total_steps``
    the rate decays linearly to 0 from the first step. Returns the model.
    """
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {LOSSES} (L2 or L1).")
    model.compile(optimizer=adam(learning_rate, total_steps, constant_fraction=0.0), loss=loss)
    return model


def completed_epochs(run_dir: Path | str) -> int:
    """How many epochs the backup in ``run_dir`` holds; 0 when there is none (notebook 02)."""
    metadata = Path(run_dir) / BACKUP_FOLDER / _BACKUP_METADATA
    try:
        return int(json.loads(metadata.read_text())["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def _backup_problem(backup_dir: Path) -> str | None:
    """Why Keras could not resume from this backup, or None when it can."""
    metadata = backup_dir / _BACKUP_METADATA
    try:
        if metadata.exists():
            int(json.loads(metadata.read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"its {_BACKUP_METADATA} is unreadable: {error}"
    readable = []
    for weights in (backup_dir / _BACKUP_WEIGHTS, backup_dir / f"{_BACKUP_WEIGHTS}.bkp"):
        try:
            with h5py.File(weights, "r") as file:
                file.visititems(
                    lambda _, item: item[()] if isinstance(item, h5py.Dataset) else None
                )
            readable.append(weights)
        except (OSError, ValueError, KeyError):
            continue
    if not readable and (metadata.exists() or (backup_dir / _BACKUP_WEIGHTS).exists()):
        return f"neither {_BACKUP_WEIGHTS} nor its previous copy can be read"
    return None


def set_aside(path: Path) -> Path:
    """Move a damaged file or folder to ``path`` + DAMAGED_SUFFIX, replacing an older one."""
    aside = path.with_name(path.name + DAMAGED_SUFFIX)
    if aside.is_dir():
        shutil.rmtree(aside)
    os.replace(path, aside)
    return aside


def _drop_damaged_backup(run_dir: Path) -> None:
    """Set a backup that cannot be resumed aside, saying so, so training starts afresh."""
    backup = run_dir / BACKUP_FOLDER
    problem = _backup_problem(backup) if backup.is_dir() else None
    if problem:
        aside = set_aside(backup)
        print(
            f"The backup in {backup} is damaged ({problem}; was the machine switched off "
            f"while it was written?), so training starts again from epoch 1. The damaged "
            f"backup is kept in {aside}; delete it when you like."
        )


def _backup_callback(backup_dir: Path) -> keras.callbacks.BackupAndRestore:
    """Keras's backup, kept after fit() ends so a later call can train on from it."""
    options = {"save_freq": "epoch", "delete_checkpoint": False}
    if "double_checkpoint" in inspect.signature(keras.callbacks.BackupAndRestore).parameters:
        options["double_checkpoint"] = True  # keep the previous state too, in case of a torn write
    return keras.callbacks.BackupAndRestore(str(backup_dir), **options)


class TimeEstimate(keras.callbacks.Callback):
    """Print how long a run will take, from its first timed steps, and then how long it took.

    The first step is left out of the estimate: it also builds the graph (notebook 02).
    """

    TIMED_STEPS = 5

    def __init__(self, total_steps: int | None) -> None:
        super().__init__()
        self.total_steps = total_steps
        self.steps = 0
        self.start = self.timed_from = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.steps += 1
        if self.steps == 1:
            self.timed_from = time.perf_counter()
        elif self.steps == 1 + self.TIMED_STEPS and self.total_steps:
            per_step = (time.perf_counter() - self.timed_from) / self.TIMED_STEPS
            left = per_step * (self.total_steps - self.steps)
            print(
                f"Estimate: {time.perf_counter() - self.start + left:.0f} s for "
                f"{self.total_steps} steps on this machine ({per_step * 1000:.0f} ms a step).",
                flush=True,
            )

    def on_train_end(self, logs: dict | None = None) -> None:
        print(
            f"Trained {self.steps} steps in {time.perf_counter() - self.start:.0f} s.", flush=True
        )


def _steps_to_train(
    train_pairs: tf.data.Dataset, epochs: int, done: int, steps_per_epoch: int | None
) -> int | None:
    if steps_per_epoch is None:
        cardinality = int(train_pairs.cardinality()) if hasattr(train_pairs, "cardinality") else -1
        steps_per_epoch = cardinality if cardinality > 0 else None
    return None if steps_per_epoch is None else max(0, epochs - done) * steps_per_epoch


def _check_dataset(train_pairs: tf.data.Dataset, steps_per_epoch: int | None) -> None:
    infinite = isinstance(train_pairs, tf.data.Dataset) and (
        train_pairs.cardinality() == tf.data.INFINITE_CARDINALITY
    )
    if infinite and steps_per_epoch is None:
        raise ValueError(
            "train_pairs repeats forever (repeat=True), so pass steps_per_epoch, for example "
            "steps_per_epoch=train_count // batch_size."
        )


def train(
    model: keras.Model,
    train_pairs: tf.data.Dataset,
    epochs: int,
    run_dir: Path | str,
    validation_pairs: tf.data.Dataset | None = None,
    steps_per_epoch: int | None = None,
    verbose: str | int = "auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> keras.callbacks.History:
    """Train a compiled model with fit(), resuming from ``run_dir`` after an interruption.

    ``epochs`` is the total: a run that already holds 3 epochs and is asked for 5 trains 2
    more. Returns this call's History; ``load_history(run_dir)`` has every epoch. Notebook 02.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("Compile the model first, for example with compile_autoencoder(model).")
    _check_dataset(train_pairs, steps_per_epoch)
    if verbose == "auto" and settings.current().headless:
        verbose = 2  # executed without a browser: one line per epoch, not a redrawn bar
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _drop_damaged_backup(run_dir)
    csv_path = run_dir / HISTORY_FILE
    done = completed_epochs(run_dir)
    if done:
        print(f"Resuming from the backup in {run_dir} after epoch {done} of {epochs}.")
    if done == 0 and csv_path.exists():  # no backup: a fresh start, so a fresh history
        os.replace(csv_path, run_dir / "history.previous.csv")
    callbacks = [
        *callbacks,
        TimeEstimate(_steps_to_train(train_pairs, epochs, done, steps_per_epoch)),
        # The history row is written before the backup, so a crash between the two repeats
        # that epoch (load_history keeps the last row of each epoch) and never loses one.
        keras.callbacks.CSVLogger(str(csv_path), append=True),
        _backup_callback(run_dir / BACKUP_FOLDER),
    ]
    try:
        return model.fit(
            train_pairs,
            epochs=epochs,
            initial_epoch=min(done, epochs),
            steps_per_epoch=steps_per_epoch,
            validation_data=validation_pairs,
            shuffle=False,  # a tf.data pipeline shuffles itself (make_pairs_dataset does)
            callbacks=callbacks,
            verbose=verbose,
        )
    finally:
        # BackupAndRestore leaves the restored start epoch on the model; a later plain
        # model.fit() would silently start there, so clear it.
        if getattr(model, "_initial_epoch", None) is not None:
            model._initial_epoch = None


def load_history(run_dir: Path | str) -> pd.DataFrame:
    """Every epoch's losses of a run as a DataFrame; ``epoch`` counts from 1 (notebook 02).

    Accepts a run folder or a history CSV file. An epoch repeated after a crash keeps
    its last row.
    """
    path = Path(run_dir)
    if path.is_dir():
        path = path / HISTORY_FILE
    if not path.exists():
        raise FileNotFoundError(f"No training history at {path}; has this run trained yet?")
    try:
        history = pd.read_csv(path)
    except pd.errors.EmptyDataError:  # interrupted before the first epoch ended
        return pd.DataFrame({"epoch": pd.Series(dtype=int), "loss": pd.Series(dtype=float)})
    history = history.drop_duplicates("epoch", keep="last").sort_values("epoch")
    history = history.dropna(axis="columns", how="all")  # CSVLogger adds val_ columns always
    history["epoch"] = history["epoch"] + 1  # Keras counts from 0, its progress bar from 1
    return history.reset_index(drop=True)


class StepLosses(keras.callbacks.Callback):
    """Every training step's own losses, for plotting a GAN's adversarial game (notebook 05).

    Keras reports running means within an epoch; step k's own value is recovered as
    k * mean_k - (k - 1) * mean_(k-1). With a ``path``, each epoch's rows are appended there.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__()
        self.path = None if path is None else Path(path)
        self.rows: list[dict[str, float]] = []
        self._epoch_rows: list[dict[str, float]] = []
        self._previous: dict[str, float] = {}
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._previous, self._epoch_rows, self._epoch = {}, [], epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        count = batch + 1
        row = {"epoch": self._epoch, "batch": count}
        for key, value in (logs or {}).items():
            mean = float(value)
            row[key] = count * mean - (count - 1) * self._previous.get(key, 0.0)
            self._previous[key] = mean
        self.rows.append(row)
        self._epoch_rows.append(row)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.path is None or not self._epoch_rows:
            return
        table = pd.DataFrame(self._epoch_rows)
        table.to_csv(self.path, mode="a", header=not self.path.exists(), index=False)

    def table(self) -> pd.DataFrame:
        """This callback's rows, one per step, ``step`` counted from 1."""
        table = pd.DataFrame(self.rows)
        table.insert(0, "step", np.arange(1, len(table) + 1))
        return table
