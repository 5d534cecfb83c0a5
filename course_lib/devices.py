"""Devices: the tf.distribute strategy every trainer shares, and the mixed-precision policy.

Build models and optimizers inside ``training_strategy().scope()``: on a machine with two
or more GPUs that mirrors them across the GPUs, elsewhere it changes nothing. Mixed
precision: float16 for the full profile on a GPU, bfloat16 for the laptop and full profiles
on a CPU that computes it natively. Introduced in notebook 02.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

MIXED_PRECISION_PROFILES = ("full",)  # only the GPU profile trains in float16
BFLOAT16_PROFILES = ("laptop", "full")  # smoke (CI, nbval) stays float32 everywhere
# CPU flags (Linux /proc/cpuinfo) of native bfloat16 arithmetic, which oneDNN uses for
# convolutions and matrix products; elsewhere bfloat16 is emulated and slower than float32.
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
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


def cpu_computes_bfloat16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU has native bfloat16 arithmetic (AVX512-BF16 or AMX), per /proc/cpuinfo.

    ``cpuinfo`` is that file's text; without it the file is read (False where there is none).
    """
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        try:
            cpuinfo = path.read_text(errors="replace")
        except OSError:  # not Linux: no way to tell, so no bfloat16
            return False
    flags = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            flags.update(value.split())
    return any(flag in flags for flag in BFLOAT16_CPU_FLAGS)


def mixed_precision_policy(profile_name: str, gpu_count: int, cpu_bfloat16: bool = False) -> str:
    """Keras's precision policy for a profile on this hardware (notebook 02).

    'mixed_float16' for the full profile with a GPU; 'mixed_bfloat16' for the laptop and full
    profiles on a CPU with native bfloat16 (``cpu_bfloat16``) and no GPU; else 'float32'.
    """
    if not isinstance(gpu_count, int) or gpu_count < 0:
        raise ValueError(f"gpu_count must be a whole number >= 0, got {gpu_count!r}.")
    if profile_name in MIXED_PRECISION_PROFILES and gpu_count > 0:
        return "mixed_float16"
    if profile_name in BFLOAT16_PROFILES and gpu_count == 0 and cpu_bfloat16:
        return "mixed_bfloat16"
    return "float32"


def chosen_policy(profile_name: str, precision: str | None) -> str:
    """``precision`` (``settings.current().precision``), else the one this hardware suits.

    ``IMG2IMG_PRECISION=float32`` trains in float32 on any machine, as the course's own
    budget table was measured. Notebook 02.
    """
    if precision is None:
        return mixed_precision_policy(profile_name, gpu_count(), cpu_computes_bfloat16())
    return precision
