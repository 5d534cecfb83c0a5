"""Laying out procedural facades: floors, bays and a grid of rectangles for every element.

Every step turns the random choices of facade_sampling into grids in normalised coordinates;
the label maps and photos are drawn from the same grids. Notebook 04.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_lib.procedural.facade_grids import Grid, make_grid
from course_lib.procedural.facade_sampling import (
    CLOSED,
    GROUND,
    MAX_BAYS,
    OPEN_SHUTTERS,
    ROLLER_LEVELS,
    SLOTS,
)


class Layout(NamedTuple):
    """Where everything is on a chunk of facades."""

    grids: dict[str, Grid]  # every element class, by name
    windows: np.ndarray  # (n, SLOTS, MAX_BAYS) bool: which windows exist
    lit: np.ndarray  # (n, SLOTS, MAX_BAYS) bool: which windows are lit at night
    ground_top: np.ndarray  # (n, 1): where the ground floor starts
    window_width: np.ndarray  # (n, MAX_BAYS)


class _Floors(NamedTuple):
    """Rows: the facade's top and, per floor slot (upper floors top first), its extent."""

    slots: np.ndarray  # (1, SLOTS) slot numbers
    n_upper: np.ndarray  # (n, 1) floors above the ground floor
    is_ground: np.ndarray  # (1, SLOTS)
    valid: np.ndarray  # (n, SLOTS): the facade has this floor
    top: np.ndarray  # (n, 1) top of the facade
    body_top: np.ndarray  # (n, 1) below the parapet and the top cornice
    unit: np.ndarray  # (n, 1) height of an upper floor
    ground_top: np.ndarray  # (n, 1)
    ground_height: np.ndarray  # (n, 1)
    floor_top: np.ndarray  # (n, SLOTS)
    floor_bottom: np.ndarray  # (n, SLOTS)


class _Bays(NamedTuple):
    """Columns: the facade's sides and, per bay, its extent."""

    index: np.ndarray  # (1, MAX_BAYS) bay numbers
    count: np.ndarray  # (n, 1)
    valid: np.ndarray  # (n, MAX_BAYS): the facade has this bay
    left: np.ndarray  # (n, 1) left side of the facade
    right: np.ndarray  # (n, 1)
    margin: np.ndarray  # (n, 1) wall beside the outermost bays
    width: np.ndarray  # (n, 1)
    lefts: np.ndarray  # (n, MAX_BAYS)
    centres: np.ndarray  # (n, MAX_BAYS)


class _Windows(NamedTuple):
    """Window rectangles per floor slot and bay, and which of them exist."""

    top: np.ndarray  # (n, SLOTS)
    bottom: np.ndarray  # (n, SLOTS)
    left: np.ndarray  # (n, MAX_BAYS)
    right: np.ndarray  # (n, MAX_BAYS)
    width: np.ndarray  # (n, MAX_BAYS)
    gap: np.ndarray  # (n, MAX_BAYS): wall between neighbouring windows
    present: np.ndarray  # (n, SLOTS, MAX_BAYS) bool
    balcony_floor: np.ndarray  # (n, SLOTS) bool: French windows down to a balcony


def _column(values: np.ndarray) -> np.ndarray:
    """Per-facade scalars as an (n, 1) column."""
    return np.asarray(values, dtype=np.float64)[:, None]


