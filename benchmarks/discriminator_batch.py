"""Does notebook 04's PatchGAN learn sooner when it scores real and restored pairs in one batch?

Usage: python benchmarks/discriminator_batch.py [--profile laptop] [--seeds 4 14 24]
           [--precision float32]   (about 5 minutes a seed on the laptop, in float32)
For each training seed (notebook04.TRAINING_SEED; the course's is 4, and the findings tests'
seeds 1, 11 and 21 are 4, 14 and 24), trains notebook 04's L1 U-Net, then its cGAN
fine-tuning twice from it: with the library's step, which calls D once on the real and the
restored pairs together so that its batch norm normalises both with the same statistics,
and with the paper's, which calls D on each alone. Prints D's loss by epoch and each cGAN's
perception and spectral distances over the L1 U-Net's on the profile's test faces.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_lib import evaluation, models, pix2pix, settings  # noqa: E402
from course_lib.experiments import notebook04, splits  # noqa: E402
from course_lib.profiles import setup_notebook  # noqa: E402


def separate_batches_step(self, data):
    """The paper's cGAN step: D scores the real pairs and the restored pairs in two calls."""
    inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        outputs = self.generator(inputs, training=True)
        gen_l1 = pix2pix._l1(targets, outputs)
        real = self.discriminator([inputs, targets], training=True)
        fake = self.discriminator([inputs, outputs], training=True)
        gen_gan = pix2pix._cross_entropy(fake, 1.0)
        gen_total = self.l1_weight * gen_l1 + gen_gan
        disc = 0.5 * (pix2pix._cross_entropy(real, 1.0) + pix2pix._cross_entropy(fake, 0.0))
    self.descend(generator_tape, gen_total, self.generators)
    self.descend(discriminator_tape, disc, self.discriminators)
    return self.record({"gen_total": gen_total, "gen_gan": gen_gan, "gen_l1": gen_l1, "disc": disc})


@contextlib.contextmanager
def library_step_replaced_by(step):
    """Train Pix2Pix's adversarial phase with ``step`` inside the block."""
    library_step = pix2pix.Pix2Pix.train_step

    def train_step(self, data):
        return step(self, data) if self.adversarial else library_step(self, data)

    pix2pix.Pix2Pix.train_step = train_step
    try:
        yield
    finally:
        pix2pix.Pix2Pix.train_step = library_step


@contextlib.contextmanager
def data_folder(folder: Path):
    """Point the model cache at ``folder`` inside the block."""
    previous = settings.use(dataclasses.replace(settings.current(), data=folder))
    try:
        yield
    finally:
        settings.use(previous)


def one_seed(profile, seed: int, scratch: Path) -> list[dict]:
    """Train the L1 U-Net at ``seed``, then its cGAN both ways; one row per way."""
    notebook04.TRAINING_SEED = seed
    runs = notebook04.runs(profile)
    sharp = splits.face_split(profile, "test")
    blurred = splits.blurred_copy(sharp, runs["unet_cgan"].blur)
    rows = []
    ways = {"one batch (the library's)": None, "two batches (the paper's)": separate_batches_step}
    for way, step in ways.items():
        folder = scratch / f"seed{seed}-{len(rows)}"
        if rows:  # the same L1 U-Net: copy the first folder's cache, less its cGAN
            shutil.copytree(scratch / f"seed{seed}-0", folder)
            for leftover in folder.glob(f"*/{runs['unet_cgan'].name}*"):
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        with data_folder(folder), contextlib.ExitStack() as stack:
            if step is not None:
                stack.enter_context(library_step_replaced_by(step))
            unet_l1 = notebook04.train(runs["unet_l1"], verbose=0)[0]
            unet_gan, history = notebook04.train(runs["unet_cgan"], verbose=0)
        table = evaluation.ladder_table(
            sharp,
            {"l1": models.restore(unet_l1, blurred), "gan": models.restore(unet_gan, blurred)},
        )
        rows.append(
            {
                "seed": seed,
                "discriminator batches": way,
                "D loss by epoch": " ".join(f"{loss:.3f}" for loss in history.disc),
                "late D loss": round(float(history.disc.iloc[-2:].mean()), 3),
                "perception / L1's": round(table.perception["gan"] / table.perception["l1"], 3),
                "spectral / L1's": round(
                    table.spectral_distance["gan"] / table.spectral_distance["l1"], 3
                ),
                "PSNR - L1's (dB)": round(table.psnr_mean["gan"] - table.psnr_mean["l1"], 2),
            }
        )
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="laptop")
    parser.add_argument("--seeds", type=int, nargs="+", default=[4, 14, 24])
    parser.add_argument("--precision", help="a Keras dtype policy; default: the notebooks'")
    arguments = parser.parse_args()
    profile = setup_notebook(profile=arguments.profile, verbose=False)
    if arguments.precision:
        keras.config.set_dtype_policy(arguments.precision)
    print(f"{arguments.profile} profile, {keras.config.dtype_policy().name}", flush=True)
    with tempfile.TemporaryDirectory(prefix="discriminator-batch-") as scratch:
        rows = [row for seed in arguments.seeds for row in one_seed(profile, seed, Path(scratch))]
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(pd.DataFrame(rows).set_index(["seed", "discriminator batches"]).to_string())


if __name__ == "__main__":
    main()
