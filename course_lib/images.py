"""Reading image files into float32 NumPy arrays: any folder of images, or one uploaded photo.

Every loader returns an :class:`ImageSet`: square RGB images in [0, 1], one label row per image,
and the files that were skipped with the reason. The named data sets in course_lib.datasets are
built on the helpers here. Nothing is read on import. Introduced in notebook 01.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageSet",
    "load_image_folder",
    "prepare_photo",
]

IMAGE_EXTENSIONS = (
    ".bmp",
    ".gif",
    ".jpeg",
    ".jpg",
    ".pbm",
    ".pgm",
    ".png",
    ".pnm",
    ".ppm",
    ".tif",
    ".tiff",
    ".webp",
)
MIN_SIZE, MAX_SIZE = 16, 1024
_SHOW_SKIPPED = 10

_SMALL = "smaller than"  # how the reason for skipping a too-small image starts
_RESAVE = "Open it in an image viewer and save it again as JPEG or PNG, or pick another file."


class UnusableImage(Exception):
    """A file cannot be used: the message is the reason, ``hint`` what to do. Loaders skip it."""

    def __init__(self, reason: str, hint: str = _RESAVE) -> None:
        super().__init__(reason)
        self.hint = hint


@dataclass(repr=False)
class ImageSet:
    """Images (N, size, size, 3) float32 in [0, 1], labels (one row per image) and skipped files.

    Introduced in notebook 01.
    """

    images: np.ndarray
    labels: pd.DataFrame
    skipped: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""
    n_upscaled: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        shape = "x".join(str(d) for d in self.images.shape[1:])
        return f"<ImageSet: {len(self)} images of {shape} from {self.source}>"

    def summary(self) -> str:
        """One line: how many images were loaded from where, what was skipped and why."""
        n = len(self)
        parts = [f"loaded {n} image{'' if n == 1 else 's'} from {self.source}"]
        if self.skipped:
            shown = ", ".join(f"{name} ({why})" for name, why in self.skipped[:_SHOW_SKIPPED])
            extra = len(self.skipped) - _SHOW_SKIPPED
            more = f", and {extra} more (see .skipped)" if extra > 0 else ""
            parts.append(f"skipped {len(self.skipped)}: {shown}{more}")
        size = self.images.shape[1]
        n_small = sum(why.startswith(_SMALL) for _, why in self.skipped)
        if n_small:
            parts.append(
                f"{n_small} of them {_SMALL} {size} px (pass upscale=True to upscale them, "
                f"or choose a smaller size)"
            )
        if self.n_upscaled:
            parts.append(f"{self.n_upscaled} images smaller than {size} px were upscaled")
        parts.extend(self.notes)
        return "; ".join(parts)


# --------------------------------------------------------------------------- pixels


def _to_float(im: Image.Image) -> np.ndarray:
    """Decoded Pillow image -> float32 (H, W) grey or (H, W, 3) RGB in [0, 1].

    Transparent pixels are composited on white. 16-bit images are scaled by 65535.
    """
    mode = im.mode
    if mode.startswith("I;16"):
        return np.asarray(im).astype(np.float32) / 65535.0
    if mode == "I":  # 32-bit integer, in practice 16-bit data (PNG/TIFF from older writers)
        a = np.asarray(im).astype(np.float64)
        top = 65535.0 if a.max(initial=0) <= 65535 else float(a.max())
        return (np.clip(a, 0, None) / top).astype(np.float32)
    if mode == "F":
        a = np.nan_to_num(np.asarray(im, dtype=np.float32))
        top = max(1.0, float(a.max(initial=0)))
        return np.clip(a / top, 0.0, 1.0)
    if mode == "1":
        im = im.convert("L")
    elif mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else "RGB")
    elif mode in ("La", "RGBa"):  # premultiplied alpha
        im = im.convert("LA" if mode == "La" else "RGBA")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        try:  # CMYK, YCbCr, HSV, RGBX, ...
            im = im.convert("RGB")
        except ValueError as err:
            raise UnusableImage(
                f"unsupported colour mode {mode}", "Save it again as an RGB JPEG or PNG."
            ) from err
    a = np.asarray(im).astype(np.float32) / 255.0
    if im.mode in ("LA", "RGBA"):
        colour, alpha = a[..., :-1], a[..., -1:]
        a = colour * alpha + (1.0 - alpha)  # composite on white
        if im.mode == "LA":
            a = a[..., 0]
    return a


def crop_to_square(a: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square, resize to size x size (Lanczos, antialiased), return RGB."""
    h, w = a.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    a = a[top : top + side, left : left + side]
    channels = [a] if a.ndim == 2 else [a[..., c] for c in range(a.shape[2])]
    if side != size:
        channels = [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(c, dtype=np.float32)).resize(
                    (size, size), Image.Resampling.LANCZOS
                )
            )
            for c in channels
        ]
    out = np.stack(channels * 3 if len(channels) == 1 else channels, axis=-1)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _read_image(
    source: Path | BinaryIO, size: int, max_pixels: int | None, upscale: bool = True
) -> tuple[np.ndarray, bool]:
    """Read one file -> ((size, size, 3) float32, was it smaller than size). Raises UnusableImage.

    An image whose shorter side is below size is refused unless upscale is True.
    """
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
            with Image.open(source) as im:
                w, h = im.size
                if limit is not None and w * h > limit:
                    raise UnusableImage(
                        f"too large: {w}x{h} = {w * h:,} pixels > {limit:,} "
                        f"(decompression-bomb guard; raise max_pixels to allow it)",
                        "Shrink it to a few thousand pixels a side first, or pass a larger "
                        "max_pixels if you trust the file.",
                    )
                if min(w, h) < size and not upscale:
                    raise UnusableImage(
                        f"{_SMALL} {size} px ({w}x{h})",
                        f"Pick an image at least {size} px on its shorter side; upscaling a "
                        f"smaller one would blur the 'sharp' image.",
                    )
                if im.format == "JPEG":
                    im.draft(None, (size, size))  # let the decoder shrink big JPEGs cheaply
                im.load()
                try:
                    im = ImageOps.exif_transpose(im)
                except Exception:  # a broken EXIF block must not lose the image
                    pass
                pixels = _to_float(im)
    except UnusableImage:
        raise
    except Image.DecompressionBombError as err:
        raise UnusableImage(
            f"too large (Pillow's decompression-bomb guard): {err}",
            "Shrink it to a few thousand pixels a side first, or raise "
            "PIL.Image.MAX_IMAGE_PIXELS if you trust the file.",
        ) from err
    except UnidentifiedImageError as err:
        raise UnusableImage("not a readable image (unknown or damaged format)") from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise UnusableImage(f"corrupt: {err}") from err
    return crop_to_square(pixels, size), min(w, h) < size


