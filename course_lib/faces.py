"""Procedural cartoon portraits: the course's default sharp face images.

Every face is drawn in normalised coordinates with edges blurred over one pixel, so a face looks
the same at 32 and at 256 pixels. Pure NumPy, vectorised over a batch of faces; nothing runs on
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
    "mouth",
    "background",
    "light_direction",
    "light_x",
    "offset_x",
    "offset_y",
    "scale",
)

# =============================================================================================
# Sampling. Faces are drawn in blocks of _BLOCK from a generator seeded by (seed, group, block),
# so face i depends only on (seed, group, i): a longer batch starts with the shorter one.
# =============================================================================================
_BLOCK = 256
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
    ]
)
_SKIN_UNDERTONE_JITTER = 0.02  # relative, per channel

_FACE_SHAPES = ("oval", "round", "long", "square")
_FACE_SHAPE_PROBABILITIES = {0: (0.40, 0.35, 0.15, 0.10), 1: (0.20, 0.20, 0.20, 0.40)}
# Half width, crown height and chin depth (face units, from the face centre) and the exponent
# of the jaw's superellipse: 2 is a rounded jaw, larger is squarer.
_FACE_SHAPE_GEOMETRY = np.array(
    [
        [0.43, 0.56, 0.60, 2.0],
        [0.47, 0.52, 0.53, 2.2],
        [0.40, 0.58, 0.66, 2.2],
        [0.45, 0.55, 0.58, 3.4],
    ]
)
_GEOMETRY_JITTER = 0.04  # relative
_GROUP_JAW_EXPONENT_SHIFT = 0.5  # group 1 has squarer ...
_GROUP_JAW_WIDTH_SHIFT = 0.015  # ... and wider jaws

_HAIR_COLOURS = ("black", "brown", "blonde", "red", "grey", "dyed")
_HAIR_COLOUR_PROBABILITIES = (0.30, 0.32, 0.15, 0.07, 0.10, 0.06)
_FAIR_HAIR = ("blonde", "red")  # rarer as skin darkens ...
_FAIR_HAIR_SUPPRESSION = 0.95
_BLACK_HAIR_BOOST = 2.5  # ... while black hair gets commoner
_HAIR_PALETTE = np.array(
    [
        [0.07, 0.06, 0.06],
        [0.33, 0.21, 0.12],
        [0.86, 0.71, 0.43],
        [0.66, 0.27, 0.11],
        [0.66, 0.66, 0.66],
        [0.00, 0.00, 0.00],  # dyed: replaced by one of _DYED_PALETTE
    ]
)
_DYED_PALETTE = np.array(
    [[0.22, 0.38, 0.85], [0.92, 0.42, 0.66], [0.55, 0.28, 0.75], [0.20, 0.62, 0.45]]
)
_HAIR_LIGHTNESS_JITTER = 0.15  # relative

_HAIR_LENGTHS = ("bald", "short", "medium", "long")
_HAIR_LENGTH_PROBABILITIES = {0: (0.02, 0.20, 0.30, 0.48), 1: (0.14, 0.62, 0.17, 0.07)}
# By length: how far below the face centre the hair reaches, how boxy its lower half is, how
# far the hairline drops at the sides of the face (sideburns, a bob, curtains), how much
# volume it adds to the head's half width, and how often it has a fringe.
_HAIR_BOTTOM = np.array([0.05, 0.05, 0.70, 1.60])
_HAIR_BOTTOM_EXPONENT = np.array([2.0, 2.0, 3.0, 4.0])
_HAIR_SIDE_DROP = np.array([0.0, 0.40, 0.9, 1.6])
_HAIR_VOLUME_RANGE = np.array([[0.0, 0.0], [0.015, 0.045], [0.04, 0.09], [0.04, 0.10]])
_FRINGE_PROBABILITY = np.array([0.0, 0.15, 0.35, 0.35])
_TEMPLE_RECESSION_RANGE = {0: (0.0, 0.04), 1: (0.0, 0.10)}

_HAIR_TEXTURES = ("straight", "curly")
_CURLY_PROBABILITY = (0.08, 0.45)  # the first plus the second times skin_tone
_CURLY_VOLUME = 0.06

_EYE_COLOURS = ("brown", "dark brown", "hazel", "green", "blue", "grey")
_EYE_PALETTE = np.array(
    [
        [0.42, 0.25, 0.12],
        [0.20, 0.12, 0.07],
        [0.52, 0.42, 0.20],
        [0.30, 0.52, 0.30],
        [0.30, 0.50, 0.78],
        [0.50, 0.56, 0.60],
    ]
)
_EYE_PROBABILITIES_LIGHT_SKIN = (0.25, 0.10, 0.15, 0.15, 0.25, 0.10)
_EYE_PROBABILITIES_DARK_SKIN = (0.40, 0.56, 0.04, 0.0, 0.0, 0.0)

_BROWS = ("thin", "medium", "thick")
_BROW_PROBABILITIES = {0: (0.45, 0.45, 0.10), 1: (0.10, 0.45, 0.45)}
_BROW_THICKNESS = np.array([0.022, 0.032, 0.046])
_GROUP_0_BROW_ARCH = 1.4  # group 0 brows arch more

_GLASSES = ("none", "glasses", "sunglasses")
_GLASSES_PROBABILITIES = (0.72, 0.20, 0.08)
_FRAME_PALETTE = np.array(
    [[0.08, 0.08, 0.08], [0.35, 0.20, 0.10], [0.80, 0.66, 0.30], [0.70, 0.70, 0.72]]
)

_BEARD_STYLES = ("none", "stubble", "goatee", "full")
_BEARD_PROBABILITY = {0: 0.0, 1: 0.38}
_BEARD_STYLE_PROBABILITIES = (0.35, 0.20, 0.45)  # of stubble, goatee, full among beards
_MOUSTACHE_PROBABILITY_WITH_BEARD = 0.8  # goatee or full
_MOUSTACHE_PROBABILITY_WITHOUT_BEARD = {0: 0.0, 1: 0.06}

_LIPS = ("natural", "lipstick")
_LIPSTICK_PROBABILITY = {0: 0.35, 1: 0.0}
_LIPSTICK_PALETTE = np.array(
    [[0.75, 0.12, 0.18], [0.85, 0.40, 0.50], [0.50, 0.12, 0.22], [0.80, 0.30, 0.25]]
)
_NATURAL_LIP_TINT = {0: (0.86, 0.56, 0.56), 1: (0.85, 0.64, 0.60)}  # times the skin colour
_MOUTHS = ("closed", "open")
_OPEN_SMILE_PROBABILITY = 0.5  # among faces that smile broadly
_BROAD_SMILE = 0.02

_NECKLINES = ("round", "v", "crew")
_GROUP_NECK_WIDTH_SHIFT = 0.02
_GROUP_SHOULDER_WIDTH_SHIFT = 0.08

_BACKGROUNDS = ("plain", "gradient", "texture")
_BACKGROUND_PROBABILITIES = (0.40, 0.40, 0.20)

_LIGHT_DIRECTIONS = ("left", "front", "right")
_FRONT_LIGHT_LIMIT = 0.33  # |light_x| below this counts as light from the front

# Image coordinates run from -1 to 1, left to right and top to bottom; face coordinates are
# centred on the face (a little above the image centre) and divided by its scale.
_FACE_CENTRE_Y = -0.08
_MAX_OFFSET_X = 0.07
_MAX_OFFSET_Y = 0.05
_SCALE_RANGE = (0.94, 1.10)

_SKIN_NOISE_KNOTS = 5
_BACKGROUND_NOISE_KNOTS = 9


def _choose(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Draw one category index per row of a (faces, categories) table of weights."""
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    draws = rng.random(probabilities.shape[0])[:, None]
    return np.minimum((draws > cumulative).sum(axis=-1), probabilities.shape[-1] - 1)


