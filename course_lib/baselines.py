"""Classical deblurring baselines: Wiener and Richardson-Lucy deconvolution (notebook 02).

Both are handed the blur itself, which a learned model never sees: given the true kernel, they
are oracles, a reference for what knowing the blur is worth rather than fair competitors.
Wiener comes from scikit-image; Richardson-Lucy is written here with the course's own blur
matrices, so its model of the blur, borders included, is exactly the one the data used.
Parameters are tuned on a validation split only, so the test split stays untouched.
Nothing runs on import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from skimage import restoration

from course_lib import blur, metrics
from course_lib.metrics import check_batch

__all__ = [
    "DEFAULT_BALANCES",
    "DEFAULT_ITERATIONS",
    "add_noise",
    "gaussian_psf",
    "richardson_lucy_deblur",
    "tune_richardson_lucy",
    "tune_wiener",
    "wiener_deblur",
]

# Log-spaced from 1e-5 to 1: with the exact boundary model below, 8-bit rounding alone wants
# about 1e-4, sensor noise wants more.
DEFAULT_BALANCES = tuple(float(balance) for balance in np.logspace(-5, 0, 11))
DEFAULT_ITERATIONS = (5, 10, 20, 50, 100, 200)

_RANGE_TOLERANCE = 1e-3  # blurring [0, 1] images can overshoot 1 by float rounding
_DIVISION_FLOOR = 1e-12  # Richardson-Lucy's ratio where the reblurred estimate is black


def gaussian_psf(sigma: float) -> np.ndarray:
    """The 2-D point spread function of ``blur.gaussian_blur`` at ``sigma`` (notebook 02).

    The outer product of ``blur.gaussian_kernel``, so it is exactly the blur the data used.
    """
    kernel = blur.gaussian_kernel(sigma)
    return np.outer(kernel, kernel).astype(np.float32)


def wiener_deblur(blurred: np.ndarray, sigma: float, balance: float) -> np.ndarray:
    """Wiener-Hunt deconvolution of (N, H, W, C) images in [0, 1], per channel (notebook 02).

    Given the kernel, like Richardson-Lucy. Mirroring each image makes the reflect-padded blur
    exactly periodic, as the FFT assumes.
    """
    if balance <= 0:
        raise ValueError(f"balance must be positive, got {balance}.")
    images = _as_batch(blurred, "blurred")
    psf = gaussian_psf(sigma)
    height, width = images.shape[1:3]
    extended = _mirror_extend(images, len(psf))
    restored = np.empty_like(images)
    for index, image in enumerate(extended):
        for channel in range(image.shape[-1]):
            deconvolved = restoration.wiener(image[..., channel], psf, balance, clip=False)
            restored[index, ..., channel] = deconvolved[:height, :width]
    return np.clip(restored, 0.0, 1.0)


def richardson_lucy_deblur(blurred: np.ndarray, sigma: float, iterations: int) -> np.ndarray:
    """Richardson-Lucy deconvolution of (N, H, W, C) images in [0, 1] (notebook 02).

    An oracle: it is given the blur's kernel (the true one when ``sigma`` is the data's).
    """
    return _richardson_lucy_steps(blurred, sigma, [iterations])[int(iterations)]


def _richardson_lucy_steps(
    blurred: np.ndarray, sigma: float, iterations: Sequence[int]
) -> dict[int, np.ndarray]:
    """Richardson-Lucy estimates after each of several iteration counts, from one run.

    The blur is ``A @ image @ A.T`` per channel with ``A = blur.gaussian_matrix``, reflect
    padding included, and its adjoint is ``A.T @ ratio @ A``: the exact operator, so the
    borders need no padding. Each update multiplies the estimate by the adjoint of the
    blurred-over-reblurred ratio, starting from mid-grey like scikit-image.
    """
    if len(iterations) == 0 or any(int(count) != count or count < 1 for count in iterations):
        raise ValueError(f"iterations must be whole numbers >= 1, got {list(iterations)}.")
    counts = sorted({int(count) for count in iterations})
    images = _as_batch(blurred, "blurred")
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"Richardson-Lucy here needs square images, got {images.shape[1:3]}.")
    blur_matrix = blur.gaussian_matrix(images.shape[1], sigma)
    transposed = np.ascontiguousarray(blur_matrix.T)
    observed = np.ascontiguousarray(images.transpose(0, 3, 1, 2))  # (N, C, H, W) for matmul
    estimate = np.full_like(observed, 0.5)
    estimates = {}
    for step in range(1, counts[-1] + 1):
        reblurred = blur_matrix @ estimate @ transposed
        estimate *= transposed @ (observed / np.maximum(reblurred, _DIVISION_FLOOR)) @ blur_matrix
        if step in counts:
            restored = np.clip(estimate.transpose(0, 2, 3, 1), 0.0, 1.0)
            estimates[step] = restored.astype(np.float32)
    return estimates


def tune_wiener(
    blurred_val: np.ndarray,
    sharp_val: np.ndarray,
    sigma: float,
    balances: Sequence[float] = DEFAULT_BALANCES,
) -> tuple[float, pd.DataFrame]:
    """The Wiener balance with the best mean PSNR on a validation split, and the table (nb 02).

    The table has one row per balance (the index) with columns psnr_mean and psnr_std.
    """
    _check_pair(blurred_val, sharp_val)
    table = _tune(lambda balance: wiener_deblur(blurred_val, sigma, balance), balances, sharp_val)
    table.index.name = "balance"
    return float(table["psnr_mean"].idxmax()), table


def tune_richardson_lucy(
    blurred_val: np.ndarray,
    sharp_val: np.ndarray,
    sigma: float,
    iterations: Sequence[int] = DEFAULT_ITERATIONS,
) -> tuple[int, pd.DataFrame]:
    """The Richardson-Lucy iteration count with the best validation PSNR, and the table (nb 02).

    The table has one row per iteration count (the index) with columns psnr_mean and psnr_std.
    """
    _check_pair(blurred_val, sharp_val)
    estimates = _richardson_lucy_steps(blurred_val, sigma, iterations) if len(iterations) else {}
    table = _tune(lambda count: estimates[int(count)], iterations, sharp_val)
    table.index.name = "iterations"
    return int(table["psnr_mean"].idxmax()), table


def match_channel_statistics(
    images: np.ndarray, source: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """Map each colour channel from the source domain's mean and spread to the target's.

    The translation a learner tries first for an unpaired pair such as day and night photos:
    one shift and scale per channel, fitted to the two piles of images (notebook 05).
    """
    images, source, target = (
        _as_batch(array, name)
        for array, name in ((images, "images"), (source, "source"), (target, "target"))
    )
    source_mean, source_std = source.mean(axis=(0, 1, 2)), source.std(axis=(0, 1, 2))
    target_mean, target_std = target.mean(axis=(0, 1, 2)), target.std(axis=(0, 1, 2))
    scale = target_std / np.maximum(source_std, 1e-6)
    return np.clip((images - source_mean) * scale + target_mean, 0.0, 1.0).astype(np.float32)


def add_noise(images: np.ndarray, std: float, seed: int = 0) -> np.ndarray:
    """Add Gaussian sensor noise of standard deviation ``std``, then clip to [0, 1] (nb 02)."""
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}.")
    images = np.asarray(images, np.float32)
    noise = np.random.default_rng(seed).normal(0.0, std, images.shape)
    return np.clip(images + noise, 0.0, 1.0).astype(np.float32)


def _as_batch(images: np.ndarray, name: str) -> np.ndarray:
    """Check a non-empty, finite (N, H, W, C) batch in [0, 1]; return it clipped."""
    images = check_batch(images, name)
    if images.min() < -_RANGE_TOLERANCE or images.max() > 1 + _RANGE_TOLERANCE:
        raise ValueError(
            f"{name} must lie in [0, 1], got values from {images.min():.3g} to {images.max():.3g}."
        )
    return np.clip(images, 0.0, 1.0)


def _check_pair(blurred: np.ndarray, sharp: np.ndarray) -> None:
    """Raise unless the blurred and sharp validation images have the same shape."""
    if np.shape(blurred) != np.shape(sharp):
        raise ValueError(
            f"blurred_val {np.shape(blurred)} and sharp_val {np.shape(sharp)} must have the "
            "same shape: the same validation images, blurred and sharp."
        )


def _mirror_extend(images: np.ndarray, kernel_size: int) -> np.ndarray:
    """Mirror (N, H, W, C) images to one period of their reflect padding, (N, 2H, 2W, C).

    A reflect-padded blur of the image is a periodic blur of this extension. Kernels wider than
    a period get whole extra periods, so the kernel still fits.
    """
    height, width = images.shape[1:3]
    extra = [2 * size * -(-kernel_size // (2 * size)) - size for size in (height, width)]
    return np.pad(images, ((0, 0), (0, extra[0]), (0, extra[1]), (0, 0)), mode="symmetric")


def _tune(
    restore: Callable[[float], np.ndarray], candidates: Sequence[float], sharp: np.ndarray
) -> pd.DataFrame:
    """Mean and spread of PSNR against ``sharp`` for each candidate parameter, one row each."""
    if len(candidates) == 0:
        raise ValueError("Give at least one candidate value to tune over.")
    sharp = _as_batch(sharp, "sharp_val")
    rows = {}
    for candidate in candidates:
        scores = metrics.psnr(sharp, restore(candidate))
        rows[candidate] = {"psnr_mean": float(scores.mean()), "psnr_std": float(scores.std())}
    return pd.DataFrame.from_dict(rows, orient="index")
