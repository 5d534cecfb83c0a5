"""Procedural cartoon portraits: the course's default sharp face images.

Every face is drawn in normalised coordinates with anti-aliased edges, so one face looks the
same at 32 and at 256 pixels. Pure NumPy, vectorised over a batch of faces; nothing runs on
import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    "background",
    "light_direction",
    "light_x",
    "offset_x",
    "offset_y",
    "scale",
)

# ---------------------------------------------------------------------------------------------
# Sampling. Faces are drawn in blocks of _BLOCK from a generator seeded by (seed, group, block),
# so face i depends only on (seed, group, i): a longer batch starts with the shorter one.
# ---------------------------------------------------------------------------------------------
_BLOCK = 256
# Faces are drawn a few at a time so that the working arrays stay in the processor's cache.
_PIXELS_PER_CHUNK = 32 * 64 * 64
_ALL_GROUPS_CODE = 2  # stands for group=None in the generator's seed

# Human skin from very light to very dark, interpolated by skin_tone in [0, 1].
_SKIN_PALETTE = np.array(
    [
        [1.00, 0.88, 0.80],
        [0.96, 0.80, 0.69],
        [0.89, 0.68, 0.54],
        [0.78, 0.56, 0.40],
        [0.62, 0.42, 0.28],
        [0.45, 0.29, 0.19],
        [0.30, 0.19, 0.13],
        [0.21, 0.13, 0.09],
    ],
    dtype=np.float32,
)
_SKIN_UNDERTONE_JITTER = 0.02

_FACE_SHAPES = ("oval", "round", "long", "square")
_FACE_SHAPE_PROBABILITIES = {0: (0.40, 0.35, 0.15, 0.10), 1: (0.20, 0.20, 0.20, 0.40)}
# half width, crown height, chin depth (face units) and the exponent of the jaw superellipse:
# 2 is a rounded jaw, larger is squarer.
_FACE_SHAPE_GEOMETRY = np.array(
    [
        [0.43, 0.56, 0.60, 2.0],
        [0.47, 0.52, 0.53, 2.2],
        [0.40, 0.58, 0.66, 2.2],
        [0.45, 0.55, 0.58, 3.4],
    ],
    dtype=np.float32,
)
_GEOMETRY_JITTER = 0.04
_GROUP_JAW_EXPONENT_SHIFT = 0.5  # group 1 has squarer, wider jaws
_GROUP_JAW_WIDTH_SHIFT = 0.015

_HAIR_COLOURS = ("black", "brown", "blonde", "red", "grey", "dyed")
_HAIR_COLOUR_PROBABILITIES = (0.30, 0.32, 0.15, 0.07, 0.10, 0.06)
_FAIR_HAIR = (2, 3)  # blonde and red become rare as skin darkens ...
_FAIR_HAIR_SUPPRESSION = 0.95
_BLACK_HAIR_BOOST = 2.5  # ... and black hair common
_TEMPLE_RECESSION_RANGE = {0: (0.0, 0.04), 1: (0.0, 0.10)}
_HAIR_PALETTE = np.array(
    [
        [0.07, 0.06, 0.06],
        [0.33, 0.21, 0.12],
        [0.86, 0.71, 0.43],
        [0.66, 0.27, 0.11],
        [0.66, 0.66, 0.66],
        [0.00, 0.00, 0.00],  # dyed: replaced by one of _DYED_PALETTE
    ],
    dtype=np.float32,
)
_DYED_PALETTE = np.array(
    [[0.22, 0.38, 0.85], [0.92, 0.42, 0.66], [0.55, 0.28, 0.75], [0.20, 0.62, 0.45]],
    dtype=np.float32,
)
_HAIR_LIGHTNESS_JITTER = 0.15

_HAIR_LENGTHS = ("bald", "short", "medium", "long")
_HAIR_LENGTH_PROBABILITIES = {0: (0.02, 0.20, 0.30, 0.48), 1: (0.14, 0.62, 0.17, 0.07)}
# How far below the face centre the hair reaches, and how boxy its lower half is.
_HAIR_BOTTOM = np.array([0.05, 0.05, 0.70, 1.60], dtype=np.float32)
_HAIR_BOTTOM_EXPONENT = np.array([2.0, 2.0, 3.0, 4.0], dtype=np.float32)
# How far the hairline drops at the sides of the face: sideburns, a bob, curtains.
_HAIR_SIDE_DROP = np.array([0.0, 0.40, 0.9, 1.6], dtype=np.float32)
_HAIR_TEXTURES = ("straight", "curly")
_CURLY_PROBABILITY = (0.08, 0.45)  # plus this times skin_tone
_CURLY_VOLUME = 0.06
_CURL_FREQUENCY = 22.0  # radians per face unit: curls stay wider than a pixel at size 32
_CURL_BUMP = 0.02
_CURL_CONTRAST = 0.13
_FRINGE_PROBABILITY = np.array([0.0, 0.15, 0.35, 0.35])
# Hair volume range (added to the head's half width) by length.
_HAIR_VOLUME_RANGE = np.array([[0.0, 0.0], [0.015, 0.045], [0.04, 0.09], [0.04, 0.10]])

_EYE_COLOURS = ("brown", "dark brown", "hazel", "green", "blue", "grey")
_EYE_PALETTE = np.array(
    [
        [0.42, 0.25, 0.12],
        [0.20, 0.12, 0.07],
        [0.52, 0.42, 0.20],
        [0.30, 0.52, 0.30],
        [0.30, 0.50, 0.78],
        [0.50, 0.56, 0.60],
    ],
    dtype=np.float32,
)
_EYE_PROBABILITIES_LIGHT_SKIN = (0.25, 0.10, 0.15, 0.15, 0.25, 0.10)
_EYE_PROBABILITIES_DARK_SKIN = (0.40, 0.56, 0.04, 0.0, 0.0, 0.0)

_BROWS = ("thin", "medium", "thick")
_BROW_PROBABILITIES = {0: (0.45, 0.45, 0.10), 1: (0.10, 0.45, 0.45)}
_BROW_THICKNESS = np.array([0.022, 0.032, 0.046], dtype=np.float32)

_GLASSES = ("none", "glasses", "sunglasses")
_GLASSES_PROBABILITIES = (0.72, 0.20, 0.08)
_FRAME_PALETTE = np.array(
    [[0.08, 0.08, 0.08], [0.35, 0.20, 0.10], [0.80, 0.66, 0.30], [0.70, 0.70, 0.72]],
    dtype=np.float32,
)

_BEARD_STYLES = ("none", "stubble", "goatee", "full")
_BEARD_PROBABILITY = {0: 0.0, 1: 0.38}
_BEARD_STYLE_PROBABILITIES = (0.35, 0.20, 0.45)  # among stubble, goatee, full
_MOUSTACHE_PROBABILITY_WITH_BEARD = 0.8
_MOUSTACHE_PROBABILITY_WITHOUT_BEARD = 0.06

_LIPS = ("natural", "lipstick")
_LIPSTICK_PROBABILITY = {0: 0.35, 1: 0.0}
_LIPSTICK_PALETTE = np.array(
    [[0.75, 0.12, 0.18], [0.85, 0.40, 0.50], [0.50, 0.12, 0.22], [0.80, 0.30, 0.25]],
    dtype=np.float32,
)
# Natural lips: skin multiplied by this, a little redder for group 0.
_NATURAL_LIP_TINT = {0: (0.86, 0.56, 0.56), 1: (0.85, 0.64, 0.60)}

_NECKLINES = ("round", "v", "crew")

_BACKGROUNDS = ("plain", "gradient", "texture")
_BACKGROUND_PROBABILITIES = (0.40, 0.40, 0.20)

_LIGHT_DIRECTIONS = ("left", "front", "right")
_FRONT_LIGHT_LIMIT = 0.33  # |light_x| below this is light from the front

_MAX_OFFSET_X = 0.07
_MAX_OFFSET_Y = 0.05
_SCALE_RANGE = (0.94, 1.10)
_FACE_CENTRE_Y = -0.08  # image coordinates run from -1 (top, left) to 1 (bottom, right)

_SKIN_NOISE_KNOTS = 5
_BACKGROUND_NOISE_KNOTS = 9


def _choose(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Draw one category index per row of a (faces, categories) probability table."""
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    draws = rng.random(probabilities.shape[0])[:, None]
    return np.minimum((draws > cumulative).sum(axis=-1), probabilities.shape[-1] - 1)


