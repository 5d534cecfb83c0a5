"""How much faster does the course train in bfloat16 than in float32 on this CPU?

Usage: python benchmarks/precision_speed.py [--steps 24] [--rounds 3]
Times training steps of the course's networks at their laptop budgets (notebook 02's
autoencoder, notebook 04's restoring U-Net with and without its PatchGAN, and notebook 05's
CycleGAN) in float32 and in mixed bfloat16, alternating the two in every round so that a
machine that slows down mid-run slows both alike. Prints, per network, the best seconds per
step in each precision and their ratio, then `bfloat16_speedup X`, the geometric mean ratio.
On a CPU without native bfloat16 (see course_lib.devices) it says so: bfloat16 is emulated
there and the course trains in float32.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_lib import blur, cyclegan, devices, models, pix2pix, training  # noqa: E402
from course_lib.experiments import notebook04, notebook05  # noqa: E402
from course_lib.procedural import faces  # noqa: E402
from course_lib.profiles import PROFILES  # noqa: E402
from course_lib.unet import restoring_unet  # noqa: E402

POLICIES = ("float32", "mixed_bfloat16")


def _pairs(batch_size: int) -> tf.data.Dataset:
    """(blurred, sharp) batches in [-1, 1], made once and repeated, as fast as can be fed."""
    sharp, _ = faces.make_faces(256, size=64, seed=0)
    blurred = blur.blur_batch(sharp, blur.BlurSpec(sigma=2.0)).numpy()
    pairs = (models.to_model_range(blurred), models.to_model_range(sharp))
    return tf.data.Dataset.from_tensor_slices(pairs).batch(batch_size, drop_remainder=True)


def _builders() -> dict[str, tuple[Callable[[], keras.Model], int]]:
    """Each network kind the course trains: a function building it compiled, and its batch."""
    laptop = PROFILES["laptop"]
    ladder = notebook04.runs(laptop)["unet_l1"].budget
    deblur_run = notebook05.runs(laptop)["cyclegan_deblur"]
    deblur, facades = deblur_run.budget, notebook05.runs(laptop)["cyclegan_facades"].budget

    def autoencoder() -> keras.Model:
        return training.compile_autoencoder(models.dcgan_autoencoder(64, laptop.base_filters))

    def unet(adversarial: bool) -> Callable[[], keras.Model]:
        def build() -> keras.Model:
            generator = restoring_unet(64, ladder.base_filters)
            return pix2pix.build_pix2pix(
                generator, 70, ladder.base_filters, adversarial=adversarial
            )

        return build

    def facades_cyclegan() -> keras.Model:
        return cyclegan.build_cyclegan(
            64, facades.base_filters, notebook05.residual_blocks(laptop), upsampling="resize"
        )

    return {
        "autoencoder (02)": (autoencoder, laptop.batch_size),
        "U-Net, L1 (04)": (unet(False), ladder.batch_size),
        "U-Net + PatchGAN (04)": (unet(True), ladder.batch_size),
        "CycleGAN, U-Net G (05)": (
            lambda: notebook05.build(deblur_run),
            deblur.batch_size,
        ),
        "CycleGAN, ResNet G (05)": (facades_cyclegan, facades.batch_size),
    }


def seconds_per_step(build: Callable[[], keras.Model], batch_size: int, steps: int, policy: str):
    """Best seconds per training step of a freshly built network under ``policy``."""
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = build()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    pairs = _pairs(batch_size).repeat()
    model.fit(pairs, epochs=1, steps_per_epoch=3, verbose=0)  # traces the step
    start = time.perf_counter()
    model.fit(pairs, epochs=1, steps_per_epoch=steps, verbose=0)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    if not devices.cpu_computes_bfloat16():
        print(
            "This CPU has no native bfloat16 (avx512_bf16 or amx_bf16): the course trains "
            "in float32 here, so there is nothing to compare."
        )
        return
    ratios = []
    for name, (build, batch_size) in _builders().items():
        best = {policy: float("inf") for policy in POLICIES}
        for _ in range(arguments.rounds):
            for policy in POLICIES:
                seconds = seconds_per_step(build, batch_size, arguments.steps, policy)
                best[policy] = min(best[policy], seconds)
        ratio = best["float32"] / best["mixed_bfloat16"]
        ratios.append(ratio)
        print(
            f"{name:24s} float32 {1000 * best['float32']:6.1f} ms/step, "
            f"bfloat16 {1000 * best['mixed_bfloat16']:6.1f} ms/step, ratio {ratio:.2f}"
        )
    print(f"bfloat16_speedup {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
