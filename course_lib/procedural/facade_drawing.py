"""Photos of procedural facades: one drawing step per thing drawn, by day or at night.

The steps paint back to front (sky, roof, wall, trim, windows, blinds, balconies, door, shops),
then daylight casts shadows or night dims the wall and lights the windows. Notebook 04.
"""

from __future__ import annotations

import numpy as np

from course_lib.procedural.common import smooth_noise
from course_lib.procedural.facade_canvas import (
    EPSILON,
    Canvas,
    Renderer,
    box,
    combine,
    fade,
    hash_noise,
    relative,
    rgb,
    shadow_rows,
)
from course_lib.procedural.facade_grids import make_grid, panes, sub_grid
from course_lib.procedural.facade_layout import Layout
from course_lib.procedural.facade_sampling import ROLLER_LEVELS

_MORTAR = 0.16  # share of a brick course taken by its mortar joint

# Daylight shadows under what stands out of the wall: (grid, shadow length, strength).
_SHADOW_CASTERS = (
    ("top_cornice", 0.035, 0.9),
    ("floor_cornice", 0.014, 0.7),
    ("sill", 0.010, 0.7),
    ("balcony", 0.030, 0.8),
    ("molding", 0.008, 0.5),
    ("deco", 0.010, 0.6),
    ("window", 0.015, 0.6),  # the lintel's shadow inside the window recess
    ("shutters", 0.006, 0.4),
)


def _colour(*values: float) -> np.ndarray:
    """A fixed colour shaped (3, 1, 1, 1) to broadcast against a channels-first image."""
    return np.array(values, np.float32).reshape(3, 1, 1, 1)


class _Scene:
    """One chunk of photos being drawn, with what the drawing steps share."""

    def __init__(
        self, layout: Layout, p: dict[str, np.ndarray], size: int, night: bool, grain: np.ndarray
    ) -> None:
        self.layout = layout
        self.grids = layout.grids
        self.f = {name: np.asarray(values, dtype=np.float32) for name, values in p.items()}
        self.count = len(self.f["n_upper"])
        self.size = size
        self.night = night
        self.grain = grain
        self.r = Renderer(size, crisp=False)
        self.pixel = self.r.pixel
        self.pos = self.r.positions
        self.x = self.pos[None, None, :]
        self.y = self.pos[None, :, None]
        self.canvas = Canvas(self.count, size, night)
        # Sunlight from one side, a little weaker towards the ground.
        self.light = 1.0 + self.column("light_strength") * self.column("light_x") * (
            2.0 * self.x - 1.0
        )
        self.shade = self.light * (1.0 - 0.06 * self.y)
        self.texture = self._plaster_texture()
        self.sky_top = rgb(self.f["sky_top_rgb"])
        self.sky_bottom = rgb(self.f["sky_bottom_rgb"])
        self.glass = rgb(self.f["glass_rgb"])
        self.streak = np.clip(
            np.sin(2 * np.pi * (self.x * 1.3 + self.y) * 2.5 + self.column("streak_phase")),
            0.0,
            1.0,
        )

    def column(self, name: str) -> np.ndarray:
        """A per-facade value shaped (n, 1, 1)."""
        return self.f[name][:, None, None]

    def rgb(self, name: str) -> np.ndarray:
        """A per-facade colour shaped (3, n, 1, 1)."""
        return rgb(self.f[name])

    def down(self, grid, cover: np.ndarray) -> np.ndarray:
        """(n, S, S): how far down its rectangle each covered pixel lies, from 0 to 1."""
        return self.r.cover(grid, row_weight=self.r.relative_y(grid)) / (cover + EPSILON)

    def across(self, grid, cover: np.ndarray) -> np.ndarray:
        """(n, S, S): how far across its rectangle each covered pixel lies, from 0 to 1."""
        return self.r.cover(grid, column_weight=self.r.relative_x(grid)) / (cover + EPSILON)

    def _plaster_texture(self) -> np.ndarray:
        """Plaster's blotches, fine texture and grain, around 1."""
        plaster = smooth_noise(self.f["plaster_noise"], self.pos, self.pos, (0.0, 1.0))
        fine = smooth_noise(self.f["fine_noise"], self.pos, self.pos, (0.0, 1.0))
        return (
            1.0
            + self.column("plaster_contrast") * plaster
            + 0.03 * fine
            + self.column("grain") * self.grain
        )