def _by_group(table: dict[int, tuple[float, ...]], group: np.ndarray) -> np.ndarray:
    """Per-face probabilities picked from a {group: probabilities} table."""
    return np.where(group[:, None] == 1, np.array(table[1]), np.array(table[0]))


def _hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB, all inputs in [0, 1]; returns (faces, 3)."""
    k = (np.array([5.0, 3.0, 1.0]) + hue[:, None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return value[:, None] - value[:, None] * saturation[:, None] * ramp


def _sample_block(seed: int, group: int | None, block: int) -> dict[str, np.ndarray]:
    """All random choices for faces block*_BLOCK ... (block+1)*_BLOCK - 1."""
    group_code = _ALL_GROUPS_CODE if group is None else group
    rng = np.random.default_rng([seed, group_code, block])
    n = _BLOCK
    p: dict[str, np.ndarray] = {}

    p["group"] = rng.integers(0, 2, n) if group is None else np.full(n, group)
    g = p["group"]

    # Skin.
    tone = rng.random(n)
    position = tone * (len(_SKIN_PALETTE) - 1)
    lower = np.minimum(position.astype(int), len(_SKIN_PALETTE) - 2)
    fraction = (position - lower)[:, None]
    skin = _SKIN_PALETTE[lower] * (1 - fraction) + _SKIN_PALETTE[lower + 1] * fraction
    skin = skin + rng.normal(0.0, _SKIN_UNDERTONE_JITTER, (n, 3)) * skin
    p["skin_tone"] = tone
    p["skin_rgb"] = np.clip(skin, 0.0, 1.0)

    # Face shape.
    p["face_shape"] = _choose(rng, _by_group(_FACE_SHAPE_PROBABILITIES, g))
    geometry = _FACE_SHAPE_GEOMETRY[p["face_shape"]]
    geometry = geometry * (1 + rng.uniform(-_GEOMETRY_JITTER, _GEOMETRY_JITTER, geometry.shape))
    p["face_half_width"] = geometry[:, 0] + _GROUP_JAW_WIDTH_SHIFT * g
    p["face_top"] = geometry[:, 1]
    p["face_bottom"] = geometry[:, 2]
    p["jaw_exponent"] = geometry[:, 3] + _GROUP_JAW_EXPONENT_SHIFT * g

    # Hair.
    fair = np.zeros(len(_HAIR_COLOURS))
    fair[list(_FAIR_HAIR)] = 1.0
    black = np.zeros(len(_HAIR_COLOURS))
    black[_HAIR_COLOURS.index("black")] = 1.0
    darkness = tone[:, None]
    hair_probabilities = (
        np.array(_HAIR_COLOUR_PROBABILITIES)
        * (1 - fair * darkness * _FAIR_HAIR_SUPPRESSION)
        * (1 + black * darkness * _BLACK_HAIR_BOOST)
    )
    p["hair_colour"] = _choose(rng, hair_probabilities)
    hair_rgb = _HAIR_PALETTE[p["hair_colour"]]
    dyed = _DYED_PALETTE[rng.integers(0, len(_DYED_PALETTE), n)]
    is_dyed = (p["hair_colour"] == _HAIR_COLOURS.index("dyed"))[:, None]
    natural_rgb = np.where(is_dyed, _HAIR_PALETTE[_HAIR_COLOURS.index("brown")], hair_rgb)
    hair_rgb = np.where(is_dyed, dyed, hair_rgb)
    lightness = 1 + rng.uniform(-_HAIR_LIGHTNESS_JITTER, _HAIR_LIGHTNESS_JITTER, n)
    p["hair_rgb"] = np.clip(hair_rgb * lightness[:, None], 0.0, 1.0)
    p["facial_hair_rgb"] = np.clip(natural_rgb * lightness[:, None], 0.0, 1.0)  # never dyed
    p["hair_length"] = _choose(rng, _by_group(_HAIR_LENGTH_PROBABILITIES, g))
    volume_range = _HAIR_VOLUME_RANGE[p["hair_length"]]
    p["hair_volume"] = rng.uniform(volume_range[:, 0], volume_range[:, 1])
    p["curly"] = rng.random(n) < _CURLY_PROBABILITY[0] + _CURLY_PROBABILITY[1] * tone
    p["hair_volume"] = p["hair_volume"] + p["curly"] * (p["hair_length"] > 0) * _CURLY_VOLUME
    p["hair_crown"] = p["hair_volume"] + rng.uniform(0.02, 0.06, n)
    p["curl_phase"] = rng.uniform(0, 2 * np.pi, n)
    p["hairline"] = rng.uniform(-0.42, -0.30, n)
    p["fringe"] = rng.random(n) < _FRINGE_PROBABILITY[p["hair_length"]]
    p["parting"] = rng.uniform(-0.25, 0.25, n)
    recession_range = _by_group(_TEMPLE_RECESSION_RANGE, g)
    p["temple_recession"] = rng.uniform(recession_range[:, 0], recession_range[:, 1])
    p["hair_wave_phase"] = rng.uniform(0, 2 * np.pi, n)
    p["hair_wave_frequency"] = rng.uniform(14.0, 22.0, n)

    # Eyes and brows.
    eye_probabilities = (1 - darkness) * np.array(_EYE_PROBABILITIES_LIGHT_SKIN) + darkness * (
        np.array(_EYE_PROBABILITIES_DARK_SKIN)
    )
    p["eye_colour"] = _choose(rng, eye_probabilities)
    p["eye_rgb"] = _EYE_PALETTE[p["eye_colour"]] * rng.uniform(0.85, 1.15, (n, 1))
    p["eye_separation"] = rng.uniform(0.15, 0.18, n)
    p["eye_height"] = rng.uniform(-0.03, 0.02, n)
    p["eye_half_width"] = rng.uniform(0.070, 0.085, n)
    p["eye_half_height"] = rng.uniform(0.036, 0.046, n)
    p["gaze_x"] = rng.uniform(-0.012, 0.012, n)
    p["gaze_y"] = rng.uniform(-0.006, 0.004, n)
    p["brows"] = _choose(rng, _by_group(_BROW_PROBABILITIES, g))
    p["brow_thickness"] = _BROW_THICKNESS[p["brows"]] * rng.uniform(0.9, 1.1, n)
    p["brow_raise"] = rng.uniform(0.085, 0.115, n)
    p["brow_arch"] = rng.uniform(0.005, 0.03, n) * np.where(g == 0, 1.4, 1.0)

    # Nose and mouth.
    p["nose_length"] = rng.uniform(0.19, 0.24, n)
    p["nose_width"] = rng.uniform(0.028, 0.040, n)
    p["mouth_height"] = rng.uniform(0.33, 0.38, n)
    p["mouth_half_width"] = rng.uniform(0.085, 0.12, n)
    p["lip_thickness"] = rng.uniform(0.034, 0.050, n)
    p["smile"] = rng.uniform(-0.005, 0.035, n)
    p["lips"] = (
        rng.random(n) < _by_group({0: (_LIPSTICK_PROBABILITY[0],), 1: (0.0,)}, g)[:, 0]
    ).astype(int)
    natural_lips = p["skin_rgb"] * _by_group(_NATURAL_LIP_TINT, g)
    lipstick = _LIPSTICK_PALETTE[rng.integers(0, len(_LIPSTICK_PALETTE), n)]
    p["lip_rgb"] = np.where(p["lips"][:, None] == 1, lipstick, natural_lips)

    # Accessories and facial hair.
    p["glasses"] = _choose(rng, np.broadcast_to(_GLASSES_PROBABILITIES, (n, len(_GLASSES))))
    p["frame_rgb"] = _FRAME_PALETTE[rng.integers(0, len(_FRAME_PALETTE), n)]
    p["lens_squareness"] = rng.uniform(2.0, 4.0, n)
    bearded = rng.random(n) < np.where(g == 1, _BEARD_PROBABILITY[1], _BEARD_PROBABILITY[0])
    style = 1 + _choose(rng, np.broadcast_to(_BEARD_STYLE_PROBABILITIES, (n, 3)))
    p["beard_style"] = np.where(bearded, style, 0)
    moustache_probability = np.where(
        p["beard_style"] >= 2,
        _MOUSTACHE_PROBABILITY_WITH_BEARD,
        np.where(g == 1, _MOUSTACHE_PROBABILITY_WITHOUT_BEARD, 0.0),
    )
    p["moustache"] = rng.random(n) < moustache_probability

    # Ears, neck and clothing.
    p["ear_size"] = rng.uniform(0.9, 1.1, n)
    p["neck_half_width"] = rng.uniform(0.15, 0.19, n) + 0.02 * g
    p["neckline"] = rng.integers(0, len(_NECKLINES), n)
    p["clothing_rgb"] = _hsv_to_rgb(
        rng.random(n), rng.uniform(0.2, 0.8, n), rng.uniform(0.2, 0.9, n)
    )
    p["shoulder_width"] = rng.uniform(0.95, 1.15, n) + 0.08 * g

    # Background and light.
    p["background"] = _choose(rng, np.broadcast_to(_BACKGROUND_PROBABILITIES, (n, 3)))
    p["background_rgb"] = _hsv_to_rgb(
        rng.random(n), rng.uniform(0.05, 0.55, n), rng.uniform(0.35, 0.97, n)
    )
    p["background_second_rgb"] = np.clip(
        p["background_rgb"] * rng.uniform(0.55, 1.35, (n, 1)) + rng.normal(0, 0.08, (n, 3)), 0, 1
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    p["gradient_direction"] = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    p["light_x"] = rng.uniform(-1.0, 1.0, n)
    p["light_strength"] = rng.uniform(0.12, 0.30, n)

    # Pose.
    p["offset_x"] = rng.uniform(-_MAX_OFFSET_X, _MAX_OFFSET_X, n)
    p["offset_y"] = rng.uniform(-_MAX_OFFSET_Y, _MAX_OFFSET_Y, n)
    p["scale"] = rng.uniform(*_SCALE_RANGE, n)

    # Low-frequency texture.
    p["skin_noise"] = rng.normal(0, 1, (n, _SKIN_NOISE_KNOTS, _SKIN_NOISE_KNOTS))
    p["background_noise"] = rng.normal(0, 1, (n, _BACKGROUND_NOISE_KNOTS, _BACKGROUND_NOISE_KNOTS))
    return {key: np.asarray(value) for key, value in p.items()}


# ---------------------------------------------------------------------------------------------
# Drawing. Coordinates: image x and y run from -1 to 1 (left to right, top to bottom). Each face
# has its own coordinates u (columns, shape (faces, 1, W)) and v (rows, (faces, H, 1)) centred
# on the face and divided by its scale, so most shape terms are cheap 1-D arrays and only their
# combination is a full (faces, H, W) array. Edges are blurred over one pixel.
# ---------------------------------------------------------------------------------------------
_EPSILON = 1e-6
# Regions of the face, ((u_low, u_high), (v_low, v_high)) in face units, that hold every
# possible nose, eye, mouth, ... Drawing them in a window of the image saves most of the work.
_UNBOUNDED = 10.0
_EYE_REGION = ((-0.58, 0.58), (-0.26, 0.16))  # eyes, brows and glasses
_NOSE_REGION = ((-0.22, 0.22), (-0.06, 0.34))
_MOUTH_REGION = ((-0.22, 0.22), (0.20, 0.50))
_BEARD_REGION = ((-0.60, 0.60), (-0.12, 0.85))
_EAR_REGION = ((-0.66, 0.66), (-0.16, 0.22))
_BODY_REGION = ((-_UNBOUNDED, _UNBOUNDED), (-0.05, _UNBOUNDED))
_CLOTHES_REGION = ((-_UNBOUNDED, _UNBOUNDED), (0.62, _UNBOUNDED))
_WINDOW_MARGIN = 2  # pixels
_BACK_HAIR_SHADE = 0.72  # hair behind the head is in shadow
_CHIN_SHADOW = 0.70  # skin brightness just under the chin ...
_CHEST_SHADE = 0.88  # ... and further down
_CHIN_SHADOW_LENGTH = 0.25
_V_NECK_DEPTH = 0.35
_NOSE_SOFTNESS = 0.03
_BEARD_SOFTNESS = 0.02
_BEARD_GROWTH_SIDES = 0.015
_BEARD_GROWTH_CHIN = 0.07
_NECK_LENGTH = 0.19
_SHOULDER_HALF_HEIGHT = 0.6
_EAR_HALF_SIZE = (0.065, 0.11)
_FRAME_HALF_THICKNESS = 0.011
_BROW_LENGTH_FACTOR = 1.35  # brow half length relative to eye half width
_STRAND_AMPLITUDE = 0.04
_SKIN_TEXTURE_AMPLITUDE = 0.04
_BACKGROUND_TEXTURE_CONTRAST = 0.6
_EYE_WHITE = (0.95, 0.94, 0.92)
_LASH_COLOUR = (0.10, 0.07, 0.06)
_PUPIL_COLOUR = (0.03, 0.03, 0.03)
_TEETH_COLOUR = (0.96, 0.95, 0.90)
_SUNGLASS_LENS = (0.07, 0.08, 0.10)


def _coverage(distance: np.ndarray, width: np.ndarray | float) -> np.ndarray:
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


def _ellipse_distance(u, v, centre_u, centre_v, radius_u, radius_v, exponent=2.0) -> np.ndarray:
    """Signed distance to a (super)ellipse; exponent 2 is an ellipse, larger is boxier."""
    du = np.abs(u - centre_u) / radius_u
    dv = np.abs(v - centre_v) / radius_v
    return _implicit_distance(
        du**exponent,
        dv**exponent,
        exponent * du ** (exponent - 1) / radius_u,
        exponent * dv ** (exponent - 1) / radius_v,
    )


def _egg_distance(u, v, half_width, top, bottom, bottom_exponent) -> np.ndarray:
    """Signed distance to an ellipse above v = 0 joined to a superellipse below it."""
    below = v > 0
    du = np.abs(u) / half_width
    dv = np.where(below, v / bottom, -v / top)
    radius_v = np.where(below, bottom, top)
    exponent = np.where(below, bottom_exponent, 2.0)
    column_value = np.where(below, du**bottom_exponent, du**2)
    column_slope = np.where(below, bottom_exponent * du ** (bottom_exponent - 1), 2 * du)
    return _implicit_distance(
        column_value,
        dv**exponent,
        column_slope / half_width,
        exponent * dv ** (exponent - 1) / radius_v,
    )


def _band_coverage(v, centre, half_thickness, pixel) -> np.ndarray:
    """Opacity of a horizontal stroke: rows within half_thickness of the curve `centre`."""
    return _coverage(half_thickness - np.abs(v - centre), pixel)


def _smooth_noise(knot_values: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Smoothly interpolated random field (faces, H, W) from knots spread over [-1, 1]."""
    knot_count = knot_values.shape[-1]
    knots = np.linspace(-1.0, 1.0, knot_count, dtype=np.float32)
    spacing = knots[1] - knots[0]

    def weights(positions: np.ndarray) -> np.ndarray:
        raw = np.exp(-np.square((positions[..., None] - knots) / spacing))
        return raw / raw.sum(axis=-1, keepdims=True)

    row_weights = weights(rows)  # (faces or 1, H, knots)
    column_weights = weights(columns)  # (faces or 1, W, knots)
    return row_weights @ knot_values @ np.swapaxes(column_weights, -1, -2)


