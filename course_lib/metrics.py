"""Image-quality metrics, from the libraries rather than hand-written (notebook 01)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def check_batch(images: np.ndarray, name: str) -> np.ndarray:
    """Check a non-empty, finite (N, H, W, C) batch and return it as float32 (notebook 02)."""
    images = np.asarray(images, np.float32)
    if images.ndim != 4 or 0 in images.shape:
        raise ValueError(
            f"{name} must be a non-empty batch shaped (N, H, W, C), got {images.shape}."
        )
    if not np.isfinite(images).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return images


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


def radial_power(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean power spectrum of a batch, averaged over rings of equal frequency (notebook 02).

    Returns (frequencies in cycles per pixel, from 0 to 0.5; mean power in each ring).
    """
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[np.newaxis]
    size = images.shape[1]
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(centred, axes=(1, 2))) ** 2).mean(axis=(0, 3))
    frequency = np.hypot(*np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij"))
    rings = np.minimum(np.round(frequency * size).astype(int), size // 2)
    totals = np.bincount(rings.ravel(), weights=power.ravel(), minlength=size // 2 + 1)
    counts = np.bincount(rings.ravel(), minlength=size // 2 + 1)
    return np.arange(size // 2 + 1) / size, totals / counts


def sharpness_ratio(reference: np.ndarray, test: np.ndarray, cutoff: float = 0.25) -> float:
    """High-frequency energy of ``test`` over that of ``reference`` (notebook 04).

    Energy above ``cutoff`` cycles per pixel; 1.0 means as sharp as the reference, less is
    blurrier, more is over-sharpened or noisy.
    """
    frequencies, reference_power = radial_power(reference)
    _, test_power = radial_power(test)
    high = frequencies > cutoff
    return float(test_power[high].sum() / reference_power[high].sum())
