"""What the face and facade generators share: argument checks, random choices, noise, chunks.

Both draw their random choices in blocks of faces or facades and render in chunks of a few
megabytes, so an image depends only on its seed and index. Introduced with notebooks 01 and 04.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

# A few images at a time keeps the drawing in the CPU's cache.
PIXELS_PER_CHUNK = 32 * 64 * 64


def is_integer(value: object) -> bool:
    """True for Python and NumPy integers, False for bools and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_count(count: object) -> int:
    """count as an int; ValueError unless it is a positive integer."""
    if not is_integer(count) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    return int(count)


def check_size(size: object, low: int, high: int) -> int:
    """size as an int; ValueError unless it is an integer from low to high."""
    if not is_integer(size) or not low <= size <= high:
        raise ValueError(f"size must be an integer from {low} to {high}, got {size!r}")
    return int(size)


def check_seed(seed: object) -> int:
    """seed as an int; ValueError unless it is a non-negative integer."""
    if not is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def choose_per_row(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Draw one category index per row of a (rows, categories) table of weights."""
    cumulative = np.cumsum(weights, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    draws = rng.random(weights.shape[0])[:, None]
    return np.minimum((draws > cumulative).sum(axis=-1), weights.shape[-1] - 1)


def choose_values(rng: np.random.Generator, values, probabilities, n: int) -> np.ndarray:
    """n draws from values with the given probabilities."""
    return np.asarray(values)[rng.choice(len(values), n, p=np.asarray(probabilities))]


# Hand-written, not matplotlib.colors.hsv_to_rgb: that one rounds differently in float64.
def hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB, all in [0, 1]; returns (n, 3)."""
    k = (np.array([5.0, 3.0, 1.0]) + hue[:, None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return value[:, None] - value[:, None] * saturation[:, None] * ramp


def smooth_noise(
    knot_values: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    extent: tuple[float, float] = (-1.0, 1.0),
) -> np.ndarray:
    """Smooth random field (n, H, W) interpolated from a square grid of knots over extent^2."""
    knots = np.linspace(*extent, knot_values.shape[-1], dtype=np.float32)
    spacing = knots[1] - knots[0]

    def weights(positions: np.ndarray) -> np.ndarray:
        raw = np.exp(-np.square((positions[..., None] - knots) / spacing))
        return raw / raw.sum(axis=-1, keepdims=True)

    return weights(rows) @ knot_values @ np.swapaxes(weights(columns), -1, -2)


def sample_in_blocks(
    sample_block: Callable[[int], dict[str, np.ndarray]], count: int, block_size: int
) -> dict[str, np.ndarray]:
    """Random choices for images 0 ... count - 1, from sample_block(0), sample_block(1), ..."""
    blocks = [sample_block(block) for block in range(-(-count // block_size))]
    return {key: np.concatenate([b[key] for b in blocks])[:count] for key in blocks[0]}


def chunks(
    parameters: dict[str, np.ndarray], count: int, size: int
) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    """(start, stop, parameters of images start ... stop - 1) for chunks of a few megabytes."""
    chunk = max(1, PIXELS_PER_CHUNK // (size * size))
    for start in range(0, count, chunk):
        part = {name: values[start : start + chunk] for name, values in parameters.items()}
        yield start, min(start + chunk, count), part


def names_of(names: tuple[str, ...], index: np.ndarray) -> np.ndarray:
    """The names (an object array) of the category indices in index."""
    return np.asarray(names, dtype=object)[np.asarray(index, dtype=int)]


def attribute_table(columns: dict[str, object], order: tuple[str, ...]) -> pd.DataFrame:
    """One row per image, with the given columns in the given order."""
    return pd.DataFrame({name: columns[name] for name in order})
