"""Notebook 03's runs: the DCGAN autoencoder on one population's studio portraits.

Each finding trains notebook 02's network on half the profile's faces, muted (grey
backgrounds and clothes), from one population or with another blur. Introduced in notebook 03.
"""

from __future__ import annotations

import dataclasses

import keras
import pandas as pd

from course_lib import blur
from course_lib.experiments import notebook02
from course_lib.experiments.splits import DEFAULT_BLUR
from course_lib.profiles import Profile


def findings_budget(profile: Profile) -> Profile:
    """Notebook 03's budget: half the profile's faces for all its epochs (notebook 03)."""
    return dataclasses.replace(profile, train_count=profile.train_count // 2)


def train_muted_autoencoder(
    budget: Profile, spec: blur.BlurSpec = DEFAULT_BLUR, group: int = 1
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train the DCGAN autoencoder on one group's muted faces (notebook 03).

    Returns the model and its per-epoch history, like ``notebook02.train_autoencoder``.
    """
    return notebook02.train_autoencoder(budget, spec, group=group, muted=True)
