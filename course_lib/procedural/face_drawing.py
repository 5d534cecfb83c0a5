"""Drawing a batch of procedural faces: background, hair, body, ears, face, then the features.

Each face has its own coordinates: u across (an array shaped (faces, 1, W)) and v down
((faces, H, 1)), so most shape terms are cheap 1-D arrays. Notebook 01.
"""

from __future__ import annotations

import numpy as np

from course_lib.procedural.common import smooth_noise
from course_lib.procedural.face_features import (
    draw_brows,
    draw_eyes,
    draw_facial_hair,
    draw_glasses,
    draw_mouth,
    draw_nose,
)
from course_lib.procedural.face_sampling import (
    BACKGROUNDS,
    HAIR_LENGTHS,
    MAX_OFFSET_X,
    MAX_OFFSET_Y,
    NECKLINES,
    SCALE_RANGE,
)
from course_lib.procedural.face_shapes import coverage, egg_distance, ellipse_distance, paint

# Image coordinates run from -1 to 1, left to right and top to bottom; face coordinates are
# centred on the face (a little above the image centre) and divided by its scale. Only the sum
# of 1-D shape terms is a full (faces, H, W) array; images are channels first while drawing.
_FACE_CENTRE_Y = -0.08

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

# Hair. By length: how far below the face centre the hair reaches, how boxy its lower half is,
# and how far the hairline drops at the sides of the face (sideburns, a bob, curtains).
_HAIR_BOTTOM = np.array([0.05, 0.05, 0.70, 1.60])
_HAIR_BOTTOM_EXPONENT = np.array([2.0, 2.0, 3.0, 4.0])
_HAIR_SIDE_DROP = np.array([0.0, 0.40, 0.9, 1.6])
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
    smallest, largest = SCALE_RANGE

    def pixel_span(low: float, high: float, centre: float, max_offset: float) -> slice:
        image_low = centre - max_offset + min(low * smallest, low * largest)
        image_high = centre + max_offset + max(high * smallest, high * largest)
        first = int(np.floor((image_low + 1.0) * size / 2.0)) - _WINDOW_MARGIN
        last = int(np.ceil((image_high + 1.0) * size / 2.0)) + _WINDOW_MARGIN
        return slice(max(first, 0), max(min(last, size), 0))

    return (
        pixel_span(v_low, v_high, _FACE_CENTRE_Y, MAX_OFFSET_Y),
        pixel_span(u_low, u_high, 0.0, MAX_OFFSET_X),
    )


def render_faces(p: dict[str, np.ndarray], size: int) -> np.ndarray:
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
    draw_nose(*crop(_NOSE_REGION), f, pixel)
    draw_eyes(*crop(_EYE_REGION), f, pixel)
    draw_brows(*crop(_EYE_REGION), f, pixel)
    draw_mouth(*crop(_MOUTH_REGION), f, pixel)
    draw_facial_hair(*crop(_BEARD_REGION), f, pixel)
    _draw_front_hair(image, f, u, v, pixel, hair_coverage, hair_shade, curls)
    draw_glasses(*crop(_EYE_REGION), f, pixel)
    return np.moveaxis(np.clip(image, 0.0, 1.0), 0, -1)


def _draw_background(image, f, x, y, positions) -> None:
    """A plain colour, a linear gradient between two colours, or soft blotches of both."""
    along = 0.5 + _GRADIENT_CONTRAST * (f["gradient_x"] * x + f["gradient_y"] * y)
    noise = smooth_noise(f["background_noise"], positions[None, :], positions[None, :])
    blotches = np.clip(0.5 + _BACKGROUND_TEXTURE_CONTRAST * noise, 0.0, 1.0)
    kind = f["background"]
    mix = np.where(kind == BACKGROUNDS.index("gradient"), along, 0.0) + np.where(
        kind == BACKGROUNDS.index("texture"), blotches, 0.0
    )
    first = f["background_rgb"]
    second = f["background_second_rgb"]
    for channel in range(3):
        image[channel] = first[channel] + (second[channel] - first[channel]) * mix


