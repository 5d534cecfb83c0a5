"""A tiny training run that test_interrupted_training.py starts, kills and starts again.

    python tests/interrupted_run.py LOG_FILE PAUSE_AT_STEP

It trains a small DCGAN autoencoder with course_lib.training.train_or_load in the course's data
folder (set IMG2IMG_DATA), which resumes from the backup and keeps the finished model. It
appends one line per event to LOG_FILE: "first_batch iterations=N" (the optimizer's step count
when the first batch of this process starts), "step N" after every batch, "pause" and
"done iterations=N".
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

from course_lib import models, training  # noqa: E402

NAME = "interrupted-tiny"
EPOCHS = 3
STEPS_PER_EPOCH = 4
BATCH = 4
SIZE = 32


class StepLog(keras.callbacks.Callback):
    """Log the optimizer's step count after every batch; pause a fresh run at one step."""

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
        if self.started_at is None:  # after BackupAndRestore has restored the optimizer
            self.started_at = self._iterations()
            self._write(f"first_batch iterations={self.started_at}")

    def on_train_batch_end(self, batch, logs=None) -> None:
        step = self._iterations()
        self._write(f"step {step}")
        if step == self.pause_at and self.started_at == 0:
            self._write("pause")
            time.sleep(3600)  # mid-epoch, with earlier epochs backed up: wait to be killed


def pairs() -> tf.data.Dataset:
    """The same 16 (blurred, sharp) pairs every epoch, 4 batches of 4."""
    rng = np.random.default_rng(0)
    sharp = rng.uniform(-1, 1, (STEPS_PER_EPOCH * BATCH, SIZE, SIZE, 3)).astype(np.float32)
    blurred = (sharp + np.roll(sharp, 1, axis=1)) / 2
    return tf.data.Dataset.from_tensor_slices((blurred, sharp)).batch(BATCH).repeat()


def main(log_file: Path, pause_at: int) -> None:
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)

    def build() -> keras.Model:
        keras.utils.set_random_seed(0)
        return training.compile_autoencoder(models.dcgan_autoencoder(SIZE, 2))

    networks, _ = training.train_or_load(
        NAME,
        build,
        pairs(),
        EPOCHS,
        steps_per_epoch=STEPS_PER_EPOCH,
        callbacks=[StepLog(log_file, pause_at)],
        verbose=0,
    )
    iterations = int(networks[NAME].optimizer.iterations)
    StepLog(log_file, pause_at)._write(f"done iterations={iterations}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
