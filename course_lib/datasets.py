"""Named real image data sets: UTKFace, wiki_crop, LFW, horse2zebra and pix2pix's CMP facades.

The face sets come as ImageSets (see course_lib.images) with their labels parsed; CMP facades as
label maps and photos. Nothing is read or downloaded on import. Notebooks 01, 04 and 05.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image

from course_lib.downloads import KNOWN_DOWNLOADS, data_dir, fetch_known
from course_lib.images import (
    IMAGE_EXTENSIONS,
    ImageSet,
    UnusableImage,
    check_folder,
    check_limit,
    check_size,
    crop_to_square,
    list_files,
    load_entries,
    load_image_folder,
    make_set,
    no_images_error,
    report,
)
from course_lib.procedural import common as procedural
from course_lib.procedural import facades as procedural_facades

__all__ = [
    "CMP_FACADES_SPLITS",
    "HORSE2ZEBRA_SPLITS",
    "UTKFACE_GENDERS",
    "UTKFACE_RACES",
    "load_cmp_facades",
    "load_horse2zebra",
    "load_lfw",
    "load_utkface",
    "load_wiki_crop",
]

UTKFACE_GENDERS = ("male", "female")
UTKFACE_RACES = ("White", "Black", "Asian", "Indian", "Others")
_UTKFACE_NAME = re.compile(r"^(\d{1,3})_([01])_([0-4])_(\d+)\.jpg(\.chip\.jpg)?$", re.IGNORECASE)
# LFW: a square around the face in the 250 x 250 funneled images (sklearn's default face box is
# rows 70:195, columns 78:172; this square shares its centre and keeps a little more context).
_LFW_SLICE = (slice(69, 197), slice(61, 189))
_LFW_CROP = 128


def _parse_utkface(name: str) -> dict:
    match = _UTKFACE_NAME.match(name)
    if match is None:
        raise UnusableImage("name does not match UTKFace's [age]_[gender]_[race]_[datetime].jpg")
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
    size, limit = check_size(size), check_limit(limit)
    folder = check_folder(path, what, "Check the path; the data must be downloaded by hand.")
    skipped: list[tuple[str, str]] = []
    entries = []
    for rel, p in list_files(folder):
        if p.suffix.lower() not in IMAGE_EXTENSIONS:
            skipped.append((rel, "not an image"))
            continue
        try:
            entries.append((rel, p, parse(p.name)))
        except UnusableImage as why:
            skipped.append((rel, str(why)))
    images, rows, n_small = load_entries(entries, size, limit, None, skipped, upscale)
    if not images:
        raise no_images_error(folder, skipped)
    return report(make_set(images, rows, size, folder, skipped, n_small))


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

    size, limit = check_size(size), check_limit(limit)
    folder = check_folder(
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
    images, rows, n_small = load_entries(entries, size, limit, None, skipped, upscale)
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
    result = make_set(images, rows, size, folder, skipped, n_small, notes)
    result.labels["age"] = result.labels["age"].astype("Int64")
    odd = int(((result.labels["age"] < 0) | (result.labels["age"] > 100)).sum())
    if odd:
        result.notes.append(f"{odd} images have an age outside 0..100 (errors in wiki.mat)")
    return report(result)


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

    size, limit = check_size(size), check_limit(limit)
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
    images = [f if f.shape[:2] == (size, size) else crop_to_square(f, size) for f in faces]
    files = _lfw_files(home / "lfw_home" / "lfw_funneled", min_faces_per_person)
    same = len(files) >= len(names) and all(
        f.split("/")[0].replace("_", " ") == n for f, n in zip(files, names, strict=False)
    )
    rows = [{"file": files[i] if same else None, "name": str(n)} for i, n in enumerate(names)]
    n_small = len(images) if size > _LFW_CROP else 0
    return report(make_set(images, rows, size, home / "lfw_home", [], n_small))


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
            root = fetch_known("horse2zebra")
    else:
        root = check_folder(folder, "horse2zebra folder", hint)
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
            check_folder(
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


# --------------------------------------------------------------------------- CMP facades
# The real CMP facades as packaged for pix2pix: facades/{train,val,test}/N.jpg, each 256 x 512
# with the photo on the left (pix2pix's A) and the label map on the right (B). pix2pix trains
# labels -> photo with which_direction=BtoA (phillipi/pix2pix README); TensorFlow's pix2pix
# tutorial (tensorflow/docs, site/en/tutorials/generative/pix2pix.ipynb) loads the same files
# with real_image = image[:, :w] and input_image = image[:, w:].

CMP_FACADES_SPLITS = ("train", "val", "test")
_CMP_SUFFIXES = (".jpg", ".jpeg", ".png")
_CMP_DOWNLOAD_HINT = (
    'Download it once with course_lib.downloads.fetch_known("facades", '
    "trust_first_download=True) (about 30 MB; compare its MD5 with the one noted in "
    "course_lib.downloads.KNOWN_DOWNLOADS) and pass the folder it returns, or leave folder=None."
)


def _cmp_split_folder(root: Path, split: str) -> Path | None:
    """The folder of `split` below root (root/split or root/facades/split), if there is one."""
    for base in (root, root / "facades"):
        if (base / split).is_dir():
            return base / split
    return None


def _find_cmp_folder(folder: str | os.PathLike[str] | None, split: str, download: bool) -> Path:
    """The folder holding the split's images; raises FileNotFoundError saying how to get them."""
    if folder is not None:
        root = Path(folder).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(
                f"CMP facades folder not found: '{folder}' (absolute: {root.absolute()}). "
                + _CMP_DOWNLOAD_HINT
            )
    else:
        cache = data_dir()
        root = cache / "facades"
        found = _cmp_split_folder(root, split) if root.is_dir() else None
        if found is not None:
            return found
        archive = cache / KNOWN_DOWNLOADS["facades"][2]
        if not (archive.exists() or download):
            raise FileNotFoundError(
                f"The CMP facades are not in the data folder {cache}. "
                + _CMP_DOWNLOAD_HINT
                + " Or call load_cmp_facades(download=True)."
            )
        root = fetch_known("facades")
    found = _cmp_split_folder(root, split)
    if found is None:
        raise FileNotFoundError(
            f"No '{split}' folder in {root}: expected pix2pix's layout facades/{split}/1.jpg, "
            f"2.jpg, ... (each 256 x 512: photo left, label map right). " + _CMP_DOWNLOAD_HINT
        )
    return found


