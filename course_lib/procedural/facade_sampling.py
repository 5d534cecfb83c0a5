"""Every random choice behind a procedural facade: floors, bays, windows, shops, colours, light.

Facades are drawn in blocks of BLOCK from a generator seeded by (seed, block), so facade i
depends only on (seed, i) and never on the style: day and night share the layout. Notebook 04.
"""

from __future__ import annotations

import numpy as np

from course_lib.procedural.common import choose_values, hsv_to_rgb, sample_in_blocks

BLOCK = 256
_LAYOUT_STREAM = 41
_MAX_UPPER = 5  # floors above the ground floor
SLOTS = _MAX_UPPER + 1  # floor slots 0 ... 4 are upper floors (top first), slot 5 the ground
GROUND = _MAX_UPPER
MAX_BAYS = 7
_UPPER_FLOORS = (2, 3, 4, 5)
_UPPER_FLOOR_PROBABILITIES = (0.15, 0.35, 0.32, 0.18)
_BAYS = (3, 4, 5, 6, 7)
_BAY_PROBABILITIES = (0.14, 0.26, 0.28, 0.18, 0.14)

SHOP_TYPES = ("none", "bays", "wide")
BALCONY_TYPES = ("none", "single", "continuous")
BLINDS = ("none", "shutters", "roller")
CORNICES = ("top", "ground", "all")
WALLS = ("plaster", "brick")
# Blind states per window: up (none), a roller blind down to one of three levels, closed, or
# open shutters beside the window.
UP, CLOSED, OPEN_SHUTTERS = 0, 4, 5
ROLLER_LEVELS = (0.3, 0.55, 0.8)  # fraction of the visible window a roller blind covers

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
WALL_NAMES = tuple(_WALL_COLOURS)
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
_PLASTER_KNOTS = 7
_FINE_KNOTS = 19
_CLOUD_KNOTS = 6


def _contrasting(
    rng: np.random.Generator, colours: np.ndarray, luminance: np.ndarray
) -> np.ndarray:
    """Per facade, a random index into colours among those that stand out from luminance."""
    contrast = np.abs(colours @ _LUMINANCE - luminance[:, None])
    scores = rng.random(contrast.shape) + 10.0 * (contrast >= _MIN_CONTRAST)
    return scores.argmax(axis=1)


# Every _sample_* step adds its choices to p and draws from rng in a fixed order: the order of
# the steps and of the draws within them decides every facade, so changing it changes them all.


