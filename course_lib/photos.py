"""Non-face photographs that ship inside scikit-image and scikit-learn (notebook 01).

They need no download: the files are part of the installed packages. The course uses
them to ask what a face-trained model does to things that are not faces.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from PIL import Image

from course_lib.images import ImageSet


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data

        return getattr(data, name)()

    return load


def _sklearn(file_name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(file_name)

    return load


# Colour photographs bundled with the packages; astronaut is left out because it is a face.
PHOTO_SOURCES: dict[str, Callable[[], np.ndarray]] = {
    "coffee": _skimage("coffee"),
    "chelsea": _skimage("chelsea"),
    "rocket": _skimage("rocket"),
    "hubble": _skimage("hubble_deep_field"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "motorcycle": lambda: _skimage("stereo_motorcycle")()[0],
    "retina": _skimage("retina"),
    "china": _sklearn("china.jpg"),
    "flower": _sklearn("flower.jpg"),
}


def photo_names() -> list[str]:
    """Names of the bundled non-face photos (notebook 01)."""
    return list(PHOTO_SOURCES)


def load_photo(name: str) -> np.ndarray:
    """One whole bundled photo as float32 RGB in [0, 1] (notebook 01)."""
    if name not in PHOTO_SOURCES:
        raise ValueError(f"Unknown photo {name!r}; choose one of {photo_names()}.")
    pixels = np.asarray(PHOTO_SOURCES[name]())
    return pixels[..., :3].astype(np.float32) / 255.0


def load_photo_crops(
    size: int = 64,
    crops_per_photo: int = 8,
    crop_fraction: float = 0.4,
    seed: int = 0,
    names: list[str] | None = None,
) -> ImageSet:
    """Deterministic square crops of the bundled photos, resized to ``size`` (notebook 01).

    Each crop's side is ``crop_fraction`` of the photo's shorter side, so a crop holds an
    object-sized region rather than a few pixels of texture.
    """
    if not 0.05 <= crop_fraction <= 1.0:
        raise ValueError(f"crop_fraction must be in [0.05, 1], got {crop_fraction}.")
    rng = np.random.default_rng(seed)
    images, rows = [], []
    for name in names or photo_names():
        photo = load_photo(name)
        height, width = photo.shape[:2]
        side = max(8, int(round(crop_fraction * min(height, width))))
        for _ in range(crops_per_photo):
            top = int(rng.integers(0, height - side + 1))
            left = int(rng.integers(0, width - side + 1))
            crop = photo[top : top + side, left : left + side]
            images.append(_resize(crop, size))
            rows.append({"file": name, "photo": name, "top": top, "left": left, "side": side})
    return ImageSet(np.stack(images), pd.DataFrame(rows), [])


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    pixels = Image.fromarray(np.round(image * 255).astype(np.uint8))
    resized = pixels.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(resized, np.float32) / 255.0