def _cmp_order(path: Path) -> tuple[int, str]:
    """Sort 1.jpg, 2.jpg, ..., 10.jpg numerically, other names after them."""
    return (int(path.stem) if path.stem.isdigit() else 1 << 62, path.name)


def _read_cmp_pair(path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """One pix2pix facade pair -> (label map, photo), float32 (size, size, 3) in [0, 1]."""
    with Image.open(path) as image:
        pair = image.convert("RGB")
    width, height = pair.size
    if width != 2 * height:
        raise ValueError(
            f"{path} is {width} x {height} pixels; a pix2pix facade pair is twice as wide as "
            f"it is tall (photo left, label map right)."
        )
    photo = pair.crop((0, 0, height, height))
    label = pair.crop((height, 0, width, height))
    if height != size:
        photo = photo.resize((size, size), Image.Resampling.LANCZOS)
        label = label.resize((size, size), Image.Resampling.NEAREST)
    return np.asarray(label, dtype=np.float32) / 255.0, np.asarray(photo, dtype=np.float32) / 255.0


def load_cmp_facades(
    size: int = 256,
    split: str = "train",
    limit: int | None = None,
    folder: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Load pix2pix's real CMP facades: (labels, photos), float32 (N, size, size, 3) in [0, 1].

    Sizes as make_facades. folder=None reads the course's data folder (downloads.data_dir);
    download=True fetches the archive there first if it is missing. Introduced in notebook 04.
    """
    size = procedural.check_size(size, procedural_facades.MIN_SIZE, procedural_facades.MAX_SIZE)
    if split not in CMP_FACADES_SPLITS:
        raise ValueError(f"split must be one of {CMP_FACADES_SPLITS}, got {split!r}")
    if limit is not None and (not procedural.is_integer(limit) or limit < 1):
        raise ValueError(f"limit must be None or a positive integer, got {limit!r}")
    directory = _find_cmp_folder(folder, split, download)
    files = sorted(
        (p for p in directory.iterdir() if p.suffix.lower() in _CMP_SUFFIXES), key=_cmp_order
    )
    if not files:
        raise FileNotFoundError(f"No .jpg images in {directory}. " + _CMP_DOWNLOAD_HINT)
    files = files[:limit] if limit is not None else files
    labels = np.empty((len(files), size, size, 3), dtype=np.float32)
    photos = np.empty_like(labels)
    for index, path in enumerate(files):
        labels[index], photos[index] = _read_cmp_pair(path, size)
    return labels, np.clip(photos, 0.0, 1.0)