# --------------------------------------------------------------------------- helpers


def check_size(size: int) -> int:
    """size as an int; ValueError unless it is an integer from MIN_SIZE to MAX_SIZE."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be from {MIN_SIZE} to {MAX_SIZE} pixels, got {size}")
    return int(size)


def check_limit(limit: int | None) -> int | None:
    """limit, unless it is neither None nor a positive integer (ValueError)."""
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"limit must be None or a positive integer, got {limit!r}")
    return limit


def check_folder(path: str | os.PathLike[str], what: str, hint: str) -> Path:
    """path as a Path; FileNotFoundError (naming `what`, adding `hint`) unless it is a folder."""
    folder = Path(path).expanduser()
    if not folder.exists():
        raise FileNotFoundError(
            f"{what} not found: you gave '{path}' (absolute: {folder.absolute()}). {hint}"
        )
    if not folder.is_dir():
        raise NotADirectoryError(f"{what} must be a folder, but '{path}' is a file.")
    return folder


def list_files(folder: Path) -> list[tuple[str, Path]]:
    """All files below folder, sorted by relative path; hidden files and folders are ignored."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                p = Path(root) / name
                found.append((p.relative_to(folder).as_posix(), p))
    return sorted(found)


def load_entries(
    entries: list[tuple[str, Path, dict]],
    size: int,
    limit: int | None,
    max_pixels: int | None,
    skipped: list[tuple[str, str]],
    upscale: bool = False,
) -> tuple[list[np.ndarray], list[dict], int]:
    """Read (name, path, labels) entries; failures go to skipped. Returns images, rows, n_small."""
    images, rows, n_small = [], [], 0
    for name, path, labels in entries:
        if limit is not None and len(images) >= limit:
            break
        if not path.is_file():
            skipped.append((name, "missing file"))
            continue
        try:
            pixels, small = _read_image(path, size, max_pixels, upscale)
        except UnusableImage as why:
            skipped.append((name, str(why)))
            continue
        images.append(pixels)
        rows.append({"file": name, **labels})
        n_small += small
    return images, rows, n_small


def make_set(
    images: list[np.ndarray],
    rows: list[dict],
    size: int,
    source: Path | str,
    skipped: list[tuple[str, str]],
    n_small: int,
    notes: list[str] | None = None,
) -> ImageSet:
    """An ImageSet of the loaded images and label rows (an empty one if there are none)."""
    array = np.stack(images) if images else np.zeros((0, size, size, 3), np.float32)
    labels = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["file"])
    return ImageSet(array, labels, skipped, str(source), n_small, list(notes or []))


def report(result: ImageSet) -> ImageSet:
    """Print the one-line summary when something was skipped, upscaled or noted."""
    if result.skipped or result.n_upscaled or result.notes:
        print(result.summary())
    return result


