"""The course's experiments: one module per notebook, over face splits they all share.

``splits`` holds what every notebook shares (the face splits, the default blur and its
fixed test draw), re-exported here as ``experiments.face_split``, ``experiments.DEFAULT_BLUR``
and so on. ``notebook02`` to ``notebook06`` each describe their notebook's runs once
(``runs(profile)``, as ``runs.Run`` data) and train one with ``train(run)``; ``budget`` joins
them, ``reference_runs`` publishes notebook 05's reference weights and ``summaries`` builds
the table that closes notebooks 02 to 06. Introduced in notebook 02; nothing runs on
import.
"""

from course_lib.experiments.splits import (
    DEFAULT_BLUR,
    SPLIT_SEEDS,
    TEST_BLUR_SEED,
    blurred_copy,
    face_split,
    faces_tag,
    has_groups,
)

__all__ = [
    "DEFAULT_BLUR",
    "SPLIT_SEEDS",
    "TEST_BLUR_SEED",
    "blurred_copy",
    "face_split",
    "faces_tag",
    "has_groups",
]
