"""Measure colour shifts that a grey view hides, in CIELAB (notebook 03).

Notebook 03 asks whether a face-trained deblurring network pulls the colours of non-face photos
toward skin tones. Lab separates lightness (L*) from colour (a*: green - red, b*: blue - yellow),
so a shift of an image's mean (a*, b*) is a colour change that its grey version cannot show.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from skimage import color

from course_lib import metrics, viz

# Shorter (a*, b*) distances than this count as "the image's mean is the target" (notebook 03).
DEGENERATE_DISTANCE = 1e-6

ImagePair = tuple[np.ndarray, np.ndarray]


def _rgb(images: np.ndarray, clip: bool = True) -> np.ndarray:
    images = np.asarray(images, np.float32)
    if images.ndim not in (3, 4) or images.shape[-1] != 3:
        raise ValueError(f"Expected RGB images (H, W, 3) or (N, H, W, 3), got {images.shape}.")
    return np.clip(images, 0.0, 1.0) if clip else images


def _batch(images: np.ndarray) -> np.ndarray:
    images = _rgb(images)
    return images[None] if images.ndim == 3 else images


def _same_shape(sharp: np.ndarray, restored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sharp, restored = _batch(sharp), _batch(restored)
    if sharp.shape != restored.shape:
        raise ValueError(f"Shapes differ: {sharp.shape} vs {restored.shape}.")
    return sharp, restored


def to_lab(images: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] to CIELAB (D65) via ``skimage.color.rgb2lab``, float32 (notebook 03).

    Same shape as the input. Values are clipped to [0, 1] first: overshoot would give L* > 100.
    """
    return color.rgb2lab(_rgb(images)).astype(np.float32)


def mean_ab(images: np.ndarray) -> np.ndarray:
    """Mean (a*, b*) of each image, shape (N, 2); one (H, W, 3) image gives (1, 2) (notebook 03).

    The training faces' mean colour is ``mean_ab(train_faces).mean(axis=0)``.
    """
    return to_lab(_batch(images))[..., 1:].mean(axis=(1, 2), dtype=np.float64)


def colour_shift(sharp: np.ndarray, restored: np.ndarray) -> pd.DataFrame:
    """Per image: delta_L, delta_a, delta_b (restored minus sharp means), chroma_shift, hue_deg.

    chroma_shift = hypot(delta_a, delta_b) is how far the mean colour moved in the a*b* plane;
    hue_deg is that move's direction in [0, 360), NaN when it did not move (notebook 03).
    """
    sharp, restored = _same_shape(sharp, restored)
    delta = to_lab(restored).mean(axis=(1, 2), dtype=np.float64) - to_lab(sharp).mean(
        axis=(1, 2), dtype=np.float64
    )
    chroma = np.hypot(delta[:, 1], delta[:, 2])
    hue = np.degrees(np.arctan2(delta[:, 2], delta[:, 1])) % 360.0
    table = pd.DataFrame(
        {
            "delta_L": delta[:, 0],
            "delta_a": delta[:, 1],
            "delta_b": delta[:, 2],
            "chroma_shift": chroma,
            "hue_deg": np.where(chroma > 0, hue, np.nan),
        }
    )
    table.index.name = "image"
    return table


def shift_toward(sharp: np.ndarray, restored: np.ndarray, target_ab: np.ndarray) -> np.ndarray:
    """Per image, the (a*, b*) shift projected on the unit vector from its sharp mean to target_ab.

    Positive means toward the target (notebook 03). An image whose mean is within
    DEGENERATE_DISTANCE of the target has no direction to move toward, and gets 0.
    """
    sharp, restored = _same_shape(sharp, restored)
    target = np.asarray(target_ab, np.float64).reshape(2)
    start = mean_ab(sharp)
    delta = mean_ab(restored) - start
    direction = target - start
    distance = np.hypot(direction[:, 0], direction[:, 1])
    degenerate = distance <= DEGENERATE_DISTANCE
    unit = direction / np.where(degenerate, 1.0, distance)[:, None]
    return np.where(degenerate, 0.0, (delta * unit).sum(axis=1))


