"""The experiments notebooks 02 and 03 share: face splits, test pairs and cached seed models.

Train, validation and test faces come from different generator seeds, so no face is in two
splits. A seed model's name spells out its whole configuration, so notebook 03 loads the
model notebook 02 trained instead of training it again. Introduced in notebook 02.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import blur, faces, models, training
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

    ``muted`` greys backgrounds and clothes (studio portraits; notebook 03).
    """
    if split not in SPLIT_SEEDS:
        raise ValueError(f"Unknown split {split!r}; choose one of {list(SPLIT_SEEDS)}.")
    if count is None:
        count = profile.train_count if split == "train" else profile.test_count
    return faces.make_faces(count, profile.image_size, SPLIT_SEEDS[split], group, muted)[0]


def blurred_copy(sharp: np.ndarray, spec: blur.BlurSpec = DEFAULT_BLUR) -> np.ndarray:
    """Blur evaluation faces with a fixed draw from ``spec`` (notebook 02)."""
    return blur.blur_batch(sharp, spec, TEST_BLUR_SEED).numpy()


def seed_model_name(
    profile: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    loss: str = "mse",
    group: int | None = None,
    train_count: int | None = None,
    epochs: int | None = None,
    muted: bool = False,
) -> str:
    """The cache name of a seed model trained with these settings (notebook 02)."""
    return training.run_name(
        model="seed_ae",
        image_size=profile.image_size,
        base_filters=profile.base_filters,
        loss=loss,
        blur=spec,
        train_count=train_count or profile.train_count,
        epochs=epochs or profile.epochs,
        batch_size=profile.batch_size,
        group=group,
        seed=SPLIT_SEEDS["train"],
        faces="muted" if muted else None,
    )


def train_seed_model(
    profile: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    loss: str = "mse",
    group: int | None = None,
    train_count: int | None = None,
    epochs: int | None = None,
    verbose: str | int = "auto",
    muted: bool = False,
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train the seed autoencoder on freshly blurred pairs every epoch (notebook 02).

    ``group`` trains on one population only (notebook 03); counts and epochs default to
    the profile's. Returns the model and its per-epoch history.
    """
    train_count = train_count or profile.train_count
    epochs = epochs or profile.epochs
    name = seed_model_name(profile, spec, loss, group, train_count, epochs, muted)
    sharp = face_split(profile, "train", group, train_count, muted)
    pairs = models.model_pairs(
        blur.make_pairs_dataset(sharp, spec, profile.batch_size, repeat=True)
    )
    validation_sharp = face_split(profile, "validation", group, max(profile.batch_size, 64), muted)
    validation = (
        models.to_model_range(blurred_copy(validation_sharp, spec)),
        models.to_model_range(validation_sharp),
    )
    validation_pairs = tf.data.Dataset.from_tensor_slices(validation).batch(profile.batch_size)

    def build() -> keras.Model:
        keras.utils.set_random_seed(SPLIT_SEEDS["train"])  # one config, one model, whoever trains
        return models.seed_autoencoder(profile.image_size, profile.base_filters)

    return training.train_or_load(
        name,
        build,
        pairs,
        epochs,
        loss,
        validation_pairs=validation_pairs,
        steps_per_epoch=max(1, train_count // profile.batch_size),
        verbose=verbose,
    )
