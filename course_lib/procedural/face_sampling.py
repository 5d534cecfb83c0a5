"""Every random choice behind a procedural face: skin, hair, eyes, clothes, background, pose.

Faces are drawn in blocks of BLOCK from a generator seeded by (seed, group, block), so face i
depends only on (seed, group, i): a longer batch starts with the shorter one. Notebook 01.
"""

from __future__ import annotations

import numpy as np

from course_lib.procedural.common import choose_per_row, hsv_to_rgb, sample_in_blocks

BLOCK = 256
_ALL_GROUPS_CODE = 2  # stands for group=None in the generator's seed

# The categories a face is drawn from, by index; the attribute table names them.
FACE_SHAPES = ("oval", "round", "long", "square")
HAIR_COLOURS = ("black", "brown", "blonde", "red", "grey", "dyed")
HAIR_LENGTHS = ("bald", "short", "medium", "long")
HAIR_TEXTURES = ("straight", "curly")
EYE_COLOURS = ("brown", "dark brown", "hazel", "green", "blue", "grey")
BROWS = ("thin", "medium", "thick")
GLASSES = ("none", "glasses", "sunglasses")
BEARD_STYLES = ("none", "stubble", "goatee", "full")
LIPS = ("natural", "lipstick")
MOUTHS = ("closed", "open")
NECKLINES = ("round", "v", "crew")
BACKGROUNDS = ("plain", "gradient", "texture")
LIGHT_DIRECTIONS = ("left", "front", "right")
FRONT_LIGHT_LIMIT = 0.33  # |light_x| below this counts as light from the front

# Pose, in image units (the image runs from -1 to 1).
MAX_OFFSET_X = 0.07
MAX_OFFSET_Y = 0.05
SCALE_RANGE = (0.94, 1.10)

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

_HAIR_LENGTH_PROBABILITIES = {0: (0.02, 0.20, 0.30, 0.48), 1: (0.14, 0.62, 0.17, 0.07)}
# By length: how much volume hair adds to the head's half width, and how often it has a fringe.
_HAIR_VOLUME_RANGE = np.array([[0.0, 0.0], [0.015, 0.045], [0.04, 0.09], [0.04, 0.10]])
_FRINGE_PROBABILITY = np.array([0.0, 0.15, 0.35, 0.35])
_TEMPLE_RECESSION_RANGE = {0: (0.0, 0.04), 1: (0.0, 0.10)}
_CURLY_PROBABILITY = (0.08, 0.45)  # the first plus the second times skin_tone
_CURLY_VOLUME = 0.06

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

_BROW_PROBABILITIES = {0: (0.45, 0.45, 0.10), 1: (0.10, 0.45, 0.45)}
_BROW_THICKNESS = np.array([0.022, 0.032, 0.046])
_GROUP_0_BROW_ARCH = 1.4  # group 0 brows arch more

_GLASSES_PROBABILITIES = (0.72, 0.20, 0.08)
_FRAME_PALETTE = np.array(
    [[0.08, 0.08, 0.08], [0.35, 0.20, 0.10], [0.80, 0.66, 0.30], [0.70, 0.70, 0.72]]
)

_BEARD_PROBABILITY = {0: 0.0, 1: 0.38}
_BEARD_STYLE_PROBABILITIES = (0.35, 0.20, 0.45)  # of stubble, goatee, full among beards
_MOUSTACHE_PROBABILITY_WITH_BEARD = 0.8  # goatee or full
_MOUSTACHE_PROBABILITY_WITHOUT_BEARD = {0: 0.0, 1: 0.06}

_LIPSTICK_PROBABILITY = {0: 0.35, 1: 0.0}
_LIPSTICK_PALETTE = np.array(
    [[0.75, 0.12, 0.18], [0.85, 0.40, 0.50], [0.50, 0.12, 0.22], [0.80, 0.30, 0.25]]
)
_NATURAL_LIP_TINT = {0: (0.86, 0.56, 0.56), 1: (0.85, 0.64, 0.60)}  # times the skin colour
_OPEN_SMILE_PROBABILITY = 0.5  # among faces that smile broadly
_BROAD_SMILE = 0.02

_GROUP_NECK_WIDTH_SHIFT = 0.02
_GROUP_SHOULDER_WIDTH_SHIFT = 0.08

_BACKGROUND_PROBABILITIES = (0.40, 0.40, 0.20)

SKIN_NOISE_KNOTS = 5
BACKGROUND_NOISE_KNOTS = 9


def _by_group(table: dict[int, object], group: np.ndarray) -> np.ndarray:
    """Per-face values picked from a {group: value or tuple of values} table."""
    values = [np.asarray(table[0], dtype=float), np.asarray(table[1], dtype=float)]
    picked = np.where(group.reshape(-1, *([1] * values[0].ndim)) == 1, values[1], values[0])
    return picked


