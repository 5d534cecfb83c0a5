"""Where the course's faces come from: procedural portraits by default, or real photos.

``IMG2IMG_FACES`` chooses them: ``procedural`` (the default, offline), a path to an image
folder (an optional labels.csv with a ``file`` column; a ``gender`` or ``group`` column gives
the two populations), ``utkface:PATH``, ``wiki_crop[:PATH]`` or ``lfw``. Real faces are split
into train, validation and test by a hash of each file name, so adding files never moves a
face between splits. Nothing is read on import. Introduced in notebook 02.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from course_lib import datasets, images, settings
from course_lib.downloads import data_dir
from course_lib.settings import FACES_VARIABLE

__all__ = [
    "FaceSource",
    "RealFaces",
    "describe_faces",
    "get_face_source",
    "hash_split",
    "load_real_faces",
    "parse_face_source",
]

KINDS = ("procedural", "folder", "utkface", "wiki_crop", "lfw")
SPLIT_FRACTIONS = {"test": 0.15, "validation": 0.10}  # the rest trains
# Group 1 plays the original's training population (men), group 0 the other (women); a
# labels.csv may give them directly in a 'group' column instead.
GENDER_GROUPS = {"male": 1, "m": 1, "man": 1, "men": 1, "female": 0, "f": 0, "woman": 0, "women": 0}
_CHOICES = "procedural, a folder path, utkface:PATH, wiki_crop, wiki_crop:PATH or lfw"


@dataclass(frozen=True)
class FaceSource:
    """One choice of faces: its kind and, for real photos, where they are (notebook 02)."""

    kind: str = "procedural"
    path: Path | None = None

    @property
    def procedural(self) -> bool:
        return self.kind == "procedural"

    def __str__(self) -> str:
        return self.kind if self.path is None else f"{self.kind}:{self.path}"


def parse_face_source(text: str) -> FaceSource:
    """Read a face choice such as "procedural", "utkface:~/UTKFace" or a folder path.

    An empty text means ``procedural``. A path must exist. Notebook 02.
    """
    text = text.strip()
    if text in ("", "procedural"):
        return FaceSource()
    if text == "lfw":
        return FaceSource("lfw")
    if text == "wiki_crop":
        return FaceSource("wiki_crop")
    kind, colon, rest = text.partition(":")
    if colon and kind in ("utkface", "wiki_crop", "folder"):
        return FaceSource(kind, _existing_folder(rest, text))
    return FaceSource("folder", _existing_folder(text, text))


def _existing_folder(path: str, text: str) -> Path:
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ValueError(
            f"{FACES_VARIABLE}={text!r}: '{folder}' is not a folder (absolute: "
            f"{folder.absolute()}). Set {FACES_VARIABLE} to one of: {_CHOICES}; "
            f"for example {FACES_VARIABLE}=procedural, or a folder of face photos."
        )
    return folder.resolve()


def get_face_source() -> FaceSource:
    """The faces in force: those ``IMG2IMG_FACES`` chose (``settings.current()``, notebook 02)."""
    return parse_face_source(settings.current().faces)


def hash_split(file_name: str) -> str:
    """The split of one file: "test", "validation" or "train", from a hash of its name.

    Only the name counts, so adding or removing other files never moves this one. Notebook 02.
    """
    position = _hash_position(file_name)
    if position < SPLIT_FRACTIONS["test"]:
        return "test"
    if position < SPLIT_FRACTIONS["test"] + SPLIT_FRACTIONS["validation"]:
        return "validation"
    return "train"


def _hash_position(file_name: str) -> float:
    """A stable number in [0, 1) for a file name (its path separators made '/')."""
    key = file_name.replace("\\", "/").encode()
    return int(hashlib.sha256(key).hexdigest()[:12], 16) / 16**12


@dataclass(frozen=True, repr=False)
class RealFaces:
    """Real face photos with their split, population (1, 0 or -1: unknown) and a digest."""

    images: np.ndarray
    files: tuple[str, ...]
    splits: np.ndarray
    groups: np.ndarray
    digest: str
    source: str

    def __repr__(self) -> str:
        return f"<RealFaces: {len(self.files)} faces from {self.source}, digest {self.digest}>"

    @property
    def has_groups(self) -> bool:
        """Whether both populations are labelled, so notebook 03's transfer can run."""
        return bool((self.groups == 0).any() and (self.groups == 1).any())

    def select(self, split: str, group: int | None = None, count: int | None = None) -> np.ndarray:
        """Up to ``count`` faces of a split (and population), in a stable hash order."""
        keep = self.splits == split
        if group is not None:
            if not self.has_groups:
                raise ValueError(
                    f"The faces from {self.source} have no population labels, so group="
                    f"{group} cannot be chosen. Put a labels.csv beside the photos with a "
                    f"'file' column and a 'gender' (male/female) or 'group' (1/0) column."
                )
            keep &= self.groups == group
        chosen = np.flatnonzero(keep)
        return self.images[chosen[:count]]


