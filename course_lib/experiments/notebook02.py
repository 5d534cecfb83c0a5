"""Notebook 02's run: the DCGAN autoencoder trained on blurred faces, cached by its settings.

A run's cache name spells out its whole configuration, so notebooks 03, 04 and 05 load
the model notebook 02 trained instead of training it again. Introduced in notebook 02.
"""

from __future__ import annotations

import keras
import pandas as pd
import tensorflow as tf

from course_lib import blur, cache, models, training
from course_lib.experiments.runs import Run, by_key
from course_lib.experiments.splits import DEFAULT_BLUR, blurred_copy, face_split
from course_lib.profiles import Profile

# On a laptop budget the original's constant Adam(2e-4) left the network below its input;
# 1e-3 decaying linearly to 0 beat it for every training seed tried (and 5e-4, and beta_1 0.9).
LEARNING_RATE = 1e-3
TRAINING_SEED = 1  # the initial weights and the order of the pairs; the faces come from SPLIT_SEEDS


def autoencoder_run(
    budget: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    group: int | None = None,
    muted: bool = False,
    *,
    notebook: str = "02",
    key: str = "autoencoder",
    title: str = "DCGAN autoencoder, L2",
) -> Run:
    """The DCGAN autoencoder trained with L2 on ``budget`` (notebook 02; notebook 03 reuses it).

    ``group`` trains on one population only and ``muted`` on studio portraits (notebook 03).
    """
    return Run(
        notebook, key, title, "autoencoder", budget, "dcgan_ae",
        faces="muted faces" if muted else "faces", group=group, blur=spec,
        settings={"loss": "mse", "seed": TRAINING_SEED, "lr": LEARNING_RATE},
    )  # fmt: skip


def runs(profile: Profile) -> dict[str, Run]:
    """Notebook 02's one run, the autoencoder at the profile's budget, by its key."""
    return by_key(autoencoder_run(profile))


def train(run: Run, verbose: str | int = "auto") -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a DCGAN autoencoder run on pairs blurred afresh every epoch (notebook 02).

    Adam(lr, beta_1=0.5) decays linearly to 0 over the run (the original: a constant 2e-4).
    Returns the model and its per-epoch history.
    """
    budget, seed, muted = run.budget, run.settings["seed"], run.faces == "muted faces"
    name = run.name

    def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
        sharp = face_split(budget, "train", run.group, budget.train_count, muted)
        return models.model_pairs(
            blur.make_pairs_dataset(sharp, run.blur, budget.batch_size, repeat=True, seed=seed)
        )

    validation_sharp = face_split(
        budget, "validation", run.group, max(budget.batch_size, 64), muted
    )
    validation = (
        models.to_model_range(blurred_copy(validation_sharp, run.blur)),
        models.to_model_range(validation_sharp),
    )
    validation_pairs = tf.data.Dataset.from_tensor_slices(validation).batch(budget.batch_size)
    steps = max(1, budget.train_count // budget.batch_size)

    def build() -> keras.Model:
        keras.utils.set_random_seed(seed)  # one config, one model, whoever trains
        autoencoder = models.dcgan_autoencoder(budget.image_size, budget.base_filters)
        return training.compile_autoencoder(
            autoencoder, run.settings["loss"], run.settings["lr"], steps * budget.epochs
        )

    networks, history = cache.train_or_load(
        name,
        build,
        pairs,
        budget.epochs,
        validation_pairs=validation_pairs,
        steps_per_epoch=steps,
        verbose=verbose,
    )
    return networks[name], history
