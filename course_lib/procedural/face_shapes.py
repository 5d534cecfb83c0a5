"""Shapes of the procedural faces as signed distances, turned into opacity over one pixel.

Distances are positive inside a shape and measured in face units, so an edge is blurred over
exactly one pixel at any image size. Images are channels first, (3, faces, H, W). Notebook 01.
"""

from __future__ import annotations

import numpy as np

_EPSILON = 1e-6


def coverage(distance: np.ndarray, width: np.ndarray | float) -> np.ndarray:
    """Opacity from a signed distance (positive inside), ramping over `width`."""
    return np.clip(distance / width + 0.5, 0.0, 1.0)


def _implicit_distance(
    column_value: np.ndarray,
    row_value: np.ndarray,
    column_slope: np.ndarray,
    row_slope: np.ndarray,
) -> np.ndarray:
    """First-order signed distance to the curve column_value + row_value = 1 (inside < 1)."""
    slope = np.sqrt(np.square(column_slope) + np.square(row_slope))
    return (1.0 - (column_value + row_value)) / (slope + _EPSILON)


def ellipse_distance(
    u: np.ndarray,
    v: np.ndarray,
    centre_u: np.ndarray | float,
    centre_v: np.ndarray | float,
    radius_u: np.ndarray | float,
    radius_v: np.ndarray | float,
    exponent: np.ndarray | float = 2.0,
) -> np.ndarray:
    """Signed distance to a (super)ellipse; exponent 2 is an ellipse, larger is boxier."""
    du = np.abs(u - centre_u) / radius_u
    dv = np.abs(v - centre_v) / radius_v
    return _implicit_distance(
        du**exponent,
        dv**exponent,
        exponent * du ** (exponent - 1) / radius_u,
        exponent * dv ** (exponent - 1) / radius_v,
    )


def egg_distance(
    u: np.ndarray,
    v: np.ndarray,
    half_width: np.ndarray,
    top: np.ndarray,
    bottom: np.ndarray,
    bottom_exponent: np.ndarray,
) -> np.ndarray:
    """Signed distance to half an ellipse above v = 0 joined to half a superellipse below."""
    below = v > 0
    du = np.abs(u) / half_width
    dv = np.where(below, v / bottom, -v / top)
    radius_v = np.where(below, bottom, top)
    exponent = np.where(below, bottom_exponent, np.float32(2.0))
    column_value = np.where(below, du**bottom_exponent, du**2)
    column_slope = np.where(below, bottom_exponent * du ** (bottom_exponent - 1), 2 * du)
    return _implicit_distance(
        column_value,
        dv**exponent,
        column_slope / half_width,
        exponent * dv ** (exponent - 1) / radius_v,
    )


def band_coverage(
    v: np.ndarray, centre: np.ndarray, half_thickness: np.ndarray | float, pixel: np.ndarray
) -> np.ndarray:
    """Opacity of a roughly horizontal stroke of half_thickness around the curve `centre`."""
    return coverage(half_thickness - np.abs(v - centre), pixel)


def paint(image: np.ndarray, opacity: np.ndarray, colour: np.ndarray) -> None:
    """Blend colour (3, ...) over the channels-first image in place."""
    for channel in range(3):
        plane = image[channel]
        plane += opacity * (colour[channel] - plane)


def rgb(values: tuple[float, float, float]) -> np.ndarray:
    """A fixed colour shaped to broadcast against a channels-first image."""
    return np.asarray(values, dtype=np.float32).reshape(3, 1, 1, 1)