def no_images_error(folder: Path, skipped: list[tuple[str, str]]) -> ValueError:
    """The error for a folder without usable images: what was found, and what to do."""
    if not skipped:
        found = "The folder is empty (hidden files are ignored): check the path or add images."
    else:
        shown = ", ".join(f"{n} ({why})" for n, why in skipped[:_SHOW_SKIPPED])
        more = f" and {len(skipped) - _SHOW_SKIPPED} more" if len(skipped) > _SHOW_SKIPPED else ""
        found = f"Found {len(skipped)} file(s), none usable: {shown}{more}."
        n_small = sum(why.startswith(_SMALL) for _, why in skipped)
        if n_small:
            found += (
                f" {n_small} of them {'is' if n_small == 1 else 'are'} too small for this "
                f"size: choose a smaller size, or pass upscale=True to upscale them (which "
                f"blurs them)."
            )
    return ValueError(
        f"No readable images in '{folder}'. {found} "
        f"Accepted extensions: {', '.join(IMAGE_EXTENSIONS)}."
    )


def _merge_labels(
    labels: pd.DataFrame, csv_path: Path, check_unused: bool, notes: list[str]
) -> pd.DataFrame:
    table = pd.read_csv(csv_path)
    if "file" not in table.columns:
        raise ValueError(
            f"{csv_path} needs a 'file' column (file name or path relative to the image folder); "
            f"its columns are {list(table.columns)}."
        )
    keys = table["file"].astype(str).str.strip().str.replace("\\", "/").str.removeprefix("./")
    duplicated = sorted(set(keys[keys.duplicated()]))
    if duplicated:
        raise ValueError(f"{csv_path} lists these files more than once: {duplicated[:10]}")
    table = table.drop(columns="file").assign(_key=keys.to_numpy())
    known = set(table["_key"])
    matched = []
    for rel in labels["file"]:
        base = rel.rsplit("/", 1)[-1]
        matched.append(rel if rel in known else base if base in known else None)
    missing = [rel for rel, key in zip(labels["file"], matched, strict=True) if key is None]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        notes.append(f"{len(missing)} image(s) have no row in {csv_path.name}: {shown}")
    unused = len(known - {k for k in matched if k is not None})
    if check_unused and unused:
        notes.append(f"{unused} row(s) of {csv_path.name} match no loaded image")
    merged = labels.assign(_key=matched).merge(table, on="_key", how="left")
    return merged.drop(columns="_key")


# --------------------------------------------------------------------------- loaders


def load_image_folder(
    path: str | os.PathLike[str],
    size: int,
    labels_csv: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    max_pixels: int | None = None,
    upscale: bool = False,
) -> ImageSet:
    """Load every image below a folder (recursive, sorted), centre-cropped and resized to size.

    labels_csv: optional CSV with a 'file' column merged into the labels. Skipped, with the
    reason: images with more than max_pixels (default: Pillow's Image.MAX_IMAGE_PIXELS) and,
    unless upscale=True, images smaller than size on their shorter side. Notebook 01.
    """
    size, limit = check_size(size), check_limit(limit)
    folder = check_folder(
        path, "Image folder", "Check the path, or download and extract the data first."
    )
    csv_path = None
    if labels_csv is not None:
        csv_path = Path(labels_csv).expanduser()
        if not csv_path.exists() and (folder / csv_path).exists():
            csv_path = folder / csv_path
        if not csv_path.is_file():
            raise FileNotFoundError(f"labels_csv not found: '{labels_csv}'")
    skipped: list[tuple[str, str]] = []
    entries = []
    for rel, p in list_files(folder):
        if csv_path is not None and p.resolve() == csv_path.resolve():
            continue
        if p.suffix.lower() not in IMAGE_EXTENSIONS:
            skipped.append((rel, "not an image"))
        else:
            entries.append((rel, p, {}))
    images, rows, n_small = load_entries(entries, size, limit, max_pixels, skipped, upscale)
    if not images:
        raise no_images_error(folder, skipped)
    result = make_set(images, rows, size, folder, skipped, n_small)
    if csv_path is not None:
        result.labels = _merge_labels(result.labels, csv_path, limit is None, result.notes)
    return report(result)


# --------------------------------------------------------------------------- one photo


def prepare_photo(
    data: bytes | bytearray | memoryview, image_size: int, max_pixels: int | None = None
) -> np.ndarray:
    """Decode one uploaded photo to a (image_size, image_size, 3) float32 RGB array in [0, 1].

    The same checks and conversions as load_image_folder; a bad photo raises ValueError
    saying what to do. Introduced in notebook 02.
    """
    size = check_size(image_size)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be the bytes of an image file, got {type(data).__name__}.")
    data = bytes(data)
    if not data:
        raise ValueError("The file is empty (0 bytes): pick a JPEG or PNG photo.")
    try:
        pixels, _ = _read_image(io.BytesIO(data), size, max_pixels, upscale=False)
    except UnusableImage as why:
        raise ValueError(f"Cannot use this photo: {why}. {why.hint}") from None
    return pixels
