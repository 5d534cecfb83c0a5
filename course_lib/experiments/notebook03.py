"""Notebook 03's runs: the DCGAN autoencoder on one population's studio portraits.

Each finding trains notebook 02's network on half the profile's faces, muted (grey
backgrounds and clothes), from one population or with another blur. Introduced in notebook 03.
"""

from __future__ import annotations

import dataclasses

import keras
import pandas as pd

from course_lib import blur, face_source
from course_lib.experiments import notebook02
from course_lib.experiments.splits import DEFAULT_BLUR
from course_lib.profiles import Profile

# Real photos (IMG2IMG_FACES) train in batches of 16 for 7 of every 8 epochs. On 1,492 real
# men's faces (utkface-dev, laptop, 4,096 images an epoch, Gaussian sigma 2) the gain on
# held-out men after 8 epochs was +0.19 dB with batches of 64 (+0.04 at a learning rate of
# 2e-3), +0.80 with 32 and +1.48 with 16; with 16, 6 epochs gave +1.01 dB in 94 s and 7 epochs
# +1.36 dB in 106 s, which keeps notebook 03 inside the laptop's 600 s on real faces.
REAL_FACES_BATCH_SIZE = 16
REAL_FACES_EPOCHS_SHARE = 7 / 8
# Procedural faces train in batches of 32 for half the epochs: as many steps as batches of 64
# for all of them, on half the images: each of the four models trained in 45 to 54 s instead
# of 90 to 93 s on one machine. In laptop runs of notebook 03 (4,096 muted faces, 512 steps,
# Gaussian sigma 2, 2026-12-02) the gains went from +1.32 to +1.08 dB on group 1, from +1.38
# to +1.15 dB on group 0 (never seen) and from +1.93 to +1.66 dB for the group-0 model; the
# Gaussian-only model trailed the resize model by 2.89 dB on pixelated faces (3.01 before).
PROCEDURAL_BATCH_SIZE = 32
PROCEDURAL_EPOCHS_SHARE = 1 / 2


def findings_budget(profile: Profile) -> Profile:
    """Notebook 03's budget: half the profile's faces, in smaller batches (notebook 03).

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


def train_muted_autoencoder(
    budget: Profile, spec: blur.BlurSpec = DEFAULT_BLUR, group: int = 1
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train the DCGAN autoencoder on one group's muted faces (notebook 03).

    Returns the model and its per-epoch history, like ``notebook02.train_autoencoder``.
    """
    return notebook02.train_autoencoder(budget, spec, group=group, muted=True)


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
