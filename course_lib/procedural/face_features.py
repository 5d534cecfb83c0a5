"""The features of a procedural face: nose, eyes, brows, mouth, facial hair and glasses.

Each draw_* step paints one feature into a window of the channels-first image that holds it in
every pose, given that window's face coordinates u and v. Notebook 01.
"""

from __future__ import annotations

import numpy as np

from course_lib.procedural.face_sampling import BEARD_STYLES, GLASSES
from course_lib.procedural.face_shapes import (
    band_coverage,
    coverage,
    egg_distance,
    ellipse_distance,
    paint,
    rgb,
)

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
_BEARD_OPACITY = np.array([0.0, 0.35, 0.95, 0.95], dtype=np.float32)  # by BEARD_STYLES
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


def draw_nose(image, u, v, f, pixel) -> None:
    """A soft shadow down the side away from the light, a shadow under the tip, nostrils."""
    length = f["nose_length"]
    width = f["nose_width"]
    light_x = f["light_x"]
    soft = np.maximum(pixel, _NOSE_SOFTNESS)
    side = -np.sign(light_x)
    side_shadow = ellipse_distance(
        u,
        v,
        side * width * _NOSE_SHADOW_OFFSET,
        length * _NOSE_SHADOW_CENTRE,
        width * _NOSE_SHADOW_SIZE[0],
        length * _NOSE_SHADOW_SIZE[1],
    )
    side_shadow = coverage(side_shadow, soft)
    tip_shadow = ellipse_distance(
        u, v, 0.0, length + _NOSE_TIP_DROP, width * _NOSE_TIP_SIZE[0], _NOSE_TIP_SIZE[1]
    )
    tip_shadow = coverage(tip_shadow, soft)
    side_darkening = _NOSE_SIDE_SHADOW[0] + _NOSE_SIDE_SHADOW[1] * np.abs(light_x)
    image *= 1.0 - (side_darkening * side_shadow + _NOSE_TIP_SHADOW * tip_shadow)
    nostrils = coverage(
        ellipse_distance(
            np.abs(u), v, width * _NOSTRIL_SPACING, length + _NOSTRIL_DROP, *_NOSTRIL_HALF_SIZE
        ),
        pixel,
    )
    paint(image, nostrils * _NOSTRIL_OPACITY, f["skin_rgb"] * _NOSTRIL_SHADE)


def draw_eyes(image, u, v, f, pixel) -> None:
    """Both eyes at once (mirrored): lash line, white, iris, pupil and a glint."""
    across = np.abs(u) - f["eye_separation"]  # 0 at the centre of either eye
    down = v - f["eye_height"]
    half_width = f["eye_half_width"]
    half_height = f["eye_half_height"]
    lash = ellipse_distance(
        across, down, 0.0, -_LASH_LIFT, half_width + _LASH_MARGIN, half_height + _LASH_MARGIN
    )
    paint(image, coverage(lash, pixel) * _LASH_OPACITY, rgb(_LASH_COLOUR))
    white = coverage(ellipse_distance(across, down, 0.0, 0.0, half_width, half_height), pixel)
    paint(image, white, rgb(_EYE_WHITE))

    iris_radius = half_height * _IRIS_SIZE
    iris_across = across - f["gaze_x"] * np.sign(u)  # both eyes look the same way
    iris_down = down - f["gaze_y"]

    def disc(centre_u, centre_v, radius):
        distance = ellipse_distance(iris_across, iris_down, centre_u, centre_v, radius, radius)
        return coverage(distance, pixel) * white

    paint(image, disc(0.0, 0.0, iris_radius), f["eye_rgb"])
    paint(image, disc(0.0, 0.0, iris_radius * _PUPIL_SIZE), rgb(_PUPIL_COLOUR))
    glint_offset = _GLINT_OFFSET * iris_radius
    glint = disc(glint_offset, -glint_offset, iris_radius * _GLINT_SIZE)
    paint(image, glint * _GLINT_OPACITY, rgb((1.0, 1.0, 1.0)))


def draw_brows(image, u, v, f, pixel) -> None:
    """Arched strokes above the eyes, thinning outwards, darker than the hair and the skin."""
    half_length = f["eye_half_width"] * _BROW_LENGTH
    across = (np.abs(u) - f["eye_separation"] - _BROW_INNER_GAP) / half_length  # -1 to 1 outwards
    centre = f["eye_height"] - f["brow_raise"] - f["brow_arch"] * (1.0 - np.square(across))
    taper = _BROW_TAPER[0] - _BROW_TAPER[1] * (across + 1.0)
    brows = band_coverage(v, centre, 0.5 * f["brow_thickness"] * taper, pixel)
    brows *= coverage((1.0 - np.abs(across)) * half_length, pixel)
    colour = np.minimum(
        f["facial_hair_rgb"] * _BROW_SHADE[0] + _BROW_SHADE[1], f["skin_rgb"] * _BROW_SKIN_SHADE
    )
    paint(image, brows * _BROW_OPACITY, colour)


