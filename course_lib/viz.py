"""Plotting helpers, so notebooks show pictures without plotting boilerplate (notebook 01).

Every helper takes an optional ``name``: when ``IMG2IMG_FIGURES`` names a folder (``make
course`` sets it to assets/), the figure is saved there as ``{name}.png`` once its cell ends,
so the README's figures come from the notebooks and no learner cell holds a save call.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backend_bases import RendererBase
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox

from course_lib import settings

if TYPE_CHECKING:
    import pandas as pd

_PENDING: dict[str, plt.Figure] = {}  # named figures of the running cell, saved when it ends


def _as_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, np.float32)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return np.clip(image, 0.0, 1.0)


def _draw(axis: plt.Axes, image: np.ndarray, title: str | None = None) -> None:
    image = _as_image(image)
    axis.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
    axis.set_xticks([])
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_visible(False)
    if title:
        axis.set_title(title, fontsize=8)


def show_images(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cell_inches: float = 1.2,
    suptitle: str | None = None,
    name: str | None = None,
) -> plt.Figure:
    """Show images in a grid, with an optional title under each (notebook 01)."""
    count = len(images)
    ncols = max(1, min(ncols, count))
    nrows = int(np.ceil(count / ncols))
    title_room = 0.25 if titles else 0.0
    height = nrows * (cell_inches + title_room) + (0.3 if suptitle else 0.0)
    figure, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * cell_inches, height),
        squeeze=False,
    )
    for index, axis in enumerate(axes.flat):
        if index < count:
            _draw(axis, images[index], titles[index] if titles else None)
        else:
            axis.axis("off")
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return keep_figure(figure, name)


def show_rows(
    rows: Mapping[str, Sequence[np.ndarray] | np.ndarray],
    captions: Mapping[str, Sequence[str]] | None = None,
    cell_inches: float = 1.2,
    suptitle: str | None = None,
    name: str | None = None,
) -> plt.Figure:
    """Show one row per label (e.g. sharp, blurred, restored), labels on the left (notebook 01)."""
    labels = list(rows)
    ncols = max(len(rows[label]) for label in labels)
    caption_room = 0.2 if captions else 0.0
    figure, axes = plt.subplots(
        len(labels),
        ncols,
        figsize=(ncols * cell_inches + 0.6, len(labels) * (cell_inches + caption_room) + 0.3),
        squeeze=False,
    )
    for row, label in enumerate(labels):
        for column in range(ncols):
            axis = axes[row, column]
            if column >= len(rows[label]):
                axis.axis("off")
                continue
            caption = captions[label][column] if captions and label in captions else None
            _draw(axis, rows[label][column], caption)
        axes[row, 0].set_ylabel(label, fontsize=10)
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return keep_figure(figure, name)


def plot_kernel(
    kernel: np.ndarray, sigma: float, axis: plt.Axes | None = None, name: str | None = None
) -> plt.Axes:
    """Stem plot of a 1-D blur kernel with its radius marked (notebook 01)."""
    axis = axis or plt.subplots(figsize=(5, 3))[1]
    radius = len(kernel) // 2
    offsets = np.arange(-radius, radius + 1)
    axis.stem(offsets, kernel)
    axis.set_xlabel("offset (pixels)")
    axis.set_ylabel("weight")
    axis.set_title(f"Gaussian kernel, sigma {sigma:g}: {len(kernel)} taps, sum {kernel.sum():.4f}")
    keep_figure(axis.figure, name)
    return axis


def compare_kernels(kernels: Mapping[str, np.ndarray], name: str | None = None) -> plt.Figure:
    """2-D blur kernels side by side on one colour scale, and their centre rows (notebook 05)."""
    figure, axes = plt.subplots(1, len(kernels) + 1, figsize=(2.6 * len(kernels) + 3.6, 2.8))
    top = max(float(np.max(kernel)) for kernel in kernels.values())
    for axis, (label, kernel) in zip(axes[:-1], kernels.items(), strict=True):
        axis.imshow(kernel, cmap="magma", vmin=0, vmax=top, interpolation="nearest")
        axis.set_title(label, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
        radius = len(kernel) // 2
        axes[-1].plot(np.arange(-radius, radius + 1), kernel[radius], marker=".", label=label)
    axes[-1].set_xlabel("offset (pixels)")
    axes[-1].set_ylabel("weight")
    axes[-1].set_title("centre row", fontsize=9)
    axes[-1].legend(fontsize=7)
    figure.tight_layout()
    return keep_figure(figure, name)


def plot_matrix(
    matrix: np.ndarray, title: str, axis: plt.Axes | None = None, name: str | None = None
) -> plt.Axes:
    """Show a blur matrix as an image: row i holds the weights output pixel i uses (notebook 01)."""
    axis = axis or plt.subplots(figsize=(3.5, 3.5))[1]
    axis.imshow(matrix, cmap="magma", interpolation="nearest")
    axis.set_title(title, fontsize=9)
    axis.set_xlabel("input pixel")
    axis.set_ylabel("output pixel")
    keep_figure(axis.figure, name)
    return axis


def plot_curves(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    xlabel: str,
    ylabel: str,
    title: str,
    axis: plt.Axes | None = None,
    log_y: bool = False,
    legend_location: str = "best",
    log_x: bool = False,
    name: str | None = None,
    zero_x: bool | None = None,
) -> plt.Axes:
    """Plot named (x, y) curves on one axis with a legend (notebook 01).

    On a log y axis, points at x = 0 are left out unless ``zero_x`` is True: there x is a
    frequency of 0, each image's mean, which a ratio of spectra cannot measure (notebook 02).
    A curve of one point is a ring, named beside it where no other name or ring is (nb 04).
    """
    axis = axis or plt.subplots(figsize=(6, 3.5))[1]
    keep_zero = not log_y if zero_x is None else zero_x
    points = {}
    for label, (x_values, y_values) in curves.items():
        x_values, y_values = np.asarray(x_values), np.asarray(y_values)
        if not keep_zero:
            shown = x_values != 0
            x_values, y_values = x_values[shown], y_values[shown]
        if len(x_values) == 1:
            (line,) = axis.plot(x_values, y_values, "o", markerfacecolor="none", label=label)
            line.set_markeredgewidth(1.5)
            points[label] = (float(x_values[0]), float(y_values[0]), line.get_color())
        else:
            axis.plot(x_values, y_values, marker=".", label=label)
    if log_y:
        axis.set_yscale("log")
    if log_x:
        axis.set_xscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc=legend_location)
    if points:
        _name_points(axis, points)
    keep_figure(axis.figure, name)
    return axis


_NAME_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
_NAME_DISTANCES = (7, 16, 28, 42)  # points from a ring's centre to its name, nearest first
_RING_RADIUS = 6  # points: a ring of marker size 8 and a little room around it
_FRONTIER, _STEPS = "frontier", "iterative, by its number of steps"  # the plane's legend


def plot_perception_distortion(
    table: pd.DataFrame,
    frontier: Sequence[str],
    name: str | None = None,
    curve: Mapping[str, str] | None = None,
    log_y: bool = False,
) -> plt.Axes:
    """Each restorer's PSNR against its perception distance, the frontier dashed (notebook 04).

    ``table`` has psnr_mean and perception columns; ``frontier`` names its rows on the
    frontier (``evaluation.frontier``). Better restorers sit right (PSNR) and low (realism).
    ``curve`` maps rows to short labels: one model's settings, joined by a line (notebook 06).
    """
    curve = dict(curve or {})
    rings = table.drop(index=list(curve))
    axis = plot_curves(
        {label: ([row.psnr_mean], [row.perception]) for label, row in rings.iterrows()},
        "mean PSNR (dB): right is closer to the sharp faces",
        "perception distance: low looks like sharp faces",
        "The perception-distortion plane",
        log_y=log_y,
    )
    axis.get_legend().remove()  # every ring is named beside it
    if log_y:  # plain numbers, not powers of ten, on the ticks
        for axes_ticks in (axis.yaxis.set_major_formatter, axis.yaxis.set_minor_formatter):
            axes_ticks(FuncFormatter(lambda value, _: f"{value:g}"))
    ends = table.loc[list(frontier)]
    axis.plot(ends.psnr_mean, ends.perception, "--", color="grey", zorder=0, label=_FRONTIER)
    if curve:
        points = table.loc[list(curve)]
        axis.plot(points.psnr_mean, points.perception, "-o", color="black", markersize=4,
                  label=_STEPS)  # fmt: skip
        for row, label in curve.items():
            axis.annotate(label, (table.psnr_mean[row], table.perception[row]), fontsize=8,
                          xytext=(4, 4), textcoords="offset points")  # fmt: skip
    keyed = [line for line in axis.get_lines() if line.get_label() in (_FRONTIER, _STEPS)]
    axis.legend(handles=keyed, fontsize=8, loc="lower left" if curve else "upper right")
    keep_figure(axis.figure, name)
    return axis


def _name_points(axis: plt.Axes, points: Mapping[str, tuple[float, float, str]]) -> None:
    """Write each name beside its (x, y, colour) point, clear of the other names and points.

    Names of crowded points are placed first, each at the nearest spot that overlaps nothing
    inside the frame; a name moved away gets a thin line to its point (notebook 04).
    """
    axis.margins(x=0.1, y=0.15)
    axis.autoscale_view()
    renderer = axis.figure.canvas.get_renderer()
    frame = axis.get_window_extent(renderer)
    centres = axis.transData.transform([(x, y) for x, y, _ in points.values()])
    radius = _RING_RADIUS * axis.figure.dpi / 72
    taken = [Bbox.from_bounds(x - radius, y - radius, 2 * radius, 2 * radius) for x, y in centres]
    gaps = [
        np.delete(np.hypot(*(centres - centre).T), index) for index, centre in enumerate(centres)
    ]
    crowded_first = np.argsort([gap.min() if len(gap) else 0.0 for gap in gaps])
    names = list(points)
    for index in crowded_first:
        name = names[index]
        x, y, colour = points[name]
        distance, offset = _free_spot(axis, name, (x, y), frame, taken, renderer)
        leader = {"arrowstyle": "-", "color": colour, "linewidth": 0.6, "shrinkB": _RING_RADIUS}
        text = axis.annotate(
            name, (x, y), xytext=offset, textcoords="offset points", fontsize=7, color=colour,
            arrowprops=leader if distance > _NAME_DISTANCES[0] else None, **_alignment(offset),
        )  # fmt: skip
        taken.append(text.get_window_extent(renderer))


def _alignment(offset: tuple[float, float]) -> dict[str, str]:
    """Anchor a name on the side of its text that faces its point."""
    horizontal = {1: "left", -1: "right", 0: "center"}[int(np.sign(offset[0]))]
    vertical = {1: "bottom", -1: "top", 0: "center"}[int(np.sign(offset[1]))]
    return {"ha": horizontal, "va": vertical}


def _free_spot(
    axis: plt.Axes,
    name: str,
    xy: tuple[float, float],
    frame: Bbox,
    taken: Sequence[Bbox],
    renderer: RendererBase,
) -> tuple[float, tuple[float, float]]:
    """The nearest (distance, offset in points) where ``name`` overlaps least, ideally nothing."""
    best, best_cost = (_NAME_DISTANCES[0], (_NAME_DISTANCES[0], 0)), np.inf
    for distance in _NAME_DISTANCES:
        for dx, dy in _NAME_DIRECTIONS:
            offset = (dx * distance, dy * distance)
            trial = axis.annotate(name, xy, xytext=offset, textcoords="offset points",
                                  fontsize=7, **_alignment(offset))  # fmt: skip
            box = trial.get_window_extent(renderer)
            trial.remove()
            inside = Bbox.intersection(box, frame)
            outside = box.width * box.height - (inside.width * inside.height if inside else 0)
            cost = outside + sum(_overlap(box, other) for other in taken)
            if cost < best_cost:
                best, best_cost = (distance, offset), cost
            if cost == 0:
                return best
    return best


def _overlap(first: Bbox, second: Bbox) -> float:
    """The area two boxes share, in square pixels."""
    both = Bbox.intersection(first, second)
    return both.width * both.height if both is not None else 0.0


def plot_history(
    history, title: str, axis: plt.Axes | None = None, name: str | None = None
) -> plt.Axes:
    """Training and validation loss per epoch from a history DataFrame (notebook 02)."""
    axis = axis or plt.subplots(figsize=(6, 3.5))[1]
    epochs = history["epoch"] if "epoch" in history else history.index
    for column, label in (("loss", "training"), ("val_loss", "validation")):
        if column in history:
            axis.plot(epochs, history[column], marker="o", label=label)
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    keep_figure(axis.figure, name)
    return axis


def plot_throughput(rates: Mapping[str, float], title: str, name: str | None = None) -> plt.Axes:
    """Horizontal bars of images per second, each labelled with its value (notebook 01)."""
    _, axis = plt.subplots(figsize=(6, 0.5 + 0.5 * len(rates)))
    rates = dict(rates)  # a pandas Series iterates over values, a dict over names
    names = list(rates)
    values = [rates[label] for label in names]
    bars = axis.barh(names, values, color="tab:blue")
    axis.bar_label(bars, labels=[f"{value:,.0f}/s" for value in values], padding=3, fontsize=8)
    axis.set_xlim(0, max(values) * 1.25)
    axis.set_xlabel("images per second")
    axis.set_title(title)
    axis.invert_yaxis()
    keep_figure(axis.figure, name)
    return axis


def subplots(
    nrows: int = 1, ncols: int = 1, name: str | None = None, **options
) -> tuple[plt.Figure, plt.Axes | np.ndarray]:
    """``plt.subplots`` whose figure is saved as ``name`` when its cell ends (notebook 01)."""
    figure, axes = plt.subplots(nrows, ncols, **options)
    keep_figure(figure, name)
    return figure, axes


def keep_figure(figure: plt.Figure, name: str | None) -> plt.Figure:
    """Save ``figure`` as ``{name}.png`` in ``IMG2IMG_FIGURES`` once the running cell ends.

    Outside IPython it is saved at once. Without a name or the variable, nothing is saved.
    """
    if name is None or settings.current().figures is None:
        return figure
    shell = _ipython_shell()
    if shell is None:
        save_figure(figure, name)
        return figure
    if _save_pending not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _save_pending)
    _PENDING[name] = figure
    return figure


def _ipython_shell():
    try:
        from IPython import get_ipython
    except ImportError:  # IPython is optional outside notebooks
        return None
    return get_ipython()


def _save_pending(result=None) -> None:
    """Save the named figures of the cell that just ended (an IPython post_run_cell hook)."""
    while _PENDING:
        name, figure = _PENDING.popitem()
        save_figure(figure, name)


def figure_png(figure: plt.Figure) -> bytes:
    """The figure as PNG bytes, then closed: what an image widget shows (notebook 04)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def save_figure(figure: plt.Figure, name: str) -> Path | None:
    """Save a figure as PNG when ``IMG2IMG_FIGURES`` names a folder; do nothing otherwise.

    ``make course`` sets it, so the figures the README shows come from the notebooks.
    """
    folder = settings.current().figures
    if folder is None:
        return None
    path = folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight")
    return path


def plot_heatmap(
    table, title: str, unit: str = "dB", axis: plt.Axes | None = None, name: str | None = None
) -> plt.Axes:
    """A labelled heatmap of a small table of numbers, each cell annotated (notebook 03)."""
    axis = axis or plt.subplots(figsize=(1.8 + 1.6 * table.shape[1], 0.9 + 0.6 * table.shape[0]))[1]
    values = table.to_numpy(dtype=float)
    image = axis.imshow(values, cmap="viridis", aspect="auto")
    axis.set_xticks(range(table.shape[1]), [str(column) for column in table.columns])
    axis.set_yticks(range(table.shape[0]), [str(row) for row in table.index])
    axis.set_xlabel(table.columns.name or "")
    axis.set_ylabel(table.index.name or "")
    middle = (np.nanmax(values) + np.nanmin(values)) / 2
    for (row, column), value in np.ndenumerate(values):
        colour = "black" if value > middle else "white"
        axis.text(column, row, f"{value:.2f} {unit}", ha="center", va="center", color=colour)
    axis.set_title(title)
    axis.figure.colorbar(image, ax=axis, label=unit)
    keep_figure(axis.figure, name)
    return axis