def _one_hot(names: tuple[str, ...], chosen: tuple[str, ...] | str) -> np.ndarray:
    """1.0 at the positions of `chosen` among `names`, 0.0 elsewhere."""
    chosen = (chosen,) if isinstance(chosen, str) else chosen
    return np.array([1.0 if name in chosen else 0.0 for name in names])


# Every _sample_* step adds its choices to p and draws from rng in a fixed order: the order of
# the steps and of the draws within them decides every face, so changing it changes them all.
def _sample_skin(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Skin: the same distribution in both groups."""
    tone = rng.random(n)
    position = tone * (len(_SKIN_PALETTE) - 1)
    lower = np.minimum(position.astype(int), len(_SKIN_PALETTE) - 2)
    fraction = (position - lower)[:, None]
    skin = _SKIN_PALETTE[lower] * (1 - fraction) + _SKIN_PALETTE[lower + 1] * fraction
    skin = skin * (1 + rng.normal(0.0, _SKIN_UNDERTONE_JITTER, (n, 3)))
    p["skin_tone"] = tone
    p["skin_rgb"] = np.clip(skin, 0.0, 1.0)


def _sample_face_shape(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Face shape and its jittered geometry; group 1 has wider, squarer jaws."""
    g = p["group"]
    p["face_shape"] = choose_per_row(rng, _by_group(_FACE_SHAPE_PROBABILITIES, g))
    geometry = _FACE_SHAPE_GEOMETRY[p["face_shape"]]
    geometry = geometry * (1 + rng.uniform(-_GEOMETRY_JITTER, _GEOMETRY_JITTER, geometry.shape))
    p["face_half_width"] = geometry[:, 0] + _GROUP_JAW_WIDTH_SHIFT * g
    p["face_top"] = geometry[:, 1]
    p["face_bottom"] = geometry[:, 2]
    p["jaw_exponent"] = geometry[:, 3] + _GROUP_JAW_EXPONENT_SHIFT * g


def _sample_hair_colour(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Hair colour, with brows and beards in a natural shade even when the hair is dyed."""
    darkness = p["skin_tone"][:, None]
    hair_probabilities = (
        np.array(_HAIR_COLOUR_PROBABILITIES)
        * (1 - _one_hot(HAIR_COLOURS, _FAIR_HAIR) * darkness * _FAIR_HAIR_SUPPRESSION)
        * (1 + _one_hot(HAIR_COLOURS, "black") * darkness * _BLACK_HAIR_BOOST)
    )
    p["hair_colour"] = choose_per_row(rng, hair_probabilities)
    hair_rgb = _HAIR_PALETTE[p["hair_colour"]]
    dyed_rgb = _DYED_PALETTE[rng.integers(0, len(_DYED_PALETTE), n)]
    is_dyed = (p["hair_colour"] == HAIR_COLOURS.index("dyed"))[:, None]
    natural_rgb = np.where(is_dyed, _HAIR_PALETTE[HAIR_COLOURS.index("brown")], hair_rgb)
    lightness = 1 + rng.uniform(-_HAIR_LIGHTNESS_JITTER, _HAIR_LIGHTNESS_JITTER, (n, 1))
    p["hair_rgb"] = np.clip(np.where(is_dyed, dyed_rgb, hair_rgb) * lightness, 0.0, 1.0)
    p["facial_hair_rgb"] = np.clip(natural_rgb * lightness, 0.0, 1.0)


def _sample_hair_style(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Hair length, volume, curls, hairline, fringe and parting."""
    g = p["group"]
    p["hair_length"] = choose_per_row(rng, _by_group(_HAIR_LENGTH_PROBABILITIES, g))
    volume_range = _HAIR_VOLUME_RANGE[p["hair_length"]]
    p["hair_volume"] = rng.uniform(volume_range[:, 0], volume_range[:, 1])
    p["curly"] = rng.random(n) < _CURLY_PROBABILITY[0] + _CURLY_PROBABILITY[1] * p["skin_tone"]
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


def _sample_eyes_and_brows(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Eye colour (darker with darker skin), eye geometry and gaze, and brows."""
    g = p["group"]
    darkness = p["skin_tone"][:, None]
    eye_probabilities = (1 - darkness) * np.array(_EYE_PROBABILITIES_LIGHT_SKIN) + darkness * (
        np.array(_EYE_PROBABILITIES_DARK_SKIN)
    )
    p["eye_colour"] = choose_per_row(rng, eye_probabilities)
    p["eye_rgb"] = _EYE_PALETTE[p["eye_colour"]] * rng.uniform(0.85, 1.15, (n, 1))
    p["eye_separation"] = rng.uniform(0.15, 0.18, n)
    p["eye_height"] = rng.uniform(-0.03, 0.02, n)
    p["eye_half_width"] = rng.uniform(0.070, 0.085, n)
    p["eye_half_height"] = rng.uniform(0.036, 0.046, n)
    p["gaze_x"] = rng.uniform(-0.012, 0.012, n)
    p["gaze_y"] = rng.uniform(-0.006, 0.004, n)
    p["brows"] = choose_per_row(rng, _by_group(_BROW_PROBABILITIES, g))
    p["brow_thickness"] = _BROW_THICKNESS[p["brows"]] * rng.uniform(0.9, 1.1, n)
    p["brow_raise"] = rng.uniform(0.085, 0.115, n)
    p["brow_arch"] = rng.uniform(0.005, 0.03, n) * np.where(g == 0, _GROUP_0_BROW_ARCH, 1.0)


def _sample_nose_and_mouth(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Nose and mouth geometry, smile, and natural or lipstick lips."""
    g = p["group"]
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


def _sample_glasses_and_facial_hair(
    rng: np.random.Generator, p: dict[str, np.ndarray], n: int
) -> None:
    """Glasses and their frames; beards (group 1 only) and moustaches."""
    g = p["group"]
    p["glasses"] = choose_per_row(rng, np.broadcast_to(_GLASSES_PROBABILITIES, (n, len(GLASSES))))
    p["frame_rgb"] = _FRAME_PALETTE[rng.integers(0, len(_FRAME_PALETTE), n)]
    p["lens_squareness"] = rng.uniform(2.0, 4.0, n)
    bearded = rng.random(n) < _by_group(_BEARD_PROBABILITY, g)
    style = 1 + choose_per_row(rng, np.broadcast_to(_BEARD_STYLE_PROBABILITIES, (n, 3)))
    p["beard_style"] = np.where(bearded, style, 0)
    moustache_probability = np.where(
        p["beard_style"] >= BEARD_STYLES.index("goatee"),
        _MOUSTACHE_PROBABILITY_WITH_BEARD,
        _by_group(_MOUSTACHE_PROBABILITY_WITHOUT_BEARD, g),
    )
    p["moustache"] = rng.random(n) < moustache_probability


def _sample_body(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Ears, neck and clothing."""
    g = p["group"]
    p["ear_size"] = rng.uniform(0.9, 1.1, n)
    p["neck_half_width"] = rng.uniform(0.15, 0.19, n) + _GROUP_NECK_WIDTH_SHIFT * g
    p["neckline"] = rng.integers(0, len(NECKLINES), n)
    p["clothing_rgb"] = hsv_to_rgb(
        rng.random(n), rng.uniform(0.2, 0.8, n), rng.uniform(0.2, 0.9, n)
    )
    p["shoulder_width"] = rng.uniform(0.95, 1.15, n) + _GROUP_SHOULDER_WIDTH_SHIFT * g


def _sample_background_and_light(
    rng: np.random.Generator, p: dict[str, np.ndarray], n: int
) -> None:
    """A plain, gradient or textured background in two colours, and the light's direction."""
    p["background"] = choose_per_row(rng, np.broadcast_to(_BACKGROUND_PROBABILITIES, (n, 3)))
    p["background_rgb"] = hsv_to_rgb(
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


def _sample_pose(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Where the face sits in the image and how large it is."""
    p["offset_x"] = rng.uniform(-MAX_OFFSET_X, MAX_OFFSET_X, n)
    p["offset_y"] = rng.uniform(-MAX_OFFSET_Y, MAX_OFFSET_Y, n)
    p["scale"] = rng.uniform(*SCALE_RANGE, n)


def _sample_texture(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Knots of the low-frequency texture of the skin and the background."""
    p["skin_noise"] = rng.normal(0, 1, (n, SKIN_NOISE_KNOTS, SKIN_NOISE_KNOTS))
    p["background_noise"] = rng.normal(0, 1, (n, BACKGROUND_NOISE_KNOTS, BACKGROUND_NOISE_KNOTS))


def _sample_open_mouth(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Half the broad smiles open the mouth."""
    broad_smile = p["smile"] > _BROAD_SMILE
    p["mouth"] = (broad_smile & (rng.random(n) < _OPEN_SMILE_PROBABILITY)).astype(int)


_STEPS = (
    _sample_skin,
    _sample_face_shape,
    _sample_hair_colour,
    _sample_hair_style,
    _sample_eyes_and_brows,
    _sample_nose_and_mouth,
    _sample_glasses_and_facial_hair,
    _sample_body,
    _sample_background_and_light,
    _sample_pose,
    _sample_texture,
    _sample_open_mouth,
)


def _sample_block(seed: int, group: int | None, block: int) -> dict[str, np.ndarray]:
    """Every random choice for faces block * BLOCK up to (block + 1) * BLOCK - 1."""
    rng = np.random.default_rng([seed, _ALL_GROUPS_CODE if group is None else group, block])
    n = BLOCK
    p: dict[str, np.ndarray] = {}
    p["group"] = rng.integers(0, 2, n) if group is None else np.full(n, group)
    for step in _STEPS:
        step(rng, p, n)
    return p


def sample_faces(count: int, seed: int, group: int | None) -> dict[str, np.ndarray]:
    """Random choices for faces 0 ... count - 1, block by block. Notebook 01."""
    return sample_in_blocks(lambda block: _sample_block(seed, group, block), count, BLOCK)