def _draw_sky(s: _Scene) -> None:
    """Sky with clouds, or at night a dark sky that gives its own faint light."""
    top = s.column("facade_top")
    horizon = np.clip(s.y / (top + 0.15), 0.0, 1.0)
    clouds = smooth_noise(s.f["cloud_noise"], s.pos, s.pos, (0.0, 1.0))
    cloud = np.clip(0.5 * clouds + s.column("cloudiness") - 0.3, 0.0, 0.6)
    whole = np.ones((s.count, s.size, s.size), dtype=np.float32)
    if s.night:
        night_sky = _colour(0.015, 0.02, 0.06) + _colour(0.04, 0.05, 0.09) * horizon
        s.canvas.paint(whole, np.zeros((3, 1, 1, 1), np.float32), night_sky + 0.03 * cloud)
    else:
        sky = s.sky_top + (s.sky_bottom - s.sky_top) * horizon
        s.canvas.paint(whole, sky + (0.95 - sky) * cloud)


def _draw_roof(s: _Scene) -> None:
    """A tiled roof above some facades, darker towards its top."""
    f = s.f
    roof_top = f["facade_top"] * (1.0 - f["roof_height"])
    roof = make_grid(roof_top, f["facade_top"], 0.0, 1.0, f["has_roof"][:, None, None])
    roof_cover = s.r.cover(roof)
    tiles = 1.0 + 0.12 * np.sin(2 * np.pi * s.y / 0.012) * fade(0.012, s.pixel)
    roof_shade = 0.75 + 0.25 * s.r.cover(roof, row_weight=s.r.relative_y(roof)) / (
        roof_cover + EPSILON
    )
    s.canvas.paint(roof_cover, s.rgb("roof_rgb") * tiles * roof_shade)


def _draw_neighbours(s: _Scene) -> None:
    """Neighbouring houses beside narrow facades (background in the label map)."""
    f = s.f
    neighbours = make_grid(
        f["facade_top"][:, None] + f["neighbour_top"],
        1.0,
        np.stack([np.zeros(s.count), f["facade_right"]], axis=-1),
        np.stack([f["facade_left"], np.ones(s.count)], axis=-1),
        np.eye(2, dtype=np.float32)[None],
    )
    s.canvas.paint(s.r.cover(neighbours), s.rgb("neighbour_rgb"))


def _brick_texture(s: _Scene) -> np.ndarray:
    """Bricks of varied shade with light mortar between them, around 1."""
    brick_height = s.column("brick_height")
    brick_length = brick_height * s.column("brick_length")
    course = np.floor((s.y - s.column("facade_top")) / brick_height)
    along = s.x / brick_length + 0.5 * (course % 2)
    shape = (s.count, s.size, s.size)
    seed = np.broadcast_to(s.f["hash_seed"].astype(np.int64)[:, None, None], shape)
    brick_id = np.broadcast_to(np.floor(along), shape).astype(np.int64)
    course_id = np.broadcast_to(course, shape).astype(np.int64)
    visible = fade(brick_height, s.pixel)
    variation = 1.0 + (0.05 + 0.05 * visible) * hash_noise(course_id, brick_id, seed)
    # Mortar joints: drawn where bricks are several pixels tall, an average tint where not.
    joints = (((s.y - s.column("facade_top")) / brick_height) % 1.0 < _MORTAR) | (
        along % 1.0 < _MORTAR / s.column("brick_length")
    )
    share = 1.0 - (1.0 - _MORTAR) * (1.0 - _MORTAR / s.column("brick_length"))
    mortar = share + (joints - share) * visible
    return variation * (1.0 - mortar) + 1.3 * mortar  # light mortar between the bricks


def _draw_wall(s: _Scene) -> None:
    """The wall: plaster with blotches and grain, or bricks; lit from one side."""
    bricks = _brick_texture(s)
    is_brick = s.column("wall_type") > 0
    wall_texture = np.where(is_brick, bricks * (1.0 + 0.5 * (s.texture - 1.0)), s.texture)
    wall = s.rgb("wall_rgb") * wall_texture * s.shade
    s.canvas.paint(s.r.cover(s.grids["facade"]), wall)


