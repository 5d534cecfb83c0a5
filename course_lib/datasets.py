"""Loading real image data sets into float32 NumPy arrays with a table of labels.

Every loader returns an :class:`ImageSet`: square RGB images in [0, 1], one label row per image,
and the files that were skipped with the reason. Nothing is read or downloaded on import.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError

from course_lib.downloads import data_dir

__all__ = [
    "IMAGE_EXTENSIONS",
    "UTKFACE_GENDERS",
    "UTKFACE_RACES",
    "ImageSet",
    "load_horse2zebra",
    "load_image_folder",
    "load_lfw",
    "load_utkface",
    "load_wiki_crop",
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
UTKFACE_GENDERS = ("male", "female")
UTKFACE_RACES = ("White", "Black", "Asian", "Indian", "Others")
_UTKFACE_NAME = re.compile(r"^(\d{1,3})_([01])_([0-4])_(\d+)\.jpg(\.chip\.jpg)?$", re.IGNORECASE)
# LFW: a square around the face in the 250 x 250 funneled images (sklearn's default face box is
# rows 70:195, columns 78:172; this square shares its centre and keeps a little more context).
_LFW_SLICE = (slice(69, 197), slice(61, 189))
_LFW_CROP = 128
_SHOW_SKIPPED = 10


_SMALL = "smaller than"  # how the reason for skipping a too-small image starts
_RESAVE = "Open it in an image viewer and save it again as JPEG or PNG, or pick another file."


class _Skip(Exception):
    """Internal: a file cannot be used; the message is the reason, ``hint`` what to do."""

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
            raise _Skip(
                f"unsupported colour mode {mode}", "Save it again as an RGB JPEG or PNG."
            ) from err
    a = np.asarray(im).astype(np.float32) / 255.0
    if im.mode in ("LA", "RGBA"):
        colour, alpha = a[..., :-1], a[..., -1:]
        a = colour * alpha + (1.0 - alpha)  # composite on white
        if im.mode == "LA":
            a = a[..., 0]
    return a


def _square(a: np.ndarray, size: int) -> np.ndarray:
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
    """Read one file -> ((size, size, 3) float32, was it smaller than size). Raises _Skip.

    An image whose shorter side is below size is refused unless upscale is True.
    """
    limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
            with Image.open(source) as im:
                w, h = im.size
                if limit is not None and w * h > limit:
                    raise _Skip(
                        f"too large: {w}x{h} = {w * h:,} pixels > {limit:,} "
                        f"(decompression-bomb guard; raise max_pixels to allow it)",
                        "Shrink it to a few thousand pixels a side first, or pass a larger "
                        "max_pixels if you trust the file.",
                    )
                if min(w, h) < size and not upscale:
                    raise _Skip(
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
    except _Skip:
        raise
    except Image.DecompressionBombError as err:
        raise _Skip(
            f"too large (Pillow's decompression-bomb guard): {err}",
            "Shrink it to a few thousand pixels a side first, or raise "
            "PIL.Image.MAX_IMAGE_PIXELS if you trust the file.",
        ) from err
    except UnidentifiedImageError as err:
        raise _Skip("not a readable image (unknown or damaged format)") from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise _Skip(f"corrupt: {err}") from err
    return _square(pixels, size), min(w, h) < size


# --------------------------------------------------------------------------- helpers


def _check_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be from {MIN_SIZE} to {MAX_SIZE} pixels, got {size}")
    return int(size)


def _check_limit(limit: int | None) -> int | None:
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"limit must be None or a positive integer, got {limit!r}")
    return limit


def _check_folder(path: str | os.PathLike[str], what: str, hint: str) -> Path:
    folder = Path(path).expanduser()
    if not folder.exists():
        raise FileNotFoundError(
            f"{what} not found: you gave '{path}' (absolute: {folder.absolute()}). {hint}"
        )
    if not folder.is_dir():
        raise NotADirectoryError(f"{what} must be a folder, but '{path}' is a file.")
    return folder


def _list_files(folder: Path) -> list[tuple[str, Path]]:
    """All files below folder, sorted by relative path; hidden files and folders are ignored."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                p = Path(root) / name
                found.append((p.relative_to(folder).as_posix(), p))
    return sorted(found)


