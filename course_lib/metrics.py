"""Image-quality metrics: PSNR and SSIM from TensorFlow, and spectral measures of detail.

Every metric compares restored images with the sharp ones. Introduced in notebook 01.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import tensorflow as tf
from scipy import ndimage


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


def psnr(sharp: np.ndarray, restored: np.ndarray, max_value: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio in dB per image, via ``tf.image.psnr`` (notebook 01).

    Accepts one (H, W, C) image or a batch (B, H, W, C); identical images give ``inf``.
    """
    sharp = tf.convert_to_tensor(sharp, tf.float32)
    restored = tf.convert_to_tensor(restored, tf.float32)
    if sharp.shape != restored.shape:
        raise ValueError(f"Shapes differ: {sharp.shape} vs {restored.shape}.")
    return tf.image.psnr(sharp, restored, max_val=max_value).numpy()


def ssim(sharp: np.ndarray, restored: np.ndarray, max_value: float = 1.0) -> np.ndarray:
    """Structural similarity per image, via ``tf.image.ssim`` (notebook 02)."""
    sharp = tf.convert_to_tensor(sharp, tf.float32)
    restored = tf.convert_to_tensor(restored, tf.float32)
    if sharp.shape != restored.shape:
        raise ValueError(f"Shapes differ: {sharp.shape} vs {restored.shape}.")
    return tf.image.ssim(sharp, restored, max_val=max_value).numpy()


def radial_power(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean power spectrum of a batch, averaged over rings of equal frequency (notebook 02).

    Returns (frequencies in cycles per pixel, from 0 to 0.5; mean power in each ring).
    """
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[np.newaxis]
    size = images.shape[1]
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    spectra = scipy.fft.fft2(centred.astype(np.float64), axes=(1, 2), workers=-1)  # every core
    power = (np.abs(spectra) ** 2).mean(axis=(0, 3))
    frequency = np.hypot(*np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij"))
    rings = np.minimum(np.round(frequency * size).astype(int), size // 2)
    totals = np.bincount(rings.ravel(), weights=power.ravel(), minlength=size // 2 + 1)
    counts = np.bincount(rings.ravel(), minlength=size // 2 + 1)
    return np.arange(size // 2 + 1) / size, totals / counts


def sharpness_ratio(sharp: np.ndarray, restored: np.ndarray, cutoff: float = 0.25) -> float:
    """High-frequency energy of ``restored`` over that of ``sharp`` (notebook 04).

    Energy above ``cutoff`` cycles per pixel; 1.0 means as sharp as the sharp images, less
    is blurrier, more is over-sharpened or noisy.
    """
    frequencies, sharp_power = radial_power(sharp)
    _, restored_power = radial_power(restored)
    high = frequencies > cutoff
    return float(restored_power[high].sum() / sharp_power[high].sum())


SPECTRAL_BAND = (0.1, 0.5)  # cycles per pixel: a sigma-2 Gaussian keeps under half of these


def spectral_distance(
    sharp: np.ndarray, restored: np.ndarray, band: tuple[float, float] = SPECTRAL_BAND
) -> float:
    """How far the restored power spectrum is from the sharp one, in dB (notebook 04).

    The mean of |10 log10(restored power / sharp power)| over the rings of ``band``, the
    frequencies blur removes: missing detail and added artefacts count alike; 0 is a match.
    """
    return spectral_distance_of(radial_power(sharp), radial_power(restored)[1], band)


def spectral_distance_of(
    sharp_spectrum: tuple[np.ndarray, np.ndarray],
    restored_power: np.ndarray,
    band: tuple[float, float] = SPECTRAL_BAND,
) -> float:
    """``spectral_distance`` from ``radial_power(sharp)`` and the restored ring powers.

    Scoring several restorations of the same sharp images computes their spectrum once.
    """
    frequencies, sharp_power = sharp_spectrum
    low, high = band
    rings = (frequencies >= low) & (frequencies <= high)
    floor = 1e-12  # a constant image has no power; keep the logarithm finite
    ratio = np.maximum(restored_power[rings], floor) / np.maximum(sharp_power[rings], floor)
    return float(np.mean(np.abs(10.0 * np.log10(ratio))))


def checkerboard_ratio(sharp: np.ndarray, restored: np.ndarray) -> float:
    """The restored images' power at a period of 2 pixels over the sharp ones', in grey.

    That is the Nyquist row and column of each image's spectrum, where a checkerboard lives:
    1.0 is as much as the sharp images have, well above 1 a checkerboard (notebook 05).
    """
    sharp, restored = (np.asarray(x, np.float64) for x in (sharp, restored))
    if sharp.shape != restored.shape or sharp.ndim != 4 or min(sharp.shape[1:3]) < 2:
        raise ValueError(
            f"Give sharp and restored as equal (count, height, width, channels) arrays, got "
            f"{sharp.shape} and {restored.shape}."
        )

    return _nyquist_power(restored) / max(_nyquist_power(sharp), 1e-12)


def _nyquist_power(images: np.ndarray) -> float:
    """Summed power of the grey images' spectra in their middle row and column, without an FFT.

    The middle row of a 2-D DFT is the DFT of one vector, the columns weighed by that row's
    phase; by Parseval its power is the vector's energy times the width (and so for columns).
    """
    grey = images.mean(axis=-1)
    grey = grey - grey.mean(axis=(1, 2), keepdims=True)
    height, width = grey.shape[1:]
    row_phase = np.exp(-2j * np.pi * (height // 2) * np.arange(height) / height)
    column_phase = np.exp(-2j * np.pi * (width // 2) * np.arange(width) / width)
    row = np.einsum("nhw,h->nw", grey, row_phase)  # the middle row's vectors
    column = np.einsum("nhw,w->nh", grey, column_phase)
    corner = np.einsum("nw,w->n", row, column_phase)  # counted in both
    return float(
        width * np.sum(np.abs(row) ** 2) + height * np.sum(np.abs(column) ** 2)
        - np.sum(np.abs(corner) ** 2)
    )  # fmt: skip


def colour_artefact(sharp: np.ndarray, restored: np.ndarray, sigma: float = 1.0) -> float:
    """RMS chroma of the fine-scale error, in 8-bit grey levels: coloured speckles (nb 05).

    The error (restored - sharp) loses its coarse part (a Gaussian blur of ``sigma`` pixels)
    and its grey part (the channel mean); what is left is colour that varies pixel to pixel.
    """
    sharp, restored = (
        check_batch(x, name) for x, name in ((sharp, "sharp"), (restored, "restored"))
    )
    if sharp.shape != restored.shape or sharp.shape[-1] != 3:
        raise ValueError(
            f"Give sharp and restored as equal (count, height, width, 3) RGB batches, got "
            f"{sharp.shape} and {restored.shape}."
        )
    error = (restored - sharp).astype(np.float64)
    fine = error - ndimage.gaussian_filter(error, (0, sigma, sigma, 0), mode="reflect")
    chroma = fine - fine.mean(axis=-1, keepdims=True)
    return float(255.0 * np.sqrt(np.mean(chroma**2)))