def _draw_rusticated_ground(s: _Scene) -> None:
    """A rusticated ground floor on some facades: stone courses with dark joints."""
    ground_top = s.layout.ground_top.astype(np.float32)  # (n, 1)
    facade = s.grids["facade"]
    ground = sub_grid(facade, top=ground_top, present=facade.present * s.column("rusticated"))
    courses = 1.0 - 0.25 * (np.abs(((s.y - ground_top[:, :, None]) / 0.03) % 1.0 - 0.5) > 0.42)
    s.canvas.paint(s.r.cover(ground), s.rgb("ground_rgb") * s.texture * s.shade * courses)


def _draw_pillars(s: _Scene) -> None:
    """Pilasters, lit on the side facing the light."""
    pillars = s.grids["pillar"]
    pillar_cover = s.r.cover(pillars)
    across = s.across(pillars, pillar_cover)
    pillar_rgb = 0.25 * s.rgb("wall_rgb") + 0.75 * s.rgb("trim_rgb")
    pillar_shade = 1.0 + 0.25 * s.column("light_x") * (2.0 * across - 1.0)
    s.canvas.paint(pillar_cover, pillar_rgb * s.texture * pillar_shade * s.light)


def _draw_cornices(s: _Scene) -> None:
    """Cornices: lit on top, dark underneath."""
    for name in ("top_cornice", "floor_cornice"):
        grid = s.grids[name]
        cover = s.r.cover(grid)
        down = s.down(grid, cover)
        s.canvas.paint(cover, s.rgb("trim_rgb") * s.texture * s.light * (1.15 - 0.5 * down))


def _draw_moldings_and_deco(s: _Scene) -> None:
    """Moldings, and deco with a row of dentils."""
    trim = s.rgb("trim_rgb") * s.texture * s.light
    s.canvas.paint(s.r.cover(s.grids["molding"]), trim)
    deco = s.grids["deco"]
    cover = s.r.cover(deco)
    down = s.down(deco, cover)
    dentils = 1.0 + 0.2 * np.sin(2 * np.pi * s.x / 0.012) * fade(0.012, s.pixel) * (down > 0.5)
    s.canvas.paint(cover, trim * dentils * (1.12 - 0.3 * down))


def _draw_windows(s: _Scene) -> None:
    """Windows: a frame, then panes of glass reflecting the sky, or lit from inside at night."""
    windows = s.grids["window"]
    s.canvas.paint(s.r.cover(windows), s.rgb("frame_rgb") * s.light)
    bar = np.maximum(0.09 * s.layout.window_width[:, :1], 0.003).astype(np.float32)
    glazing = panes(windows, bar, (0.3,), (0.5,))
    pane_cover = s.r.cover(glazing)
    pane_down = s.down(glazing, pane_cover)
    reflection = np.clip(0.45 * (1.0 - pane_down) + 0.25 * s.streak**4, 0.0, 0.8)
    if s.night:
        lit = np.repeat(np.repeat(s.layout.lit, 2, axis=1), 2, axis=2) * glazing.present
        glow = []
        for channel in range(3):
            light_colour = np.repeat(np.repeat(s.f["light_rgb"][..., channel], 2, 1), 2, 2)
            glow.append(s.r.cover(glazing, present=lit * light_colour))
        inside = 0.8 + 0.3 * pane_down  # brighter towards the lower part of the room
        emitted = np.stack(glow) / (pane_cover + EPSILON) * inside
        s.canvas.paint(pane_cover, s.glass * 0.6 + 0.1 * reflection * s.sky_top, emitted)
    else:
        s.canvas.paint(pane_cover, s.glass + (s.sky_bottom - s.glass) * reflection)


def _draw_blinds(s: _Scene) -> None:
    """Blinds: louvred shutters beside or over windows, roller blinds with thin slats."""
    louvres = 1.0 + 0.2 * np.sin(2 * np.pi * s.y / 0.01) * fade(0.01, s.pixel)
    shutter_rgb = s.rgb("shutter_rgb") * s.light * louvres
    s.canvas.paint(s.r.cover(s.grids["shutters"]), shutter_rgb)
    closed = s.grids["closed_blind"]
    cover = s.r.cover(closed)
    middle = s.across(closed, cover)
    seam = 0.5 * s.pixel / s.layout.window_width[:, :1, None]
    leaves = 1.0 - 0.5 * (np.abs(middle - 0.5) < seam)
    shutters = s.column("blinds") == 1
    roller_or_shutter = np.where(shutters, shutter_rgb, s.rgb("roller_rgb") * s.light)
    s.canvas.paint(cover, roller_or_shutter * np.where(shutters, leaves, 1.0))
    slats = 1.0 + 0.08 * np.sin(2 * np.pi * s.y / 0.006) * fade(0.006, s.pixel)
    for level in range(1, len(ROLLER_LEVELS) + 1):
        grid = s.grids[f"roller_{level}"]
        cover = s.r.cover(grid)
        down = s.down(grid, cover)
        bottom_bar = 1.0 - 0.35 * (down > 0.9)
        s.canvas.paint(cover, s.rgb("roller_rgb") * s.light * slats * bottom_bar)


