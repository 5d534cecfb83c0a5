"""Training: DCGAN's optimiser and initialiser, fit with crash-proof backups, train-or-load.

Every network in the course starts from DCGAN's recipe: weights drawn from N(0, 0.02) and
Adam with learning rate 2e-4 and beta_1 0.5. A run lives in one folder: ``backup/`` holds
Keras's BackupAndRestore state (weights, optimizer state and epoch count, written at the end
of every epoch) and ``history.csv`` the loss of every epoch, across interruptions.
``train_or_load`` is the one way a model is trained and cached. Introduced in notebook 02.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path

import h5py
import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib.devices import training_strategy
from course_lib.downloads import data_dir

LOSSES = ("mse", "mae")
LEARNING_RATE = 2e-4  # DCGAN's Adam settings, which the original experiment, pix2pix and
BETA_1 = 0.5  # CycleGAN all kept
WEIGHT_STDDEV = 0.02  # DCGAN initialises every kernel from N(0, 0.02)
HISTORY_FILE = "history.csv"
STEPS_FILE = "steps.csv"  # StepLosses' per-step losses, in a run folder or beside its model
BACKUP_FOLDER = "backup"
_BACKUP_METADATA = "training_metadata.json"  # written by keras.callbacks.BackupAndRestore
_BACKUP_WEIGHTS = "latest.weights.h5"  # and its previous state as latest.weights.h5.bkp
HEADLESS_ENV = "IMG2IMG_HEADLESS"  # set by course_lib.runner: no browser, one line per epoch
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


def _set_aside(path: Path) -> Path:
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
        aside = _set_aside(backup)
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
    if verbose == "auto" and os.environ.get(HEADLESS_ENV):
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


def load_steps(source: str | Path) -> pd.DataFrame:
    """Per-step losses of a run: a finished run's name or a steps CSV file (notebook 05).

    A step repeated after a crash keeps its last row; ``step`` counts every step from 1.
    """
    path = Path(source)
    if path.suffix != ".csv":
        path = kept_file_path(str(source), STEPS_FILE)
    if not path.exists():
        raise FileNotFoundError(f"No per-step losses at {path}; has this run finished?")
    table = pd.read_csv(path).drop_duplicates(["epoch", "batch"], keep="last")
    table = table.sort_values(["epoch", "batch"]).reset_index(drop=True)
    table.insert(0, "step", np.arange(1, len(table) + 1))
    return table


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


def _check_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"A model name must be a plain file name, got {name!r}.")
    return name


def model_path(name: str) -> Path:
    """Where a finished model is kept: ``data_dir()/models/{name}.keras`` (notebook 02)."""
    return data_dir() / "models" / f"{_check_name(name)}.keras"


def kept_file_path(name: str, file_name: str) -> Path:
    """Where a finished run keeps a copy of one of its run files, beside its model (notebook 02).

    For example ``data_dir()/models/{name}.history.csv`` for ``history.csv``.
    """
    return data_dir() / "models" / f"{_check_name(name)}.{file_name}"


def history_path(name: str) -> Path:
    """The copy of a finished run's history kept beside its model (notebook 02)."""
    return kept_file_path(name, HISTORY_FILE)


def run_dir_for(name: str) -> Path:
    """The run folder of a named training: ``data_dir()/runs/{name}`` (notebook 02)."""
    return data_dir() / "runs" / _check_name(name)


def save_model_atomically(model: keras.Model, path: Path | str) -> Path:
    """Save a .keras file under a temporary name, then rename it (notebook 02).

    A crash while saving leaves either the old file or the new one, never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _copy_atomically(source: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    shutil.copyfile(source, temporary)
    os.replace(temporary, path)


# run_name: settings that get a unit, in the order they appear in a name.
_NAME_ORDER = ("model", "image_size", "base_filters", "loss", "blur", "train_count", "epochs")
_NAME_UNITS = {"image_size": "{}px", "base_filters": "{}f", "batch_size": "bs{}", "seed": "seed{}"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+]+", "_", text).strip("_")


def _format_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return "to".join(_format_value(item) for item in value)
    return str(value)


def _blur_slug(spec) -> str:
    """A BlurSpec's settings that change the pairs; others left at their default are omitted."""
    if not is_dataclass(spec):
        return _slug(_format_value(spec))
    parts = [spec.kind]
    for spec_field in fields(spec):
        name, value = spec_field.name, getattr(spec, spec_field.name)
        if not spec_field.init or name == "kind":
            continue
        if name == "sigma":
            if spec.kind != "resize":
                parts.append(f"sigma{_format_value(value)}")
        elif name == "factor":
            if spec.kind != "gaussian":
                factors = value if isinstance(value, tuple) else (value,)
                parts.append("x" + "or".join(str(factor) for factor in factors))
        elif name == "method":
            if spec.kind != "gaussian":
                parts.append(value)
        elif name == "gaussian_fraction":
            if spec.kind == "mixed":
                parts.append(f"gfrac{value:g}")
        elif name == "quantize":
            if not value:
                parts.append("float")
        elif value != spec_field.default:  # a setting added to BlurSpec later
            parts.append(f"{name}{_format_value(value)}")
    return _slug("_".join(parts))


