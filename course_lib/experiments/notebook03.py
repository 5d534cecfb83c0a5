"""Notebook 03's runs: the DCGAN autoencoder on one population's studio portraits.

Each finding trains notebook 02's network on half the profile's faces, muted (grey
backgrounds and clothes), from one population or with another blur; ``train`` is notebook
02's. Introduced in notebook 03.
"""

from __future__ import annotations

import dataclasses

from course_lib import blur, face_source
from course_lib.experiments import notebook02
from course_lib.experiments.notebook02 import train
from course_lib.experiments.runs import Run, by_key
from course_lib.experiments.splits import DEFAULT_BLUR
from course_lib.profiles import Profile

__all__ = ["NO_GROUPS", "runs", "train", "verdict"]

# Real photos (IMG2IMG_FACES) train in batches of 16 for 7 of every 8 epochs: on real faces
# batches of 16 gained far more than 64, and 7 epochs keep notebook 03 inside the laptop's 600 s.
REAL_FACES_BATCH_SIZE = 16
REAL_FACES_EPOCHS_SHARE = 7 / 8
# Procedural faces train in batches of 32 for half the epochs: as many steps as batches of 64
# for all of them, on half the images, in half the time, for gains about a sixth smaller.
PROCEDURAL_BATCH_SIZE = 32
PROCEDURAL_EPOCHS_SHARE = 1 / 2


def _findings_budget(profile: Profile) -> Profile:
    """Half the profile's faces, in smaller batches (notebook 03).

    Procedural faces: batches of at most ``PROCEDURAL_BATCH_SIZE`` for
    ``PROCEDURAL_EPOCHS_SHARE`` of the epochs. Real photos: batches of ``REAL_FACES_BATCH_SIZE``
    (the same images make more steps) for ``REAL_FACES_EPOCHS_SHARE`` of the epochs.
    """
    budget = dataclasses.replace(profile, train_count=profile.train_count // 2)
    if face_source.get_face_source().procedural:
        return dataclasses.replace(
            budget,
            batch_size=min(budget.batch_size, PROCEDURAL_BATCH_SIZE),
            epochs=max(1, round(budget.epochs * PROCEDURAL_EPOCHS_SHARE)),
        )
    return dataclasses.replace(
        budget,
        batch_size=min(budget.batch_size, REAL_FACES_BATCH_SIZE),
        epochs=max(1, round(budget.epochs * REAL_FACES_EPOCHS_SHARE)),
    )


def runs(profile: Profile, groups_known: bool = True) -> dict[str, Run]:
    """Notebook 03's four autoencoders on muted faces, by key, in the order it trains them.

    "gaussian" trains on group 1 (on every face when ``groups_known`` is False),
    "gaussian_group0" on group 0; "resize" and "mixed" on group 1 with other blurs.
    """
    budget = _findings_budget(profile)
    group = 1 if groups_known else None
    resize = blur.BlurSpec(kind="resize", factor=4, method="nearest")
    mixed = blur.BlurSpec(kind="mixed", sigma=DEFAULT_BLUR.sigma, factor=4, method="nearest")

    def muted(key: str, what: str, spec: blur.BlurSpec, on: int | None) -> Run:
        title = f"autoencoder on muted faces, {what}"
        return notebook02.autoencoder_run(
            budget, spec, on, muted=True, notebook="03", key=key, title=title
        )

    return by_key(
        muted("gaussian", "group 1", DEFAULT_BLUR, group),
        muted("gaussian_group0", "group 0", DEFAULT_BLUR, 0),
        muted("resize", resize.describe(), resize, group),
        muted("mixed", "mixed blur", mixed, group),
    )


def verdict(margin: float, unit: str = "dB") -> str:
    """A finding's verdict in plain words: "holds (by 1.20 dB)" or "does not hold here, by ..."."""
    if margin > 0:
        return f"holds (by {margin:.2f} {unit})"
    return f"does not hold here, by {-margin:.2f} {unit}"


NO_GROUPS = (
    "These faces carry no population labels, so finding 1 cannot be measured: put a "
    "labels.csv beside the photos with a 'file' column and a 'gender' (male/female) or "
    "'group' (1/0) column, then run this notebook again. Findings 2 and 3 train on all faces."
)
