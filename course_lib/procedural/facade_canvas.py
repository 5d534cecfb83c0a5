"""Pixel-level drawing of procedural facades: antialiased boxes, profiles, patterns, the canvas.

Images are channels first, (3, n, S, S), while drawing; a grid's coverage is two small matrix
products, rows @ present @ columns, so nothing loops over windows. Notebook 04.
"""

from __future__ import annotations

import numpy as np

from course_lib.procedural.facade_grids import Grid

EPSILON = 1e-6


def box(positions: np.ndarray, low: np.ndarray, high: np.ndarray, pixel: float | None):
    """(n, S, K): how much of each pixel lies in [low, high); crisp (0 or 1) if pixel is None."""
    p = positions[None, :, None]
    low, high = low[:, None, :], high[:, None, :]
    if pixel is None:
        return ((p >= low) & (p < high)).astype(np.float32)
    half = np.float32(pixel / 2)
    overlap = np.minimum(p + half, high) - np.maximum(p - half, low)
    return np.clip(overlap / np.float32(pixel), 0.0, 1.0)


def relative(positions: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """(n, S, K): where each pixel lies between low (0) and high (1), clipped."""
    span = np.maximum(high - low, EPSILON)[:, None, :]
    return np.clip((positions[None, :, None] - low[:, None, :]) / span, 0.0, 1.0)


def combine(rows: np.ndarray, present: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """(n, S, S) sum over rectangles of row profile times column profile."""
    return rows @ (present @ np.swapaxes(columns, 1, 2))


def rgb(values: np.ndarray) -> np.ndarray:
    """(n, 3) colours shaped (3, n, 1, 1) to broadcast against a channels-first image."""
    return np.asarray(values, dtype=np.float32).T.reshape(3, -1, 1, 1)


def hash_noise(a: np.ndarray, b: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Deterministic pseudo-random values in [-1, 1] from integer arrays."""
    h = (a.astype(np.uint32) * np.uint32(73856093)) ^ (b.astype(np.uint32) * np.uint32(19349663))
    h ^= seed.astype(np.uint32) * np.uint32(83492791)
    h ^= h >> np.uint32(13)
    h *= np.uint32(1274126177)
    h ^= h >> np.uint32(16)
    return (h & np.uint32(0xFFFF)).astype(np.float32) / 32767.5 - 1.0


def fade(period: np.ndarray | float, pixel: float) -> np.ndarray:
    """1 for patterns many pixels wide, falling to 0 as their period nears two pixels."""
    return np.clip((np.asarray(period) / pixel - 2.0) / 2.0, 0.0, 1.0).astype(np.float32)


class Canvas:
    """A batch of photos being drawn: reflected colour, plus emitted light for night scenes."""

    def __init__(self, count: int, size: int, night: bool) -> None:
        self.albedo = np.zeros((3, count, size, size), dtype=np.float32)
        self.emission = np.zeros_like(self.albedo) if night else None

    def paint(self, cover: np.ndarray, colour: np.ndarray, emission=None) -> None:
        """Blend colour over the image where cover is 1; covered light goes out unless given."""
        for channel in range(3):
            plane = self.albedo[channel]
            plane += cover * (colour[channel] - plane)
            if self.emission is not None:
                light = self.emission[channel]
                if emission is None:
                    light -= cover * light
                else:
                    light += cover * (emission[channel] - light)


class Renderer:
    """Pixel-level drawing of one chunk's grids, crisp for labels or antialiased for photos."""

    def __init__(self, size: int, crisp: bool) -> None:
        self.size = size
        self.pixel = 1.0 / size
        self.positions = ((np.arange(size) + 0.5) / size).astype(np.float32)
        self._width = None if crisp else self.pixel

    def rows(self, grid: Grid) -> np.ndarray:
        return box(self.positions, grid.top, grid.bottom, self._width)

    def columns(self, grid: Grid) -> np.ndarray:
        return box(self.positions, grid.left, grid.right, self._width)

    def cover(self, grid: Grid, row_weight=None, column_weight=None, present=None):
        """(n, S, S) coverage of the grid's rectangles, optionally weighted by profiles."""
        rows = self.rows(grid)
        columns = self.columns(grid)
        if row_weight is not None:
            rows = rows * row_weight
        if column_weight is not None:
            columns = columns * column_weight
        return combine(rows, grid.present if present is None else present, columns)

    def relative_y(self, grid: Grid) -> np.ndarray:
        return relative(self.positions, grid.top, grid.bottom)

    def relative_x(self, grid: Grid) -> np.ndarray:
        return relative(self.positions, grid.left, grid.right)


def shadow_rows(positions, edge: np.ndarray, length: np.ndarray) -> np.ndarray:
    """(n, S, K): a shadow fading out over `length` below (after) each edge."""
    distance = positions[None, :, None] - edge[:, None, :]
    decay = np.exp(-np.maximum(distance, 0.0) / length[:, None, :])
    return np.where(distance >= 0, decay, 0.0).astype(np.float32)
