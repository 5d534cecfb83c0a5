"""How close does training the DCGAN autoencoder come to this machine's matmul peak?

Usage: python benchmarks/train_throughput.py [--steps 30] [--base-filters 64] [--batch-size 64]
Trains the DCGAN autoencoder (64x64) for a fixed number of steps fed by the on-the-fly blur
pipeline, and the same steps fed by pre-made tensors; measures an fp32 matmul peak in the
same run. A training step is counted as 3x the forward FLOPs (forward, plus a backward pass
that costs about twice the forward), from the convolution shapes. Prints last `efficiency X`:
achieved GFLOP/s with the pipeline over the matmul peak.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_lib import blur, models, training  # noqa: E402
from course_lib.procedural import faces  # noqa: E402
from course_lib.timing import matmul_peak_gflops  # noqa: E402

TRAINING_FLOPS_PER_FORWARD = 3  # forward + backward (gradients for inputs and weights)


def timed_fit(model: keras.Model, dataset: tf.data.Dataset, steps: int) -> float:
    """Seconds for ``steps`` training steps, after one warm-up epoch of a few steps."""
    model.fit(dataset, epochs=1, steps_per_epoch=3, verbose=0)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--base-filters", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--size", type=int, default=64)
    arguments = parser.parse_args()
    keras.utils.set_random_seed(0)

    sharp, _ = faces.make_faces(2048, size=arguments.size, seed=0)
    spec = blur.BlurSpec(sigma=2.0)
    pipeline = models.model_pairs(
        blur.make_pairs_dataset(sharp, spec, arguments.batch_size, repeat=True)
    )
    blurred = blur.blur_batch(sharp, spec).numpy()
    premade = (
        tf.data.Dataset.from_tensor_slices(
            (models.to_model_range(blurred), models.to_model_range(sharp))
        )
        .batch(arguments.batch_size, drop_remainder=True)
        .cache()
        .repeat()
        .prefetch(tf.data.AUTOTUNE)
    )

    autoencoder = models.dcgan_autoencoder(arguments.size, arguments.base_filters)
    model = training.compile_autoencoder(autoencoder)
    step_flops = TRAINING_FLOPS_PER_FORWARD * models.count_conv_flops(model) * arguments.batch_size
    peak = matmul_peak_gflops()
    premade_seconds = timed_fit(model, premade, arguments.steps)
    pipeline_seconds = timed_fit(model, pipeline, arguments.steps)
    achieved = step_flops * arguments.steps / pipeline_seconds / 1e9
    images_per_second = arguments.steps * arguments.batch_size / pipeline_seconds

    print(
        f"DCGAN autoencoder {arguments.size}px, base {arguments.base_filters}, "
        f"batch {arguments.batch_size}, {arguments.steps} steps"
    )
    print(f"training GFLOP per step (3x forward): {step_flops / 1e9:.2f}")
    print(f"pre-made tensors: {premade_seconds:.2f} s")
    print(f"blur pipeline:    {pipeline_seconds:.2f} s ({images_per_second:.0f} images/s)")
    print(f"pipeline overhead: {100 * (pipeline_seconds / premade_seconds - 1):.1f}%")
    print(f"achieved GFLOP/s: {achieved:.1f}")
    print(f"matmul peak GFLOP/s: {peak:.1f}")
    print(f"efficiency {achieved / peak:.3f}")


if __name__ == "__main__":
    main()