def _draw_sills(s: _Scene) -> None:
    """Sills, lit on top."""
    sills = s.grids["sill"]
    cover = s.r.cover(sills)
    down = s.down(sills, cover)
    s.canvas.paint(cover, s.rgb("trim_rgb") * s.light * (1.2 - 0.35 * down))


def _draw_balconies(s: _Scene) -> None:
    """Balconies: railings (iron bars or stone balusters) over the windows, on a stone slab."""
    balconies = s.grids["balcony"]
    cover = s.r.cover(balconies)
    down = s.down(balconies, cover)
    stone = s.column("balcony_stone")
    spacing = np.where(stone > 0, 0.02, 0.011).astype(np.float32)
    duty = np.where(stone > 0, 0.6, 0.4).astype(np.float32)
    bars = ((s.x / spacing) % 1.0 < duty).astype(np.float32)
    bars = duty + (bars - duty) * fade(spacing, s.pixel)
    solid = (down < 0.15) | (down > 0.72)
    opacity = np.where(solid, 1.0, bars)
    trim = s.rgb("trim_rgb")
    railing_rgb = np.where(stone > 0, trim, s.rgb("metal_rgb"))
    railing_rgb = np.where(down > 0.72, trim * (1.1 - 0.4 * down), railing_rgb)
    s.canvas.paint(cover * opacity, railing_rgb * s.light)


def _draw_door(s: _Scene) -> None:
    """The door: panels, and a glass fanlight over some doors."""
    door = s.grids["door"]
    door_rgb = s.rgb("door_rgb") * s.light
    s.canvas.paint(s.r.cover(door), door_rgb)
    door_bar = (0.12 * (door.right - door.left)).astype(np.float32)
    panels = panes(door, door_bar, (0.22, 0.6), (0.5,))
    panel_cover = s.r.cover(panels)
    panel_down = s.down(panels, panel_cover)
    s.canvas.paint(panel_cover * 0.8, door_rgb * (0.72 + 0.2 * panel_down))
    fan = sub_grid(door, bottom=door.top + 0.2 * (door.bottom - door.top))
    fan = panes(fan, door_bar * 0.6, (), (0.5,))
    fan_cover = s.r.cover(fan) * s.column("door_fanlight")
    if s.night:
        s.canvas.paint(fan_cover, s.glass * 0.6, s.column("door_lit") * _colour(0.9, 0.7, 0.4))
    else:
        s.canvas.paint(fan_cover, s.glass + (s.sky_bottom - s.glass) * 0.3)


def _shop_sign(s: _Scene, shop) -> tuple[np.ndarray, np.ndarray]:
    """Cover and colour of the signs over the shops: light letters on a coloured board."""
    shop_height = shop.bottom - shop.top
    sign = sub_grid(shop, bottom=shop.top + 0.22 * shop_height)
    sign = panes(sign, (0.025 * shop_height).astype(np.float32), (), ())
    sign_cover = s.r.cover(sign)
    sign_across = s.across(sign, sign_cover)
    sign_down = s.down(sign, sign_cover)
    letters = (
        (np.abs(sign_across - 0.5) < 0.3)
        & (np.abs(sign_down - 0.5) < 0.22)
        & (np.sin(2 * np.pi * s.x / 0.014) > -0.2)
    )
    letter_fade = fade(0.014, s.pixel) * 0.8 + 0.2
    sign_rgb = s.rgb("sign_rgb")
    return sign_cover, sign_rgb + (0.95 - sign_rgb) * letters * letter_fade