def _draw_back_hair(image, f, u, v, pixel):
    """Hair behind the head, from the crown down to its length; returns what the front reuses."""
    length = f["hair_length"].astype(int)
    half_width = f["face_half_width"] + f["hair_volume"]
    distance = egg_distance(
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
    hair_coverage = coverage(distance, pixel) * (length > 0)
    strand_angle = f["hair_wave_frequency"] * u + f["hair_wave_phase"]
    strands = sum(np.sin(harmonic * strand_angle) for harmonic in _STRAND_HARMONICS)
    light = f["light_x"] * f["light_strength"]
    shade = (
        (1.0 + light * u / half_width)
        * (1.0 + (1.0 - curly) * _STRAND_AMPLITUDE * strands)
        * (1.0 + _CURL_CONTRAST * curly * curls)
    )
    paint(image, hair_coverage, f["hair_rgb"] * (shade * _BACK_HAIR_SHADE))
    return hair_coverage, shade, curls


def _draw_body(body_window, clothes_window, f, pixel) -> None:
    """Neck and chest in skin colour, then clothes with a neckline cut out of them."""
    body, u, v = body_window
    light = f["light_x"] * f["light_strength"]
    shoulder_top = f["face_bottom"] + _NECK_LENGTH
    shoulder_centre = shoulder_top + _SHOULDER_HALF_HEIGHT
    shoulder_width = f["shoulder_width"]
    shoulders = coverage(
        ellipse_distance(u, v, 0.0, shoulder_centre, shoulder_width, _SHOULDER_HALF_HEIGHT), pixel
    )
    neck = coverage(f["neck_half_width"] - np.abs(u), pixel) * coverage(v, pixel)
    under_chin = np.clip((v - f["face_bottom"]) / _CHIN_SHADOW_LENGTH, 0.0, 1.0)
    shade = _CHIN_SHADOW + (_CHEST_SHADE - _CHIN_SHADOW) * under_chin + light * u
    paint(body, np.maximum(neck, shoulders), f["skin_rgb"] * shade)

    clothes, u, v = clothes_window
    shoulders = coverage(
        ellipse_distance(u, v, 0.0, shoulder_centre, shoulder_width, _SHOULDER_HALF_HEIGHT), pixel
    )
    neckline = f["neckline"].astype(int)
    shapes = np.array([_NECKLINE_SHAPES[name] for name in NECKLINES], dtype=np.float32)
    cut_half_width = shapes[neckline, 0] * f["neck_half_width"]
    cut_depth = shapes[neckline, 1]
    rounded_cut = ellipse_distance(u, v, 0.0, shoulder_top, cut_half_width, cut_depth)
    pointed_cut = (1.0 - (np.abs(u) / cut_half_width + (v - shoulder_top) / cut_depth)) / np.sqrt(
        1.0 / np.square(cut_half_width) + 1.0 / np.square(cut_depth)
    )
    is_v_neck = neckline == NECKLINES.index("v")
    cut = coverage(np.where(is_v_neck, pointed_cut, rounded_cut), pixel)
    shade = (
        1.0
        + _CLOTHING_LIGHT_GAIN * light * u
        - _CLOTHING_SIDE_SHADE * np.square(u / shoulder_width)
    )
    paint(clothes, shoulders * (1.0 - cut), f["clothing_rgb"] * shade)


def _draw_ears(image, u, v, f, pixel) -> None:
    """Ears at the sides of the face, hidden by medium and long hair."""
    visible = f["hair_length"] <= HAIR_LENGTHS.index("short")
    size = f["ear_size"]
    centre_u = f["face_half_width"] * _EAR_POSITION[0]
    centre_v = _EAR_POSITION[1]
    half_width = _EAR_HALF_SIZE[0] * size
    half_height = _EAR_HALF_SIZE[1] * size
    ear = coverage(
        ellipse_distance(np.abs(u), v, centre_u, centre_v, half_width, half_height), pixel
    )
    ear *= visible
    light = f["light_x"] * f["light_strength"]
    paint(image, ear, f["skin_rgb"] * (_EAR_SHADE + light * u))
    inner = ellipse_distance(
        np.abs(u),
        v,
        centre_u + _INNER_EAR_OFFSET[0],
        centre_v + _INNER_EAR_OFFSET[1],
        half_width * _INNER_EAR_SCALE[0],
        half_height * _INNER_EAR_SCALE[1],
    )
    paint(
        image, coverage(inner, pixel) * ear * _INNER_EAR_OPACITY, f["skin_rgb"] * _INNER_EAR_SHADE
    )


def _draw_face(image, f, u, v, pixel) -> None:
    """The face, lit from one side, darker towards its edges, with faint skin texture."""
    half_width = f["face_half_width"]
    distance = egg_distance(u, v, half_width, f["face_top"], f["face_bottom"], f["jaw_exponent"])
    texture = smooth_noise(f["skin_noise"], v[:, :, 0], u[:, 0, :])
    light = f["light_x"] * f["light_strength"]
    across = u / half_width
    shade = (
        _FACE_BRIGHTNESS
        + light * across
        - _FACE_SIDE_SHADE * np.square(np.square(across))
        - _FACE_CHIN_SHADE * np.square(v / f["face_bottom"])
    ) + _SKIN_TEXTURE_AMPLITUDE * texture
    paint(image, coverage(distance, pixel), f["skin_rgb"] * shade)


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
    paint(image, hair_coverage * coverage(distance, pixel), f["hair_rgb"] * (shade + shine))