def summarise_shift(groups: Mapping[str, ImagePair], target_ab: np.ndarray) -> pd.DataFrame:
    """One row per group of (sharp, restored) images: images, mean chroma_shift, mean shift_toward
    and fraction_toward (share of images moved toward target_ab) (notebook 03).
    """
    rows = {}
    for name, (sharp, restored) in groups.items():
        toward = shift_toward(sharp, restored, target_ab)
        rows[name] = {
            "images": len(toward),
            "chroma_shift": colour_shift(sharp, restored)["chroma_shift"].mean(),
            "shift_toward": toward.mean(),
            "fraction_toward": (toward > 0).mean(),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "group"
    return table


def to_grey(images: np.ndarray) -> np.ndarray:
    """Luma (``skimage.color.rgb2gray``, ITU-R BT.709) as 3 equal channels (notebook 03).

    Same shape as the input, clipped to [0, 1], so it fits the same grids as colour images.
    """
    grey = color.rgb2gray(_rgb(images)).astype(np.float32)
    return np.repeat(grey[..., None], 3, axis=-1)


def luminance_psnr(sharp: np.ndarray, restored: np.ndarray) -> np.ndarray:
    """PSNR in dB on luma alone (rgb2gray of both), per image, via metrics.psnr (notebook 03).

    Not clipped, like RGB ``metrics.psnr``, so the two can be compared side by side.
    """
    sharp, restored = _rgb(sharp, clip=False), _rgb(restored, clip=False)
    if sharp.shape != restored.shape:
        raise ValueError(f"Shapes differ: {sharp.shape} vs {restored.shape}.")
    return metrics.psnr(color.rgb2gray(sharp)[..., None], color.rgb2gray(restored)[..., None])


def plot_ab_shifts(
    groups: Mapping[str, ImagePair],
    target_ab: np.ndarray,
    axis: plt.Axes | None = None,
    target_label: str = "training faces' mean colour",
    name: str | None = None,
) -> plt.Axes:
    """Arrows in the a*b* plane from each sharp image's mean colour to its restored one,
    one colour per group, with target_ab marked as a star (notebook 03).
    """
    if axis is None:
        _, axis = plt.subplots(figsize=(6.5, 6.5))
    axis.axhline(0, color="0.85", linewidth=0.8, zorder=0)
    axis.axvline(0, color="0.85", linewidth=0.8, zorder=0)
    handles = []
    for index, (group, (sharp, restored)) in enumerate(groups.items()):
        colour = f"C{index}"
        start, end = mean_ab(sharp), mean_ab(restored)
        axis.scatter(start[:, 0], start[:, 1], s=10, color=colour, alpha=0.6, linewidths=0)
        for (a0, b0), (a1, b1) in zip(start, end, strict=True):
            arrow = FancyArrowPatch(
                (a0, b0),
                (a1, b1),
                arrowstyle="-|>",
                mutation_scale=9,
                shrinkA=0,
                shrinkB=0,
                color=colour,
                alpha=0.75,
                linewidth=1.0,
            )
            axis.add_patch(arrow)
        axis.update_datalim(np.concatenate([start, end]))
        handles.append(
            Line2D([], [], color=colour, marker=">", markersize=6, label=f"{group} ({len(start)})")
        )
    target = np.asarray(target_ab, np.float64).reshape(2)
    handles.append(
        axis.scatter(
            *target,
            marker="*",
            s=320,
            color="gold",
            edgecolors="black",
            linewidths=1.0,
            zorder=5,
            label=target_label,
        )
    )
    axis.set_xlabel("a* (green - red)")
    axis.set_ylabel("b* (blue - yellow)")
    axis.set_aspect("equal", adjustable="datalim")
    axis.autoscale_view()
    axis.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=len(handles),
        fontsize=8,
        title="dot: sharp image's mean colour, arrow head: restored image's",
        title_fontsize=8,
        frameon=False,
    )
    viz.keep_figure(axis.figure, name)
    return axis


def colour_view(
    sharp: np.ndarray, blurred: np.ndarray, restored: np.ndarray, grey: bool = False
) -> dict:
    """Panels, titles and numbers for one image of the colour-shift explorer (notebook 03).

    Returns {"panels": 3 images, "titles": 3 str, "numbers": {delta_L, delta_a, delta_b,
    chroma_shift, psnr_rgb, psnr_luminance}}; grey only greys the panels, never the numbers.
    """
    images = [_rgb(image, clip=False) for image in (sharp, blurred, restored)]
    if any(image.shape != images[0].shape or image.ndim != 3 for image in images):
        raise ValueError("Expected three (H, W, 3) images of the same shape.")
    shift = colour_shift(images[0], images[2]).iloc[0]
    numbers = {key: float(shift[key]) for key in ("delta_L", "delta_a", "delta_b", "chroma_shift")}
    numbers["psnr_rgb"] = float(metrics.psnr(images[0], images[2]))
    numbers["psnr_luminance"] = float(luminance_psnr(images[0], images[2]))
    titles = ["original", "blurred", "restored"]
    if grey:
        panels = [to_grey(image) for image in images]
        titles = [f"{title} (grey)" for title in titles]
    else:
        panels = [np.clip(image, 0.0, 1.0) for image in images]
    return {"panels": panels, "titles": titles, "numbers": numbers}
