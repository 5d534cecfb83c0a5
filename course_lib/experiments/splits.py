"""What every notebook's experiments share: face splits, the default blur, fixed test pairs.

Procedural train, validation and test faces come from different generator seeds, and real
faces (``IMG2IMG_FACES``, see course_lib.face_source) are split by a hash of the file name, so
no face is in two splits. Evaluation faces are blurred with one fixed draw, so every model is
scored on the same pairs. Introduced in notebook 02.
"""

from __future__ import annotations

import functools

import numpy as np

from course_lib import blur, face_source
from course_lib.procedural import faces
from course_lib.profiles import Profile

SPLIT_SEEDS = {"train": 1, "validation": 2, "test": 3}
DEFAULT_BLUR = blur.BlurSpec(kind="gaussian", sigma=2.0)  # the original experiment's blur
TEST_BLUR_SEED = (2024, 0)  # a fixed draw, so every model is scored on the same pairs


def face_split(
    profile: Profile,
    split: str,
    group: int | None = None,
    count: int | None = None,
    muted: bool = False,
) -> np.ndarray:
    """Sharp faces of one split ("train", "validation" or "test"), sized by the profile.

    The faces ``IMG2IMG_FACES`` chooses; a real source gives at most the faces it has.
    ``muted`` greys procedural backgrounds and clothes (studio portraits; notebook 03); real
    photos are used as they are. Notebook 02.
    """
    if split not in SPLIT_SEEDS:
        raise ValueError(f"Unknown split {split!r}; choose one of {list(SPLIT_SEEDS)}.")
    if count is None:
        count = profile.train_count if split == "train" else profile.test_count
    source = face_source.get_face_source()
    if not source.procedural:
        return face_source.load_real_faces(source, profile.image_size).select(split, group, count)
    if split != "train":  # every notebook scores on the same held-out faces: draw them once
        return _held_out_faces(count, profile.image_size, SPLIT_SEEDS[split], group, muted).copy()
    return faces.make_faces(count, profile.image_size, SPLIT_SEEDS[split], group, muted)[0]


@functools.lru_cache(maxsize=16)
def _held_out_faces(
    count: int, image_size: int, seed: int, group: int | None, muted: bool
) -> np.ndarray:
    """Procedural validation or test faces, drawn once per process and kept read-only."""
    images = faces.make_faces(count, image_size, seed, group, muted)[0]
    images.setflags(write=False)
    return images


def faces_tag(profile: Profile, muted: bool = False) -> str | None:
    """The faces' part of a cache name: None for the default faces, so their names stay.

    Real faces give their source and a digest of their file list, so models trained on
    different data never load in place of each other (notebook 02).
    """
    source = face_source.get_face_source()
    if source.procedural:
        return "muted" if muted else None
    return f"{source.kind}-{face_source.load_real_faces(source, profile.image_size).digest}"


def has_groups(profile: Profile) -> bool:
    """Whether the chosen faces carry the two populations notebook 03 compares."""
    source = face_source.get_face_source()
    return source.procedural or face_source.load_real_faces(source, profile.image_size).has_groups


def blurred_copy(sharp: np.ndarray, spec: blur.BlurSpec = DEFAULT_BLUR) -> np.ndarray:
    """Blur evaluation faces with a fixed draw from ``spec`` (notebook 02)."""
    return blur.blur_batch(sharp, spec, TEST_BLUR_SEED).numpy()