def _groups(labels) -> np.ndarray:
    """Population per image from a 'group' (0/1) or 'gender' column; -1 where unknown."""
    if "group" in labels.columns:
        values = labels["group"].to_numpy()
        column = "group"
        mapping = {0: 0, 1: 1, "0": 0, "1": 1}
    elif "gender" in labels.columns:
        values = labels["gender"].astype(str).str.strip().str.lower().to_numpy()
        column = "gender"
        mapping = GENDER_GROUPS
    else:
        return np.full(len(labels), -1, dtype=np.int8)
    groups = np.array([mapping.get(value, -1) for value in values], dtype=np.int8)
    odd = sorted({str(v) for v, g in zip(values, groups, strict=True) if g < 0 and pd.notna(v)})
    if odd and column == "group":
        raise ValueError(
            f"The 'group' column must hold 0 or 1 (1: the population the findings train on); "
            f"found {odd[:5]}. Use a 'gender' column with male/female instead, or recode it."
        )
    return groups


def _load(source: FaceSource, size: int) -> images.ImageSet:
    if source.kind == "folder":
        csv = source.path / "labels.csv"
        return images.load_image_folder(source.path, size, csv if csv.is_file() else None)
    if source.kind == "utkface":
        return datasets.load_utkface(source.path, size)
    if source.kind == "wiki_crop":
        return datasets.load_wiki_crop(source.path or _downloaded_wiki_crop(), size)
    if source.kind == "lfw":
        return datasets.load_lfw(size)  # says how to download it when it is missing
    raise ValueError(f"Unknown face source {source.kind!r}; choose one of {KINDS}.")


def _downloaded_wiki_crop() -> Path:
    """The wiki_crop folder ``fetch_known("wiki_crop")`` unpacked; the notebooks never download."""
    for folder in (data_dir() / "wiki_crop" / "wiki_crop", data_dir() / "wiki_crop"):
        if (folder / "wiki.mat").is_file():
            return folder
    raise FileNotFoundError(
        f"wiki_crop is not in the data folder {data_dir()}. Download it once (about 800 MB) "
        "with: .venv/bin/python -c 'from course_lib import downloads; "
        'downloads.fetch_known("wiki_crop", trust_first_download=True)\' '
        "(compare the digest it prints with a source you trust), or use wiki_crop:PATH."
    )


@functools.lru_cache(maxsize=4)
def load_real_faces(source: FaceSource, size: int) -> RealFaces:
    """Load a real face source once per session, split by file-name hash (notebook 02)."""
    if source.procedural:
        raise ValueError("Procedural faces are generated, not loaded: use face_split.")
    loaded = _load(source, size)
    files = [str(name) if name is not None else f"{index}" for index, name in
             enumerate(loaded.labels["file"])]  # fmt: skip
    order = np.argsort([_hash_position(name) for name in files], kind="stable")
    labels = loaded.labels.iloc[order].reset_index(drop=True)
    files = [files[i] for i in order]
    digest = hashlib.sha256(
        "\n".join(files).encode() + labels.drop(columns="file").to_csv().encode()
    ).hexdigest()[:8]
    return RealFaces(
        images=loaded.images[order],
        files=tuple(files),
        splits=np.array([hash_split(name) for name in files]),
        groups=_groups(labels),
        digest=digest,
        source=str(source),
    )


def describe_faces(source: FaceSource, size: int) -> str:
    """One line: which faces are in use, how many and from where (notebook 02)."""
    if source.procedural:
        return "Faces: procedural portraits, generated by seed (set IMG2IMG_FACES for real ones)"
    faces = load_real_faces(source, size)
    splits = ("train", "validation", "test")
    counts = {split: int((faces.splits == split).sum()) for split in splits}
    groups = (
        f"group 1 {int((faces.groups == 1).sum())}, group 0 {int((faces.groups == 0).sum())}"
        if faces.has_groups
        else "no population labels"
    )
    split_text = ", ".join(f"{key} {value}" for key, value in counts.items())
    return (
        f"Faces: {len(faces.files)} real photos ({source.kind}) from {faces.source}; "
        f"{split_text}; {groups}; digest {faces.digest}"
    )
