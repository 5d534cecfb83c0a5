"""Devices: the tf.distribute strategy every trainer shares, and the mixed-precision policy.

Build models and optimizers inside ``training_strategy().scope()``: on a machine with two
or more GPUs that mirrors them across the GPUs, elsewhere it changes nothing. Mixed
precision is for the full profile on a GPU only. Introduced in notebook 02.
"""

from __future__ import annotations

import tensorflow as tf

MIXED_PRECISION_PROFILES = ("full",)  # only the GPU profile trains in float16
_STRATEGY: tf.distribute.Strategy | None = None


def gpu_count() -> int:
    """How many GPUs TensorFlow sees (notebook 02)."""
    return len(tf.config.list_logical_devices("GPU"))


def training_strategy() -> tf.distribute.Strategy:
    """MirroredStrategy over the visible GPUs when there are two or more, else the default.

    Created once per process, so every trainer (autoencoder, pix2pix, CycleGAN) shares it.
    """
    global _STRATEGY
    if _STRATEGY is None:
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) >= 2:
            _STRATEGY = tf.distribute.MirroredStrategy([gpu.name for gpu in gpus])
        else:
            _STRATEGY = tf.distribute.get_strategy()
    return _STRATEGY


def mixed_precision_policy(profile_name: str, gpu_count: int) -> str:
    """'mixed_float16' for the full profile with a GPU, else 'float32' (notebook 02)."""
    if not isinstance(gpu_count, int) or gpu_count < 0:
        raise ValueError(f"gpu_count must be a whole number >= 0, got {gpu_count!r}.")
    if profile_name in MIXED_PRECISION_PROFILES and gpu_count > 0:
        return "mixed_float16"
    return "float32"
