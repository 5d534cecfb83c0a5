"""Timing helpers: how fast can blur pairs be made? (notebook 01 and benchmarks/)."""

from __future__ import annotations

import timeit
from collections.abc import Callable

import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib.blur import BlurSpec, blur_batch, make_pairs_dataset


def best_seconds(function: Callable[[], object], repeats: int = 3) -> float:
    """Run ``function`` once to warm up, then return its fastest of ``repeats`` runs."""
    function()
    return min(timeit.repeat(function, number=1, repeat=repeats))


def matmul_peak_gflops(size: int = 2048, repeats: int = 10) -> float:
    """Best fp32 GFLOP/s of a square matrix product: this machine's practical peak.

    Machines of one kind differ by 4x, so benchmarks and CI divide their times by it.
    """
    left = tf.random.normal((size, size))
    right = tf.random.normal((size, size))
    product = tf.function(lambda a, b: tf.matmul(a, b))
    product(left, right).numpy()  # the first call traces and warms up
    best = min(timeit.repeat(lambda: product(left, right).numpy(), number=1, repeat=repeats))
    return 2 * size**3 / best / 1e9


def normalised_seconds(seconds: float, peak_gflops: float, reference_gflops: float = 200.0):
    """``seconds`` as they would be on a machine whose matmul peak is ``reference_gflops``."""
    return seconds * peak_gflops / reference_gflops


def skimage_pairs(sharp: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """The per-image way: a Python loop calling scikit-image's Gaussian on each image."""
    from skimage.filters import gaussian

    blurred = [
        gaussian(image, sigma=sigma, mode="reflect", channel_axis=-1, preserve_range=True)
        for image in sharp
    ]
    return np.stack(blurred).astype(np.float32), sharp


def per_image_dataset(sharp: np.ndarray, sigma: float, batch_size: int) -> tf.data.Dataset:
    """TensorFlow one image at a time: ``map`` before ``batch`` in tf.data."""
    spec = BlurSpec(sigma=sigma, quantize=False)
    return (
        tf.data.Dataset.from_tensor_slices(sharp)
        .map(
            lambda image: (blur_batch(image[tf.newaxis], spec)[0], image),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


def consume(dataset: tf.data.Dataset) -> None:
    """Iterate once over a dataset, as one training epoch would."""
    for _ in dataset:
        pass


def compare_pair_makers(
    sharp: np.ndarray, sigma: float = 2.0, batch_size: int = 256, repeats: int = 3
) -> pd.DataFrame:
    """Time three ways of making the same Gaussian pairs; speedups are against the loop.

    Datasets are built before timing, as a training run builds them once; each timed run
    is one pass over all of ``sharp``.
    """
    per_image = per_image_dataset(sharp, sigma, batch_size)
    batched = make_pairs_dataset(
        sharp, BlurSpec(sigma=sigma, quantize=False), batch_size, shuffle=False
    )
    contenders = {
        "scikit-image, one image at a time": lambda: skimage_pairs(sharp, sigma),
        "tf.data, map then batch": lambda: consume(per_image),
        "tf.data, batch then blur (course_lib)": lambda: consume(batched),
    }
    seconds = {name: best_seconds(run, repeats) for name, run in contenders.items()}
    loop = seconds["scikit-image, one image at a time"]
    table = pd.DataFrame(
        {
            "seconds": seconds,
            "images_per_s": {name: len(sharp) / value for name, value in seconds.items()},
            "speedup": {name: loop / value for name, value in seconds.items()},
        }
    )
    table.index.name = "method"
    return table


def max_difference_from_skimage(sharp: np.ndarray, sigma: float = 2.0) -> float:
    """Largest absolute difference between the course blur and scikit-image's, same images."""
    reference, _ = skimage_pairs(sharp, sigma)
    ours = blur_batch(sharp, BlurSpec(sigma=sigma, quantize=False)).numpy()
    return float(np.abs(reference - ours).max())


if __name__ == "__main__":  # python -m course_lib.timing: print this machine's matmul peak
    print(f"{matmul_peak_gflops():.0f}")