def _by_group(table: dict[int, object], group: np.ndarray) -> np.ndarray:
    """Per-face values picked from a {group: value or tuple of values} table."""
    values = [np.asarray(table[0], dtype=float), np.asarray(table[1], dtype=float)]
    picked = np.where(group.reshape(-1, *([1] * values[0].ndim)) == 1, values[1], values[0])
    return picked


def _one_hot(names: tuple[str, ...], chosen: tuple[str, ...] | str) -> np.ndarray:
    """1.0 at the positions of `chosen` among `names`, 0.0 elsewhere."""
    chosen = (chosen,) if isinstance(chosen, str) else chosen
    return np.array([1.0 if name in chosen else 0.0 for name in names])


def _hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB, all in [0, 1]; returns (faces, 3)."""
    k = (np.array([5.0, 3.0, 1.0]) + hue[:, None] * 6.0) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return value[:, None] - value[:, None] * saturation[:, None] * ramp


def _sample_block(seed: int, group: int | None, block: int) -> dict[str, np.ndarray]:
    """Every random choice for faces block * _BLOCK up to (block + 1) * _BLOCK - 1."""
    rng = np.random.default_rng([seed, _ALL_GROUPS_CODE if group is None else group, block])
    n = _BLOCK
    p: dict[str, np.ndarray] = {}
    p["group"] = rng.integers(0, 2, n) if group is None else np.full(n, group)
    g = p["group"]

    # Skin: the same distribution in both groups.
    tone = rng.random(n)
    position = tone * (len(_SKIN_PALETTE) - 1)
    lower = np.minimum(position.astype(int), len(_SKIN_PALETTE) - 2)
    fraction = (position - lower)[:, None]
    skin = _SKIN_PALETTE[lower] * (1 - fraction) + _SKIN_PALETTE[lower + 1] * fraction
    skin = skin * (1 + rng.normal(0.0, _SKIN_UNDERTONE_JITTER, (n, 3)))
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

    # Hair colour, with brows and beards in a natural shade even when the hair is dyed.
    darkness = tone[:, None]
    hair_probabilities = (
        np.array(_HAIR_COLOUR_PROBABILITIES)
        * (1 - _one_hot(_HAIR_COLOURS, _FAIR_HAIR) * darkness * _FAIR_HAIR_SUPPRESSION)
        * (1 + _one_hot(_HAIR_COLOURS, "black") * darkness * _BLACK_HAIR_BOOST)
    )
    p["hair_colour"] = _choose(rng, hair_probabilities)
    hair_rgb = _HAIR_PALETTE[p["hair_colour"]]
    dyed_rgb = _DYED_PALETTE[rng.integers(0, len(_DYED_PALETTE), n)]
    is_dyed = (p["hair_colour"] == _HAIR_COLOURS.index("dyed"))[:, None]
    natural_rgb = np.where(is_dyed, _HAIR_PALETTE[_HAIR_COLOURS.index("brown")], hair_rgb)
    lightness = 1 + rng.uniform(-_HAIR_LIGHTNESS_JITTER, _HAIR_LIGHTNESS_JITTER, (n, 1))
    p["hair_rgb"] = np.clip(np.where(is_dyed, dyed_rgb, hair_rgb) * lightness, 0.0, 1.0)
    p["facial_hair_rgb"] = np.clip(natural_rgb * lightness, 0.0, 1.0)

    # Hair style.
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
    p["brow_arch"] = rng.uniform(0.005, 0.03, n) * np.where(g == 0, _GROUP_0_BROW_ARCH, 1.0)

    # Nose and mouth.
    p["nose_length"] = rng.uniform(0.19, 0.24, n)
    p["nose_width"] = rng.uniform(0.028, 0.040, n)
    p["mouth_height"] = rng.uniform(0.33, 0.38, n)
    p["mouth_half_width"] = rng.uniform(0.085, 0.12, n)
    p["lip_thickness"] = rng.uniform(0.034, 0.050, n)
    p["smile"] = rng.uniform(-0.005, 0.035, n)
    p["lips"] = (rng.random(n) < _by_group(_LIPSTICK_PROBABILITY, g)).astype(int)
    natural_lips = p["skin_rgb"] * _by_group(_NATURAL_LIP_TINT, g)
    lipstick = _LIPSTICK_PALETTE[rng.integers(0, len(_LIPSTICK_PALETTE), n)]
    p["lip_rgb"] = np.where(p["lips"][:, None] == 1, lipstick, natural_lips)

    # Glasses and facial hair.
    p["glasses"] = _choose(rng, np.broadcast_to(_GLASSES_PROBABILITIES, (n, len(_GLASSES))))
    p["frame_rgb"] = _FRAME_PALETTE[rng.integers(0, len(_FRAME_PALETTE), n)]
    p["lens_squareness"] = rng.uniform(2.0, 4.0, n)
    bearded = rng.random(n) < _by_group(_BEARD_PROBABILITY, g)
    style = 1 + _choose(rng, np.broadcast_to(_BEARD_STYLE_PROBABILITIES, (n, 3)))
    p["beard_style"] = np.where(bearded, style, 0)
    moustache_probability = np.where(
        p["beard_style"] >= _BEARD_STYLES.index("goatee"),
        _MOUSTACHE_PROBABILITY_WITH_BEARD,
        _by_group(_MOUSTACHE_PROBABILITY_WITHOUT_BEARD, g),
    )
    p["moustache"] = rng.random(n) < moustache_probability

    # Ears, neck and clothing.
    p["ear_size"] = rng.uniform(0.9, 1.1, n)
    p["neck_half_width"] = rng.uniform(0.15, 0.19, n) + _GROUP_NECK_WIDTH_SHIFT * g
    p["neckline"] = rng.integers(0, len(_NECKLINES), n)
    p["clothing_rgb"] = _hsv_to_rgb(
        rng.random(n), rng.uniform(0.2, 0.8, n), rng.uniform(0.2, 0.9, n)
    )
    p["shoulder_width"] = rng.uniform(0.95, 1.15, n) + _GROUP_SHOULDER_WIDTH_SHIFT * g

    # Background and light.
    p["background"] = _choose(rng, np.broadcast_to(_BACKGROUND_PROBABILITIES, (n, 3)))
    p["background_rgb"] = _hsv_to_rgb(
        rng.random(n), rng.uniform(0.05, 0.55, n), rng.uniform(0.35, 0.97, n)
    )
    p["background_second_rgb"] = np.clip(
        p["background_rgb"] * rng.uniform(0.55, 1.35, (n, 1)) + rng.normal(0, 0.08, (n, 3)), 0, 1
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    p["gradient_x"] = np.cos(angle)
    p["gradient_y"] = np.sin(angle)
    p["light_x"] = rng.uniform(-1.0, 1.0, n)  # -1: light from the left, 1: from the right
    p["light_strength"] = rng.uniform(0.12, 0.30, n)

    # Pose.
    p["offset_x"] = rng.uniform(-_MAX_OFFSET_X, _MAX_OFFSET_X, n)
    p["offset_y"] = rng.uniform(-_MAX_OFFSET_Y, _MAX_OFFSET_Y, n)
    p["scale"] = rng.uniform(*_SCALE_RANGE, n)

    # Low-frequency texture.
    p["skin_noise"] = rng.normal(0, 1, (n, _SKIN_NOISE_KNOTS, _SKIN_NOISE_KNOTS))
    p["background_noise"] = rng.normal(0, 1, (n, _BACKGROUND_NOISE_KNOTS, _BACKGROUND_NOISE_KNOTS))

    broad_smile = p["smile"] > _BROAD_SMILE
    p["mouth"] = (broad_smile & (rng.random(n) < _OPEN_SMILE_PROBABILITY)).astype(int)
    return p


def _sample(count: int, seed: int, group: int | None) -> dict[str, np.ndarray]:
    """Random choices for faces 0 ... count - 1, block by block."""
    blocks = [_sample_block(seed, group, block) for block in range(-(-count // _BLOCK))]
    return {key: np.concatenate([b[key] for b in blocks])[:count] for key in blocks[0]}


# =============================================================================================
# Drawing. Each face has its own coordinates: u across (an array shaped (faces, 1, W)) and v
# down ((faces, H, 1)), so most shape terms are cheap 1-D arrays and only their sum is a full
# (faces, H, W) array. Shapes are signed distances (positive inside, in face units) turned into
# opacity over one pixel. Images are channels first, (3, faces, H, W), while drawing.
# =============================================================================================
_PIXELS_PER_CHUNK = 32 * 64 * 64  # a few faces at a time keeps the work in the CPU's cache
_EPSILON = 1e-6

# Regions ((u_low, u_high), (v_low, v_high)) that hold every possible nose, eye, mouth... in
# face units. Drawing them in a window of the image, not all of it, saves most of the work.
_UNBOUNDED = 10.0
_EYE_REGION = ((-0.58, 0.58), (-0.26, 0.16))  # eyes, brows and glasses
_NOSE_REGION = ((-0.22, 0.22), (-0.06, 0.34))
_MOUTH_REGION = ((-0.22, 0.22), (0.20, 0.50))
_BEARD_REGION = ((-0.60, 0.60), (-0.12, 0.85))
_EAR_REGION = ((-0.66, 0.66), (-0.16, 0.22))
_BODY_REGION = ((-_UNBOUNDED, _UNBOUNDED), (-0.05, _UNBOUNDED))
_CLOTHES_REGION = ((-_UNBOUNDED, _UNBOUNDED), (0.62, _UNBOUNDED))
_WINDOW_MARGIN = 2  # pixels

_GRADIENT_CONTRAST = 0.35  # change of the gradient's mix per image unit
_BACKGROUND_TEXTURE_CONTRAST = 0.6
_SKIN_TEXTURE_AMPLITUDE = 0.04

# Face shading: brightness, darkening towards the sides and towards the chin.
_FACE_BRIGHTNESS = 1.02
_FACE_SIDE_SHADE = 0.16
_FACE_CHIN_SHADE = 0.08

# Hair.
_BACK_HAIR_SHADE = 0.72  # hair behind the head is in shadow
_STRAND_AMPLITUDE = 0.04
_STRAND_HARMONICS = (2.7, 1.3)  # two sines of the strand angle, so strands look irregular
# (radians per face unit, weight): the finer curls are still 2 pixels wide at size 32.
_CURL_SCALES = ((19.0, 0.6), (31.0, 0.4))
_CURL_BUMP = 0.025
_CURL_CONTRAST = 0.10
_CROWN_SHINE = 0.12
_CROWN_SHINE_WIDTH = 0.12
_CROWN_SHINE_HEIGHT = 0.75  # as a fraction of the crown height
_CURTAIN_START = 0.68  # side hair starts to drop at this fraction of the face half width
_CURTAIN_WIDTH = 0.32
_FRINGE_DROP = 0.14
_FRINGE_SCALLOP = 0.035  # depth of the fringe's wavy edge
_PARTING_UNDER_FRINGE = 0.4  # a fringe keeps this fraction of the parting's slope
_TEMPLE_POSITION = 0.5  # temples recede at this fraction of the face half width
_TEMPLE_WIDTH = 0.18

# Neck, chest and clothes.
_NECK_LENGTH = 0.19
_SHOULDER_HALF_HEIGHT = 0.6
_CHIN_SHADOW = 0.70  # skin brightness just under the chin ...
_CHEST_SHADE = 0.88  # ... and further down
_CHIN_SHADOW_LENGTH = 0.25
_NECKLINE_SHAPES = {  # half width (times the neck's), depth
    "round": (1.6, 0.15),
    "v": (1.5, 0.35),
    "crew": (1.1, 0.05),
}
_CLOTHING_LIGHT_GAIN = 0.8
_CLOTHING_SIDE_SHADE = 0.12

# Ears.
_EAR_HALF_SIZE = (0.065, 0.11)
_EAR_POSITION = (0.97, 0.03)  # at this fraction of the face half width, this far down
_EAR_SHADE = 0.9
_INNER_EAR_OFFSET = (0.02, 0.01)
_INNER_EAR_SCALE = (0.45, 0.6)
_INNER_EAR_SHADE = 0.7
_INNER_EAR_OPACITY = 0.6

# Nose: a soft shadow down one side, a shadow under the tip, two nostrils.
_NOSE_SOFTNESS = 0.03
_NOSE_SIDE_SHADOW = (0.06, 0.12)  # darkening: the first plus the second times |light_x|
_NOSE_SHADOW_OFFSET = 1.1  # to the side, times the nose width
_NOSE_SHADOW_CENTRE = 0.55  # down, times the nose length
_NOSE_SHADOW_SIZE = (0.6, 0.5)  # half width and height, times the nose width and length
_NOSE_TIP_SHADOW = 0.12
_NOSE_TIP_DROP = 0.01  # below the nose length
_NOSE_TIP_SIZE = (1.6, 0.022)  # half width (times the nose width), half height
_NOSTRIL_SPACING = 0.8  # either side of the middle, times the nose width
_NOSTRIL_DROP = 0.004
_NOSTRIL_HALF_SIZE = (0.016, 0.010)
_NOSTRIL_SHADE = 0.42
_NOSTRIL_OPACITY = 0.75

# Eyes.
_EYE_WHITE = (0.95, 0.94, 0.92)
_LASH_COLOUR = (0.10, 0.07, 0.06)
_LASH_MARGIN = 0.012
_LASH_LIFT = 0.006  # the lash line shows more above the eye than below
_LASH_OPACITY = 0.9
_IRIS_SIZE = 0.95  # times the eye's half height
_PUPIL_SIZE = 0.45  # times the iris radius
_PUPIL_COLOUR = (0.03, 0.03, 0.03)
_GLINT_SIZE = 0.28  # times the iris radius
_GLINT_OFFSET = 0.35  # up and to the side, times the iris radius
_GLINT_OPACITY = 0.85

# Brows.
_BROW_LENGTH = 1.35  # half length, times the eye's half width
_BROW_INNER_GAP = 0.005
_BROW_TAPER = (1.1, 0.35)  # thickness factor at the inner end, lost per half length outwards
_BROW_SHADE = (0.6, 0.04)  # hair colour times the first plus the second, or ...
_BROW_SKIN_SHADE = 0.45  # ... the skin colour times this, whichever is darker
_BROW_OPACITY = 0.92

# Mouth.
_LIP_CENTRE = 0.004
_LOWER_LIP_SHINE = 0.25
_MOUTH_LINE_HALF_THICKNESS = 0.007
_MOUTH_LINE_LENGTH = 0.95  # times the mouth half width
_MOUTH_LINE_SHADE = 0.35
_OPEN_MOUTH_SIZE = (0.8, 0.5)  # times the mouth half width and the lip thickness
_MOUTH_INSIDE = (0.25, 0.07, 0.08)
_TEETH_COLOUR = (0.96, 0.95, 0.90)

# Facial hair.
_BEARD_SOFTNESS = 0.02
_BEARD_OPACITY = np.array([0.0, 0.35, 0.95, 0.95], dtype=np.float32)  # by _BEARD_STYLES
_BEARD_SHADE = (0.7, 0.03)  # hair colour times the first plus the second
_BEARD_GROWTH = (0.015, 0.07)  # a beard reaches this far beyond the jaw's sides and chin
_BEARD_TOP = (0.04, 0.28)  # below the nose at the middle, rising this much at the sides
_MOUTH_CLEARING = (1.05, 1.2)  # times the mouth half width and the lip thickness
_GOATEE_SIZE = (1.2, 0.2)  # half width (times the mouth's), half height
_GOATEE_DROP = 0.06  # below the mouth
_MOUSTACHE_HALF_THICKNESS = 0.022
_MOUSTACHE_TAPER = 0.5  # fraction of the thickness lost towards the ends
_MOUSTACHE_LENGTH = 1.15  # times the mouth half width
_MOUSTACHE_GAP = 0.012  # above the upper lip
_MOUSTACHE_DROOP = 0.02
_MOUSTACHE_OPACITY = 0.95

# Glasses.
_LENS_MARGIN = (0.035, 0.045)  # around the eye
_LENS_LIFT = 0.006
_FRAME_HALF_THICKNESS = 0.011
_BRIDGE_HEIGHT = 0.45  # above the lens centre, times the lens half height
_BAR_OVERLAP = 0.95  # the bridge and arms reach into the frame (times the lens half width)
_ARM_REACH = 0.01  # beyond the side of the face
_SUNGLASS_LENS = (0.07, 0.08, 0.10)
_SUNGLASS_OPACITY = 0.9


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


def _ellipse_distance(
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


def _egg_distance(
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


def _band_coverage(
    v: np.ndarray, centre: np.ndarray, half_thickness: np.ndarray | float, pixel: np.ndarray
) -> np.ndarray:
    """Opacity of a roughly horizontal stroke of half_thickness around the curve `centre`."""
    return _coverage(half_thickness - np.abs(v - centre), pixel)


def _smooth_noise(knot_values: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Smooth random field (faces, H, W) interpolated from a grid of knots over [-1, 1]^2."""
    knots = np.linspace(-1.0, 1.0, knot_values.shape[-1], dtype=np.float32)
    spacing = knots[1] - knots[0]

    def weights(positions: np.ndarray) -> np.ndarray:
        raw = np.exp(-np.square((positions[..., None] - knots) / spacing))
        return raw / raw.sum(axis=-1, keepdims=True)

    return weights(rows) @ knot_values @ np.swapaxes(weights(columns), -1, -2)


