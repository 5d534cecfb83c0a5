"""Image-quality metrics, from the libraries rather than hand-written (notebook 01)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def psnr(reference: np.ndarray, test: np.ndarray, max_value: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio in dB per image, via ``tf.image.psnr`` (notebook 01).

    Accepts one (H, W, C) image or a batch (B, H, W, C); identical images give ``inf``.
    """
    reference = tf.convert_to_tensor(reference, tf.float32)
    test = tf.convert_to_tensor(test, tf.float32)
    if reference.shape != test.shape:
        raise ValueError(f"Shapes differ: {reference.shape} vs {test.shape}.")
    return tf.image.psnr(reference, test, max_val=max_value).numpy()


def ssim(reference: np.ndarray, test: np.ndarray, max_value: float = 1.0) -> np.ndarray:
    """Structural similarity per image, via ``tf.image.ssim`` (notebook 02)."""
    reference = tf.convert_to_tensor(reference, tf.float32)
    test = tf.convert_to_tensor(test, tf.float32)
    if reference.shape != test.shape:
        raise ValueError(f"Shapes differ: {reference.shape} vs {test.shape}.")
    return tf.image.ssim(reference, test, max_val=max_value).numpy()
