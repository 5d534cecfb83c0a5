"""A tiny training run that test_interrupted_training.py starts, kills and starts again.

    python tests/interrupted_run.py KIND LOG_FILE PAUSE_AT_STEP

KIND is "autoencoder" (the DCGAN autoencoder), "pix2pix" (the paper's U-Net, with dropout,
and a PatchGAN) or "cyclegan" (two generators, two discriminators, history pools and a
decaying learning rate). Each trains with course_lib.cache.train_or_load in the course's
data folder (set IMG2IMG_DATA), which resumes from the backup and keeps the finished network.
It appends one line per event to LOG_FILE: "first_batch STATE" when the first batch of this
process starts, "step N" after every batch, "epoch_end STATE" after every epoch, "pause" and
"done STATE", where STATE lists the optimizers' step counts, the learning rate, the history
pools' draws (CycleGAN) and a checksum of every variable.
A run that starts from scratch stops at step PAUSE_AT_STEP and waits there to be killed; a
resumed run never pauses, so the same command finishes it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_lib import cache, cyclegan, models, pix2pix, training, unet  # noqa: E402

NAME = "interrupted-tiny"
EPOCHS = 3
STEPS_PER_EPOCH = 4
BATCH = 4
SIZE = 32
KEEP = {  # what train_or_load keeps of each kind: the last name marks a finished run
    "autoencoder": {NAME: None},
    "pix2pix": {NAME: "generator"},
    "cyclegan": {f"{NAME}-F": "generator_ba", NAME: "generator_ab"},
}


def state(model: keras.Model) -> str:
    """Step counts, learning rate, pool draws and a checksum of every variable of ``model``."""
    optimizers = [getattr(model, "discriminator_optimizer", None), model.optimizer]
    counts = [int(optimizer.iterations.numpy()) for optimizer in optimizers if optimizer]
    parts = [f"iterations={'/'.join(map(str, counts))}"]
    parts.append(f"learning_rate={float(model.optimizer.learning_rate):.6g}")
    for pool in ("pool_a", "pool_b"):
        if hasattr(model, pool):
            parts.append(f"{pool}_draws={int(getattr(model, pool).draws.numpy())}")
    metric_ids = {id(variable) for variable in model.metrics_variables}  # reset every epoch
    variables = [v for v in model.variables if id(v) not in metric_ids]
    variables += [v for optimizer in optimizers if optimizer for v in optimizer.variables]
    checksum = sum(float(np.abs(np.asarray(v, np.float64)).sum()) for v in variables)
    return " ".join([*parts, f"checksum={checksum:.9e}"])


class StepLog(keras.callbacks.Callback):
    """Log the training state; pause a fresh run at one step."""

    def __init__(self, log_file: Path, pause_at: int) -> None:
        super().__init__()
        self.log_file, self.pause_at = log_file, pause_at
        self.started_at: int | None = None

    def _write(self, line: str) -> None:
        with open(self.log_file, "a") as log:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())

    def _iterations(self) -> int:
        return int(self.model.optimizer.iterations.numpy())

    def on_train_batch_begin(self, batch, logs=None) -> None:
        if self.started_at is None:  # after BackupAndRestore has restored the model
            self.started_at = self._iterations()
            self._write(f"first_batch {state(self.model)}")

    def on_train_batch_end(self, batch, logs=None) -> None:
        step = self._iterations()
        self._write(f"step {step}")
        if step == self.pause_at and self.started_at == 0:
            self._write("pause")
            time.sleep(3600)  # mid-epoch, with earlier epochs backed up: wait to be killed

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._write(f"epoch_end {state(self.model)}")

    def on_train_end(self, logs=None) -> None:
        self._write(f"done {state(self.model)}")


def pairs() -> tf.data.Dataset:
    """The same 16 (blurred, sharp) pairs every epoch, 4 batches of 4."""
    rng = np.random.default_rng(0)
    sharp = rng.uniform(-1, 1, (STEPS_PER_EPOCH * BATCH, SIZE, SIZE, 3)).astype(np.float32)
    blurred = (sharp + np.roll(sharp, 1, axis=1)) / 2
    return tf.data.Dataset.from_tensor_slices((blurred, sharp)).batch(BATCH).repeat()


def build(kind: str) -> keras.Model:
    """A fresh, compiled tiny model of ``kind``, the same in every process."""
    keras.utils.set_random_seed(0)
    if kind == "autoencoder":
        return training.compile_autoencoder(models.dcgan_autoencoder(SIZE, 2))
    if kind == "pix2pix":
        return pix2pix.build_pix2pix(unet.unet_generator(SIZE, 4), 16, 4)
    total_steps = EPOCHS * STEPS_PER_EPOCH  # the rate decays over the second half
    return cyclegan.build_cyclegan(SIZE, 4, 1, 16, total_steps, pool_size=6, seed=0)


def main(kind: str, log_file: Path, pause_at: int) -> None:
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    cache.train_or_load(
        NAME,
        lambda: build(kind),
        pairs(),
        EPOCHS,
        keep=KEEP[kind],
        steps_per_epoch=STEPS_PER_EPOCH,
        callbacks=[StepLog(log_file, pause_at)],
        verbose=0,
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