def _paint(image: np.ndarray, coverage: np.ndarray, colour) -> None:
    """Blend colour[channel] over image[channel] (channels first) with the given opacity."""
    for channel in range(3):
        plane = image[channel]
        plane += coverage * (colour[channel] - plane)


def _constant(rgb: tuple[float, float, float]) -> np.ndarray:
    """A fixed colour shaped to broadcast against the channel-first image."""
    return np.asarray(rgb, dtype=np.float32).reshape(3, 1, 1, 1)


def _window(size: int, region: tuple[tuple[float, float], tuple[float, float]]):
    """Rows and columns that hold face region ((u_low, u_high), (v_low, v_high)) in any pose."""
    (u_low, u_high), (v_low, v_high) = region
    smallest, largest = _SCALE_RANGE

    def pixel_span(low: float, high: float, centre: float, max_offset: float) -> slice:
        image_low = centre - max_offset + min(low * smallest, low * largest)
        image_high = centre + max_offset + max(high * smallest, high * largest)
        first = int(np.floor((image_low + 1.0) * size / 2.0)) - _WINDOW_MARGIN
        last = int(np.ceil((image_high + 1.0) * size / 2.0)) + _WINDOW_MARGIN
        return slice(max(first, 0), max(min(last, size), 0))

    rows = pixel_span(v_low, v_high, _FACE_CENTRE_Y, _MAX_OFFSET_Y)
    columns = pixel_span(u_low, u_high, 0.0, _MAX_OFFSET_X)
    return rows, columns


