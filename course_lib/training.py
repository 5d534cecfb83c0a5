"""Training: compile, fit with crash-proof backups, a persistent history, and train-or-load.

A run lives in one folder: ``backup/`` holds Keras's BackupAndRestore state (weights,
optimizer state and epoch count, written at the end of every epoch) and ``history.csv``
the loss of every epoch, across interruptions. Introduced in notebook 02.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path

import keras
import pandas as pd
import tensorflow as tf

from course_lib.devices import training_strategy
from course_lib.downloads import data_dir

LOSSES = ("mse", "mae")
LEARNING_RATE = 2e-4  # DCGAN's Adam settings, which the original experiment kept
BETA_1 = 0.5
HISTORY_FILE = "history.csv"
BACKUP_FOLDER = "backup"
_BACKUP_METADATA = "training_metadata.json"  # written by keras.callbacks.BackupAndRestore


def compile_seed(model: keras.Model, loss: str = "mse") -> keras.Model:
    """Compile with Adam(2e-4, beta_1=0.5) and an "mse" or "mae" loss (notebook 02).

    The original text says L2 (mse), but its code minimised L1 (mae). Returns the model.
    """
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {LOSSES} (L2 or L1).")
    optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE, beta_1=BETA_1)
    model.compile(optimizer=optimizer, loss=loss)
    return model


def completed_epochs(run_dir: Path | str) -> int:
    """How many epochs the backup in ``run_dir`` holds; 0 when there is none (notebook 02)."""
    metadata = Path(run_dir) / BACKUP_FOLDER / _BACKUP_METADATA
    try:
        return int(json.loads(metadata.read_text())["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def _backup_callback(backup_dir: Path) -> keras.callbacks.BackupAndRestore:
    """Keras's backup, kept after fit() ends so a later call can train on from it."""
    options = {"save_freq": "epoch", "delete_checkpoint": False}
    if "double_checkpoint" in inspect.signature(keras.callbacks.BackupAndRestore).parameters:
        options["double_checkpoint"] = True  # keep the previous state too, in case of a torn write
    return keras.callbacks.BackupAndRestore(str(backup_dir), **options)


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
        raise ValueError("Compile the model first, for example with compile_seed(model).")
    _check_dataset(train_pairs, steps_per_epoch)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    csv_path = run_dir / HISTORY_FILE
    done = completed_epochs(run_dir)
    if done:
        print(f"Resuming from the backup in {run_dir} after epoch {done} of {epochs}.")
    if done == 0 and csv_path.exists():  # no backup: a fresh start, so a fresh history
        os.replace(csv_path, run_dir / "history.previous.csv")
    callbacks = [
        *callbacks,
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


def _check_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"A model name must be a plain file name, got {name!r}.")
    return name


def model_path(name: str) -> Path:
    """Where a finished model is kept: ``data_dir()/models/{name}.keras`` (notebook 02)."""
    return data_dir() / "models" / f"{_check_name(name)}.keras"


def history_path(name: str) -> Path:
    """The copy of a finished model's history kept beside it (notebook 02)."""
    return data_dir() / "models" / f"{_check_name(name)}.history.csv"


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


def _write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text)
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

    For example "seed_ae-64px-32f-mse-gaussian_sigma2-8192x8ep-bs64-seed0". The same
    settings give the same name in any order; settings that are None are left out.
    """
    config = {key: value for key, value in config.items() if value is not None}
    if not config:
        raise ValueError("run_name needs at least one setting, e.g. run_name(model='seed_ae').")
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


def load_finished(name: str) -> tuple[keras.Model, pd.DataFrame]:
    path = model_path(name)
    model = keras.models.load_model(path)
    for source in (history_path(name), run_dir_for(name)):
        if source.exists():
            history = load_history(source)
            break
    else:
        history = pd.DataFrame({"epoch": pd.Series(dtype=int), "loss": pd.Series(dtype=float)})
    print(f"Loaded {name} ({len(history)} epochs) from {path}; delete that file to retrain.")
    return model, history


def train_or_load(
    name: str,
    build_model: Callable[[], keras.Model],
    train_pairs: tf.data.Dataset,
    epochs: int,
    loss: str = "mse",
    validation_pairs: tf.data.Dataset | None = None,
    steps_per_epoch: int | None = None,
    verbose: str | int = "auto",
) -> tuple[keras.Model, pd.DataFrame]:
    """Load the finished model called ``name``, or train it (resuming a crashed run).

    Training happens in ``data_dir()/runs/{name}``; the model goes to ``model_path(name)``
    with its history beside it. Returns (model, history DataFrame). Introduced in notebook 02.
    """
    if model_path(name).exists():
        return load_finished(name)
    run_dir = run_dir_for(name)
    print(f"Training {name} for {epochs} epochs in {run_dir}, then saving {model_path(name)}.")
    with training_strategy().scope():  # several GPUs: one mirrored copy of the model on each
        model = compile_seed(build_model(), loss)
    train(model, train_pairs, epochs, run_dir, validation_pairs, steps_per_epoch, verbose)
    return model, finish_run(name, run_dir, model)


def finish_run(name: str, run_dir: Path, model: keras.Model) -> pd.DataFrame:
    """Keep a finished run: its history, then the model as ``model_path(name)``; drop the backup.

    The model file is written last, so its presence marks a run that finished (notebook 02).
    """
    history = load_history(run_dir)
    _write_text_atomically(history_path(name), (run_dir / HISTORY_FILE).read_text())
    save_model_atomically(model, model_path(name))
    shutil.rmtree(run_dir / BACKUP_FOLDER, ignore_errors=True)  # the .keras file supersedes it
    return history
