"""Notebook 02's runs: the DCGAN autoencoder trained on blurred faces, cached by its settings.

A model's cache name spells out its whole configuration, so notebooks 03, 04 and 05 load
the model notebook 02 trained instead of training it again. Introduced in notebook 02.
"""

from __future__ import annotations

import keras
import pandas as pd
import tensorflow as tf

from course_lib import blur, models, training
from course_lib.experiments.splits import DEFAULT_BLUR, blurred_copy, face_split, faces_tag
from course_lib.profiles import Profile

# Measured on 4,096 faces x 8 epochs (512 steps): the original's constant Adam(2e-4) left the
# network 0.39 dB below its input; 1e-3 decaying linearly to 0 gained +0.86, +0.90 and +0.94 dB
# over three training seeds (5e-4: +0.50; 1e-3 with beta_1 0.9: +0.51).
LEARNING_RATE = 1e-3
TRAINING_SEED = 1  # the initial weights and the order of the pairs; the faces come from SPLIT_SEEDS


def autoencoder_name(
    profile: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    loss: str = "mse",
    group: int | None = None,
    train_count: int | None = None,
    epochs: int | None = None,
    muted: bool = False,
) -> str:
    """The cache name of a DCGAN autoencoder trained with these settings (notebook 02)."""
    return training.run_name(
        model="dcgan_ae",
        image_size=profile.image_size,
        base_filters=profile.base_filters,
        loss=loss,
        blur=spec,
        train_count=train_count or profile.train_count,
        epochs=epochs or profile.epochs,
        batch_size=profile.batch_size,
        group=group,
        seed=TRAINING_SEED,
        faces=faces_tag(profile, muted),
        lr=LEARNING_RATE,
    )


def train_autoencoder(
    profile: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    loss: str = "mse",
    group: int | None = None,
    train_count: int | None = None,
    epochs: int | None = None,
    verbose: str | int = "auto",
    muted: bool = False,
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train the DCGAN autoencoder on pairs blurred afresh every epoch (notebook 02).

    Adam(LEARNING_RATE, beta_1=0.5) decays linearly to 0 over the run (the original: 2e-4).

    ``group`` trains on one population only and ``muted`` on studio portraits (notebook 03);
    counts and epochs default to the profile's. Returns the model and its per-epoch history.
    """
    train_count = train_count or profile.train_count
    epochs = epochs or profile.epochs
    name = autoencoder_name(profile, spec, loss, group, train_count, epochs, muted)

    def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
        sharp = face_split(profile, "train", group, train_count, muted)
        return models.model_pairs(
            blur.make_pairs_dataset(
                sharp, spec, profile.batch_size, repeat=True, seed=TRAINING_SEED
            )
        )

    validation_sharp = face_split(profile, "validation", group, max(profile.batch_size, 64), muted)
    validation = (
        models.to_model_range(blurred_copy(validation_sharp, spec)),
        models.to_model_range(validation_sharp),
    )
    validation_pairs = tf.data.Dataset.from_tensor_slices(validation).batch(profile.batch_size)
    steps = max(1, train_count // profile.batch_size)

    def build() -> keras.Model:
        keras.utils.set_random_seed(TRAINING_SEED)  # one config, one model, whoever trains
        autoencoder = models.dcgan_autoencoder(profile.image_size, profile.base_filters)
        return training.compile_autoencoder(autoencoder, loss, LEARNING_RATE, steps * epochs)

    networks, history = training.train_or_load(
        name,
        build,
        pairs,
        epochs,
        validation_pairs=validation_pairs,
        steps_per_epoch=steps,
        verbose=verbose,
    )
    return networks[name], history