def run_name(**config) -> str:
    """A stable, readable name from a training configuration (notebook 02).

    For example "dcgan_ae-64px-32f-mse-gaussian_sigma2-8192x8ep-bs64-seed0". The same
    settings give the same name in any order; settings that are None are left out.
    """
    config = {key: value for key, value in config.items() if value is not None}
    if not config:
        raise ValueError("run_name needs at least one setting, e.g. run_name(model='dcgan_ae').")
    parts = []
    if "model" in config:
        parts.append(_slug(str(config.pop("model"))))
    for key in ("image_size", "base_filters"):
        if key in config:
            parts.append(_NAME_UNITS[key].format(_format_value(config.pop(key))))
    if "loss" in config:
        parts.append(_slug(str(config.pop("loss"))))
    if "blur" in config:
        parts.append(_blur_slug(config.pop("blur")))
    count, epochs = config.pop("train_count", None), config.pop("epochs", None)
    if count is not None and epochs is not None:
        parts.append(f"{count}x{epochs}ep")
    elif count is not None:
        parts.append(f"{count}img")
    elif epochs is not None:
        parts.append(f"{epochs}ep")
    for key in ("batch_size", "seed"):
        if key in config:
            parts.append(_NAME_UNITS[key].format(_format_value(config.pop(key))))
    for key in sorted(config):  # any other setting, alphabetically
        parts.append(_slug(f"{key}{_format_value(config[key])}"))
    return "-".join(parts)


def name_digest(name: str, length: int = 8) -> str:
    """A short, stable digest of a run name, for naming a run that starts from another one."""
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def train_or_load(
    name: str,
    build: Callable[[], keras.Model],
    train_pairs: tf.data.Dataset | Callable[[], tf.data.Dataset],
    epochs: int,
    keep: Mapping[str, str | None] | None = None,
    run_files: Sequence[str] = (),
    validation_pairs: tf.data.Dataset | None = None,
    steps_per_epoch: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: str | int = "auto",
) -> tuple[dict[str, keras.Model], pd.DataFrame]:
    """Load the finished networks of run ``name``, or build, train and keep them (notebook 02).

    ``keep`` maps each cache name to the attribute of the built model kept under it (None:
    the model itself; default ``{name: None}``), saved in order: the last file marks the run
    finished. ``run_files`` are copied beside them. Returns ({cache name: network}, history).
    """
    keep = {name: None} if keep is None else dict(keep)
    if all(model_path(kept).exists() for kept in keep):
        try:
            return _load_finished(name, keep)
        except DamagedModelError as error:
            aside = _set_aside(error.path)
            print(f"{error.path} is damaged ({error.reason}); moved to {aside}. Training again.")
    run_dir = run_dir_for(name)
    _check_writable(model_path(name).parent, run_dir)
    saving = " and ".join(str(model_path(kept)) for kept in keep)
    print(f"Training {name} for {epochs} epochs in {run_dir}, then saving {saving}.")
    with training_strategy().scope():  # several GPUs: one mirrored copy of the model on each
        model = build()
    if callable(train_pairs):  # made after build(), so it shuffles with the seed build() set
        train_pairs = train_pairs()
    train(
        model, train_pairs, epochs, run_dir, validation_pairs, steps_per_epoch, verbose, callbacks
    )
    networks = {
        kept: model if part is None else getattr(model, part) for kept, part in keep.items()
    }
    return networks, _keep_finished(name, run_dir, networks, run_files)


class DamagedModelError(ValueError):
    """A kept model file that Keras cannot load: truncated, corrupt or not a .keras file."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(
            f"The model file {path} cannot be loaded ({reason}). Delete it (or move it away) "
            "and run the cell again to train the model afresh."
        )


def load_kept(name: str) -> keras.Model:
    """The network a finished run kept as ``name``, loaded in Keras's safe mode (notebook 02).

    Raises ``DamagedModelError`` when the file is truncated or corrupt.
    """
    path = model_path(name)
    if not path.exists():
        raise FileNotFoundError(f"No model kept as {name!r} at {path}; train it first.")
    try:
        return keras.models.load_model(path, safe_mode=True)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise DamagedModelError(path, f"{type(error).__name__}: {error}") from error


def _check_writable(*folders: Path) -> None:
    """Fail before training, not after, when a folder the run must write to is not writable."""
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise PermissionError(
                f"Cannot write to {folder} ({error.strerror or error}), where the trained model "
                "is kept. Point IMG2IMG_DATA at a folder you can write to, for example "
                "`export IMG2IMG_DATA=$HOME/img2img-data` (or %env IMG2IMG_DATA=... in a "
                "notebook), and run the cell again."
            ) from error


def _load_finished(name: str, keep: Mapping[str, str | None]) -> tuple[dict, pd.DataFrame]:
    """The kept networks of a finished run, and its history."""
    networks = {kept: load_kept(kept) for kept in keep}
    for source in (history_path(name), run_dir_for(name)):
        if source.exists():
            history = load_history(source)
            break
    else:
        history = pd.DataFrame({"epoch": pd.Series(dtype=int), "loss": pd.Series(dtype=float)})
    paths = " and ".join(str(model_path(kept)) for kept in keep)
    files = "that file" if len(keep) == 1 else "one of them"
    print(f"Loaded {name} ({len(history)} epochs) from {paths}; delete {files} to retrain.")
    return networks, history


def _keep_finished(
    name: str, run_dir: Path, networks: Mapping[str, keras.Model], run_files: Sequence[str]
) -> pd.DataFrame:
    """Save the networks in order, with the run files and history before the last network.

    The last network's file is written last, so its presence marks a run that finished;
    the backup is then dropped (the .keras files supersede it).
    """
    *first, (last_name, last) = networks.items()
    for kept, network in first:
        save_model_atomically(network, model_path(kept))
    for file_name in run_files:
        _copy_atomically(run_dir / file_name, kept_file_path(name, file_name))
    history = load_history(run_dir)
    _copy_atomically(run_dir / HISTORY_FILE, history_path(name))
    save_model_atomically(last, model_path(last_name))
    shutil.rmtree(run_dir / BACKUP_FOLDER, ignore_errors=True)
    return history
