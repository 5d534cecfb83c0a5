"""A perception measure that needs no downloaded weights: sliced Wasserstein distance (SWD).

How far the local texture of restored faces lies from that of sharp faces, as a set: PSNR
asks whether each pixel is right, this asks whether the patches look like real ones. It
follows ProGAN's measure (Karras et al. 2018, after Rabin et al. 2011): 7x7 patches of each
level of a Laplacian pyramid, projected on random directions, whose sorted projections are
compared. Patches lie on a fixed grid, so the order of the images does not matter. Notebook 04.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from course_lib.metrics import check_batch

PATCH_SIZE = 7  # ProGAN's 7x7 neighbourhoods
PATCH_STRIDE = 4  # a fixed grid: every image contributes the same patches, in any order
PYRAMID_LEVELS = 3  # band-pass levels at 64 px: 64, 32 and 16 pixels (ProGAN starts at 16)
DIRECTIONS = 256  # random unit directions per level
SCALE = 1e3  # ProGAN reports the distance times 1,000
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # the pyramid's low-pass filter


def _low_pass(images: np.ndarray) -> np.ndarray:
    """Blur height and width with the 5-tap binomial filter, mirroring the edges."""
    images = ndimage.convolve1d(images, _BINOMIAL, axis=1, mode="reflect")
    return ndimage.convolve1d(images, _BINOMIAL, axis=2, mode="reflect")


def laplacian_pyramid(images: np.ndarray, levels: int = PYRAMID_LEVELS) -> list[np.ndarray]:
    """Band-pass images, finest first: each level minus its blurred copy, then halve (nb 04)."""
    images = check_batch(images, "images").astype(np.float64)
    pyramid = []
    for _ in range(levels):
        if min(images.shape[1:3]) < PATCH_SIZE:
            raise ValueError(
                f"{levels} pyramid levels need images of at least "
                f"{PATCH_SIZE * 2 ** (levels - 1)} pixels; give fewer levels."
            )
        smooth = _low_pass(images)
        pyramid.append(images - smooth)
        images = smooth[:, ::2, ::2]
    return pyramid


def patch_descriptors(level: np.ndarray) -> np.ndarray:
    """Every 7x7 patch on a stride-4 grid of every image, flattened: (patches, 7 * 7 * C)."""
    windows = np.lib.stride_tricks.sliding_window_view(level, (PATCH_SIZE, PATCH_SIZE), (1, 2))
    windows = windows[:, ::PATCH_STRIDE, ::PATCH_STRIDE]  # (N, rows, cols, C, 7, 7)
    return windows.reshape(-1, windows.shape[3] * PATCH_SIZE * PATCH_SIZE)


def _directions(dimensions: int, seed: int) -> np.ndarray:
    """``DIRECTIONS`` random unit vectors, one per row: (DIRECTIONS, dimensions)."""
    directions = np.random.default_rng(seed).standard_normal((DIRECTIONS, dimensions))
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def _sorted_projections(patches: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Each direction's projections of the patches, sorted: (DIRECTIONS, patches).

    The directions are sorted in as many blocks as the machine has cores, side by side
    (numpy lets go of the interpreter while it sorts).
    """
    projections = directions.astype(np.float32) @ patches.T.astype(np.float32)
    blocks = np.array_split(projections, min(len(projections), os.cpu_count() or 1))
    with ThreadPoolExecutor(len(blocks)) as pool:
        list(pool.map(lambda block: block.sort(axis=1), blocks))  # in place, block by block
    return projections


@dataclass(frozen=True)
class SharpPatches:
    """The sharp set, once: per level its patch mean, scale and sorted projections."""

    shape: tuple[int, ...]
    levels: list[tuple[np.ndarray, float, np.ndarray, np.ndarray]]  # mean, scale, dirs, sorted


_DESCRIBED: OrderedDict = OrderedDict()  # the last few sharp sets described, by content
_DESCRIBED_KEPT = 2


def sharp_patches(sharp: np.ndarray, levels: int = PYRAMID_LEVELS, seed: int = 0) -> SharpPatches:
    """Describe the sharp set once, to score many restorations of it (notebook 04).

    The last two sets described are kept, by content, so scoring the same test faces again
    (every table of a notebook) describes them once.
    """
    sharp = check_batch(sharp, "sharp")
    key = (sharp.shape, str(sharp.dtype), levels, seed, hashlib.blake2b(sharp.tobytes()).digest())
    if key in _DESCRIBED:
        _DESCRIBED.move_to_end(key)
        return _DESCRIBED[key]
    described = _describe(sharp, levels, seed)
    _DESCRIBED[key] = described
    while len(_DESCRIBED) > _DESCRIBED_KEPT:
        _DESCRIBED.popitem(last=False)
    return described


def _describe(sharp: np.ndarray, levels: int, seed: int) -> SharpPatches:
    """Per pyramid level: the patches' mean and scale, the directions, the sorted projections."""
    described = []
    for level, band in enumerate(laplacian_pyramid(sharp, levels)):
        patches = patch_descriptors(band)
        mean, scale = patches.mean(axis=0), patches.std() + 1e-8
        directions = _directions(patches.shape[1], seed + level)
        described.append(
            (mean, scale, directions, _sorted_projections((patches - mean) / scale, directions))
        )
    return SharpPatches(sharp.shape, described)


def sliced_wasserstein_distance(
    sharp: np.ndarray | SharpPatches,
    restored: np.ndarray,
    levels: int = PYRAMID_LEVELS,
    seed: int = 0,
) -> float:
    """How unlike sharp faces' patches the restored faces' patches are, x 1,000 (notebook 04).

    0 for identical sets. Both sets are scaled by the sharp patches' statistics per level, so
    a colour shift counts too. They must hold as many images of one size; ``sharp`` may be
    ``sharp_patches(sharp)``, computed once for many restorations.
    """
    if not isinstance(sharp, SharpPatches):
        sharp = sharp_patches(sharp, levels, seed)
    restored = check_batch(restored, "restored")
    if tuple(sharp.shape) != restored.shape:
        raise ValueError(
            f"sharp and restored must hold as many images of one size, got {sharp.shape} and "
            f"{restored.shape}."
        )
    distances = []
    bands = laplacian_pyramid(restored, len(sharp.levels))
    for (mean, scale, directions, sharp_sorted), band in zip(sharp.levels, bands, strict=True):
        restored_sorted = _sorted_projections((patch_descriptors(band) - mean) / scale, directions)
        distances.append(float(np.mean(np.abs(sharp_sorted - restored_sorted))))
    return SCALE * float(np.mean(distances))
