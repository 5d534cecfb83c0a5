"""What every notebook's experiments share: face splits, the default blur, fixed test pairs.

Train, validation and test faces come from different generator seeds, so no face is in two
splits, and evaluation faces are blurred with one fixed draw, so every model is scored on
the same pairs. Introduced in notebook 02.
"""

from __future__ import annotations

import numpy as np

from course_lib import blur
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

    ``muted`` greys backgrounds and clothes (studio portraits; notebook 03). Notebook 02.
    """
    if split not in SPLIT_SEEDS:
        raise ValueError(f"Unknown split {split!r}; choose one of {list(SPLIT_SEEDS)}.")
    if count is None:
        count = profile.train_count if split == "train" else profile.test_count
    return faces.make_faces(count, profile.image_size, SPLIT_SEEDS[split], group, muted)[0]


def blurred_copy(sharp: np.ndarray, spec: blur.BlurSpec = DEFAULT_BLUR) -> np.ndarray:
    """Blur evaluation faces with a fixed draw from ``spec`` (notebook 02)."""
    return blur.blur_batch(sharp, spec, TEST_BLUR_SEED).numpy()
