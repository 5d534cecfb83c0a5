"""Procedural building facades: CMP-style label maps and the photos they describe.

Notebook 04 translates facade label maps into photos, like pix2pix's CMP Facades experiment,
on data that needs no download; notebook 05 uses the day and night photos as two unpaired
domains. Every facade is a grid of floors and bays laid out in normalised coordinates, so it
looks the same at 64 and at 256 pixels. Pure NumPy and Pillow; nothing runs on import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from PIL import Image

from course_lib.downloads import KNOWN_DOWNLOADS, data_dir, fetch_known

__all__ = [
    "CLASS_NAMES",
    "FACADE_ATTRIBUTES",
    "MAX_SIZE",
    "MIN_SIZE",
    "PALETTE",
    "SPLITS",
    "STYLES",
    "labels_to_classes",
    "load_cmp_facades",
    "make_facades",
]

MIN_SIZE = 64
MAX_SIZE = 256
STYLES = ("day", "night")
SPLITS = ("train", "val", "test")

# =============================================================================================
# The CMP Facade Database's 12 classes (Tylecek & Sara 2013) in the order of its label ids 1-12,
# with the colours its label images use: MATLAB's jet(12) colormap times 255, e.g. background
# (0, 0, 170), facade (0, 0, 255), window (0, 85, 255), ... shop (170, 0, 0). The same table
# appears in several public facade-parsing code bases (class lists named `label_dict_RGB` or
# `cmp_classes`, found by searching public GitHub code for "'window', [0, 85, 255]"); pix2pix's
# facades.tar.gz (Isola et al. 2017) shows these label maps as its B images. Those are JPEGs,
# so their pixels only approximate these colours (see labels_to_classes); we did not open the
# archive itself to check every colour.
# =============================================================================================
PALETTE: dict[str, tuple[int, int, int]] = {
    "background": (0, 0, 170),
    "facade": (0, 0, 255),
    "window": (0, 85, 255),
    "door": (0, 170, 255),
    "cornice": (0, 255, 255),
    "sill": (85, 255, 170),
    "balcony": (170, 255, 85),
    "blind": (255, 255, 0),
    "deco": (255, 170, 0),
    "molding": (255, 85, 0),
    "pillar": (255, 0, 0),
    "shop": (170, 0, 0),
}
CLASS_NAMES: tuple[str, ...] = tuple(PALETTE)
_PALETTE_ARRAY = np.array([PALETTE[name] for name in CLASS_NAMES], dtype=np.float32) / 255.0
_CLASS = {name: index for index, name in enumerate(CLASS_NAMES)}

# Columns of the layout table returned by make_facades, in order.
FACADE_ATTRIBUTES = (
    "floors",
    "bays",
    "windows",
    "has_door",
    "has_shop",
    "shop_type",
    "has_balconies",
    "balcony_type",
    "has_pillars",
    "has_moldings",
    "has_deco",
    "has_sills",
    "blinds",
    "cornices",
    "wall",
    "wall_colour",
    "wall_r",
    "wall_g",
    "wall_b",
    "has_roof",
    "light_x",
    "lit_fraction",
    "facade_top",
    "facade_left",
    "facade_right",
)

# =============================================================================================
# Sampling. Facades are drawn in blocks of _BLOCK from a generator seeded by (seed, block), so
# facade i depends only on (seed, i) and never on the style: day and night share the layout.
# =============================================================================================
_BLOCK = 256
_LAYOUT_STREAM = 41
_GRAIN_STREAM = 42
_MAX_UPPER = 5  # floors above the ground floor
_SLOTS = _MAX_UPPER + 1  # floor slots 0 ... 4 are upper floors (top first), slot 5 the ground
_GROUND = _MAX_UPPER
_MAX_BAYS = 7
_UPPER_FLOORS = (2, 3, 4, 5)
_UPPER_FLOOR_PROBABILITIES = (0.15, 0.35, 0.32, 0.18)
_BAYS = (3, 4, 5, 6, 7)
_BAY_PROBABILITIES = (0.14, 0.26, 0.28, 0.18, 0.14)

_SHOP_TYPES = ("none", "bays", "wide")
_BALCONY_TYPES = ("none", "single", "continuous")
_BLINDS = ("none", "shutters", "roller")
_CORNICES = ("top", "ground", "all")
_WALLS = ("plaster", "brick")
# Blind states per window: up (none), a roller blind down to one of three levels, closed, or
# open shutters beside the window.
_UP, _CLOSED, _OPEN_SHUTTERS = 0, 4, 5
_ROLLER_LEVELS = (0.3, 0.55, 0.8)  # fraction of the visible window a roller blind covers

_WALL_COLOURS = {
    "cream": (0.90, 0.85, 0.72),
    "ochre": (0.86, 0.68, 0.42),
    "salmon": (0.88, 0.67, 0.57),
    "grey": (0.72, 0.72, 0.70),
    "white": (0.92, 0.91, 0.88),
    "sand": (0.80, 0.72, 0.58),
    "yellow": (0.93, 0.83, 0.52),
    "terracotta": (0.76, 0.47, 0.35),
    "sage": (0.70, 0.76, 0.64),
    "blue grey": (0.66, 0.72, 0.78),
    "red brick": (0.62, 0.33, 0.25),
    "brown brick": (0.50, 0.32, 0.24),
    "yellow brick": (0.78, 0.66, 0.46),
}
_WALL_NAMES = tuple(_WALL_COLOURS)
_WALL_RGB = np.array(list(_WALL_COLOURS.values()))
_PLASTER_COLOURS = np.arange(10)
_BRICK_COLOURS = np.arange(10, 13)
_TRIM_COLOURS = np.array(
    [[0.90, 0.88, 0.82], [0.80, 0.77, 0.70], [0.95, 0.94, 0.92], [0.62, 0.60, 0.56]]
)
_FRAME_COLOURS = np.array(
    [[0.93, 0.93, 0.91], [0.36, 0.23, 0.15], [0.20, 0.20, 0.22], [0.20, 0.33, 0.24]]
)
_SHUTTER_COLOURS = np.array(
    [
        [0.24, 0.43, 0.30],
        [0.45, 0.30, 0.19],
        [0.56, 0.58, 0.58],
        [0.88, 0.88, 0.85],
        [0.30, 0.43, 0.56],
        [0.52, 0.22, 0.19],
    ]
)
_ROLLER_COLOURS = np.array([[0.82, 0.80, 0.74], [0.62, 0.62, 0.62], [0.86, 0.82, 0.70]])
_DOOR_COLOURS = np.array(
    [
        [0.28, 0.17, 0.10],
        [0.45, 0.29, 0.16],
        [0.13, 0.28, 0.20],
        [0.50, 0.13, 0.11],
        [0.11, 0.11, 0.12],
        [0.13, 0.21, 0.36],
    ]
)
_METAL_COLOURS = np.array([[0.08, 0.08, 0.09], [0.25, 0.25, 0.27], [0.10, 0.20, 0.16]])
_ROOF_COLOURS = np.array([[0.42, 0.22, 0.16], [0.30, 0.30, 0.33], [0.50, 0.30, 0.22]])
_WINDOW_LIGHT_WARM = np.array([1.00, 0.70, 0.36])
_WINDOW_LIGHT_COOL = np.array([1.00, 0.93, 0.80])

_LUMINANCE = np.array([0.2126, 0.7152, 0.0722])
_MIN_CONTRAST = 0.12  # luminance difference between the wall and what is drawn on it
_MORTAR = 0.16  # share of a brick course taken by its mortar joint
_PLASTER_KNOTS = 7
_FINE_KNOTS = 19
_CLOUD_KNOTS = 6


def _choose(rng: np.random.Generator, values, probabilities, n: int) -> np.ndarray:
    """n draws from values with the given probabilities."""
    return np.asarray(values)[rng.choice(len(values), n, p=np.asarray(probabilities))]


def _contrasting(
    rng: np.random.Generator, colours: np.ndarray, luminance: np.ndarray
) -> np.ndarray:
    """Per facade, a random index into colours among those that stand out from luminance."""
    contrast = np.abs(colours @ _LUMINANCE - luminance[:, None])
    scores = rng.random(contrast.shape) + 10.0 * (contrast >= _MIN_CONTRAST)
    return scores.argmax(axis=1)


def _hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB, all in [0, 1]; returns (n, 3)."""
    k = (np.array([5.0, 3.0, 1.0]) + hue[:, None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return value[:, None] - value[:, None] * saturation[:, None] * ramp


def _sample_block(seed: int, block: int) -> dict[str, np.ndarray]:
    """Every random choice for facades block * _BLOCK up to (block + 1) * _BLOCK - 1."""
    rng = np.random.default_rng([seed, _LAYOUT_STREAM, block])
    n = _BLOCK
    p: dict[str, np.ndarray] = {}
    slots = np.arange(_SLOTS)
    bays = np.arange(_MAX_BAYS)

    # The building in the frame: a little sky above, sometimes neighbours at the sides.
    p["n_upper"] = _choose(rng, _UPPER_FLOORS, _UPPER_FLOOR_PROBABILITIES, n)
    p["n_bays"] = _choose(rng, _BAYS, _BAY_PROBABILITIES, n)
    p["facade_top"] = rng.uniform(0.03, 0.13, n)
    p["facade_left"] = np.where(rng.random(n) < 0.3, rng.uniform(0.02, 0.09, n), 0.0)
    p["facade_right"] = np.where(rng.random(n) < 0.3, 1.0 - rng.uniform(0.02, 0.09, n), 1.0)
    p["parapet"] = np.where(rng.random(n) < 0.4, rng.uniform(0.02, 0.05, n), 0.0)
    p["top_cornice"] = rng.uniform(0.022, 0.045, n)
    p["ground_ratio"] = rng.uniform(1.15, 1.5, n)
    p["side_margin"] = rng.uniform(0.02, 0.07, n)
    p["has_roof"] = rng.random(n) < 0.35
    p["roof_height"] = rng.uniform(0.5, 1.0, n)
    p["neighbour_top"] = rng.uniform(-0.05, 0.25, (n, 2))

    # Windows.
    p["window_width"] = rng.uniform(0.40, 0.62, n)  # of the bay
    p["window_height"] = rng.uniform(0.45, 0.64, n)  # of the floor
    p["window_offset"] = rng.uniform(0.35, 0.55, n)  # share of the free height above it
    p["attic"] = rng.random(n) < 0.3  # smaller windows on the top floor
    p["window_missing"] = rng.random((n, _SLOTS, _MAX_BAYS)) < 0.03

    # Ground floor: a door and windows, or shops (with or without a door between them).
    p["has_shop"] = rng.random(n) < 0.45
    p["shop_type"] = np.where(p["has_shop"], 1 + (rng.random(n) < 0.5), 0)
    p["shop_top"] = rng.uniform(0.12, 0.26, n)  # of the ground floor height
    p["shop_width"] = rng.uniform(0.78, 0.92, n)  # of the bay, for shops per bay
    p["has_door"] = ~p["has_shop"] | (rng.random(n) < 0.55)
    centre_bay = (p["n_bays"] - 1) // 2
    odd = p["n_bays"] % 2 == 1
    random_bay = (rng.random(n) * p["n_bays"]).astype(int)
    p["door_bay"] = np.where(odd & (rng.random(n) < 0.6), centre_bay, random_bay)
    p["door_width"] = rng.uniform(0.45, 0.70, n)  # of the bay
    p["door_height"] = rng.uniform(0.68, 0.85, n)  # of the ground floor height
    p["door_fanlight"] = rng.random(n) < 0.5
    p["ground_window_top"] = rng.uniform(0.18, 0.30, n)
    p["ground_window_height"] = rng.uniform(0.42, 0.55, n)
    p["ground_window_present"] = rng.random((n, _MAX_BAYS)) < 0.92

    # Sills, moldings, deco.
    p["has_sills"] = rng.random(n) < 0.8
    p["sill_height"] = rng.uniform(0.010, 0.020, n)
    p["sill_overhang"] = rng.uniform(0.05, 0.15, n)  # of the window width, each side
    p["has_moldings"] = rng.random(n) < 0.45
    p["molding"] = rng.uniform(0.010, 0.020, n)
    p["has_deco"] = rng.random(n) < np.where(p["has_moldings"], 0.55, 0.2)
    p["deco_lowest_only"] = rng.random(n) < 0.5  # only the first floor above the ground
    p["deco_height"] = rng.uniform(0.015, 0.032, n)
    p["deco_extra"] = rng.uniform(0.0, 0.012, n)

    # Blinds: shutters beside the windows, or roller blinds inside them.
    p["blinds"] = _choose(rng, (0, 1, 2), (0.42, 0.32, 0.26), n)
    p["shutter_width"] = rng.uniform(0.42, 0.5, n)  # of the window width
    draw = rng.random((n, _SLOTS, _MAX_BAYS))
    shutter_state = np.where(draw < 0.14, _CLOSED, np.where(draw < 0.9, _OPEN_SHUTTERS, _UP))
    roller_state = np.select(
        [draw < 0.45, draw < 0.63, draw < 0.8, draw < 0.95], [_UP, 1, 2, 3], _CLOSED
    )
    state = np.select(
        [p["blinds"][:, None, None] == 1, p["blinds"][:, None, None] == 2],
        [shutter_state, roller_state],
        _UP,
    )
    state[:, 0][state[:, 0] == _CLOSED] = _UP  # the top floor always shows its windows
    p["blind_state"] = state

    # Balconies on some floors: one per window or one running across the facade.
    p["has_balconies"] = rng.random(n) < 0.4
    p["balcony_type"] = np.where(p["has_balconies"], 1 + (rng.random(n) < 0.4), 0)
    pattern = rng.integers(0, 4, n)  # all, lowest upper floor, all but the top, alternate
    n_upper = p["n_upper"][:, None]
    upper = slots[None, :] < n_upper
    from_bottom = n_upper - 1 - slots[None, :]
    floors = np.select(
        [pattern[:, None] == 0, pattern[:, None] == 1, pattern[:, None] == 2],
        [upper, from_bottom == 0, upper & (slots[None, :] > 0)],
        upper & (from_bottom % 2 == 0),
    )
    p["balcony_floors"] = floors & p["has_balconies"][:, None]
    central = rng.random(n) < 0.4
    radius = np.where(rng.random(n) < 0.5, 0.5, 1.5)
    from_centre = np.abs(bays[None, :] - (p["n_bays"][:, None] - 1) / 2.0)
    p["balcony_bays"] = ~central[:, None] | (from_centre <= radius[:, None])
    p["balcony_height"] = rng.uniform(0.22, 0.32, n)  # of the floor height
    p["balcony_overhang"] = rng.uniform(0.10, 0.30, n)  # of the window width, each side
    p["balcony_stone"] = rng.random(n) < 0.3

    # Cornices and pillars.
    p["cornices"] = _choose(rng, (0, 1, 2), (0.4, 0.3, 0.3), n)
    p["cornice_height"] = rng.uniform(0.008, 0.016, n)
    p["has_pillars"] = rng.random(n) < 0.28
    p["pillar_width"] = rng.uniform(0.28, 0.45, n)  # of the wall between windows
    p["pillar_edges"] = rng.random(n) < 0.5
    p["pillars_to_ground"] = rng.random(n) < 0.4

    # Materials and colours.
    p["wall_type"] = (rng.random(n) < 0.25).astype(int)
    plaster = rng.choice(_PLASTER_COLOURS, n)
    brick = rng.choice(_BRICK_COLOURS, n)
    p["wall_colour"] = np.where(p["wall_type"] == 1, brick, plaster)
    jitter = 1.0 + rng.normal(0.0, 0.035, (n, 3)) + rng.normal(0.0, 0.06, (n, 1))
    p["wall_rgb"] = np.clip(_WALL_RGB[p["wall_colour"]] * jitter, 0.0, 1.0)
    p["rusticated"] = rng.random(n) < 0.35
    p["ground_rgb"] = np.clip(
        np.where(
            rng.random((n, 1)) < 0.5,
            p["wall_rgb"] * rng.uniform(0.75, 0.9, (n, 1)),
            _TRIM_COLOURS[rng.integers(0, len(_TRIM_COLOURS), n)] * rng.uniform(0.8, 1.0, (n, 1)),
        ),
        0.0,
        1.0,
    )
    # Trim, shutters and doors must stand out from the wall, or the photo hides what the
    # label map shows.
    wall_luminance = p["wall_rgb"] @ _LUMINANCE
    trim = _TRIM_COLOURS[rng.integers(0, len(_TRIM_COLOURS), n)]
    lighter_wall = np.clip(p["wall_rgb"] * 1.18 + 0.05, 0.0, 1.0)
    trim = np.where(rng.random((n, 1)) < 0.7, trim, lighter_wall)
    faint = np.abs(trim @ _LUMINANCE - wall_luminance) < _MIN_CONTRAST
    shaded = np.where(
        (wall_luminance > 0.55)[:, None],
        p["wall_rgb"] * 0.72,
        np.clip(p["wall_rgb"] * 1.3 + 0.12, 0.0, 1.0),
    )
    p["trim_rgb"] = np.where(faint[:, None], shaded, trim)
    p["frame_rgb"] = _FRAME_COLOURS[rng.integers(0, len(_FRAME_COLOURS), n)]
    p["glass_rgb"] = np.clip(
        np.array([0.16, 0.20, 0.25]) * rng.uniform(0.7, 1.3, (n, 1))
        + rng.normal(0.0, 0.02, (n, 3)),
        0.0,
        1.0,
    )
    p["shutter_rgb"] = _SHUTTER_COLOURS[_contrasting(rng, _SHUTTER_COLOURS, wall_luminance)]
    p["roller_rgb"] = _ROLLER_COLOURS[rng.integers(0, len(_ROLLER_COLOURS), n)]
    p["door_rgb"] = _DOOR_COLOURS[_contrasting(rng, _DOOR_COLOURS, wall_luminance)]
    p["metal_rgb"] = _METAL_COLOURS[rng.integers(0, len(_METAL_COLOURS), n)]
    p["shop_frame_rgb"] = _FRAME_COLOURS[rng.integers(1, len(_FRAME_COLOURS), n)] * 0.8
    p["sign_rgb"] = _hsv_to_rgb(rng.random(n), rng.uniform(0.5, 0.9, n), rng.uniform(0.45, 0.85, n))
    p["roof_rgb"] = _ROOF_COLOURS[rng.integers(0, len(_ROOF_COLOURS), n)]
    p["neighbour_rgb"] = _WALL_RGB[rng.choice(_PLASTER_COLOURS, n)] * rng.uniform(0.55, 0.8, (n, 1))
    overcast = rng.random(n) < 0.3
    blue_top = np.array([0.30, 0.50, 0.82]) * rng.uniform(0.85, 1.1, (n, 1))
    grey_top = np.array([0.70, 0.72, 0.76]) * rng.uniform(0.85, 1.05, (n, 1))
    p["sky_top_rgb"] = np.where(overcast[:, None], grey_top, blue_top)
    p["sky_bottom_rgb"] = np.clip(p["sky_top_rgb"] * 0.6 + 0.38, 0.0, 1.0)
    p["cloudiness"] = rng.uniform(0.0, 0.6, n)

    # Light, texture and noise.
    p["light_x"] = rng.uniform(-1.0, 1.0, n)  # -1: sun from the left, 1: from the right
    p["light_strength"] = rng.uniform(0.04, 0.12, n)
    p["shadow_strength"] = np.where(overcast, rng.uniform(0.2, 0.35, n), rng.uniform(0.45, 0.7, n))
    p["exposure"] = rng.uniform(0.9, 1.06, n)
    p["grain"] = rng.uniform(0.006, 0.018, n)
    p["plaster_noise"] = rng.normal(0.0, 1.0, (n, _PLASTER_KNOTS, _PLASTER_KNOTS))
    p["fine_noise"] = rng.normal(0.0, 1.0, (n, _FINE_KNOTS, _FINE_KNOTS))
    p["cloud_noise"] = rng.normal(0.0, 1.0, (n, _CLOUD_KNOTS, _CLOUD_KNOTS))
    p["plaster_contrast"] = rng.uniform(0.03, 0.09, n)
    p["brick_height"] = rng.uniform(0.010, 0.016, n)
    p["brick_length"] = rng.uniform(2.2, 3.0, n)  # times the brick height
    p["hash_seed"] = rng.integers(0, 2**20, n)
    p["streak_phase"] = rng.uniform(0.0, 2 * np.pi, n)

    # Night: which windows are lit, and in what light.
    p["lit_probability"] = rng.uniform(0.3, 0.8, n)
    p["lit"] = rng.random((n, _SLOTS, _MAX_BAYS)) < p["lit_probability"][:, None, None]
    warmth = rng.random((n, _SLOTS, _MAX_BAYS, 1))
    brightness = rng.uniform(0.75, 1.0, (n, _SLOTS, _MAX_BAYS, 1))
    p["light_rgb"] = (_WINDOW_LIGHT_WARM * (1 - warmth) + _WINDOW_LIGHT_COOL * warmth) * brightness
    p["shop_lit"] = rng.random(n) < 0.8
    p["door_lit"] = rng.random(n) < 0.5
    p["night_dim"] = rng.uniform(0.16, 0.28, n)
    p["street_light"] = rng.uniform(0.05, 0.18, n)
    return p


def _sample(count: int, seed: int) -> dict[str, np.ndarray]:
    """Random choices for facades 0 ... count - 1, block by block."""
    blocks = [_sample_block(seed, block) for block in range(-(-count // _BLOCK))]
    return {key: np.concatenate([b[key] for b in blocks])[:count] for key in blocks[0]}


# =============================================================================================
# Layout. Every element class is a grid of rectangles: one row interval per floor slot, one
# column interval per bay, and a (slots, bays) table of which rectangles exist. A grid is drawn
# with two small matrix products, rows @ present @ columns, so nothing loops over windows.
# Coordinates are normalised: x from 0 (left) to 1 (right), y from 0 (top) to 1 (bottom).
# =============================================================================================
class _Grid(NamedTuple):
    top: np.ndarray  # (n, F)
    bottom: np.ndarray  # (n, F)
    left: np.ndarray  # (n, B)
    right: np.ndarray  # (n, B)
    present: np.ndarray  # (n, F, B), 0 or 1 (or a weight)


def _as_2d(values) -> np.ndarray:
    """Scalars as (1, 1), per-facade values (n,) as (n, 1), tables (n, K) unchanged."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(1, 1) if values.ndim == 0 else values.reshape(values.shape[0], -1)


def _grid(top, bottom, left, right, present=None) -> _Grid:
    """A grid with its arrays broadcast to (n, F), (n, B) and (n, F, B) float32."""
    top, bottom, left, right = (_as_2d(a) for a in (top, bottom, left, right))
    count = max(a.shape[0] for a in (top, bottom, left, right))
    top, bottom = np.broadcast_arrays(top, bottom)
    left, right = np.broadcast_arrays(left, right)
    shape = (count, top.shape[1], left.shape[1])
    top, bottom = (np.broadcast_to(a, (count, a.shape[1])) for a in (top, bottom))
    left, right = (np.broadcast_to(a, (count, a.shape[1])) for a in (left, right))
    present = np.ones(shape) if present is None else np.broadcast_to(present, shape)
    return _Grid(*(np.asarray(a, dtype=np.float32) for a in (top, bottom, left, right, present)))


def _column(values: np.ndarray) -> np.ndarray:
    """Per-facade scalars as an (n, 1) column."""
    return np.asarray(values, dtype=np.float64)[:, None]


def _layout(p: dict[str, np.ndarray]) -> dict[str, object]:
    """Rectangles of every element of every facade, in normalised coordinates."""
    n = len(p["n_upper"])
    slots = np.arange(_SLOTS)[None, :]
    bays = np.arange(_MAX_BAYS)[None, :]
    n_upper = p["n_upper"][:, None]
    n_bays = p["n_bays"][:, None]
    valid_slot = (slots < n_upper) | (slots == _GROUND)
    is_ground = slots == _GROUND
    valid_bay = bays < n_bays

    # Floors.
    top = _column(p["facade_top"])
    body_top = top + _column(p["parapet"] + p["top_cornice"])
    unit = (1.0 - body_top) / (n_upper + _column(p["ground_ratio"]))
    ground_top = body_top + n_upper * unit
    floor_top = np.where(is_ground, ground_top, body_top + slots * unit)
    floor_bottom = np.where(is_ground, 1.0, floor_top + unit)

    # Bays.
    left = _column(p["facade_left"])
    right = _column(p["facade_right"])
    margin = (right - left) * _column(p["side_margin"])
    bay_width = (right - left - 2 * margin) / n_bays
    bay_left = left + margin + bays * bay_width
    bay_centre = bay_left + bay_width / 2
    window_width = bay_width * _column(p["window_width"])
    window_left = bay_centre - window_width / 2
    window_right = bay_centre + window_width / 2
    gap = bay_width - window_width  # wall between neighbouring windows

    # Window rows, upper floors first; balcony floors get French windows down to the floor.
    balcony_floor = p["balcony_floors"]
    height = (
        unit
        * _column(p["window_height"])
        * np.where((slots == 0) & _column(p["attic"]).astype(bool), 0.72, 1.0)
    )
    window_top = floor_top + (unit - height) * _column(p["window_offset"])
    window_bottom = np.where(balcony_floor, floor_bottom - 0.04 * unit, window_top + height)
    ground_height = 1.0 - ground_top
    window_top[:, _GROUND] = (ground_top + ground_height * _column(p["ground_window_top"]))[:, 0]
    window_bottom[:, _GROUND] = (
        window_top[:, _GROUND : _GROUND + 1] + ground_height * _column(p["ground_window_height"])
    )[:, 0]

    # Which windows exist: every upper bay, and ground bays beside the door of a house.
    door_bay = p["door_bay"][:, None]
    has_door = p["has_door"][:, None]
    has_shop = p["has_shop"][:, None]
    upper_windows = (slots < n_upper)[:, :, None] & ~p["window_missing"]
    ground_windows = (~has_shop & p["ground_window_present"] & ~(has_door & (bays == door_bay)))[
        :, None, :
    ] & is_ground[:, :, None]
    windows = (upper_windows | ground_windows) & valid_bay[:, None, :] & valid_slot[:, :, None]
    # A floor left without any window gets them all back.
    empty = ~windows.any(axis=2, keepdims=True) & (slots < n_upper)[:, :, None]
    windows |= empty & valid_bay[:, None, :]

    grids: dict[str, _Grid] = {}
    grids["facade"] = _grid(top, 1.0, left, right)

    # Pillars between the bays, optionally at the facade's edges too.
    inner = gap * _column(p["pillar_width"])
    pillar_width = np.minimum(inner, 0.8 * margin)
    boundaries = np.arange(_MAX_BAYS + 1)[None, :]
    centres = left + margin + boundaries * bay_width
    centres = np.where(boundaries == 0, left + margin / 2, centres)
    centres = np.where(boundaries == n_bays, right - margin / 2, centres)
    edge = (boundaries == 0) | (boundaries == n_bays)
    width = np.where(edge, pillar_width, inner)
    pillar_bottom = np.where(
        _column(p["pillars_to_ground"]).astype(bool) & ~has_shop, 1.0, ground_top
    )
    present = (
        (boundaries <= n_bays)
        & (~edge | _column(p["pillar_edges"]).astype(bool))
        & _column(p["has_pillars"]).astype(bool)
    )
    grids["pillar"] = _grid(
        body_top, pillar_bottom, centres - width / 2, centres + width / 2, present[:, None, :]
    )

    # Cornices: one under the parapet, and string courses under some floors.
    cornice_top = top + _column(p["parapet"])
    grids["top_cornice"] = _grid(cornice_top, body_top, left, right)
    thickness = _column(p["cornice_height"]) * np.where(slots == n_upper - 1, 1.5, 1.0)
    mode = _column(p["cornices"])
    course = (slots < n_upper) & ((mode == 2) | ((mode == 1) & (slots == n_upper - 1)))
    grids["floor_cornice"] = _grid(
        floor_bottom - 0.35 * thickness,
        floor_bottom + 0.65 * thickness,
        left,
        right,
        course[:, :, None],
    )

    # Moldings around windows, with deco above them on some floors.
    molding = np.minimum(_column(p["molding"]), 0.3 * gap) * _column(p["has_moldings"])
    has_sills = _column(p["has_sills"]).astype(bool)
    sill_floor = has_sills & ~balcony_floor
    molding_bottom = window_bottom + np.where(sill_floor, 0.0, molding)
    grids["molding"] = _grid(
        window_top - molding,
        molding_bottom,
        window_left - molding,
        window_right + molding,
        windows & _column(p["has_moldings"]).astype(bool)[:, :, None],
    )
    deco_bottom = window_top - molding
    room = deco_bottom - floor_top - 0.004
    deco_height = np.minimum(_column(p["deco_height"]), 0.8 * room)
    deco_floors = np.where(
        _column(p["deco_lowest_only"]).astype(bool), slots == n_upper - 1, slots < n_upper
    )
    deco_floors &= (deco_height > 0.006) & _column(p["has_deco"]).astype(bool)
    extra = molding + np.minimum(_column(p["deco_extra"]), 0.2 * gap)
    grids["deco"] = _grid(
        deco_bottom - np.maximum(deco_height, 0.0),
        deco_bottom,
        window_left - extra,
        window_right + extra,
        windows & deco_floors[:, :, None],
    )

    grids["window"] = _grid(window_top, window_bottom, window_left, window_right, windows)

    # Blinds: open shutters beside the window, or roller blinds and closed shutters in it.
    state = p["blind_state"]
    balcony_top = floor_bottom - unit * _column(p["balcony_height"])
    visible_bottom = np.where(balcony_floor, balcony_top, window_bottom)
    visible = visible_bottom - window_top
    shutter = np.minimum(window_width * _column(p["shutter_width"]), 0.46 * gap)
    shutter = np.where(
        _column(p["has_pillars"]).astype(bool), np.minimum(shutter, 0.3 * gap), shutter
    )
    open_shutters = windows & (state == _OPEN_SHUTTERS)
    grids["shutters"] = _grid(
        window_top,
        window_bottom,
        np.stack([window_left - shutter, window_right], axis=-1).reshape(n, -1),
        np.stack([window_left, window_right + shutter], axis=-1).reshape(n, -1),
        np.repeat(open_shutters, 2, axis=2),
    )
    for level, fraction in enumerate(_ROLLER_LEVELS, start=1):
        grids[f"roller_{level}"] = _grid(
            window_top,
            window_top + fraction * visible,
            window_left,
            window_right,
            windows & (state == level),
        )
    grids["closed_blind"] = _grid(
        window_top, window_bottom, window_left, window_right, windows & (state == _CLOSED)
    )

    # Sills under windows without balconies.
    overhang = window_width * _column(p["sill_overhang"])
    sill_height = _column(p["sill_height"])
    grids["sill"] = _grid(
        window_bottom,
        window_bottom + sill_height,
        window_left - overhang,
        window_right + overhang,
        windows & sill_floor[:, :, None],
    )

    # Balconies: a railing over the lower part of the French windows and a slab under it.
    slab = np.minimum(0.012, 0.08 * unit)
    continuous = _column(p["balcony_type"] == 2).astype(bool)
    reach = np.minimum(window_width * _column(p["balcony_overhang"]), 0.4 * gap)
    balcony_left = np.where(continuous, bay_left, window_left - reach)
    balcony_right = np.where(continuous, bay_left + bay_width, window_right + reach)
    balcony_present = (
        balcony_floor[:, :, None]
        & (p["balcony_bays"] | continuous)[:, None, :]
        & valid_bay[:, None, :]
    )
    grids["balcony"] = _grid(
        balcony_top, floor_bottom + slab, balcony_left, balcony_right, balcony_present
    )

    # The door, and shops across the ground floor.
    door_width = bay_width * _column(p["door_width"])
    door_centre = np.take_along_axis(bay_centre, door_bay, axis=1)
    door_height = ground_height * _column(p["door_height"])
    grids["door"] = _grid(
        1.0 - door_height,
        1.0,
        door_centre - door_width / 2,
        door_centre + door_width / 2,
        has_door[:, :, None],
    )
    wide = _column(p["shop_type"] == 2).astype(bool)
    shop_half = bay_width * _column(p["shop_width"]) / 2
    shop_left = np.where(wide, bay_left, bay_centre - shop_half)
    shop_right = np.where(wide, bay_left + bay_width, bay_centre + shop_half)
    shop_present = has_shop & valid_bay & ~(has_door & (bays == door_bay))
    shop_top = ground_top + ground_height * _column(p["shop_top"])
    grids["shop"] = _grid(shop_top, 1.0, shop_left, shop_right, shop_present[:, None, :])

    # Windows lit at night: never behind closed blinds, and at least one per facade.
    lit = p["lit"] & windows & (state != _CLOSED)
    dark = ~lit.any(axis=(1, 2))
    first = windows[:, 0, :].argmax(axis=1)  # the top floor is never closed
    lit[dark, 0, first[dark]] = True

    return {
        "grids": grids,
        "windows": windows,
        "lit": lit,
        "ground_top": ground_top,
        "unit": unit,
        "window_width": window_width,
    }


# The order in which classes are drawn, back to front, and the grids of each.
_LABEL_ORDER = (
    ("facade", ("facade",)),
    ("pillar", ("pillar",)),
    ("cornice", ("top_cornice", "floor_cornice")),
    ("molding", ("molding",)),
    ("deco", ("deco",)),
    ("window", ("window",)),
    ("blind", ("shutters", "roller_1", "roller_2", "roller_3", "closed_blind")),
    ("sill", ("sill",)),
    ("balcony", ("balcony",)),
    ("door", ("door",)),
    ("shop", ("shop",)),
)


# =============================================================================================
# Drawing helpers. Images are channels first, (3, n, S, S), while drawing.
# =============================================================================================
_PIXELS_PER_CHUNK = 32 * 64 * 64
_EPSILON = 1e-6


def _box(positions: np.ndarray, low: np.ndarray, high: np.ndarray, pixel: float | None):
    """(n, S, K): how much of each pixel lies in [low, high); crisp (0 or 1) if pixel is None."""
    p = positions[None, :, None]
    low, high = low[:, None, :], high[:, None, :]
    if pixel is None:
        return ((p >= low) & (p < high)).astype(np.float32)
    half = np.float32(pixel / 2)
    overlap = np.minimum(p + half, high) - np.maximum(p - half, low)
    return np.clip(overlap / np.float32(pixel), 0.0, 1.0)


def _relative(positions: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """(n, S, K): where each pixel lies between low (0) and high (1), clipped."""
    span = np.maximum(high - low, _EPSILON)[:, None, :]
    return np.clip((positions[None, :, None] - low[:, None, :]) / span, 0.0, 1.0)


def _combine(rows: np.ndarray, present: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """(n, S, S) sum over rectangles of row profile times column profile."""
    return rows @ (present @ np.swapaxes(columns, 1, 2))


def _rgb(values: np.ndarray) -> np.ndarray:
    """(n, 3) colours shaped (3, n, 1, 1) to broadcast against a channels-first image."""
    return np.asarray(values, dtype=np.float32).T.reshape(3, -1, 1, 1)


def _smooth_noise(knot_values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Smooth random field (n, S, S) interpolated from a square grid of knots over [0, 1]^2."""
    knots = np.linspace(0.0, 1.0, knot_values.shape[-1], dtype=np.float32)
    spacing = knots[1] - knots[0]
    raw = np.exp(-np.square((positions[:, None] - knots) / spacing))
    weights = (raw / raw.sum(axis=-1, keepdims=True)).astype(np.float32)
    return weights @ knot_values.astype(np.float32) @ weights.T


def _hash(a: np.ndarray, b: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Deterministic pseudo-random values in [-1, 1] from integer arrays."""
    h = (a.astype(np.uint32) * np.uint32(73856093)) ^ (b.astype(np.uint32) * np.uint32(19349663))
    h ^= seed.astype(np.uint32) * np.uint32(83492791)
    h ^= h >> np.uint32(13)
    h *= np.uint32(1274126177)
    h ^= h >> np.uint32(16)
    return (h & np.uint32(0xFFFF)).astype(np.float32) / 32767.5 - 1.0


def _fade(period: np.ndarray | float, pixel: float) -> np.ndarray:
    """1 for patterns many pixels wide, falling to 0 as their period nears two pixels."""
    return np.clip((np.asarray(period) / pixel - 2.0) / 2.0, 0.0, 1.0).astype(np.float32)


class _Canvas:
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


class _Renderer:
    """Pixel-level drawing of one chunk's grids, crisp for labels or antialiased for photos."""

    def __init__(self, size: int, crisp: bool) -> None:
        self.size = size
        self.pixel = 1.0 / size
        self.positions = ((np.arange(size) + 0.5) / size).astype(np.float32)
        self._width = None if crisp else self.pixel

    def rows(self, grid: _Grid) -> np.ndarray:
        return _box(self.positions, grid.top, grid.bottom, self._width)

    def columns(self, grid: _Grid) -> np.ndarray:
        return _box(self.positions, grid.left, grid.right, self._width)

    def cover(self, grid: _Grid, row_weight=None, column_weight=None, present=None):
        """(n, S, S) coverage of the grid's rectangles, optionally weighted by profiles."""
        rows = self.rows(grid)
        columns = self.columns(grid)
        if row_weight is not None:
            rows = rows * row_weight
        if column_weight is not None:
            columns = columns * column_weight
        return _combine(rows, grid.present if present is None else present, columns)

    def relative_y(self, grid: _Grid) -> np.ndarray:
        return _relative(self.positions, grid.top, grid.bottom)

    def relative_x(self, grid: _Grid) -> np.ndarray:
        return _relative(self.positions, grid.left, grid.right)


def _render_labels(layout: dict[str, object], size: int) -> np.ndarray:
    """Class indices (n, S, S) uint8 with crisp edges: each pixel takes the class at its centre."""
    grids: dict[str, _Grid] = layout["grids"]  # type: ignore[assignment]
    renderer = _Renderer(size, crisp=True)
    count = grids["facade"].top.shape[0]
    classes = np.zeros((count, size, size), dtype=np.uint8)
    for name, parts in _LABEL_ORDER:
        mask = sum(renderer.cover(grids[part]) for part in parts) > 0.5
        classes[mask] = _CLASS[name]
    return classes


def _sub(grid: _Grid, top=None, bottom=None, left=None, right=None, present=None) -> _Grid:
    """A copy of grid with some of its arrays replaced."""
    return _Grid(
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


def _panes(grid: _Grid, bar: np.ndarray, rows: tuple[float, ...], columns: tuple[float, ...]):
    """The glass panes of every rectangle of grid: frames of width bar, split by glazing bars."""
    top, bottom = _split(grid.top, grid.bottom, rows, bar)
    left, right = _split(grid.left, grid.right, columns, bar)
    present = np.repeat(np.repeat(grid.present, len(rows) + 1, axis=1), len(columns) + 1, axis=2)
    return _Grid(top, bottom, left, right, present)


def _shadow_rows(positions, edge: np.ndarray, length: np.ndarray) -> np.ndarray:
    """(n, S, K): a shadow fading out over `length` below (after) each edge."""
    distance = positions[None, :, None] - edge[:, None, :]
    decay = np.exp(-np.maximum(distance, 0.0) / length[:, None, :])
    return np.where(distance >= 0, decay, 0.0).astype(np.float32)


def _render_photos(
    layout: dict[str, object], p: dict[str, np.ndarray], size: int, night: bool, grain: np.ndarray
) -> np.ndarray:
    """Photos (n, S, S, 3) float32 in [0, 1] of the facades, in daylight or at night."""
    grids: dict[str, _Grid] = layout["grids"]  # type: ignore[assignment]
    f = {name: np.asarray(values, dtype=np.float32) for name, values in p.items()}
    count = len(f["n_upper"])
    r = _Renderer(size, crisp=False)
    pixel = r.pixel
    pos = r.positions
    x = pos[None, None, :]
    y = pos[None, :, None]
    canvas = _Canvas(count, size, night)

    def column(name: str) -> np.ndarray:
        """A per-facade value shaped (n, 1, 1)."""
        return f[name][:, None, None]

    # Sky, or at night a dark sky that gives its own faint light.
    top = f["facade_top"][:, None, None]
    horizon = np.clip(y / (top + 0.15), 0.0, 1.0)
    clouds = _smooth_noise(f["cloud_noise"], pos)
    cloud = np.clip(0.5 * clouds + column("cloudiness") - 0.3, 0.0, 0.6)
    sky_top, sky_bottom = _rgb(f["sky_top_rgb"]), _rgb(f["sky_bottom_rgb"])
    whole = np.ones((count, size, size), dtype=np.float32)
    if night:
        night_sky = (
            np.array([0.015, 0.02, 0.06], np.float32).reshape(3, 1, 1, 1)
            + np.array([0.04, 0.05, 0.09], np.float32).reshape(3, 1, 1, 1) * horizon
        )
        canvas.paint(whole, np.zeros((3, 1, 1, 1), np.float32), night_sky + 0.03 * cloud)
    else:
        sky = sky_top + (sky_bottom - sky_top) * horizon
        canvas.paint(whole, sky + (0.95 - sky) * cloud)

    # A roof above some facades, and neighbouring houses beside narrow ones (both background).
    roof_top = f["facade_top"] * (1.0 - f["roof_height"])
    roof = _grid(roof_top, f["facade_top"], 0.0, 1.0, f["has_roof"][:, None, None])
    roof_cover = r.cover(roof)
    tiles = 1.0 + 0.12 * np.sin(2 * np.pi * y / 0.012) * _fade(0.012, pixel)
    roof_shade = 0.75 + 0.25 * r.cover(roof, row_weight=r.relative_y(roof)) / (
        roof_cover + _EPSILON
    )
    canvas.paint(roof_cover, _rgb(f["roof_rgb"]) * tiles * roof_shade)
    neighbours = _grid(
        f["facade_top"][:, None] + f["neighbour_top"],
        1.0,
        np.stack([np.zeros(count), f["facade_right"]], axis=-1),
        np.stack([f["facade_left"], np.ones(count)], axis=-1),
        np.eye(2, dtype=np.float32)[None],
    )
    canvas.paint(r.cover(neighbours), _rgb(f["neighbour_rgb"]))

    # The wall: plaster with blotches and grain, or bricks; lit from one side.
    plaster = _smooth_noise(f["plaster_noise"], pos)
    fine = _smooth_noise(f["fine_noise"], pos)
    texture = 1.0 + column("plaster_contrast") * plaster + 0.03 * fine + column("grain") * grain
    light = 1.0 + column("light_strength") * column("light_x") * (2.0 * x - 1.0)
    shade = light * (1.0 - 0.06 * y)
    brick = column("wall_type")
    brick_height = column("brick_height")
    brick_length = brick_height * column("brick_length")
    course = np.floor((y - top) / brick_height)
    along = x / brick_length + 0.5 * (course % 2)
    shape = (count, size, size)
    seed = np.broadcast_to(f["hash_seed"].astype(np.int64)[:, None, None], shape)
    brick_id = np.broadcast_to(np.floor(along), shape).astype(np.int64)
    course_id = np.broadcast_to(course, shape).astype(np.int64)
    fade = _fade(brick_height, pixel)
    variation = 1.0 + (0.05 + 0.05 * fade) * _hash(course_id, brick_id, seed)
    # Mortar joints: drawn where bricks are several pixels tall, an average tint where not.
    joints = (((y - top) / brick_height) % 1.0 < _MORTAR) | (
        along % 1.0 < _MORTAR / column("brick_length")
    )
    share = 1.0 - (1.0 - _MORTAR) * (1.0 - _MORTAR / column("brick_length"))
    mortar = share + (joints - share) * fade
    bricks = variation * (1.0 - mortar) + 1.3 * mortar  # light mortar between the bricks
    wall_texture = np.where(brick > 0, bricks * (1.0 + 0.5 * (texture - 1.0)), texture)
    wall = _rgb(f["wall_rgb"]) * wall_texture * shade
    canvas.paint(r.cover(grids["facade"]), wall)

    # A rusticated ground floor on some facades: stone courses with dark joints.
    ground_top = layout["ground_top"].astype(np.float32)  # (n, 1)
    facade = grids["facade"]
    ground = _sub(facade, top=ground_top, present=facade.present * column("rusticated"))
    courses = 1.0 - 0.25 * (np.abs(((y - ground_top[:, :, None]) / 0.03) % 1.0 - 0.5) > 0.42)
    canvas.paint(r.cover(ground), _rgb(f["ground_rgb"]) * texture * shade * courses)

    # Pilasters, lit on the side facing the light.
    pillars = grids["pillar"]
    pillar_cover = r.cover(pillars)
    across = r.cover(pillars, column_weight=r.relative_x(pillars)) / (pillar_cover + _EPSILON)
    pillar_rgb = 0.25 * _rgb(f["wall_rgb"]) + 0.75 * _rgb(f["trim_rgb"])
    pillar_shade = 1.0 + 0.25 * column("light_x") * (2.0 * across - 1.0)
    canvas.paint(pillar_cover, pillar_rgb * texture * pillar_shade * light)

    # Cornices: lit on top, dark underneath.
    for name in ("top_cornice", "floor_cornice"):
        grid = grids[name]
        cover = r.cover(grid)
        down = r.cover(grid, row_weight=r.relative_y(grid)) / (cover + _EPSILON)
        canvas.paint(cover, _rgb(f["trim_rgb"]) * texture * light * (1.15 - 0.5 * down))

    # Moldings, and deco with a row of dentils.
    cover = r.cover(grids["molding"])
    canvas.paint(cover, _rgb(f["trim_rgb"]) * texture * light)
    deco = grids["deco"]
    cover = r.cover(deco)
    down = r.cover(deco, row_weight=r.relative_y(deco)) / (cover + _EPSILON)
    dentils = 1.0 + 0.2 * np.sin(2 * np.pi * x / 0.012) * _fade(0.012, pixel) * (down > 0.5)
    canvas.paint(cover, _rgb(f["trim_rgb"]) * texture * light * dentils * (1.12 - 0.3 * down))

    # Windows: a frame, then panes of glass reflecting the sky, or lit from inside at night.
    windows = grids["window"]
    canvas.paint(r.cover(windows), _rgb(f["frame_rgb"]) * light)
    bar = np.maximum(0.09 * layout["window_width"][:, :1], 0.003).astype(np.float32)
    panes = _panes(windows, bar, (0.3,), (0.5,))
    pane_cover = r.cover(panes)
    pane_down = r.cover(panes, row_weight=r.relative_y(panes)) / (pane_cover + _EPSILON)
    streak = np.clip(np.sin(2 * np.pi * (x * 1.3 + y) * 2.5 + column("streak_phase")), 0.0, 1.0)
    reflection = np.clip(0.45 * (1.0 - pane_down) + 0.25 * streak**4, 0.0, 0.8)
    glass = _rgb(f["glass_rgb"])
    if night:
        lit = np.repeat(np.repeat(layout["lit"], 2, axis=1), 2, axis=2) * panes.present
        glow = []
        for channel in range(3):
            light_colour = np.repeat(np.repeat(f["light_rgb"][..., channel], 2, 1), 2, 2)
            glow.append(r.cover(panes, present=lit * light_colour))
        inside = 0.8 + 0.3 * pane_down  # brighter towards the lower part of the room
        emitted = np.stack(glow) / (pane_cover + _EPSILON) * inside
        canvas.paint(pane_cover, glass * 0.6 + 0.1 * reflection * sky_top, emitted)
    else:
        canvas.paint(pane_cover, glass + (sky_bottom - glass) * reflection)

    # Blinds: louvred shutters beside or over windows, roller blinds with thin slats.
    louvres = 1.0 + 0.2 * np.sin(2 * np.pi * y / 0.01) * _fade(0.01, pixel)
    shutter_rgb = _rgb(f["shutter_rgb"]) * light * louvres
    canvas.paint(r.cover(grids["shutters"]), shutter_rgb)
    closed = grids["closed_blind"]
    cover = r.cover(closed)
    middle = r.cover(closed, column_weight=r.relative_x(closed)) / (cover + _EPSILON)
    leaves = 1.0 - 0.5 * (np.abs(middle - 0.5) < 0.5 * pixel / layout["window_width"][:, :1, None])
    roller_or_shutter = np.where(column("blinds") == 1, shutter_rgb, _rgb(f["roller_rgb"]) * light)
    canvas.paint(cover, roller_or_shutter * np.where(column("blinds") == 1, leaves, 1.0))
    slats = 1.0 + 0.08 * np.sin(2 * np.pi * y / 0.006) * _fade(0.006, pixel)
    for level in range(1, len(_ROLLER_LEVELS) + 1):
        grid = grids[f"roller_{level}"]
        cover = r.cover(grid)
        down = r.cover(grid, row_weight=r.relative_y(grid)) / (cover + _EPSILON)
        bottom_bar = 1.0 - 0.35 * (down > 0.9)
        canvas.paint(cover, _rgb(f["roller_rgb"]) * light * slats * bottom_bar)

    # Sills, lit on top.
    sills = grids["sill"]
    cover = r.cover(sills)
    down = r.cover(sills, row_weight=r.relative_y(sills)) / (cover + _EPSILON)
    canvas.paint(cover, _rgb(f["trim_rgb"]) * light * (1.2 - 0.35 * down))

    # Balconies: railings (iron bars or stone balusters) over the windows, on a stone slab.
    balconies = grids["balcony"]
    cover = r.cover(balconies)
    down = r.cover(balconies, row_weight=r.relative_y(balconies)) / (cover + _EPSILON)
    stone = column("balcony_stone")
    spacing = np.where(stone > 0, 0.02, 0.011).astype(np.float32)
    duty = np.where(stone > 0, 0.6, 0.4).astype(np.float32)
    bars = ((x / spacing) % 1.0 < duty).astype(np.float32)
    fade = _fade(spacing, pixel)
    bars = duty + (bars - duty) * fade
    solid = (down < 0.15) | (down > 0.72)
    opacity = np.where(solid, 1.0, bars)
    railing_rgb = np.where(stone > 0, _rgb(f["trim_rgb"]), _rgb(f["metal_rgb"]))
    railing_rgb = np.where(down > 0.72, _rgb(f["trim_rgb"]) * (1.1 - 0.4 * down), railing_rgb)
    canvas.paint(cover * opacity, railing_rgb * light)

    # The door: panels, and a glass fanlight over some doors.
    door = grids["door"]
    canvas.paint(r.cover(door), _rgb(f["door_rgb"]) * light)
    door_width = door.right - door.left
    door_bar = (0.12 * door_width).astype(np.float32)
    fanlight = column("door_fanlight")
    panels = _panes(door, door_bar, (0.22, 0.6), (0.5,))
    panel_cover = r.cover(panels)
    panel_down = r.cover(panels, row_weight=r.relative_y(panels)) / (panel_cover + _EPSILON)
    canvas.paint(panel_cover * 0.8, _rgb(f["door_rgb"]) * light * (0.72 + 0.2 * panel_down))
    fan = _sub(door, bottom=door.top + 0.2 * (door.bottom - door.top))
    fan = _panes(fan, door_bar * 0.6, (), (0.5,))
    fan_cover = r.cover(fan) * fanlight
    if night:
        fan_light = column("door_lit") * np.array([0.9, 0.7, 0.4], np.float32).reshape(3, 1, 1, 1)
        canvas.paint(fan_cover, glass * 0.6, fan_light)
    else:
        canvas.paint(fan_cover, glass + (sky_bottom - glass) * 0.3)

    # Shops: a coloured sign over a dark-framed shop window, brightly lit at night.
    shop = grids["shop"]
    shop_cover = r.cover(shop)
    canvas.paint(shop_cover, _rgb(f["shop_frame_rgb"]) * light)
    shop_height = shop.bottom - shop.top
    sign = _sub(shop, bottom=shop.top + 0.22 * shop_height)
    sign = _panes(sign, (0.025 * shop_height).astype(np.float32), (), ())
    sign_cover = r.cover(sign)
    sign_across = r.cover(sign, column_weight=r.relative_x(sign)) / (sign_cover + _EPSILON)
    sign_down = r.cover(sign, row_weight=r.relative_y(sign)) / (sign_cover + _EPSILON)
    letters = (
        (np.abs(sign_across - 0.5) < 0.3)
        & (np.abs(sign_down - 0.5) < 0.22)
        & (np.sin(2 * np.pi * x / 0.014) > -0.2)
    )
    letter_fade = _fade(0.014, pixel) * 0.8 + 0.2
    sign_rgb = _rgb(f["sign_rgb"])
    sign_colour = sign_rgb + (0.95 - sign_rgb) * letters * letter_fade
    shop_glass = _sub(shop, top=shop.top + 0.22 * shop_height)
    shop_glass = _panes(shop_glass, (0.03 * shop_height).astype(np.float32), (0.78,), (0.5,))
    glass_cover = r.cover(shop_glass)
    glass_down = r.cover(shop_glass, row_weight=r.relative_y(shop_glass)) / (glass_cover + _EPSILON)
    if night:
        shop_lit = column("shop_lit")
        warm = np.array([1.0, 0.86, 0.62], np.float32).reshape(3, 1, 1, 1)
        canvas.paint(sign_cover, sign_colour * 0.5, sign_colour * shop_lit * 0.9)
        canvas.paint(glass_cover, glass * 0.6, warm * shop_lit * (0.75 + 0.2 * glass_down))
    else:
        canvas.paint(sign_cover, sign_colour * light)
        shop_reflection = np.clip(0.5 * (1.0 - glass_down) + 0.3 * streak**4, 0.0, 0.8)
        canvas.paint(glass_cover, glass + (sky_bottom - glass) * shop_reflection)

    image = canvas.albedo
    if not night:
        # Soft shadows under everything that stands out of the wall, cast away from the sun.
        shift = (-0.5 * f["light_x"])[:, None]
        shadow = np.zeros((count, size, size), dtype=np.float32)
        casters = (
            ("top_cornice", 0.035, 0.9),
            ("floor_cornice", 0.014, 0.7),
            ("sill", 0.010, 0.7),
            ("balcony", 0.030, 0.8),
            ("molding", 0.008, 0.5),
            ("deco", 0.010, 0.6),
            ("window", 0.015, 0.6),  # the lintel's shadow inside the window recess
            ("shutters", 0.006, 0.4),
        )
        for name, length, strength in casters:
            grid = grids[name]
            lengths = np.full_like(grid.bottom, length)
            edge = grid.top if name == "window" else grid.bottom
            rows = _shadow_rows(pos, edge, lengths)
            columns = _box(pos, grid.left + shift * length, grid.right + shift * length, pixel)
            shadow += strength * _combine(rows, grid.present, columns)
        pillar_left = _shadow_rows(-pos, -pillars.left, np.full_like(pillars.left, 0.012))
        pillar_right = _shadow_rows(pos, pillars.right, np.full_like(pillars.right, 0.012))
        away = np.where(f["light_x"][:, None, None] > 0, pillar_left, pillar_right)
        shadow += 0.5 * _combine(r.rows(pillars), pillars.present, away)
        image *= 1.0 - column("shadow_strength") * np.clip(shadow, 0.0, 1.0)
        image *= column("exposure")
    else:
        # Night: dim blue ambient light, warm street light from below, glow around windows.
        facade_cover = r.cover(grids["facade"])
        tint = np.array([0.75, 0.85, 1.2], np.float32).reshape(3, 1, 1, 1)
        image *= column("night_dim") * tint
        street = column("street_light") * np.exp(-(1.0 - y) / 0.15) * facade_cover
        image += np.array([1.0, 0.75, 0.45], np.float32).reshape(3, 1, 1, 1) * street
        halo = _grid(
            windows.top - 0.03,
            windows.bottom + 0.03,
            windows.left - 0.03,
            windows.right + 0.03,
            windows.present * layout["lit"],
        )
        soft = _combine(
            np.exp(-np.square(_relative(pos, halo.top, halo.bottom) * 2 - 1) * 2.0) * r.rows(halo),
            halo.present,
            np.exp(-np.square(_relative(pos, halo.left, halo.right) * 2 - 1) * 2.0)
            * r.columns(halo),
        )
        image += 0.18 * np.array([1.0, 0.72, 0.4], np.float32).reshape(3, 1, 1, 1) * soft
        image += canvas.emission
    image += grain * column("grain")
    return np.moveaxis(np.clip(image, 0.0, 1.0), 0, -1)


# =============================================================================================
# Public API.
# =============================================================================================
def _layout_table(p: dict[str, np.ndarray], windows: np.ndarray, lit: np.ndarray) -> pd.DataFrame:
    """One row per facade with the columns FACADE_ATTRIBUTES."""

    def names(table: tuple[str, ...], index: np.ndarray) -> np.ndarray:
        return np.asarray(table, dtype=object)[np.asarray(index, dtype=int)]

    window_count = windows.sum(axis=(1, 2))
    lit = lit.sum(axis=(1, 2))
    columns = {
        "floors": p["n_upper"].astype(int) + 1,
        "bays": p["n_bays"].astype(int),
        "windows": window_count.astype(int),
        "has_door": p["has_door"].astype(bool),
        "has_shop": p["has_shop"].astype(bool),
        "shop_type": names(_SHOP_TYPES, p["shop_type"]),
        "has_balconies": p["has_balconies"].astype(bool),
        "balcony_type": names(_BALCONY_TYPES, p["balcony_type"]),
        "has_pillars": p["has_pillars"].astype(bool),
        "has_moldings": p["has_moldings"].astype(bool),
        "has_deco": p["has_deco"].astype(bool),
        "has_sills": p["has_sills"].astype(bool),
        "blinds": names(_BLINDS, p["blinds"]),
        "cornices": names(_CORNICES, p["cornices"]),
        "wall": names(_WALLS, p["wall_type"]),
        "wall_colour": names(_WALL_NAMES, p["wall_colour"]),
        "wall_r": p["wall_rgb"][:, 0],
        "wall_g": p["wall_rgb"][:, 1],
        "wall_b": p["wall_rgb"][:, 2],
        "has_roof": p["has_roof"].astype(bool),
        "light_x": p["light_x"],
        "lit_fraction": lit / np.maximum(window_count, 1),
        "facade_top": p["facade_top"],
        "facade_left": p["facade_left"],
        "facade_right": p["facade_right"],
    }
    return pd.DataFrame({name: columns[name] for name in FACADE_ATTRIBUTES})


def _is_integer(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_size(size: object) -> int:
    if not _is_integer(size) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    return int(size)


def _check_arguments(count: object, size: object, seed: object, style: object) -> None:
    """Raise ValueError for arguments make_facades cannot honour."""
    if not _is_integer(count) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    _check_size(size)
    if not _is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")


def _grain(seed: int, start: int, count: int, size: int) -> np.ndarray:
    """Pixel noise (count, size, size) for facades start ... start + count - 1."""
    return np.stack(
        [
            np.random.default_rng([seed, _GRAIN_STREAM, index]).standard_normal(
                (size, size), dtype=np.float32
            )
            for index in range(start, start + count)
        ]
    )


def make_facades(
    count: int, size: int = 64, seed: int = 0, style: str = "day"
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Draw `count` facades: label maps and photos, float32 (count, size, size, 3) in [0, 1].

    Introduced in notebook 04. The label map of facade i depends only on (seed, i), never on
    style ("day" or "night"), so the two styles make paired photos of the same buildings.
    """
    _check_arguments(count, size, seed, style)
    count, size, seed = int(count), int(size), int(seed)
    parameters = _sample(count, seed)
    labels = np.empty((count, size, size, 3), dtype=np.float32)
    photos = np.empty((count, size, size, 3), dtype=np.float32)
    chunk = max(1, _PIXELS_PER_CHUNK // (size * size))
    windows, lit = [], []
    for start in range(0, count, chunk):
        part = {name: values[start : start + chunk] for name, values in parameters.items()}
        layout = _layout(part)
        windows.append(layout["windows"])
        lit.append(layout["lit"])
        stop = start + len(part["n_upper"])
        labels[start:stop] = _PALETTE_ARRAY[_render_labels(layout, size)]
        grain = _grain(seed, start, stop - start, size)
        photos[start:stop] = _render_photos(layout, part, size, style == "night", grain)
    return labels, photos, _layout_table(parameters, np.concatenate(windows), np.concatenate(lit))


def labels_to_classes(labels: np.ndarray) -> np.ndarray:
    """Class index (int64, CLASS_NAMES order) of the nearest palette colour of every pixel.

    Introduced in notebook 04; also snaps the JPEG-blurred label maps of the real CMP data.
    """
    labels = np.asarray(labels, dtype=np.float32)
    if labels.shape[-1] != 3:
        raise ValueError(f"labels must end in 3 colour channels, got shape {labels.shape}")
    distance = np.square(labels[..., None, :] - _PALETTE_ARRAY).sum(axis=-1)
    return distance.argmin(axis=-1)


# =============================================================================================
# The real CMP facades as packaged for pix2pix: facades/{train,val,test}/N.jpg, each 256 x 512
# with the photo on the left (pix2pix's A) and the label map on the right (B). pix2pix trains
# labels -> photo with which_direction=BtoA (phillipi/pix2pix README); TensorFlow's pix2pix
# tutorial (tensorflow/docs, site/en/tutorials/generative/pix2pix.ipynb) loads the same files
# with real_image = image[:, :w] and input_image = image[:, w:].
# =============================================================================================
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_DOWNLOAD_HINT = (
    'Download it once with course_lib.downloads.fetch_known("facades", '
    "trust_first_download=True) (about 30 MB; compare its MD5 with the one noted in "
    "course_lib.downloads.KNOWN_DOWNLOADS) and pass the folder it returns, or leave folder=None."
)


def _split_folder(root: Path, split: str) -> Path | None:
    """The folder of `split` below root (root/split or root/facades/split), if there is one."""
    for base in (root, root / "facades"):
        if (base / split).is_dir():
            return base / split
    return None


def _find_cmp_folder(folder: str | os.PathLike[str] | None, split: str, download: bool) -> Path:
    """The folder holding the split's images; raises FileNotFoundError saying how to get them."""
    if folder is not None:
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(
                f"CMP facades folder not found: '{folder}' (absolute: {root.absolute()}). "
                + _DOWNLOAD_HINT
            )
    else:
        cache = data_dir()
        root = cache / "facades"
        found = _split_folder(root, split) if root.is_dir() else None
        if found is not None:
            return found
        archive = cache / KNOWN_DOWNLOADS["facades"][2]
        if not (archive.exists() or download):
            raise FileNotFoundError(
                f"The CMP facades are not in the data folder {cache}. "
                + _DOWNLOAD_HINT
                + " Or call load_cmp_facades(download=True)."
            )
        root = fetch_known("facades")
    found = _split_folder(root, split)
    if found is None:
        raise FileNotFoundError(
            f"No '{split}' folder in {root}: expected pix2pix's layout facades/{split}/1.jpg, "
            f"2.jpg, ... (each 256 x 512: photo left, label map right). " + _DOWNLOAD_HINT
        )
    return found


def _image_order(path: Path) -> tuple[int, str]:
    """Sort 1.jpg, 2.jpg, ..., 10.jpg numerically, other names after them."""
    return (int(path.stem) if path.stem.isdigit() else 1 << 62, path.name)


def load_cmp_facades(
    size: int = 256,
    split: str = "train",
    limit: int | None = None,
    folder: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Load pix2pix's real CMP facades: (labels, photos), float32 (N, size, size, 3) in [0, 1].

    Introduced in notebook 04. folder=None reads the course's data folder (downloads.data_dir);
    download=True fetches the archive there first if it is missing.
    """
    size = _check_size(size)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if limit is not None and (not _is_integer(limit) or limit < 1):
        raise ValueError(f"limit must be None or a positive integer, got {limit!r}")
    directory = _find_cmp_folder(folder, split, download)
    files = sorted(
        (p for p in directory.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES), key=_image_order
    )
    if not files:
        raise FileNotFoundError(f"No .jpg images in {directory}. " + _DOWNLOAD_HINT)
    files = files[:limit] if limit is not None else files
    labels = np.empty((len(files), size, size, 3), dtype=np.float32)
    photos = np.empty_like(labels)
    for index, path in enumerate(files):
        with Image.open(path) as image:
            pair = image.convert("RGB")
        width, height = pair.size
        if width != 2 * height:
            raise ValueError(
                f"{path} is {width} x {height} pixels; a pix2pix facade pair is twice as wide as "
                f"it is tall (photo left, label map right)."
            )
        photo = pair.crop((0, 0, height, height))
        label = pair.crop((height, 0, width, height))
        if height != size:
            photo = photo.resize((size, size), Image.Resampling.LANCZOS)
            label = label.resize((size, size), Image.Resampling.NEAREST)
        photos[index] = np.asarray(photo, dtype=np.float32) / 255.0
        labels[index] = np.asarray(label, dtype=np.float32) / 255.0
    return labels, np.clip(photos, 0.0, 1.0)
