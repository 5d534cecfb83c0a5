"""The model cache: a finished run's networks and files, kept under a name that spells its settings.

``run_name`` turns a training configuration into a readable name; ``train_or_load`` loads the
networks a finished run kept under it, or trains them with ``training.train`` and keeps them.
A model's cache name spells out its whole configuration, so a later notebook loads what an
earlier one trained. Introduced in notebook 02.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib.devices import training_strategy
from course_lib.downloads import data_dir
from course_lib.training import (
    BACKUP_FOLDER,
    HISTORY_FILE,
    STEPS_FILE,
    load_history,
    set_aside,
    train,
)


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


# run_name: settings that get a unit.
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
            aside = set_aside(error.path)
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