def _paint(image: np.ndarray, opacity: np.ndarray, colour: np.ndarray) -> None:
    """Blend colour (3, ...) over the channels-first image in place."""
    for channel in range(3):
        plane = image[channel]
        plane += opacity * (colour[channel] - plane)


def _rgb(values: tuple[float, float, float]) -> np.ndarray:
    """A fixed colour shaped to broadcast against a channels-first image."""
    return np.asarray(values, dtype=np.float32).reshape(3, 1, 1, 1)


def _per_face(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Parameters as float32 arrays that broadcast: (faces, 1, 1), colours (3, faces, 1, 1)."""
    shaped = {}
    for name, values in p.items():
        values = np.asarray(values, dtype=np.float32)
        if name.endswith("_rgb"):
            shaped[name] = values.T.reshape(3, -1, 1, 1)
        elif values.ndim == 1:
            shaped[name] = values.reshape(-1, 1, 1)
        else:
            shaped[name] = values
    return shaped


def _window(size: int, region: tuple[tuple[float, float], tuple[float, float]]):
    """Rows and columns of the image that hold a face region in every pose."""
    (u_low, u_high), (v_low, v_high) = region
    smallest, largest = _SCALE_RANGE

    def pixel_span(low: float, high: float, centre: float, max_offset: float) -> slice:
        image_low = centre - max_offset + min(low * smallest, low * largest)
        image_high = centre + max_offset + max(high * smallest, high * largest)
        first = int(np.floor((image_low + 1.0) * size / 2.0)) - _WINDOW_MARGIN
        last = int(np.ceil((image_high + 1.0) * size / 2.0)) + _WINDOW_MARGIN
        return slice(max(first, 0), max(min(last, size), 0))

    return (
        pixel_span(v_low, v_high, _FACE_CENTRE_Y, _MAX_OFFSET_Y),
        pixel_span(u_low, u_high, 0.0, _MAX_OFFSET_X),
    )


def _render(p: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Draw the faces described by p into a (faces, size, size, 3) float32 array."""
    f = _per_face(p)
    count = len(p["group"])
    positions = (np.arange(size, dtype=np.float32) + 0.5) * np.float32(2.0 / size) - 1
    x = positions.reshape(1, 1, size)
    y = positions.reshape(1, size, 1)
    u = (x - f["offset_x"]) / f["scale"]
    v = (y - (_FACE_CENTRE_Y + f["offset_y"])) / f["scale"]
    pixel = np.float32(2.0 / size) / f["scale"]  # one pixel in face units
    image = np.empty((3, count, size, size), dtype=np.float32)

    def crop(region):
        """The window of the image, u and v that holds a region of the face."""
        rows, columns = _window(size, region)
        return image[:, :, rows, columns], u[:, :, columns], v[:, rows, :]

    _draw_background(image, f, x, y, positions)
    hair_coverage, hair_shade, curls = _draw_back_hair(image, f, u, v, pixel)
    _draw_body(crop(_BODY_REGION), crop(_CLOTHES_REGION), f, pixel)
    _draw_ears(*crop(_EAR_REGION), f, pixel)
    _draw_face(image, f, u, v, pixel)
    _draw_nose(*crop(_NOSE_REGION), f, pixel)
    _draw_eyes(*crop(_EYE_REGION), f, pixel)
    _draw_brows(*crop(_EYE_REGION), f, pixel)
    _draw_mouth(*crop(_MOUTH_REGION), f, pixel)
    _draw_facial_hair(*crop(_BEARD_REGION), f, pixel)
    _draw_front_hair(image, f, u, v, pixel, hair_coverage, hair_shade, curls)
    _draw_glasses(*crop(_EYE_REGION), f, pixel)
    return np.moveaxis(np.clip(image, 0.0, 1.0), 0, -1)


def _draw_background(image, f, x, y, positions) -> None:
    """A plain colour, a linear gradient between two colours, or soft blotches of both."""
    along = 0.5 + _GRADIENT_CONTRAST * (f["gradient_x"] * x + f["gradient_y"] * y)
    noise = _smooth_noise(f["background_noise"], positions[None, :], positions[None, :])
    blotches = np.clip(0.5 + _BACKGROUND_TEXTURE_CONTRAST * noise, 0.0, 1.0)
    kind = f["background"]
    mix = np.where(kind == _BACKGROUNDS.index("gradient"), along, 0.0) + np.where(
        kind == _BACKGROUNDS.index("texture"), blotches, 0.0
    )
    first = f["background_rgb"]
    second = f["background_second_rgb"]
    for channel in range(3):
        image[channel] = first[channel] + (second[channel] - first[channel]) * mix


def _draw_back_hair(image, f, u, v, pixel):
    """Hair behind the head, from the crown down to its length; returns what the front reuses."""
    length = f["hair_length"].astype(int)
    half_width = f["face_half_width"] + f["hair_volume"]
    distance = _egg_distance(
        u,
        v,
        half_width,
        f["face_top"] + f["hair_crown"],
        _HAIR_BOTTOM.astype(np.float32)[length],
        _HAIR_BOTTOM_EXPONENT.astype(np.float32)[length],
    )
    # Curly hair has a bumpy outline and a pattern of curls (two lattices of bumps at different
    # scales and phases, so they look less regular); straight hair has strands.
    curly = f["curly"]
    curls = sum(
        weight
        * np.sin(frequency * u + f["hair_wave_phase"] * frequency)
        * np.sin(frequency * v + f["curl_phase"] * frequency)
        for frequency, weight in _CURL_SCALES
    )
    distance += curly * _CURL_BUMP * curls
    coverage = _coverage(distance, pixel) * (length > 0)
    strand_angle = f["hair_wave_frequency"] * u + f["hair_wave_phase"]
    strands = sum(np.sin(harmonic * strand_angle) for harmonic in _STRAND_HARMONICS)
    light = f["light_x"] * f["light_strength"]
    shade = (
        (1.0 + light * u / half_width)
        * (1.0 + (1.0 - curly) * _STRAND_AMPLITUDE * strands)
        * (1.0 + _CURL_CONTRAST * curly * curls)
    )
    _paint(image, coverage, f["hair_rgb"] * (shade * _BACK_HAIR_SHADE))
    return coverage, shade, curls


def _draw_body(body_window, clothes_window, f, pixel) -> None:
    """Neck and chest in skin colour, then clothes with a neckline cut out of them."""
    body, u, v = body_window
    light = f["light_x"] * f["light_strength"]
    shoulder_top = f["face_bottom"] + _NECK_LENGTH
    shoulder_centre = shoulder_top + _SHOULDER_HALF_HEIGHT
    shoulder_width = f["shoulder_width"]
    shoulders = _coverage(
        _ellipse_distance(u, v, 0.0, shoulder_centre, shoulder_width, _SHOULDER_HALF_HEIGHT), pixel
    )
    neck = _coverage(f["neck_half_width"] - np.abs(u), pixel) * _coverage(v, pixel)
    under_chin = np.clip((v - f["face_bottom"]) / _CHIN_SHADOW_LENGTH, 0.0, 1.0)
    shade = _CHIN_SHADOW + (_CHEST_SHADE - _CHIN_SHADOW) * under_chin + light * u
    _paint(body, np.maximum(neck, shoulders), f["skin_rgb"] * shade)

    clothes, u, v = clothes_window
    shoulders = _coverage(
        _ellipse_distance(u, v, 0.0, shoulder_centre, shoulder_width, _SHOULDER_HALF_HEIGHT), pixel
    )
    neckline = f["neckline"].astype(int)
    shapes = np.array([_NECKLINE_SHAPES[name] for name in _NECKLINES], dtype=np.float32)
    cut_half_width = shapes[neckline, 0] * f["neck_half_width"]
    cut_depth = shapes[neckline, 1]
    rounded_cut = _ellipse_distance(u, v, 0.0, shoulder_top, cut_half_width, cut_depth)
    pointed_cut = (1.0 - (np.abs(u) / cut_half_width + (v - shoulder_top) / cut_depth)) / np.sqrt(
        1.0 / np.square(cut_half_width) + 1.0 / np.square(cut_depth)
    )
    is_v_neck = neckline == _NECKLINES.index("v")
    cut = _coverage(np.where(is_v_neck, pointed_cut, rounded_cut), pixel)
    shade = (
        1.0
        + _CLOTHING_LIGHT_GAIN * light * u
        - _CLOTHING_SIDE_SHADE * np.square(u / shoulder_width)
    )
    _paint(clothes, shoulders * (1.0 - cut), f["clothing_rgb"] * shade)


def _draw_ears(image, u, v, f, pixel) -> None:
    """Ears at the sides of the face, hidden by medium and long hair."""
    visible = f["hair_length"] <= _HAIR_LENGTHS.index("short")
    size = f["ear_size"]
    centre_u = f["face_half_width"] * _EAR_POSITION[0]
    centre_v = _EAR_POSITION[1]
    half_width = _EAR_HALF_SIZE[0] * size
    half_height = _EAR_HALF_SIZE[1] * size
    ear = _coverage(
        _ellipse_distance(np.abs(u), v, centre_u, centre_v, half_width, half_height), pixel
    )
    ear *= visible
    light = f["light_x"] * f["light_strength"]
    _paint(image, ear, f["skin_rgb"] * (_EAR_SHADE + light * u))
    inner = _ellipse_distance(
        np.abs(u),
        v,
        centre_u + _INNER_EAR_OFFSET[0],
        centre_v + _INNER_EAR_OFFSET[1],
        half_width * _INNER_EAR_SCALE[0],
        half_height * _INNER_EAR_SCALE[1],
    )
    _paint(
        image, _coverage(inner, pixel) * ear * _INNER_EAR_OPACITY, f["skin_rgb"] * _INNER_EAR_SHADE
    )


def _draw_face(image, f, u, v, pixel) -> None:
    """The face, lit from one side, darker towards its edges, with faint skin texture."""
    half_width = f["face_half_width"]
    distance = _egg_distance(u, v, half_width, f["face_top"], f["face_bottom"], f["jaw_exponent"])
    texture = _smooth_noise(f["skin_noise"], v[:, :, 0], u[:, 0, :])
    light = f["light_x"] * f["light_strength"]
    across = u / half_width
    shade = (
        _FACE_BRIGHTNESS
        + light * across
        - _FACE_SIDE_SHADE * np.square(np.square(across))
        - _FACE_CHIN_SHADE * np.square(v / f["face_bottom"])
    ) + _SKIN_TEXTURE_AMPLITUDE * texture
    _paint(image, _coverage(distance, pixel), f["skin_rgb"] * shade)


def _draw_nose(image, u, v, f, pixel) -> None:
    """A soft shadow down the side away from the light, a shadow under the tip, nostrils."""
    length = f["nose_length"]
    width = f["nose_width"]
    light_x = f["light_x"]
    soft = np.maximum(pixel, _NOSE_SOFTNESS)
    side = -np.sign(light_x)
    side_shadow = _ellipse_distance(
        u,
        v,
        side * width * _NOSE_SHADOW_OFFSET,
        length * _NOSE_SHADOW_CENTRE,
        width * _NOSE_SHADOW_SIZE[0],
        length * _NOSE_SHADOW_SIZE[1],
    )
    side_shadow = _coverage(side_shadow, soft)
    tip_shadow = _ellipse_distance(
        u, v, 0.0, length + _NOSE_TIP_DROP, width * _NOSE_TIP_SIZE[0], _NOSE_TIP_SIZE[1]
    )
    tip_shadow = _coverage(tip_shadow, soft)
    side_darkening = _NOSE_SIDE_SHADOW[0] + _NOSE_SIDE_SHADOW[1] * np.abs(light_x)
    image *= 1.0 - (side_darkening * side_shadow + _NOSE_TIP_SHADOW * tip_shadow)
    nostrils = _coverage(
        _ellipse_distance(
            np.abs(u), v, width * _NOSTRIL_SPACING, length + _NOSTRIL_DROP, *_NOSTRIL_HALF_SIZE
        ),
        pixel,
    )
    _paint(image, nostrils * _NOSTRIL_OPACITY, f["skin_rgb"] * _NOSTRIL_SHADE)


def _draw_eyes(image, u, v, f, pixel) -> None:
    """Both eyes at once (mirrored): lash line, white, iris, pupil and a glint."""
    across = np.abs(u) - f["eye_separation"]  # 0 at the centre of either eye
    down = v - f["eye_height"]
    half_width = f["eye_half_width"]
    half_height = f["eye_half_height"]
    lash = _ellipse_distance(
        across, down, 0.0, -_LASH_LIFT, half_width + _LASH_MARGIN, half_height + _LASH_MARGIN
    )
    _paint(image, _coverage(lash, pixel) * _LASH_OPACITY, _rgb(_LASH_COLOUR))
    white = _coverage(_ellipse_distance(across, down, 0.0, 0.0, half_width, half_height), pixel)
    _paint(image, white, _rgb(_EYE_WHITE))

    iris_radius = half_height * _IRIS_SIZE
    iris_across = across - f["gaze_x"] * np.sign(u)  # both eyes look the same way
    iris_down = down - f["gaze_y"]

    def disc(centre_u, centre_v, radius):
        distance = _ellipse_distance(iris_across, iris_down, centre_u, centre_v, radius, radius)
        return _coverage(distance, pixel) * white

    _paint(image, disc(0.0, 0.0, iris_radius), f["eye_rgb"])
    _paint(image, disc(0.0, 0.0, iris_radius * _PUPIL_SIZE), _rgb(_PUPIL_COLOUR))
    glint_offset = _GLINT_OFFSET * iris_radius
    glint = disc(glint_offset, -glint_offset, iris_radius * _GLINT_SIZE)
    _paint(image, glint * _GLINT_OPACITY, _rgb((1.0, 1.0, 1.0)))


def _draw_brows(image, u, v, f, pixel) -> None:
    """Arched strokes above the eyes, thinning outwards, darker than the hair and the skin."""
    half_length = f["eye_half_width"] * _BROW_LENGTH
    across = (np.abs(u) - f["eye_separation"] - _BROW_INNER_GAP) / half_length  # -1 to 1 outwards
    centre = f["eye_height"] - f["brow_raise"] - f["brow_arch"] * (1.0 - np.square(across))
    taper = _BROW_TAPER[0] - _BROW_TAPER[1] * (across + 1.0)
    brows = _band_coverage(v, centre, 0.5 * f["brow_thickness"] * taper, pixel)
    brows *= _coverage((1.0 - np.abs(across)) * half_length, pixel)
    colour = np.minimum(
        f["facial_hair_rgb"] * _BROW_SHADE[0] + _BROW_SHADE[1], f["skin_rgb"] * _BROW_SKIN_SHADE
    )
    _paint(image, brows * _BROW_OPACITY, colour)


def _draw_mouth(image, u, v, f, pixel) -> None:
    """Lips around a mouth line that curves up at the corners; broad smiles show teeth."""
    half_width = f["mouth_half_width"]
    thickness = f["lip_thickness"]
    curve = v - f["mouth_height"] + f["smile"] * np.square(u / half_width)  # 0 on the line
    lips = _coverage(_ellipse_distance(u, curve, 0.0, _LIP_CENTRE, half_width, thickness), pixel)
    lower_lip_shine = 1.0 + _LOWER_LIP_SHINE * np.clip(curve / thickness, 0.0, 1.0)
    _paint(image, lips, f["lip_rgb"] * lower_lip_shine)

    is_open = f["mouth"]
    line = _band_coverage(curve, 0.0, _MOUTH_LINE_HALF_THICKNESS, pixel)
    line *= _coverage(half_width * _MOUTH_LINE_LENGTH - np.abs(u), pixel)
    _paint(image, line * (1.0 - is_open), f["lip_rgb"] * _MOUTH_LINE_SHADE)

    opening = _coverage(
        _ellipse_distance(
            u,
            curve,
            0.0,
            _LIP_CENTRE,
            half_width * _OPEN_MOUTH_SIZE[0],
            thickness * _OPEN_MOUTH_SIZE[1],
        ),
        pixel,
    )
    _paint(image, opening * is_open, _rgb(_MOUTH_INSIDE))
    upper_teeth = _coverage(_LIP_CENTRE - curve, pixel)
    _paint(image, opening * upper_teeth * is_open, _rgb(_TEETH_COLOUR))


def _draw_facial_hair(image, u, v, f, pixel) -> None:
    """Stubble, a goatee or a full beard around the mouth, and perhaps a moustache."""
    style = f["beard_style"].astype(int)
    half_width = f["face_half_width"]
    mouth_height = f["mouth_height"]
    mouth_half_width = f["mouth_half_width"]
    colour = f["facial_hair_rgb"] * _BEARD_SHADE[0] + _BEARD_SHADE[1]
    soft = np.maximum(pixel, _BEARD_SOFTNESS)

    # A beard grows a little beyond the jaw; stubble stays on the skin.
    growth = (style != _BEARD_STYLES.index("stubble")).astype(np.float32)
    jaw = _egg_distance(
        u,
        v,
        half_width + _BEARD_GROWTH[0] * growth,
        f["face_top"],
        f["face_bottom"] + _BEARD_GROWTH[1] * growth,
        f["jaw_exponent"],
    )
    beard_top = f["nose_length"] + _BEARD_TOP[0] - _BEARD_TOP[1] * np.square(u / half_width)
    clearing = _ellipse_distance(
        u,
        v,
        0.0,
        mouth_height,
        mouth_half_width * _MOUTH_CLEARING[0],
        f["lip_thickness"] * _MOUTH_CLEARING[1],
    )
    goatee = _ellipse_distance(
        u,
        v,
        0.0,
        mouth_height + _GOATEE_DROP,
        mouth_half_width * _GOATEE_SIZE[0],
        _GOATEE_SIZE[1],
    )
    only_chin = np.where(style == _BEARD_STYLES.index("goatee"), _coverage(goatee, soft), 1.0)
    beard = _coverage(jaw, pixel) * _coverage(v - beard_top, soft) * only_chin
    beard *= 1.0 - _coverage(clearing, soft)
    _paint(image, beard * _BEARD_OPACITY[style], colour)

    length = mouth_half_width * _MOUSTACHE_LENGTH
    outwards = np.clip(np.abs(u) / length, 0.0, 1.0)
    centre = (
        mouth_height
        - f["lip_thickness"]
        - _MOUSTACHE_GAP
        + _MOUSTACHE_DROOP * np.square(u / mouth_half_width)
    )
    half_thickness = _MOUSTACHE_HALF_THICKNESS * (1.0 - _MOUSTACHE_TAPER * outwards)
    moustache = _band_coverage(v, centre, half_thickness, pixel)
    moustache *= _coverage(length - np.abs(u), pixel)
    _paint(image, moustache * f["moustache"] * _MOUSTACHE_OPACITY, colour)


def _draw_front_hair(image, f, u, v, pixel, hair_coverage, shade, curls) -> None:
    """The part of the hair shape above a hairline that drops at the sides of the face."""
    half_width = f["face_half_width"]
    outwards = np.abs(u) / half_width
    curtain = np.clip((outwards - _CURTAIN_START) / _CURTAIN_WIDTH, 0.0, 1.0)
    curtain = curtain * curtain * (3.0 - 2.0 * curtain)  # smoothstep
    fringe = f["fringe"]
    scallops = _FRINGE_SCALLOP * np.abs(np.sin(f["hair_wave_frequency"] * u))
    temples = np.exp(-np.square((outwards - _TEMPLE_POSITION) / _TEMPLE_WIDTH))
    hairline = (
        f["hairline"]
        + fringe * (_FRINGE_DROP + scallops)
        + f["parting"] * u * (1.0 - fringe * (1.0 - _PARTING_UNDER_FRINGE))
        + _HAIR_SIDE_DROP.astype(np.float32)[f["hair_length"].astype(int)] * curtain
        - f["temple_recession"] * (1.0 - fringe) * temples
    )
    # Distance to the hairline measured across it, not straight down.
    slope = np.gradient(hairline, axis=-1) / np.gradient(u, axis=-1)
    distance = (hairline - v) / np.sqrt(1.0 + np.square(slope))
    distance += f["curly"] * _CURL_BUMP * curls
    shine = _CROWN_SHINE * np.exp(
        -np.square((v + f["face_top"] * _CROWN_SHINE_HEIGHT) / _CROWN_SHINE_WIDTH)
    )
    _paint(image, hair_coverage * _coverage(distance, pixel), f["hair_rgb"] * (shade + shine))


def _draw_glasses(image, u, v, f, pixel) -> None:
    """Two frames, a bridge and the arms; sunglasses also get dark lenses."""
    kind = f["glasses"]
    separation = f["eye_separation"]
    centre = f["eye_height"] + _LENS_LIFT
    lens_half_width = f["eye_half_width"] + _LENS_MARGIN[0]
    lens_half_height = f["eye_half_height"] + _LENS_MARGIN[1]
    lens = _ellipse_distance(
        np.abs(u), v, separation, centre, lens_half_width, lens_half_height, f["lens_squareness"]
    )
    sunglasses = kind == _GLASSES.index("sunglasses")
    _paint(image, _coverage(lens, pixel) * sunglasses * _SUNGLASS_OPACITY, _rgb(_SUNGLASS_LENS))
    frames = _coverage(_FRAME_HALF_THICKNESS - np.abs(lens), pixel)
    bar = _band_coverage(
        v, centre - lens_half_height * _BRIDGE_HEIGHT, _FRAME_HALF_THICKNESS, pixel
    )
    bar_end = lens_half_width * _BAR_OVERLAP
    bridge = _coverage(separation - bar_end - np.abs(u), pixel)
    arms = _coverage(np.abs(u) - separation - bar_end, pixel)
    arms *= _coverage(f["face_half_width"] + _ARM_REACH - np.abs(u), pixel)
    frame = np.maximum(frames, bar * (bridge + arms))
    _paint(image, frame * (kind != _GLASSES.index("none")), f["frame_rgb"])


# =============================================================================================
# Public API.
# =============================================================================================
def _attribute_table(p: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per face with the columns FACE_ATTRIBUTES."""
    light_x = p["light_x"]
    light_direction = (light_x > -_FRONT_LIGHT_LIMIT).astype(int) + (light_x > _FRONT_LIGHT_LIMIT)

    def labels(names: tuple[str, ...], index: np.ndarray) -> np.ndarray:
        return np.asarray(names, dtype=object)[np.asarray(index, dtype=int)]

    columns = {
        "group": p["group"].astype(int),
        "skin_tone": p["skin_tone"],
        "skin_r": p["skin_rgb"][:, 0],
        "skin_g": p["skin_rgb"][:, 1],
        "skin_b": p["skin_rgb"][:, 2],
        "face_shape": labels(_FACE_SHAPES, p["face_shape"]),
        "hair_colour": labels(_HAIR_COLOURS, p["hair_colour"]),
        "hair_length": labels(_HAIR_LENGTHS, p["hair_length"]),
        "hair_texture": labels(_HAIR_TEXTURES, p["curly"]),
        "eye_colour": labels(_EYE_COLOURS, p["eye_colour"]),
        "brows": labels(_BROWS, p["brows"]),
        "glasses": labels(_GLASSES, p["glasses"]),
        "beard": p["beard_style"] > 0,
        "beard_style": labels(_BEARD_STYLES, p["beard_style"]),
        "moustache": p["moustache"].astype(bool),
        "lips": labels(_LIPS, p["lips"]),
        "mouth": labels(_MOUTHS, p["mouth"]),
        "background": labels(_BACKGROUNDS, p["background"]),
        "light_direction": labels(_LIGHT_DIRECTIONS, light_direction),
        "light_x": light_x,
        "offset_x": p["offset_x"],
        "offset_y": p["offset_y"],
        "scale": p["scale"],
    }
    return pd.DataFrame({name: columns[name] for name in FACE_ATTRIBUTES})


def _is_integer(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_arguments(count: int, size: int, seed: int, group: int | None) -> None:
    """Raise ValueError for arguments make_faces cannot honour."""
    if not _is_integer(count) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    if not _is_integer(size) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    if not _is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if group is not None and (not _is_integer(group) or group not in GROUPS):
        raise ValueError(f"group must be None, 0 or 1, got {group!r}")


# What muted=True desaturates, and how much colour it leaves (a fraction of the original).
_MUTED_COLOURS = ("background_rgb", "background_second_rgb", "clothing_rgb")
_MUTED_SATURATION = 0.15


def make_faces(
    count: int, size: int = 64, seed: int = 0, group: int | None = None, muted: bool = False
) -> tuple[np.ndarray, pd.DataFrame]:
    """Draw `count` cartoon portraits, float32 (count, size, size, 3) in [0, 1], with attributes.

    Introduced in notebook 01. group=None mixes both populations, 0 or 1 keeps only that one.
    muted=True keeps every face but greys its background and clothes, like studio portraits.
    """
    _check_arguments(count, size, seed, group)
    count, size, seed = int(count), int(size), int(seed)
    group = None if group is None else int(group)
    parameters = _sample(count, seed, group)
    if muted:
        for name in _MUTED_COLOURS:
            colours = parameters[name]
            grey = colours.mean(axis=-1, keepdims=True)
            parameters[name] = grey + _MUTED_SATURATION * (colours - grey)
    images = np.empty((count, size, size, 3), dtype=np.float32)
    chunk = max(1, _PIXELS_PER_CHUNK // (size * size))
    for start in range(0, count, chunk):
        part = {name: values[start : start + chunk] for name, values in parameters.items()}
        images[start : start + chunk] = _render(part, size)
    return images, _attribute_table(parameters)