def _sample_building(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """The building in the frame: a little sky above, sometimes neighbours at the sides."""
    p["n_upper"] = choose_values(rng, _UPPER_FLOORS, _UPPER_FLOOR_PROBABILITIES, n)
    p["n_bays"] = choose_values(rng, _BAYS, _BAY_PROBABILITIES, n)
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


def _sample_windows(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Window sizes and placement, and the few windows left out."""
    p["window_width"] = rng.uniform(0.40, 0.62, n)  # of the bay
    p["window_height"] = rng.uniform(0.45, 0.64, n)  # of the floor
    p["window_offset"] = rng.uniform(0.35, 0.55, n)  # share of the free height above it
    p["attic"] = rng.random(n) < 0.3  # smaller windows on the top floor
    p["window_missing"] = rng.random((n, SLOTS, MAX_BAYS)) < 0.03


def _sample_ground_floor(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Ground floor: a door and windows, or shops (with or without a door between them)."""
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
    p["ground_window_present"] = rng.random((n, MAX_BAYS)) < 0.92


def _sample_trim(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Sills, moldings and deco."""
    p["has_sills"] = rng.random(n) < 0.8
    p["sill_height"] = rng.uniform(0.010, 0.020, n)
    p["sill_overhang"] = rng.uniform(0.05, 0.15, n)  # of the window width, each side
    p["has_moldings"] = rng.random(n) < 0.45
    p["molding"] = rng.uniform(0.010, 0.020, n)
    p["has_deco"] = rng.random(n) < np.where(p["has_moldings"], 0.55, 0.2)
    p["deco_lowest_only"] = rng.random(n) < 0.5  # only the first floor above the ground
    p["deco_height"] = rng.uniform(0.015, 0.032, n)
    p["deco_extra"] = rng.uniform(0.0, 0.012, n)


def _sample_blinds(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Blinds: shutters beside the windows, or roller blinds inside them."""
    p["blinds"] = choose_values(rng, (0, 1, 2), (0.42, 0.32, 0.26), n)
    p["shutter_width"] = rng.uniform(0.42, 0.5, n)  # of the window width
    draw = rng.random((n, SLOTS, MAX_BAYS))
    shutter_state = np.where(draw < 0.14, CLOSED, np.where(draw < 0.9, OPEN_SHUTTERS, UP))
    roller_state = np.select(
        [draw < 0.45, draw < 0.63, draw < 0.8, draw < 0.95], [UP, 1, 2, 3], CLOSED
    )
    state = np.select(
        [p["blinds"][:, None, None] == 1, p["blinds"][:, None, None] == 2],
        [shutter_state, roller_state],
        UP,
    )
    state[:, 0][state[:, 0] == CLOSED] = UP  # the top floor always shows its windows
    p["blind_state"] = state


def _sample_balconies(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Balconies on some floors: one per window or one running across the facade."""
    slots = np.arange(SLOTS)
    bays = np.arange(MAX_BAYS)
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


def _sample_cornices_and_pillars(
    rng: np.random.Generator, p: dict[str, np.ndarray], n: int
) -> None:
    """Cornices and pillars."""
    p["cornices"] = choose_values(rng, (0, 1, 2), (0.4, 0.3, 0.3), n)
    p["cornice_height"] = rng.uniform(0.008, 0.016, n)
    p["has_pillars"] = rng.random(n) < 0.28
    p["pillar_width"] = rng.uniform(0.28, 0.45, n)  # of the wall between windows
    p["pillar_edges"] = rng.random(n) < 0.5
    p["pillars_to_ground"] = rng.random(n) < 0.4


def _sample_wall(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """The wall's material and colour, and a rusticated ground floor on some facades."""
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


def _sample_fittings(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Colours of the trim, windows, blinds, door, shop, roof and neighbouring houses."""
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
    p["sign_rgb"] = hsv_to_rgb(rng.random(n), rng.uniform(0.5, 0.9, n), rng.uniform(0.45, 0.85, n))
    p["roof_rgb"] = _ROOF_COLOURS[rng.integers(0, len(_ROOF_COLOURS), n)]
    p["neighbour_rgb"] = _WALL_RGB[rng.choice(_PLASTER_COLOURS, n)] * rng.uniform(0.55, 0.8, (n, 1))


def _sample_sky(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> np.ndarray:
    """A blue or overcast sky with some clouds; returns which skies are overcast."""
    overcast = rng.random(n) < 0.3
    blue_top = np.array([0.30, 0.50, 0.82]) * rng.uniform(0.85, 1.1, (n, 1))
    grey_top = np.array([0.70, 0.72, 0.76]) * rng.uniform(0.85, 1.05, (n, 1))
    p["sky_top_rgb"] = np.where(overcast[:, None], grey_top, blue_top)
    p["sky_bottom_rgb"] = np.clip(p["sky_top_rgb"] * 0.6 + 0.38, 0.0, 1.0)
    p["cloudiness"] = rng.uniform(0.0, 0.6, n)
    return overcast


def _sample_light_and_texture(
    rng: np.random.Generator, p: dict[str, np.ndarray], n: int, overcast: np.ndarray
) -> None:
    """Sunlight (softer shadows under an overcast sky), exposure, grain and wall texture."""
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


def _sample_night(rng: np.random.Generator, p: dict[str, np.ndarray], n: int) -> None:
    """Night: which windows are lit, and in what light."""
    p["lit_probability"] = rng.uniform(0.3, 0.8, n)
    p["lit"] = rng.random((n, SLOTS, MAX_BAYS)) < p["lit_probability"][:, None, None]
    warmth = rng.random((n, SLOTS, MAX_BAYS, 1))
    brightness = rng.uniform(0.75, 1.0, (n, SLOTS, MAX_BAYS, 1))
    p["light_rgb"] = (_WINDOW_LIGHT_WARM * (1 - warmth) + _WINDOW_LIGHT_COOL * warmth) * brightness
    p["shop_lit"] = rng.random(n) < 0.8
    p["door_lit"] = rng.random(n) < 0.5
    p["night_dim"] = rng.uniform(0.16, 0.28, n)
    p["street_light"] = rng.uniform(0.05, 0.18, n)


def _sample_block(seed: int, block: int) -> dict[str, np.ndarray]:
    """Every random choice for facades block * BLOCK up to (block + 1) * BLOCK - 1."""
    rng = np.random.default_rng([seed, _LAYOUT_STREAM, block])
    n = BLOCK
    p: dict[str, np.ndarray] = {}
    _sample_building(rng, p, n)
    _sample_windows(rng, p, n)
    _sample_ground_floor(rng, p, n)
    _sample_trim(rng, p, n)
    _sample_blinds(rng, p, n)
    _sample_balconies(rng, p, n)
    _sample_cornices_and_pillars(rng, p, n)
    _sample_wall(rng, p, n)
    _sample_fittings(rng, p, n)
    overcast = _sample_sky(rng, p, n)
    _sample_light_and_texture(rng, p, n, overcast)
    _sample_night(rng, p, n)
    return p


def sample_facades(count: int, seed: int) -> dict[str, np.ndarray]:
    """Random choices for facades 0 ... count - 1, block by block. Notebook 04."""
    return sample_in_blocks(lambda block: _sample_block(seed, block), count, BLOCK)
