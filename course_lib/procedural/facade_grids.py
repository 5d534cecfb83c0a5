"""Grids of rectangles, the building blocks of every procedural facade.

A grid holds one row interval per floor slot, one column interval per bay, and a (slots, bays)
table of which rectangles exist, all in normalised coordinates: x from 0 (left) to 1 (right),
y from 0 (top) to 1 (bottom). Notebook 04.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Grid(NamedTuple):
    """Rectangles of n facades: F row and B column intervals, and which of the F x B exist."""

    top: np.ndarray  # (n, F)
    bottom: np.ndarray  # (n, F)
    left: np.ndarray  # (n, B)
    right: np.ndarray  # (n, B)
    present: np.ndarray  # (n, F, B), 0 or 1 (or a weight)


def _as_2d(values) -> np.ndarray:
    """Scalars as (1, 1), per-facade values (n,) as (n, 1), tables (n, K) unchanged."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(1, 1) if values.ndim == 0 else values.reshape(values.shape[0], -1)


def make_grid(top, bottom, left, right, present=None) -> Grid:
    """A grid with its arrays broadcast to (n, F), (n, B) and (n, F, B) float32."""
    top, bottom, left, right = (_as_2d(a) for a in (top, bottom, left, right))
    count = max(a.shape[0] for a in (top, bottom, left, right))
    top, bottom = np.broadcast_arrays(top, bottom)
    left, right = np.broadcast_arrays(left, right)
    shape = (count, top.shape[1], left.shape[1])
    top, bottom = (np.broadcast_to(a, (count, a.shape[1])) for a in (top, bottom))
    left, right = (np.broadcast_to(a, (count, a.shape[1])) for a in (left, right))
    present = np.ones(shape) if present is None else np.broadcast_to(present, shape)
    return Grid(*(np.asarray(a, dtype=np.float32) for a in (top, bottom, left, right, present)))


def sub_grid(grid: Grid, top=None, bottom=None, left=None, right=None, present=None) -> Grid:
    """A copy of grid with some of its arrays replaced."""
    return Grid(
        grid.top if top is None else np.asarray(top, np.float32),
        grid.bottom if bottom is None else np.asarray(bottom, np.float32),
        grid.left if left is None else np.asarray(left, np.float32),
        grid.right if right is None else np.asarray(right, np.float32),
        grid.present if present is None else np.asarray(present, np.float32),
    )


def _split(low: np.ndarray, high: np.ndarray, cuts: tuple[float, ...], bar: np.ndarray):
    """Split each interval at fractions `cuts` into panes separated by bars; (n, K * panes)."""
    edges = [0.0, *cuts, 1.0]
    lows, highs = [], []
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        span = high - low
        lows.append(low + start * span + (1.0 if start == 0.0 else 0.5) * bar)
        highs.append(low + stop * span - (1.0 if stop == 1.0 else 0.5) * bar)
    n = low.shape[0]
    return np.stack(lows, axis=-1).reshape(n, -1), np.stack(highs, axis=-1).reshape(n, -1)


def panes(grid: Grid, bar: np.ndarray, rows: tuple[float, ...], columns: tuple[float, ...]):
    """The glass panes of every rectangle of grid: frames of width bar, split by glazing bars."""
    top, bottom = _split(grid.top, grid.bottom, rows, bar)
    left, right = _split(grid.left, grid.right, columns, bar)
    present = np.repeat(np.repeat(grid.present, len(rows) + 1, axis=1), len(columns) + 1, axis=2)
    return Grid(top, bottom, left, right, present)
