"""Score restorations against the sharp images: tables of PSNR, SSIM and spectra.

Every method, classical or learned, is scored by the same function on the same images, and
its PSNR gain is measured against the blurred input, the "do nothing" baseline a restorer has
to beat. Introduced in notebook 02; notebook 04 adds how close each restoration's spectrum
is to the sharp images'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from course_lib import blur, metrics, perception
from course_lib.metrics import check_batch

__all__ = [
    "BLURRED_INPUT",
    "COLUMNS",
    "LADDER_COLUMNS",
    "evaluate",
    "frontier",
    "ladder_table",
    "psnr_by_strength",
    "psnr_matrix",
]

BLURRED_INPUT = "blurred input"
COLUMNS = ("psnr_mean", "psnr_std", "ssim_mean", "ssim_std", "psnr_gain")
LADDER_COLUMNS = (
    "psnr_mean", "ssim_mean", "perception", "spectral_distance", "checkerboard_ratio"
)  # fmt: skip


def evaluate(
    sharp: np.ndarray, candidates: Mapping[str, np.ndarray], baseline: str = BLURRED_INPUT
) -> pd.DataFrame:
    """PSNR and SSIM of each candidate against ``sharp``, one row per name (notebook 02).

    psnr_gain is the mean PSNR minus the ``baseline`` row's, or NaN without that row.
    Standard deviations are over the images.
    """
    sharp = check_batch(sharp, "sharp")
    if not candidates:
        raise ValueError("candidates is empty: give at least one {name: images} entry.")
    rows = {}
    for name, images in candidates.items():
        images = check_batch(images, f"candidate {name!r}")
        if images.shape != sharp.shape:
            raise ValueError(
                f"candidate {name!r} has shape {images.shape} but sharp has {sharp.shape}: "
                "score the same images, in the same order."
            )
        psnr, ssim = metrics.psnr(sharp, images), metrics.ssim(sharp, images)
        with np.errstate(invalid="ignore"):  # a perfect candidate's PSNR is inf; its std NaN
            rows[name] = {
                "psnr_mean": float(psnr.mean()),
                "psnr_std": float(psnr.std()),
                "ssim_mean": float(ssim.mean()),
                "ssim_std": float(ssim.std()),
            }
    table = pd.DataFrame.from_dict(rows, orient="index")
    baseline_psnr = table.loc[baseline, "psnr_mean"] if baseline in table.index else np.nan
    table["psnr_gain"] = table["psnr_mean"] - baseline_psnr
    table.index.name = "method"
    return table[list(COLUMNS)]


def psnr_by_strength(
    restore: Callable[[np.ndarray], np.ndarray],
    sharp: np.ndarray,
    sigmas: Sequence[float],
    quantize: bool = True,
) -> pd.DataFrame:
    """Mean PSNR of the blurred input and of ``restore(blurred)`` per Gaussian sigma (nb 02).

    One row per sigma, with psnr_gain > 0 where the restorer beats its input. ``quantize``
    rounds the blurred images to 8 bits first, as saved images are.
    """
    sharp = check_batch(sharp, "sharp")
    if len(sigmas) == 0:
        raise ValueError("Give at least one sigma.")
    rows = {}
    for sigma in sigmas:
        blurred = blur.gaussian_blur(sharp, sigma)
        blurred = blur.quantize_8bit(blurred) if quantize else np.clip(blurred, 0.0, 1.0)
        blurred = np.asarray(blurred, np.float32)
        restored = check_batch(restore(blurred), f"restore output at sigma {sigma}")
        if restored.shape != sharp.shape:
            raise ValueError(
                f"restore returned shape {restored.shape} at sigma {sigma}; "
                f"expected {sharp.shape}, the shape of its input."
            )
        psnr_blurred = float(metrics.psnr(sharp, blurred).mean())
        psnr_restored = float(metrics.psnr(sharp, restored).mean())
        rows[float(sigma)] = {
            "psnr_blurred": psnr_blurred,
            "psnr_restored": psnr_restored,
            "psnr_gain": psnr_restored - psnr_blurred,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "sigma"
    return table


def psnr_matrix(
    sharp: np.ndarray,
    restorers: dict[str, Callable[[np.ndarray], np.ndarray]],
    blurred_sets: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Mean PSNR of every restorer (rows) on every blurred version of ``sharp`` (columns).

    Introduced in notebook 03 for the train-blur x test-blur matrix.
    """
    table = pd.DataFrame(
        {
            test_name: {
                name: float(metrics.psnr(sharp, restore(blurred)).mean())
                for name, restore in restorers.items()
            }
            for test_name, blurred in blurred_sets.items()
        }
    )
    table.index.name = "trained on"
    table.columns.name = "tested on"
    return table


def ladder_table(sharp: np.ndarray, restorations: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """PSNR, SSIM, perception, spectral distance and checkerboard ratio of each (notebook 04).

    perception is ``perception.sliced_wasserstein_distance`` (0 is sharp faces' texture);
    spectral_distance (dB, 0 is best) punishes missing detail and added artefacts alike;
    checkerboard_ratio is the power at a 2-pixel period over the sharp images' (1.0 is theirs).
    """
    table = evaluate(sharp, restorations)[["psnr_mean", "ssim_mean"]].copy()
    sharp = np.asarray(sharp, np.float32)
    restored = {name: np.asarray(restorations[name], np.float32) for name in table.index}
    sharp_spectrum = metrics.radial_power(sharp)  # once, for every row
    table["spectral_distance"] = [
        metrics.spectral_distance_of(sharp_spectrum, metrics.radial_power(restored[name])[1])
        for name in table.index
    ]
    sharp_patches = perception.sharp_patches(sharp)  # once, for every row
    table["perception"] = [
        perception.sliced_wasserstein_distance(sharp_patches, restored[name])
        for name in table.index
    ]
    table["checkerboard_ratio"] = [
        metrics.checkerboard_ratio(sharp, restored[name]) for name in table.index
    ]
    return table[list(LADDER_COLUMNS)]


def frontier(table: pd.DataFrame, psnr: str = "psnr_mean", realism: str = "perception") -> list:
    """The rows no other row beats in both PSNR (higher) and perception (lower) (notebook 04).

    Blau and Michaeli's perception-distortion frontier, as far as these restorers trace it;
    returned in order of rising PSNR.
    """
    for column in (psnr, realism):
        if column not in table.columns:
            raise ValueError(f"table has no column {column!r}; it has {list(table.columns)}.")
    points = table[[psnr, realism]].astype(float)
    kept = [
        name
        for name, (quality, distance) in points.iterrows()
        if not (
            (points[psnr] >= quality) & (points[realism] <= distance)
            & ((points[psnr] > quality) | (points[realism] < distance))
        ).any()
    ]  # fmt: skip
    return sorted(kept, key=lambda name: points.loc[name, psnr])