def _load_entries(
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
        except _Skip as why:
            skipped.append((name, str(why)))
            continue
        images.append(pixels)
        rows.append({"file": name, **labels})
        n_small += small
    return images, rows, n_small


def _make_set(
    images: list[np.ndarray],
    rows: list[dict],
    size: int,
    source: Path | str,
    skipped: list[tuple[str, str]],
    n_small: int,
    notes: list[str] | None = None,
) -> ImageSet:
    array = np.stack(images) if images else np.zeros((0, size, size, 3), np.float32)
    labels = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["file"])
    return ImageSet(array, labels, skipped, str(source), n_small, list(notes or []))


def _report(result: ImageSet) -> ImageSet:
    """Print the one-line summary when something was skipped, upscaled or noted."""
    if result.skipped or result.n_upscaled or result.notes:
        print(result.summary())
    return result


def _no_images_error(folder: Path, skipped: list[tuple[str, str]]) -> ValueError:
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
    size, limit = _check_size(size), _check_limit(limit)
    folder = _check_folder(
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
    for rel, p in _list_files(folder):
        if csv_path is not None and p.resolve() == csv_path.resolve():
            continue
        if p.suffix.lower() not in IMAGE_EXTENSIONS:
            skipped.append((rel, "not an image"))
        else:
            entries.append((rel, p, {}))
    images, rows, n_small = _load_entries(entries, size, limit, max_pixels, skipped, upscale)
    if not images:
        raise _no_images_error(folder, skipped)
    result = _make_set(images, rows, size, folder, skipped, n_small)
    if csv_path is not None:
        result.labels = _merge_labels(result.labels, csv_path, limit is None, result.notes)
    return _report(result)


def _parse_utkface(name: str) -> dict:
    match = _UTKFACE_NAME.match(name)
    if match is None:
        raise _Skip("name does not match UTKFace's [age]_[gender]_[race]_[datetime].jpg")
    age, gender, race = (int(g) for g in match.groups()[:3])
    return {"age": age, "gender": UTKFACE_GENDERS[gender], "race": UTKFACE_RACES[race]}


def load_utkface(
    path: str | os.PathLike[str], size: int = 64, limit: int | None = None, upscale: bool = False
) -> ImageSet:
    """Load UTKFace, with age, gender and race parsed from names like 25_1_3_2017....jpg.chip.jpg.

    Files whose names do not parse, or smaller than size unless upscale=True, are skipped
    with the reason. Introduced in notebook 01.
    """
    return _load_named(path, size, limit, "UTKFace folder", _parse_utkface, upscale)


def _load_named(
    path: str | os.PathLike[str],
    size: int,
    limit: int | None,
    what: str,
    parse: Callable[[str], dict],
    upscale: bool = False,
) -> ImageSet:
    size, limit = _check_size(size), _check_limit(limit)
    folder = _check_folder(path, what, "Check the path; the data must be downloaded by hand.")
    skipped: list[tuple[str, str]] = []
    entries = []
    for rel, p in _list_files(folder):
        if p.suffix.lower() not in IMAGE_EXTENSIONS:
            skipped.append((rel, "not an image"))
            continue
        try:
            entries.append((rel, p, parse(p.name)))
        except _Skip as why:
            skipped.append((rel, str(why)))
    images, rows, n_small = _load_entries(entries, size, limit, None, skipped, upscale)
    if not images:
        raise _no_images_error(folder, skipped)
    return _report(_make_set(images, rows, size, folder, skipped, n_small))


def _matlab_datenum_year(datenum: float) -> int | None:
    """Year of a MATLAB serial date number (day 1 = 1 January of year 0)."""
    if not np.isfinite(datenum):
        return None
    return date.fromordinal(max(int(datenum) - 366, 1)).year


def _cell_str(cell: object) -> str:
    values = np.asarray(cell).ravel()
    return str(values[0]) if values.size else ""


def load_wiki_crop(
    path: str | os.PathLike[str],
    size: int = 64,
    min_face_score: float = 1.0,
    limit: int | None = None,
    upscale: bool = False,
) -> ImageSet:
    """Load IMDB-WIKI's wiki_crop folder: one clear face (score >= min_face_score), known gender.

    Labels: file, gender, face_score, age (photo_taken minus birth year). Images smaller than
    size are skipped unless upscale=True. Introduced in notebook 01.
    """
    from scipy.io import loadmat

    size, limit = _check_size(size), _check_limit(limit)
    folder = _check_folder(
        path,
        "wiki_crop folder",
        'Get it with course_lib.downloads.fetch_known("wiki_crop", trust_first_download=True).',
    )
    mat_path = folder / "wiki.mat"
    if not mat_path.is_file():
        raise FileNotFoundError(
            f"{mat_path} not found: path must be the extracted 'wiki_crop' folder that holds "
            f"wiki.mat and the numbered sub-folders 00 ... 99."
        )
    meta = loadmat(mat_path)["wiki"][0, 0]
    dob = np.asarray(meta["dob"], dtype=np.float64).ravel()
    taken = np.asarray(meta["photo_taken"], dtype=np.float64).ravel()
    full_path = [_cell_str(c) for c in np.asarray(meta["full_path"]).ravel()]
    gender = np.asarray(meta["gender"], dtype=np.float64).ravel()
    score = np.asarray(meta["face_score"], dtype=np.float64).ravel()
    second = np.asarray(meta["second_face_score"], dtype=np.float64).ravel()

    keep = (score >= min_face_score) & ~np.isnan(gender) & np.isnan(second)
    entries = []
    for i in np.flatnonzero(keep):
        year = _matlab_datenum_year(dob[i])
        age = int(taken[i]) - year if year is not None and np.isfinite(taken[i]) else None
        labels = {
            "gender": "male" if gender[i] == 1 else "female",
            "face_score": float(score[i]),
            "age": age,
        }
        entries.append((full_path[i], folder / full_path[i], labels))
    skipped: list[tuple[str, str]] = []
    images, rows, n_small = _load_entries(entries, size, limit, None, skipped, upscale)
    if not images:
        raise ValueError(
            f"No usable images in '{folder}': {int(keep.sum())} of {len(score)} entries of "
            f"wiki.mat pass face_score >= {min_face_score}, known gender and one face; "
            f"{len(skipped)} of those could not be read."
        )
    notes = [
        f"kept {int(keep.sum())} of {len(score)} wiki.mat entries "
        f"(face_score >= {min_face_score}, known gender, one face)"
    ]
    result = _make_set(images, rows, size, folder, skipped, n_small, notes)
    result.labels["age"] = result.labels["age"].astype("Int64")
    odd = int(((result.labels["age"] < 0) | (result.labels["age"] > 100)).sum())
    if odd:
        result.notes.append(f"{odd} images have an age outside 0..100 (errors in wiki.mat)")
    return _report(result)


def _lfw_files(folder: Path, min_faces_per_person: int) -> list[str]:
    """The file order of sklearn's LFW loader (sorted, filtered, shuffled with seed 42)."""
    files: list[str] = []
    for person in sorted(os.listdir(folder)):
        if (folder / person).is_dir():
            names = sorted(os.listdir(folder / person))
            if len(names) >= min_faces_per_person:
                files.extend(f"{person}/{n}" for n in names)
    order = np.arange(len(files))
    np.random.RandomState(42).shuffle(order)
    return [files[i] for i in order]


def load_lfw(
    size: int = 64,
    min_faces_per_person: int = 0,
    limit: int | None = None,
    download_if_missing: bool = False,
) -> ImageSet:
    """Load Labeled Faces in the Wild (funneled, colour) from data_dir() via scikit-learn.

    A 128 px square around each face is resized to size; labels: file, name.
    Introduced in notebook 01.
    """
    from sklearn.datasets import fetch_lfw_people

    size, limit = _check_size(size), _check_limit(limit)
    home = data_dir()
    try:
        bunch = fetch_lfw_people(
            data_home=home,
            funneled=True,
            resize=size / _LFW_CROP if size < _LFW_CROP else None,
            min_faces_per_person=min_faces_per_person,
            color=True,
            slice_=_LFW_SLICE,
            download_if_missing=download_if_missing,
        )
    except OSError as err:
        if download_if_missing:
            raise OSError(
                f"Downloading LFW (about 230 MB, needs internet) into {home / 'lfw_home'} "
                f"failed: {err}"
            ) from err
        raise FileNotFoundError(
            f"LFW is not in {home / 'lfw_home'} ({err}). Call "
            f"load_lfw(download_if_missing=True) once on a machine with internet access "
            f"(about 230 MB), or copy an lfw_home folder made by scikit-learn's "
            f"fetch_lfw_people there (set IMG2IMG_DATA to use another cache folder)."
        ) from err
    faces = np.asarray(bunch.images, dtype=np.float32)
    names = np.asarray(bunch.target_names)[bunch.target]
    if limit is not None:
        faces, names = faces[:limit], names[:limit]
    images = [f if f.shape[:2] == (size, size) else _square(f, size) for f in faces]
    files = _lfw_files(home / "lfw_home" / "lfw_funneled", min_faces_per_person)
    same = len(files) >= len(names) and all(
        f.split("/")[0].replace("_", " ") == n for f, n in zip(files, names, strict=False)
    )
    rows = [{"file": files[i] if same else None, "name": str(n)} for i, n in enumerate(names)]
    n_small = len(images) if size > _LFW_CROP else 0
    return _report(_make_set(images, rows, size, home / "lfw_home", [], n_small))


# --------------------------------------------------------------------------- one photo


def prepare_photo(
    data: bytes | bytearray | memoryview, image_size: int, max_pixels: int | None = None
) -> np.ndarray:
    """Decode one uploaded photo to a (image_size, image_size, 3) float32 RGB array in [0, 1].

    The same checks and conversions as load_image_folder; a bad photo raises ValueError
    saying what to do. Introduced in notebook 02.
    """
    size = _check_size(image_size)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be the bytes of an image file, got {type(data).__name__}.")
    data = bytes(data)
    if not data:
        raise ValueError("The file is empty (0 bytes): pick a JPEG or PNG photo.")
    try:
        pixels, _ = _read_image(io.BytesIO(data), size, max_pixels, upscale=False)
    except _Skip as why:
        raise ValueError(f"Cannot use this photo: {why}. {why.hint}") from None
    return pixels


# --------------------------------------------------------------------------- horse2zebra

HORSE2ZEBRA_SPLITS = ("train", "test")


def _horse2zebra_root(folder: str | os.PathLike[str] | None, download: bool) -> Path:
    """The folder holding trainA/trainB/testA/testB; raises FileNotFoundError saying what to do."""
    hint = (
        "Download it once (117 MB, checked against its SHA-256) with course_lib.downloads."
        'fetch_known("horse2zebra") or load_horse2zebra(download=True), or unpack '
        "horse2zebra.zip yourself and pass folder=."
    )
    if folder is None:
        root = data_dir() / "horse2zebra"
        if not root.is_dir():
            if not download:
                raise FileNotFoundError(
                    f"horse2zebra is not in the data folder {data_dir()}. {hint}"
                )
            from course_lib.downloads import fetch_known

            root = fetch_known("horse2zebra")
    else:
        root = _check_folder(folder, "horse2zebra folder", hint)
    for base in (root, root / "horse2zebra"):
        if (base / "trainA").is_dir() or (base / "testA").is_dir():
            return base
    raise FileNotFoundError(
        f"No trainA/testA folders in {root}: expected CycleGAN's layout horse2zebra/trainA "
        f"(horses), trainB (zebras), testA, testB. {hint}"
    )


def load_horse2zebra(
    size: int = 64,
    split: str = "train",
    limit: int | None = None,
    folder: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> tuple[ImageSet, ImageSet]:
    """Load CycleGAN's horse2zebra photos: (horses, zebras) of one split, as ImageSets.

    folder=None reads the course's data folder; download=True fetches the verified archive
    there first. ``limit`` caps each domain. Introduced in notebook 05.
    """
    if split not in HORSE2ZEBRA_SPLITS:
        raise ValueError(f"split must be one of {HORSE2ZEBRA_SPLITS}, got {split!r}")
    root = _horse2zebra_root(folder, download)
    horses, zebras = (
        load_image_folder(
            _check_folder(
                root / f"{split}{domain}",
                f"horse2zebra {split}{domain}",
                "The archive looks incomplete: delete it and fetch it again.",
            ),
            size,
            limit=limit,
        )
        for domain in "AB"
    )
    return horses, zebras
