"""Notebook 06's sampler: eager network calls against iterative.sample's traced graph.

Usage: python benchmarks/sampling_speed.py [--faces 512] [--steps 16]
(about 5 minutes on a 300-GFLOP/s machine)
Restores the laptop profile's test faces in ``--steps`` steps with a fresh stepping U-Net of
its size, once calling the network eagerly at each step (notebook 06's plain sampler) and once
with ``iterative.sample``, in float32 and, where the CPU computes it, mixed bfloat16. Prints
the median of three timings of each, interleaved, and the speedup: ratios from one run.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_lib import devices, iterative, models, timing, unet  # noqa: E402
from course_lib.experiments import face_split  # noqa: E402
from course_lib.profiles import PROFILES  # noqa: E402

PROFILE = PROFILES["laptop"]


def eager_sample(network: keras.Model, blurred: np.ndarray, steps: int) -> np.ndarray:
    """``iterative.sample`` at temperature 0 with an eager network call at each step."""
    inputs = tf.constant(models.to_model_range(blurred))
    current, times = inputs, np.linspace(1.0, 0.0, steps + 1)
    for t, next_t in zip(times[:-1], times[1:], strict=True):
        state = iterative.network_state(current, tf.fill([len(blurred)], float(t)))
        estimate = tf.cast(network([inputs, state], training=False), tf.float32)
        current = current + (t - next_t) / t * (estimate - current)
    return np.clip(models.to_image_range(current.numpy()), 0.0, 1.0)


def seconds(function, repeats: int = 3) -> float:
    """The median wall time of ``function()`` over ``repeats`` calls, after one warm-up."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def speeds(policy: str, faces: np.ndarray, steps: int) -> dict[str, float]:
    """Seconds for each sampler with a fresh stepping U-Net in ``policy``, and the speedup."""
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    network = iterative.stepping_unet(unet.restoring_unet(PROFILE.image_size, PROFILE.base_filters))
    eager = seconds(lambda: eager_sample(network, faces, steps))
    traced = seconds(lambda: iterative.sample(network, faces, steps, 0.0))
    keras.mixed_precision.set_global_policy("float32")
    return {"eager_s": eager, "iterative_sample_s": traced, "speedup": eager / traced}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=512)
    parser.add_argument("--steps", type=int, default=16)
    arguments = parser.parse_args()
    peak = timing.matmul_peak_gflops()
    faces = face_split(PROFILE, "test", count=arguments.faces)  # sharp: the speed is the same
    policies = ["float32"] + ["mixed_bfloat16"] * devices.cpu_computes_bfloat16()
    rows = {policy: speeds(policy, faces, arguments.steps) for policy in policies}
    print(f"# {arguments.faces} faces, {arguments.steps} steps; matmul peak {peak:.0f} GFLOP/s")
    print(pd.DataFrame(rows).T.round(3).to_string())


if __name__ == "__main__":
    main()