def draw_mouth(image, u, v, f, pixel) -> None:
    """Lips around a mouth line that curves up at the corners; broad smiles show teeth."""
    half_width = f["mouth_half_width"]
    thickness = f["lip_thickness"]
    curve = v - f["mouth_height"] + f["smile"] * np.square(u / half_width)  # 0 on the line
    lips = coverage(ellipse_distance(u, curve, 0.0, _LIP_CENTRE, half_width, thickness), pixel)
    lower_lip_shine = 1.0 + _LOWER_LIP_SHINE * np.clip(curve / thickness, 0.0, 1.0)
    paint(image, lips, f["lip_rgb"] * lower_lip_shine)

    is_open = f["mouth"]
    line = band_coverage(curve, 0.0, _MOUTH_LINE_HALF_THICKNESS, pixel)
    line *= coverage(half_width * _MOUTH_LINE_LENGTH - np.abs(u), pixel)
    paint(image, line * (1.0 - is_open), f["lip_rgb"] * _MOUTH_LINE_SHADE)

    opening = coverage(
        ellipse_distance(
            u,
            curve,
            0.0,
            _LIP_CENTRE,
            half_width * _OPEN_MOUTH_SIZE[0],
            thickness * _OPEN_MOUTH_SIZE[1],
        ),
        pixel,
    )
    paint(image, opening * is_open, rgb(_MOUTH_INSIDE))
    upper_teeth = coverage(_LIP_CENTRE - curve, pixel)
    paint(image, opening * upper_teeth * is_open, rgb(_TEETH_COLOUR))


def draw_facial_hair(image, u, v, f, pixel) -> None:
    """Stubble, a goatee or a full beard around the mouth, and perhaps a moustache."""
    style = f["beard_style"].astype(int)
    half_width = f["face_half_width"]
    mouth_height = f["mouth_height"]
    mouth_half_width = f["mouth_half_width"]
    colour = f["facial_hair_rgb"] * _BEARD_SHADE[0] + _BEARD_SHADE[1]
    soft = np.maximum(pixel, _BEARD_SOFTNESS)

    # A beard grows a little beyond the jaw; stubble stays on the skin.
    growth = (style != BEARD_STYLES.index("stubble")).astype(np.float32)
    jaw = egg_distance(
        u,
        v,
        half_width + _BEARD_GROWTH[0] * growth,
        f["face_top"],
        f["face_bottom"] + _BEARD_GROWTH[1] * growth,
        f["jaw_exponent"],
    )
    beard_top = f["nose_length"] + _BEARD_TOP[0] - _BEARD_TOP[1] * np.square(u / half_width)
    clearing = ellipse_distance(
        u,
        v,
        0.0,
        mouth_height,
        mouth_half_width * _MOUTH_CLEARING[0],
        f["lip_thickness"] * _MOUTH_CLEARING[1],
    )
    goatee = ellipse_distance(
        u,
        v,
        0.0,
        mouth_height + _GOATEE_DROP,
        mouth_half_width * _GOATEE_SIZE[0],
        _GOATEE_SIZE[1],
    )
    only_chin = np.where(style == BEARD_STYLES.index("goatee"), coverage(goatee, soft), 1.0)
    beard = coverage(jaw, pixel) * coverage(v - beard_top, soft) * only_chin
    beard *= 1.0 - coverage(clearing, soft)
    paint(image, beard * _BEARD_OPACITY[style], colour)

    length = mouth_half_width * _MOUSTACHE_LENGTH
    outwards = np.clip(np.abs(u) / length, 0.0, 1.0)
    centre = (
        mouth_height
        - f["lip_thickness"]
        - _MOUSTACHE_GAP
        + _MOUSTACHE_DROOP * np.square(u / mouth_half_width)
    )
    half_thickness = _MOUSTACHE_HALF_THICKNESS * (1.0 - _MOUSTACHE_TAPER * outwards)
    moustache = band_coverage(v, centre, half_thickness, pixel)
    moustache *= coverage(length - np.abs(u), pixel)
    paint(image, moustache * f["moustache"] * _MOUSTACHE_OPACITY, colour)


def draw_glasses(image, u, v, f, pixel) -> None:
    """Two frames, a bridge and the arms; sunglasses also get dark lenses."""
    kind = f["glasses"]
    separation = f["eye_separation"]
    centre = f["eye_height"] + _LENS_LIFT
    lens_half_width = f["eye_half_width"] + _LENS_MARGIN[0]
    lens_half_height = f["eye_half_height"] + _LENS_MARGIN[1]
    lens = ellipse_distance(
        np.abs(u), v, separation, centre, lens_half_width, lens_half_height, f["lens_squareness"]
    )
    sunglasses = kind == GLASSES.index("sunglasses")
    paint(image, coverage(lens, pixel) * sunglasses * _SUNGLASS_OPACITY, rgb(_SUNGLASS_LENS))
    frames = coverage(_FRAME_HALF_THICKNESS - np.abs(lens), pixel)
    bar = band_coverage(v, centre - lens_half_height * _BRIDGE_HEIGHT, _FRAME_HALF_THICKNESS, pixel)
    bar_end = lens_half_width * _BAR_OVERLAP
    bridge = coverage(separation - bar_end - np.abs(u), pixel)
    arms = coverage(np.abs(u) - separation - bar_end, pixel)
    arms *= coverage(f["face_half_width"] + _ARM_REACH - np.abs(u), pixel)
    frame = np.maximum(frames, bar * (bridge + arms))
    paint(image, frame * (kind != GLASSES.index("none")), f["frame_rgb"])
