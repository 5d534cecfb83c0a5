"""Procedural cartoon portraits: the course's default sharp face images.

Every face is drawn in normalised coordinates with edges blurred over one pixel, so a face looks
the same at 32 and at 256 pixels. Pure NumPy, vectorised over a batch of faces; nothing runs on
import. Introduced in notebook 01.
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
    is_integer,
    names_of,
)
from course_lib.procedural.face_drawing import render_faces
from course_lib.procedural.face_sampling import (
    BACKGROUNDS,
    BEARD_STYLES,
    BROWS,
    EYE_COLOURS,
    FACE_SHAPES,
    FRONT_LIGHT_LIMIT,
    GLASSES,
    HAIR_COLOURS,
    HAIR_LENGTHS,
    HAIR_TEXTURES,
    LIGHT_DIRECTIONS,
    LIPS,
    MOUTHS,
    sample_faces,
)

__all__ = [
    "FACE_ATTRIBUTES",
    "GROUPS",
    "MAX_SIZE",
    "MIN_SIZE",
    "make_faces",
]

MIN_SIZE = 32
MAX_SIZE = 256
GROUPS = (0, 1)

# Columns of the attribute table returned by make_faces, in order.
FACE_ATTRIBUTES = (
    "group",
    "skin_tone",
    "skin_r",
    "skin_g",
    "skin_b",
    "face_shape",
    "hair_colour",
    "hair_length",
    "hair_texture",
    "eye_colour",
    "brows",
    "glasses",
    "beard",
    "beard_style",
    "moustache",
    "lips",
    "mouth",
    "background",
    "light_direction",
    "light_x",
    "offset_x",
    "offset_y",
    "scale",
)

# What muted=True desaturates, and how much colour it leaves (a fraction of the original).
_MUTED_COLOURS = ("background_rgb", "background_second_rgb", "clothing_rgb")
_MUTED_SATURATION = 0.15


def _attribute_table(p: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per face with the columns FACE_ATTRIBUTES."""
    light_x = p["light_x"]
    light_direction = (light_x > -FRONT_LIGHT_LIMIT).astype(int) + (light_x > FRONT_LIGHT_LIMIT)
    columns = {
        "group": p["group"].astype(int),
        "skin_tone": p["skin_tone"],
        "skin_r": p["skin_rgb"][:, 0],
        "skin_g": p["skin_rgb"][:, 1],
        "skin_b": p["skin_rgb"][:, 2],
        "face_shape": names_of(FACE_SHAPES, p["face_shape"]),
        "hair_colour": names_of(HAIR_COLOURS, p["hair_colour"]),
        "hair_length": names_of(HAIR_LENGTHS, p["hair_length"]),
        "hair_texture": names_of(HAIR_TEXTURES, p["curly"]),
        "eye_colour": names_of(EYE_COLOURS, p["eye_colour"]),
        "brows": names_of(BROWS, p["brows"]),
        "glasses": names_of(GLASSES, p["glasses"]),
        "beard": p["beard_style"] > 0,
        "beard_style": names_of(BEARD_STYLES, p["beard_style"]),
        "moustache": p["moustache"].astype(bool),
        "lips": names_of(LIPS, p["lips"]),
        "mouth": names_of(MOUTHS, p["mouth"]),
        "background": names_of(BACKGROUNDS, p["background"]),
        "light_direction": names_of(LIGHT_DIRECTIONS, light_direction),
        "light_x": light_x,
        "offset_x": p["offset_x"],
        "offset_y": p["offset_y"],
        "scale": p["scale"],
    }
    return attribute_table(columns, FACE_ATTRIBUTES)


def _check_group(group: object) -> int | None:
    """group as None or an int; ValueError unless it is None, 0 or 1."""
    if group is not None and (not is_integer(group) or group not in GROUPS):
        raise ValueError(f"group must be None, 0 or 1, got {group!r}")
    return None if group is None else int(group)


def _mute(parameters: dict[str, np.ndarray]) -> None:
    """Grey the background and clothes in place, keeping _MUTED_SATURATION of their colour."""
    for name in _MUTED_COLOURS:
        colours = parameters[name]
        grey = colours.mean(axis=-1, keepdims=True)
        parameters[name] = grey + _MUTED_SATURATION * (colours - grey)


def make_faces(
    count: int, size: int = 64, seed: int = 0, group: int | None = None, muted: bool = False
) -> tuple[np.ndarray, pd.DataFrame]:
    """Draw `count` cartoon portraits, float32 (count, size, size, 3) in [0, 1], with attributes.

    Introduced in notebook 01. group=None mixes both populations, 0 or 1 keeps only that one.
    muted=True keeps every face but greys its background and clothes, like studio portraits.
    """
    count = check_count(count)
    size = check_size(size, MIN_SIZE, MAX_SIZE)
    seed = check_seed(seed)
    group = _check_group(group)
    parameters = sample_faces(count, seed, group)
    if muted:
        _mute(parameters)
    images = np.empty((count, size, size, 3), dtype=np.float32)
    for start, stop, part in chunks(parameters, count, size):
        images[start:stop] = render_faces(part, size)
    return images, _attribute_table(parameters)