def _draw_shops(s: _Scene) -> None:
    """Shops: a coloured sign over a dark-framed shop window, brightly lit at night."""
    shop = s.grids["shop"]
    s.canvas.paint(s.r.cover(shop), s.rgb("shop_frame_rgb") * s.light)
    sign_cover, sign_colour = _shop_sign(s, shop)
    shop_height = shop.bottom - shop.top
    shop_glass = sub_grid(shop, top=shop.top + 0.22 * shop_height)
    shop_glass = panes(shop_glass, (0.03 * shop_height).astype(np.float32), (0.78,), (0.5,))
    glass_cover = s.r.cover(shop_glass)
    glass_down = s.down(shop_glass, glass_cover)
    if s.night:
        shop_lit = s.column("shop_lit")
        warm = _colour(1.0, 0.86, 0.62)
        s.canvas.paint(sign_cover, sign_colour * 0.5, sign_colour * shop_lit * 0.9)
        s.canvas.paint(glass_cover, s.glass * 0.6, warm * shop_lit * (0.75 + 0.2 * glass_down))
    else:
        s.canvas.paint(sign_cover, sign_colour * s.light)
        shop_reflection = np.clip(0.5 * (1.0 - glass_down) + 0.3 * s.streak**4, 0.0, 0.8)
        s.canvas.paint(glass_cover, s.glass + (s.sky_bottom - s.glass) * shop_reflection)


def _cast_shadows(s: _Scene, image: np.ndarray) -> None:
    """Daylight: soft shadows under everything that stands out of the wall, away from the sun."""
    shift = (-0.5 * s.f["light_x"])[:, None]
    shadow = np.zeros((s.count, s.size, s.size), dtype=np.float32)
    for name, length, strength in _SHADOW_CASTERS:
        grid = s.grids[name]
        lengths = np.full_like(grid.bottom, length)
        edge = grid.top if name == "window" else grid.bottom
        rows = shadow_rows(s.pos, edge, lengths)
        columns = box(s.pos, grid.left + shift * length, grid.right + shift * length, s.pixel)
        shadow += strength * combine(rows, grid.present, columns)
    pillars = s.grids["pillar"]
    pillar_left = shadow_rows(-s.pos, -pillars.left, np.full_like(pillars.left, 0.012))
    pillar_right = shadow_rows(s.pos, pillars.right, np.full_like(pillars.right, 0.012))
    away = np.where(s.f["light_x"][:, None, None] > 0, pillar_left, pillar_right)
    shadow += 0.5 * combine(s.r.rows(pillars), pillars.present, away)
    image *= 1.0 - s.column("shadow_strength") * np.clip(shadow, 0.0, 1.0)
    image *= s.column("exposure")


def _light_at_night(s: _Scene, image: np.ndarray) -> None:
    """Night: dim blue ambient light, warm street light from below, glow around lit windows."""
    facade_cover = s.r.cover(s.grids["facade"])
    image *= s.column("night_dim") * _colour(0.75, 0.85, 1.2)
    street = s.column("street_light") * np.exp(-(1.0 - s.y) / 0.15) * facade_cover
    image += _colour(1.0, 0.75, 0.45) * street
    windows = s.grids["window"]
    halo = make_grid(
        windows.top - 0.03,
        windows.bottom + 0.03,
        windows.left - 0.03,
        windows.right + 0.03,
        windows.present * s.layout.lit,
    )
    soft = combine(
        np.exp(-np.square(relative(s.pos, halo.top, halo.bottom) * 2 - 1) * 2.0) * s.r.rows(halo),
        halo.present,
        np.exp(-np.square(relative(s.pos, halo.left, halo.right) * 2 - 1) * 2.0)
        * s.r.columns(halo),
    )
    image += 0.18 * _colour(1.0, 0.72, 0.4) * soft
    image += s.canvas.emission


_DRAWING_STEPS = (
    _draw_sky,
    _draw_roof,
    _draw_neighbours,
    _draw_wall,
    _draw_rusticated_ground,
    _draw_pillars,
    _draw_cornices,
    _draw_moldings_and_deco,
    _draw_windows,
    _draw_blinds,
    _draw_sills,
    _draw_balconies,
    _draw_door,
    _draw_shops,
)


def render_photos(
    layout: Layout, p: dict[str, np.ndarray], size: int, night: bool, grain: np.ndarray
) -> np.ndarray:
    """Photos (n, S, S, 3) float32 in [0, 1] of the facades, by day or at night. Notebook 04."""
    s = _Scene(layout, p, size, night, grain)
    for step in _DRAWING_STEPS:
        step(s)
    image = s.canvas.albedo
    if night:
        _light_at_night(s, image)
    else:
        _cast_shadows(s, image)
    image += grain * s.column("grain")
    return np.moveaxis(np.clip(image, 0.0, 1.0), 0, -1)