def _flag(p: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A per-facade yes/no choice as an (n, 1) bool column."""
    return _column(p[name]).astype(bool)


def _floors(p: dict[str, np.ndarray]) -> _Floors:
    """Floors: a parapet and top cornice, equal upper floors, and a taller ground floor."""
    slots = np.arange(SLOTS)[None, :]
    n_upper = p["n_upper"][:, None]
    is_ground = slots == GROUND
    top = _column(p["facade_top"])
    body_top = top + _column(p["parapet"] + p["top_cornice"])
    unit = (1.0 - body_top) / (n_upper + _column(p["ground_ratio"]))
    ground_top = body_top + n_upper * unit
    floor_top = np.where(is_ground, ground_top, body_top + slots * unit)
    floor_bottom = np.where(is_ground, 1.0, floor_top + unit)
    valid = (slots < n_upper) | is_ground
    return _Floors(
        slots=slots,
        n_upper=n_upper,
        is_ground=is_ground,
        valid=valid,
        top=top,
        body_top=body_top,
        unit=unit,
        ground_top=ground_top,
        ground_height=1.0 - ground_top,
        floor_top=floor_top,
        floor_bottom=floor_bottom,
    )


def _bays(p: dict[str, np.ndarray]) -> _Bays:
    """Bays of equal width between the facade's side margins."""
    bays = np.arange(MAX_BAYS)[None, :]
    n_bays = p["n_bays"][:, None]
    left = _column(p["facade_left"])
    right = _column(p["facade_right"])
    margin = (right - left) * _column(p["side_margin"])
    bay_width = (right - left - 2 * margin) / n_bays
    bay_left = left + margin + bays * bay_width
    bay_centre = bay_left + bay_width / 2
    return _Bays(bays, n_bays, bays < n_bays, left, right, margin, bay_width, bay_left, bay_centre)


def _which_windows(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays) -> np.ndarray:
    """Every upper bay, and ground bays beside the door of a house; no floor left without."""
    slots, n_upper = floors.slots, floors.n_upper
    door_bay = p["door_bay"][:, None]
    has_door = p["has_door"][:, None]
    has_shop = p["has_shop"][:, None]
    upper_windows = (slots < n_upper)[:, :, None] & ~p["window_missing"]
    ground_windows = (
        ~has_shop & p["ground_window_present"] & ~(has_door & (bays.index == door_bay))
    )[:, None, :] & floors.is_ground[:, :, None]
    windows = (upper_windows | ground_windows) & bays.valid[:, None, :] & floors.valid[:, :, None]
    # A floor left without any window gets them all back.
    empty = ~windows.any(axis=2, keepdims=True) & (slots < n_upper)[:, :, None]
    windows |= empty & bays.valid[:, None, :]
    return windows


def _windows(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays) -> _Windows:
    """Window rows, upper floors first; balcony floors get French windows down to the floor."""
    window_width = bays.width * _column(p["window_width"])
    window_left = bays.centres - window_width / 2
    window_right = bays.centres + window_width / 2
    gap = bays.width - window_width
    balcony_floor = p["balcony_floors"]
    unit = floors.unit
    height = (
        unit
        * _column(p["window_height"])
        * np.where((floors.slots == 0) & _flag(p, "attic"), 0.72, 1.0)
    )
    window_top = floors.floor_top + (unit - height) * _column(p["window_offset"])
    window_bottom = np.where(balcony_floor, floors.floor_bottom - 0.04 * unit, window_top + height)
    ground_top, ground_height = floors.ground_top, floors.ground_height
    window_top[:, GROUND] = (ground_top + ground_height * _column(p["ground_window_top"]))[:, 0]
    window_bottom[:, GROUND] = (
        window_top[:, GROUND : GROUND + 1] + ground_height * _column(p["ground_window_height"])
    )[:, 0]
    return _Windows(
        top=window_top,
        bottom=window_bottom,
        left=window_left,
        right=window_right,
        width=window_width,
        gap=gap,
        present=_which_windows(p, floors, bays),
        balcony_floor=balcony_floor,
    )


def _pillars(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays, win: _Windows) -> Grid:
    """Pillars between the bays, optionally at the facade's edges too."""
    inner = win.gap * _column(p["pillar_width"])
    pillar_width = np.minimum(inner, 0.8 * bays.margin)
    boundaries = np.arange(MAX_BAYS + 1)[None, :]
    centres = bays.left + bays.margin + boundaries * bays.width
    centres = np.where(boundaries == 0, bays.left + bays.margin / 2, centres)
    centres = np.where(boundaries == bays.count, bays.right - bays.margin / 2, centres)
    edge = (boundaries == 0) | (boundaries == bays.count)
    width = np.where(edge, pillar_width, inner)
    has_shop = p["has_shop"][:, None]
    pillar_bottom = np.where(_flag(p, "pillars_to_ground") & ~has_shop, 1.0, floors.ground_top)
    present = (
        (boundaries <= bays.count) & (~edge | _flag(p, "pillar_edges")) & _flag(p, "has_pillars")
    )
    left, right = centres - width / 2, centres + width / 2
    return make_grid(floors.body_top, pillar_bottom, left, right, present[:, None, :])


def _cornices(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays) -> dict[str, Grid]:
    """Cornices: one under the parapet, and string courses under some floors."""
    slots, n_upper, floor_bottom = floors.slots, floors.n_upper, floors.floor_bottom
    cornice_top = floors.top + _column(p["parapet"])
    top_cornice = make_grid(cornice_top, floors.body_top, bays.left, bays.right)
    thickness = _column(p["cornice_height"]) * np.where(slots == n_upper - 1, 1.5, 1.0)
    mode = _column(p["cornices"])
    course = (slots < n_upper) & ((mode == 2) | ((mode == 1) & (slots == n_upper - 1)))
    floor_cornice = make_grid(
        floor_bottom - 0.35 * thickness,
        floor_bottom + 0.65 * thickness,
        bays.left,
        bays.right,
        course[:, :, None],
    )
    return {"top_cornice": top_cornice, "floor_cornice": floor_cornice}


def _sill_floors(p: dict[str, np.ndarray], win: _Windows) -> np.ndarray:
    """(n, SLOTS): floors whose windows have sills (not those with balconies)."""
    return _flag(p, "has_sills") & ~win.balcony_floor


def _moldings_and_deco(p: dict[str, np.ndarray], floors: _Floors, win: _Windows) -> dict[str, Grid]:
    """Moldings around windows, with deco above them on some floors."""
    slots, n_upper = floors.slots, floors.n_upper
    molding = np.minimum(_column(p["molding"]), 0.3 * win.gap) * _column(p["has_moldings"])
    molding_bottom = win.bottom + np.where(_sill_floors(p, win), 0.0, molding)
    moldings = make_grid(
        win.top - molding,
        molding_bottom,
        win.left - molding,
        win.right + molding,
        win.present & _flag(p, "has_moldings")[:, :, None],
    )
    deco_bottom = win.top - molding
    room = deco_bottom - floors.floor_top - 0.004
    deco_height = np.minimum(_column(p["deco_height"]), 0.8 * room)
    deco_floors = np.where(_flag(p, "deco_lowest_only"), slots == n_upper - 1, slots < n_upper)
    deco_floors &= (deco_height > 0.006) & _flag(p, "has_deco")
    extra = molding + np.minimum(_column(p["deco_extra"]), 0.2 * win.gap)
    deco = make_grid(
        deco_bottom - np.maximum(deco_height, 0.0),
        deco_bottom,
        win.left - extra,
        win.right + extra,
        win.present & deco_floors[:, :, None],
    )
    return {"molding": moldings, "deco": deco}


def _balcony_top(p: dict[str, np.ndarray], floors: _Floors) -> np.ndarray:
    """(n, SLOTS): the top of a balcony's railing on each floor."""
    return floors.floor_bottom - floors.unit * _column(p["balcony_height"])


def _blinds(p: dict[str, np.ndarray], floors: _Floors, win: _Windows) -> dict[str, Grid]:
    """Blinds: open shutters beside the window, or roller blinds and closed shutters in it."""
    n = len(p["n_upper"])
    state = p["blind_state"]
    visible_bottom = np.where(win.balcony_floor, _balcony_top(p, floors), win.bottom)
    visible = visible_bottom - win.top
    shutter = np.minimum(win.width * _column(p["shutter_width"]), 0.46 * win.gap)
    shutter = np.where(_flag(p, "has_pillars"), np.minimum(shutter, 0.3 * win.gap), shutter)
    open_shutters = win.present & (state == OPEN_SHUTTERS)
    grids = {
        "shutters": make_grid(
            win.top,
            win.bottom,
            np.stack([win.left - shutter, win.right], axis=-1).reshape(n, -1),
            np.stack([win.left, win.right + shutter], axis=-1).reshape(n, -1),
            np.repeat(open_shutters, 2, axis=2),
        )
    }
    for level, fraction in enumerate(ROLLER_LEVELS, start=1):
        grids[f"roller_{level}"] = make_grid(
            win.top,
            win.top + fraction * visible,
            win.left,
            win.right,
            win.present & (state == level),
        )
    grids["closed_blind"] = make_grid(
        win.top, win.bottom, win.left, win.right, win.present & (state == CLOSED)
    )
    return grids


def _sills(p: dict[str, np.ndarray], win: _Windows) -> Grid:
    """Sills under windows without balconies."""
    overhang = win.width * _column(p["sill_overhang"])
    sill_height = _column(p["sill_height"])
    return make_grid(
        win.bottom,
        win.bottom + sill_height,
        win.left - overhang,
        win.right + overhang,
        win.present & _sill_floors(p, win)[:, :, None],
    )


def _balconies(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays, win: _Windows) -> Grid:
    """Balconies: a railing over the lower part of the French windows and a slab under it."""
    slab = np.minimum(0.012, 0.08 * floors.unit)
    continuous = _column(p["balcony_type"] == 2).astype(bool)
    reach = np.minimum(win.width * _column(p["balcony_overhang"]), 0.4 * win.gap)
    balcony_left = np.where(continuous, bays.lefts, win.left - reach)
    balcony_right = np.where(continuous, bays.lefts + bays.width, win.right + reach)
    balcony_present = (
        win.balcony_floor[:, :, None]
        & (p["balcony_bays"] | continuous)[:, None, :]
        & bays.valid[:, None, :]
    )
    return make_grid(
        _balcony_top(p, floors),
        floors.floor_bottom + slab,
        balcony_left,
        balcony_right,
        balcony_present,
    )


def _door(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays) -> Grid:
    """The door, in one of the ground floor's bays."""
    door_width = bays.width * _column(p["door_width"])
    door_centre = np.take_along_axis(bays.centres, p["door_bay"][:, None], axis=1)
    door_height = floors.ground_height * _column(p["door_height"])
    return make_grid(
        1.0 - door_height,
        1.0,
        door_centre - door_width / 2,
        door_centre + door_width / 2,
        p["has_door"][:, None, None],
    )


def _shops(p: dict[str, np.ndarray], floors: _Floors, bays: _Bays) -> Grid:
    """Shops across the ground floor: one per bay, or wide ones filling their bays."""
    has_door = p["has_door"][:, None]
    wide = _column(p["shop_type"] == 2).astype(bool)
    shop_half = bays.width * _column(p["shop_width"]) / 2
    shop_left = np.where(wide, bays.lefts, bays.centres - shop_half)
    shop_right = np.where(wide, bays.lefts + bays.width, bays.centres + shop_half)
    door_bay = p["door_bay"][:, None]
    shop_present = p["has_shop"][:, None] & bays.valid & ~(has_door & (bays.index == door_bay))
    shop_top = floors.ground_top + floors.ground_height * _column(p["shop_top"])
    return make_grid(shop_top, 1.0, shop_left, shop_right, shop_present[:, None, :])


def _lit_windows(p: dict[str, np.ndarray], windows: np.ndarray) -> np.ndarray:
    """Windows lit at night: never behind closed blinds, and at least one per facade."""
    lit = p["lit"] & windows & (p["blind_state"] != CLOSED)
    dark = ~lit.any(axis=(1, 2))
    first = windows[:, 0, :].argmax(axis=1)  # the top floor is never closed
    lit[dark, 0, first[dark]] = True
    return lit


def lay_out(p: dict[str, np.ndarray]) -> Layout:
    """Rectangles of every element of every facade, in normalised coordinates. Notebook 04."""
    floors = _floors(p)
    bays = _bays(p)
    win = _windows(p, floors, bays)
    grids = {
        "facade": make_grid(floors.top, 1.0, bays.left, bays.right),
        "pillar": _pillars(p, floors, bays, win),
        **_cornices(p, floors, bays),
        **_moldings_and_deco(p, floors, win),
        "window": make_grid(win.top, win.bottom, win.left, win.right, win.present),
        **_blinds(p, floors, win),
        "sill": _sills(p, win),
        "balcony": _balconies(p, floors, bays, win),
        "door": _door(p, floors, bays),
        "shop": _shops(p, floors, bays),
    }
    lit = _lit_windows(p, win.present)
    return Layout(grids, win.present, lit, floors.ground_top, win.width)