def _render_chunk(p: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Draw the faces described by p into a (faces, size, size, 3) float32 array."""
    count = len(p["group"])

    def column(name: str) -> np.ndarray:
        return p[name].astype(np.float32).reshape(count, 1, 1)

    def colour(name: str) -> np.ndarray:
        return p[name].T.astype(np.float32).reshape(3, count, 1, 1)

    positions = ((np.arange(size, dtype=np.float32) + 0.5) * (2.0 / size) - 1.0).astype(np.float32)
    x = positions.reshape(1, 1, size)
    y = positions.reshape(1, size, 1)
    scale = column("scale")
    u = (x - column("offset_x")) / scale
    v = (y - (_FACE_CENTRE_Y + column("offset_y"))) / scale
    pixel = (2.0 / size) / scale
    image = np.empty((3, count, size, size), dtype=np.float32)

    def crop(region):
        """The part of the image, u and v that can hold a region of the face."""
        rows, columns = _window(size, region)
        return image[:, :, rows, columns], u[:, :, columns], v[:, rows, :]

    _draw_background(image, p, colour, x, y, positions)

    light = column("light_x") * column("light_strength")
    half_width = column("face_half_width")
    face_top = column("face_top")
    face_bottom = column("face_bottom")
    hair_length = column("hair_length")
    skin = colour("skin_rgb")
    hair = colour("hair_rgb")

    # Hair behind the head: from the crown down to a length that depends on the style.
    hair_half_width = half_width + column("hair_volume")
    hair_distance = _egg_distance(
        u,
        v,
        hair_half_width,
        face_top + column("hair_crown"),
        _HAIR_BOTTOM[p["hair_length"]].reshape(count, 1, 1),
        _HAIR_BOTTOM_EXPONENT[p["hair_length"]].reshape(count, 1, 1),
    )
    # Curly hair has a bumpy outline and a checked pattern of curls; straight hair has strands.
    curly = column("curly")
    curls = np.sin(_CURL_FREQUENCY * u + column("hair_wave_phase")) * np.sin(
        _CURL_FREQUENCY * v + column("curl_phase")
    )
    hair_distance += curly * _CURL_BUMP * curls
    has_hair = (hair_length > 0).astype(np.float32)
    hair_coverage = _coverage(hair_distance, pixel) * has_hair
    strand_angle = column("hair_wave_frequency") * u + column("hair_wave_phase")
    strands = 1.0 + (1.0 - curly) * _STRAND_AMPLITUDE * (
        np.sin(2.7 * strand_angle) + np.sin(1.3 * strand_angle)
    )
    hair_shade = (
        (1.0 + light * u / hair_half_width) * strands * (1.0 + _CURL_CONTRAST * curly * curls)
    )
    _paint(image, hair_coverage, hair * (hair_shade * _BACK_HAIR_SHADE))

    # Neck and chest, then clothes with a neckline cut out of them.
    body, body_u, body_v = crop(_BODY_REGION)
    neck_half_width = column("neck_half_width")
    shoulder_top = face_bottom + _NECK_LENGTH
    shoulder_width = column("shoulder_width")
    shoulder_centre = shoulder_top + _SHOULDER_HALF_HEIGHT
    shoulder_distance = _ellipse_distance(
        body_u, body_v, 0.0, shoulder_centre, shoulder_width, _SHOULDER_HALF_HEIGHT
    )
    shoulders = _coverage(shoulder_distance, pixel)
    neck = _coverage(neck_half_width - np.abs(body_u), pixel) * _coverage(body_v, pixel)
    under_chin = np.clip((body_v - face_bottom) / _CHIN_SHADOW_LENGTH, 0.0, 1.0)
    neck_shade = _CHIN_SHADOW + (_CHEST_SHADE - _CHIN_SHADOW) * under_chin + light * body_u
    _paint(body, np.maximum(neck, shoulders), skin * neck_shade)

    clothes, clothes_u, clothes_v = crop(_CLOTHES_REGION)
    shoulder_distance = _ellipse_distance(
        clothes_u, clothes_v, 0.0, shoulder_centre, shoulder_width, _SHOULDER_HALF_HEIGHT
    )
    shoulders = _coverage(shoulder_distance, pixel)
    neckline = p["neckline"].reshape(count, 1, 1)
    crew = neckline == _NECKLINES.index("crew")
    round_half_width = np.where(crew, 1.1, 1.6) * neck_half_width
    round_depth = np.where(crew, 0.05, 0.15)
    round_cut = _ellipse_distance(
        clothes_u, clothes_v, 0.0, shoulder_top, round_half_width, round_depth
    )
    v_half_width = 1.5 * neck_half_width
    v_depth = _V_NECK_DEPTH
    v_cut = (1.0 - (np.abs(clothes_u) / v_half_width + (clothes_v - shoulder_top) / v_depth)) / (
        np.sqrt(1.0 / v_half_width**2 + 1.0 / v_depth**2)
    )
    is_v_neck = neckline == _NECKLINES.index("v")
    cut = _coverage(np.where(is_v_neck, v_cut, round_cut), pixel)
    clothing_shade = 1.0 + 0.8 * light * clothes_u - 0.12 * np.square(clothes_u / shoulder_width)
    _paint(clothes, shoulders * (1.0 - cut), colour("clothing_rgb") * clothing_shade)

    # Ears, hidden by medium and long hair.
    ears, ears_u, ears_v = crop(_EAR_REGION)
    ears_visible = (hair_length <= _HAIR_LENGTHS.index("short")).astype(np.float32)
    ear_size = column("ear_size")
    ear_centre = half_width * 0.97
    ear_distance = _ellipse_distance(
        np.abs(ears_u),
        ears_v,
        ear_centre,
        0.03,
        _EAR_HALF_SIZE[0] * ear_size,
        _EAR_HALF_SIZE[1] * ear_size,
    )
    ear_coverage = _coverage(ear_distance, pixel) * ears_visible
    _paint(ears, ear_coverage, skin * (0.9 + light * ears_u))
    inner_ear = _ellipse_distance(
        np.abs(ears_u),
        ears_v,
        ear_centre + 0.02,
        0.04,
        0.45 * _EAR_HALF_SIZE[0] * ear_size,
        0.6 * _EAR_HALF_SIZE[1] * ear_size,
    )
    _paint(ears, _coverage(inner_ear, pixel) * ear_coverage * 0.6, skin * 0.7)

    # The face, lit from one side, darker towards its edges, with faint skin texture.
    face_distance = _egg_distance(u, v, half_width, face_top, face_bottom, column("jaw_exponent"))
    face = _coverage(face_distance, pixel)
    skin_texture = _smooth_noise(p["skin_noise"].astype(np.float32), v[:, :, 0], u[:, 0, :])
    face_shade = (
        1.02
        + light * u / half_width
        - 0.16 * np.square(np.square(u / half_width))
        - 0.08 * np.square(v / face_bottom)
    ) + _SKIN_TEXTURE_AMPLITUDE * skin_texture
    _paint(image, face, skin * face_shade)

    _draw_nose(*crop(_NOSE_REGION), column, pixel, skin)
    _draw_eyes(*crop(_EYE_REGION), column, colour, pixel)
    facial_hair = colour("facial_hair_rgb")
    _draw_brows(*crop(_EYE_REGION), column, pixel, facial_hair, skin)
    _draw_mouth(*crop(_MOUTH_REGION), column, colour, pixel)
    _draw_facial_hair(*crop(_BEARD_REGION), p, column, pixel, facial_hair)

    # Hair in front: the part of the hair shape above a hairline that drops at the sides.
    side_drop = _HAIR_SIDE_DROP[p["hair_length"]].reshape(count, 1, 1)
    across = np.clip((np.abs(u) / half_width - 0.68) / 0.32, 0.0, 1.0)
    fringe = column("fringe")
    hairline = (
        column("hairline")
        + fringe * (0.14 + 0.035 * np.abs(np.sin(column("hair_wave_frequency") * u)))
        + column("parting") * u * (1.0 - fringe * 0.6)
        + side_drop * across * across * (3.0 - 2.0 * across)
        - column("temple_recession")
        * (1.0 - fringe)
        * np.exp(-np.square((np.abs(u) / half_width - 0.5) / 0.18))
    )
    hairline_slope = np.gradient(hairline, axis=-1) / np.gradient(u, axis=-1)
    hairline_distance = (hairline - v) / np.sqrt(1.0 + np.square(hairline_slope))
    hairline_distance += curly * _CURL_BUMP * curls
    front = hair_coverage * _coverage(hairline_distance, pixel)
    crown_shine = 0.12 * np.exp(-np.square((v + face_top * 0.75) / 0.12))
    _paint(image, front, hair * (hair_shade + crown_shine))

    _draw_glasses(*crop(_EYE_REGION), p, column, colour, pixel)
    return np.moveaxis(np.clip(image, 0.0, 1.0), 0, -1)


def _draw_background(image, p, colour, x, y, positions) -> None:
    """Plain colour, a linear gradient between two colours, or a soft blotchy texture."""
    kind = p["background"].reshape(-1, 1, 1)
    direction = p["gradient_direction"].astype(np.float32)
    along = 0.5 + 0.35 * (
        direction[:, 0].reshape(-1, 1, 1) * x + direction[:, 1].reshape(-1, 1, 1) * y
    )
    noise = _smooth_noise(
        p["background_noise"].astype(np.float32), positions[None, :], positions[None, :]
    )
    blotches = np.clip(0.5 + _BACKGROUND_TEXTURE_CONTRAST * noise, 0.0, 1.0)
    mix = np.where(kind == 1, along, 0.0) + np.where(kind == 2, blotches, 0.0)
    first = colour("background_rgb")
    second = colour("background_second_rgb")
    for channel in range(3):
        image[channel] = first[channel] + (second[channel] - first[channel]) * mix


def _draw_nose(image, u, v, column, pixel, skin) -> None:
    """A soft shadow down the side away from the light, a shadow under the tip, nostrils."""
    length = column("nose_length")
    width = column("nose_width")
    light_x = column("light_x")
    soft = np.maximum(pixel, _NOSE_SOFTNESS)
    side = -np.sign(light_x)
    shadow = _coverage(
        _ellipse_distance(u, v, side * width * 1.1, length * 0.55, width * 0.6, length * 0.5), soft
    )
    under = _coverage(_ellipse_distance(u, v, 0.0, length + 0.01, width * 1.6, 0.022), soft)
    darkening = (0.06 + 0.12 * np.abs(light_x)) * shadow + 0.12 * under
    image *= 1.0 - darkening
    nostrils = _coverage(
        _ellipse_distance(np.abs(u), v, width * 0.8, length + 0.004, 0.016, 0.010), pixel
    )
    _paint(image, nostrils * 0.75, skin * 0.42)


def _draw_eyes(image, u, v, column, colour, pixel) -> None:
    """Both eyes at once (mirrored): lash line, white, iris, pupil and a highlight."""
    across = np.abs(u) - column("eye_separation")  # 0 at each eye's centre
    down = v - column("eye_height")
    half_width = column("eye_half_width")
    half_height = column("eye_half_height")
    lash = _ellipse_distance(across, down, 0.0, -0.006, half_width + 0.012, half_height + 0.012)
    _paint(image, _coverage(lash, pixel) * 0.9, _constant(_LASH_COLOUR))
    white = _coverage(_ellipse_distance(across, down, 0.0, 0.0, half_width, half_height), pixel)
    _paint(image, white, _constant(_EYE_WHITE))
    iris_radius = half_height * 0.95
    iris_across = across - column("gaze_x") * np.sign(u)
    iris_down = down - column("gaze_y")
    iris = _coverage(
        _ellipse_distance(iris_across, iris_down, 0.0, 0.0, iris_radius, iris_radius), pixel
    )
    _paint(image, iris * white, colour("eye_rgb"))
    pupil_radius = iris_radius * 0.45
    pupil = _coverage(
        _ellipse_distance(iris_across, iris_down, 0.0, 0.0, pupil_radius, pupil_radius), pixel
    )
    _paint(image, pupil * white, _constant(_PUPIL_COLOUR))
    glint_radius = iris_radius * 0.28
    glint = _coverage(
        _ellipse_distance(
            iris_across,
            iris_down,
            0.35 * iris_radius,
            -0.35 * iris_radius,
            glint_radius,
            glint_radius,
        ),
        pixel,
    )
    _paint(image, glint * white * 0.85, _constant((1.0, 1.0, 1.0)))


def _draw_brows(image, u, v, column, pixel, hair, skin) -> None:
    """Arched strokes above the eyes, thinning towards the outer end, a bit darker than hair."""
    half_length = column("eye_half_width") * _BROW_LENGTH_FACTOR
    across = (np.abs(u) - column("eye_separation") - 0.005) / half_length  # -1 inner, 1 outer
    centre = (
        column("eye_height")
        - column("brow_raise")
        - column("brow_arch") * (1.0 - np.square(across))
    )
    half_thickness = 0.5 * column("brow_thickness") * (1.1 - 0.35 * (across + 1.0))
    length_mask = _coverage((1.0 - np.abs(across)) * half_length, pixel)
    brows = _band_coverage(v, centre, half_thickness, pixel) * length_mask
    _paint(image, brows * 0.92, np.minimum(hair * 0.6 + 0.04, skin * 0.45))


def _draw_mouth(image, u, v, column, colour, pixel) -> None:
    """Lips around a mouth line that curves up at the corners when the face smiles."""
    half_width = column("mouth_half_width")
    thickness = column("lip_thickness")
    curve = v - column("mouth_height") + column("smile") * np.square(u / half_width)
    lips = _coverage(_ellipse_distance(u, curve, 0.0, 0.004, half_width, thickness), pixel)
    lip_colour = colour("lip_rgb")
    _paint(image, lips, lip_colour * (1.0 + 0.25 * np.clip(curve / thickness, 0.0, 1.0)))
    line = _band_coverage(curve, 0.0, 0.007, pixel) * _coverage(
        half_width * 0.95 - np.abs(u), pixel
    )
    _paint(image, line, lip_colour * 0.35)


def _draw_facial_hair(image, u, v, p, column, pixel, hair) -> None:
    """Stubble, a goatee or a full beard around the mouth, and an optional moustache."""
    style = p["beard_style"].reshape(-1, 1, 1)
    half_width = column("face_half_width")
    mouth_height = column("mouth_height")
    mouth_half_width = column("mouth_half_width")
    beard_colour = hair * 0.7 + 0.03
    soft = np.maximum(pixel, _BEARD_SOFTNESS)
    # A beard grows a little beyond the jaw; stubble stays on the skin.
    growth = np.where(style == _BEARD_STYLES.index("stubble"), 0.0, 1.0)
    region = _coverage(
        _egg_distance(
            u,
            v,
            half_width + _BEARD_GROWTH_SIDES * growth,
            column("face_top"),
            column("face_bottom") + _BEARD_GROWTH_CHIN * growth,
            column("jaw_exponent"),
        ),
        pixel,
    )
    beard_top = column("nose_length") + 0.04 - 0.28 * np.square(u / half_width)
    below = _coverage(v - beard_top, soft)
    mouth_hole = _coverage(
        _ellipse_distance(
            u, v, 0.0, mouth_height, mouth_half_width * 1.05, column("lip_thickness") * 1.2
        ),
        soft,
    )
    goatee = _coverage(
        _ellipse_distance(u, v, 0.0, mouth_height + 0.06, mouth_half_width * 1.2, 0.2), soft
    )
    opacity = np.select([style == 1, style == 2, style == 3], [0.35, 0.95, 0.95], 0.0)
    width_mask = np.where(style == 2, goatee, 1.0)
    _paint(image, region * below * (1.0 - mouth_hole) * width_mask * opacity, beard_colour)

    centre = mouth_height - column("lip_thickness") - 0.012 + 0.02 * np.square(u / mouth_half_width)
    across = np.clip(np.abs(u) / (mouth_half_width * 1.15), 0.0, 1.0)
    moustache = _band_coverage(v, centre, 0.022 * (1.0 - 0.5 * across), pixel) * _coverage(
        mouth_half_width * 1.15 - np.abs(u), pixel
    )
    _paint(image, moustache * column("moustache") * 0.95, beard_colour)


def _draw_glasses(image, u, v, p, column, colour, pixel) -> None:
    """Glasses: two frames, a bridge and the arms; sunglasses also get dark lenses."""
    kind = p["glasses"].reshape(-1, 1, 1)
    wears = (kind > 0).astype(np.float32)
    sunglasses = (kind == 2).astype(np.float32)
    separation = column("eye_separation")
    centre = column("eye_height") + 0.006
    lens_half_width = column("eye_half_width") + 0.035
    lens_half_height = column("eye_half_height") + 0.045
    lens = _ellipse_distance(
        np.abs(u),
        v,
        separation,
        centre,
        lens_half_width,
        lens_half_height,
        column("lens_squareness"),
    )
    frame_colour = colour("frame_rgb")
    _paint(image, _coverage(lens, pixel) * sunglasses * 0.9, _constant(_SUNGLASS_LENS))
    frame = _coverage(_FRAME_HALF_THICKNESS - np.abs(lens), pixel)
    bar_height = centre - lens_half_height * 0.45
    bars = _band_coverage(v, bar_height, _FRAME_HALF_THICKNESS, pixel)
    bridge = _coverage(separation - lens_half_width * 0.95 - np.abs(u), pixel)
    arm_start = separation + lens_half_width * 0.95
    arms = _coverage(np.abs(u) - arm_start, pixel) * _coverage(
        column("face_half_width") + 0.01 - np.abs(u), pixel
    )
    _paint(image, np.maximum(frame, bars * (bridge + arms)) * wears, frame_colour)


# ---------------------------------------------------------------------------------------------
# Public API.
# ---------------------------------------------------------------------------------------------
def _attribute_table(p: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per face, columns FACE_ATTRIBUTES."""
    light_x = p["light_x"]
    light_direction = np.where(
        light_x < -_FRONT_LIGHT_LIMIT, 0, np.where(light_x > _FRONT_LIGHT_LIMIT, 2, 1)
    )

    def labels(names: tuple[str, ...], index: np.ndarray) -> np.ndarray:
        return np.asarray(names, dtype=object)[index]

    table = pd.DataFrame(
        {
            "group": p["group"].astype(int),
            "skin_tone": p["skin_tone"].astype(float),
            "skin_r": p["skin_rgb"][:, 0].astype(float),
            "skin_g": p["skin_rgb"][:, 1].astype(float),
            "skin_b": p["skin_rgb"][:, 2].astype(float),
            "face_shape": labels(_FACE_SHAPES, p["face_shape"]),
            "hair_colour": labels(_HAIR_COLOURS, p["hair_colour"]),
            "hair_length": labels(_HAIR_LENGTHS, p["hair_length"]),
            "hair_texture": labels(_HAIR_TEXTURES, p["curly"].astype(int)),
            "eye_colour": labels(_EYE_COLOURS, p["eye_colour"]),
            "brows": labels(_BROWS, p["brows"]),
            "glasses": labels(_GLASSES, p["glasses"]),
            "beard": p["beard_style"] > 0,
            "beard_style": labels(_BEARD_STYLES, p["beard_style"]),
            "moustache": p["moustache"].astype(bool),
            "lips": labels(_LIPS, p["lips"]),
            "background": labels(_BACKGROUNDS, p["background"]),
            "light_direction": labels(_LIGHT_DIRECTIONS, light_direction),
            "light_x": light_x.astype(float),
            "offset_x": p["offset_x"].astype(float),
            "offset_y": p["offset_y"].astype(float),
            "scale": p["scale"].astype(float),
        }
    )
    return table[list(FACE_ATTRIBUTES)]


def _check_arguments(count: int, size: int, seed: int, group: int | None) -> None:
    """Raise ValueError for arguments make_faces cannot honour."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be an integer, got {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be between {MIN_SIZE} and {MAX_SIZE} pixels, got {size}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if group is not None and (isinstance(group, bool) or group not in GROUPS):
        raise ValueError(f"group must be None, 0 or 1, got {group!r}")


def make_faces(
    count: int, size: int = 64, seed: int = 0, group: int | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Draw `count` cartoon portraits (count, size, size, 3) in [0, 1] and their attributes.

    Introduced in notebook 01. group=None mixes both populations; 0 or 1 keeps just one.
    """
    _check_arguments(count, size, seed, group)
    count, size, seed = int(count), int(size), int(seed)
    group = None if group is None else int(group)
    blocks = [_sample_block(seed, group, block) for block in range(-(-count // _BLOCK))]
    parameters = {key: np.concatenate([b[key] for b in blocks])[:count] for key in blocks[0]}
    images = np.empty((count, size, size, 3), dtype=np.float32)
    chunk_size = max(1, _PIXELS_PER_CHUNK // (size * size))
    for start in range(0, count, chunk_size):
        chunk = {key: value[start : start + chunk_size] for key, value in parameters.items()}
        images[start : start + chunk_size] = _render_chunk(chunk, size)
    return images, _attribute_table(parameters)
