"""Procedural building facades: CMP-style label maps and the photos they describe.

Notebook 04 translates facade label maps into photos, like pix2pix's CMP Facades experiment,
on data that needs no download; notebook 05 uses the day and night photos as two unpaired
domains. Every facade is a grid of floors and bays laid out in normalised coordinates, so it
looks the same at 64 and at 256 pixels. Pure NumPy; nothing runs on import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.procedural.common import (
    attribute_table,
    check_count,
    check_seed,
    check_size,
    chunks,
    names_of,
)
from course_lib.procedural.facade_canvas import Renderer
from course_lib.procedural.facade_drawing import render_photos
from course_lib.procedural.facade_layout import Layout, lay_out
from course_lib.procedural.facade_sampling import (
    BALCONY_TYPES,
    BLINDS,
    CORNICES,
    SHOP_TYPES,
    WALL_NAMES,
    WALLS,
    sample_facades,
)

__all__ = [
    "CLASS_NAMES",
    "FACADE_ATTRIBUTES",
    "MAX_SIZE",
    "MIN_SIZE",
    "PALETTE",
    "STYLES",
    "labels_to_classes",
    "make_facades",
]

MIN_SIZE = 64
MAX_SIZE = 256
STYLES = ("day", "night")


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

_GRAIN_STREAM = 42


def _render_labels(layout: Layout, size: int) -> np.ndarray:
    """Class indices (n, S, S) uint8 with crisp edges: each pixel takes the class at its centre."""
    renderer = Renderer(size, crisp=True)
    count = layout.grids["facade"].top.shape[0]
    classes = np.zeros((count, size, size), dtype=np.uint8)
    for name, parts in _LABEL_ORDER:
        mask = sum(renderer.cover(layout.grids[part]) for part in parts) > 0.5
        classes[mask] = _CLASS[name]
    return classes


def _layout_table(p: dict[str, np.ndarray], windows: np.ndarray, lit: np.ndarray) -> pd.DataFrame:
    """One row per facade with the columns FACADE_ATTRIBUTES."""
    window_count = windows.sum(axis=(1, 2))
    lit = lit.sum(axis=(1, 2))
    columns = {
        "floors": p["n_upper"].astype(int) + 1,
        "bays": p["n_bays"].astype(int),
        "windows": window_count.astype(int),
        "has_door": p["has_door"].astype(bool),
        "has_shop": p["has_shop"].astype(bool),
        "shop_type": names_of(SHOP_TYPES, p["shop_type"]),
        "has_balconies": p["has_balconies"].astype(bool),
        "balcony_type": names_of(BALCONY_TYPES, p["balcony_type"]),
        "has_pillars": p["has_pillars"].astype(bool),
        "has_moldings": p["has_moldings"].astype(bool),
        "has_deco": p["has_deco"].astype(bool),
        "has_sills": p["has_sills"].astype(bool),
        "blinds": names_of(BLINDS, p["blinds"]),
        "cornices": names_of(CORNICES, p["cornices"]),
        "wall": names_of(WALLS, p["wall_type"]),
        "wall_colour": names_of(WALL_NAMES, p["wall_colour"]),
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
    return attribute_table(columns, FACADE_ATTRIBUTES)


def _check_style(style: object) -> str:
    """style, unless it is not one of STYLES (ValueError)."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    return style


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
    count = check_count(count)
    size = check_size(size, MIN_SIZE, MAX_SIZE)
    seed = check_seed(seed)
    night = _check_style(style) == "night"
    parameters = sample_facades(count, seed)
    labels = np.empty((count, size, size, 3), dtype=np.float32)
    photos = np.empty((count, size, size, 3), dtype=np.float32)
    windows, lit = [], []
    for start, stop, part in chunks(parameters, count, size):
        layout = lay_out(part)
        windows.append(layout.windows)
        lit.append(layout.lit)
        labels[start:stop] = _PALETTE_ARRAY[_render_labels(layout, size)]
        grain = _grain(seed, start, stop - start, size)
        photos[start:stop] = render_photos(layout, part, size, night, grain)
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
