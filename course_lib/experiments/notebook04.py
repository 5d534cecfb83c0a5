"""Notebook 04's runs: the loss ladder from the DCGAN autoencoder's L2 to pix2pix's L1 + cGAN.

Three rungs restore the same blurred faces: the DCGAN autoencoder trained with L2 (notebook
02's cached model), the pix2pix U-Net trained with L1 alone, and the U-Net trained with L1
plus a conditional PatchGAN. The same U-Net also learns to turn facade label maps into
photos. Budgets come from the profile and every model is cached under a name that spells out
its settings (``evaluation.ladder_table`` scores them). Introduced in notebook 04.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import blur, models, pix2pix, training
from course_lib.experiments.splits import DEFAULT_BLUR, SPLIT_SEEDS, blurred_copy, face_split
from course_lib.procedural import facades
from course_lib.profiles import Profile

TRAINING_SEED = 4  # every U-Net starts from the same weights, whichever model trains first
FACADE_STYLE = "day"


def autoencoder_budget(profile: Profile) -> Profile:
    """Rung 1's budget is notebook 02's, so the model notebook 02 trained is reused (notebook 04).

    With the same budget it has the same cache name, so it is loaded, not trained again.
    """
    return profile


def ladder_budget(profile: Profile) -> Profile:
    """The U-Nets' budget: a quarter of the profile's faces for half its epochs (notebook 04).

    That is an eighth of the training images notebook 02's autoencoder saw; a pix2pix step
    costs two to three times an autoencoder step on a CPU (the discriminator trains too).
    """
    return dataclasses.replace(
        profile,
        train_count=max(profile.batch_size, profile.train_count // 4),
        epochs=max(1, profile.epochs // 2),
    )


def facades_budget(profile: Profile) -> Profile:
    """Half the ladder budget's facades for twice its epochs, so as many steps (notebook 04).

    Each facade is seen twice as often as each face: with the ladder's epochs (half the
    steps) the outputs were blurred window grids that ignored the layout.
    """
    budget = ladder_budget(profile)
    return dataclasses.replace(
        budget,
        train_count=max(profile.batch_size, budget.train_count // 2),
        epochs=2 * budget.epochs,
    )


def _check_settings(l1_weight: float, receptive_field: int) -> None:
    if not l1_weight > 0:
        raise ValueError(f"l1_weight (lambda) must be positive, got {l1_weight!r}.")
    pix2pix.discriminator_spec(receptive_field)  # raises for a field with no stack


def _name(
    model: str, budget: Profile, adversarial: bool, l1_weight: float, receptive_field: int, **data
) -> str:
    """A run name with every setting that changes training; patch settings only with a GAN."""
    _check_settings(l1_weight, receptive_field)
    return training.run_name(
        model=model,
        image_size=budget.image_size,
        base_filters=budget.base_filters,
        loss="l1+cgan" if adversarial else "l1",
        train_count=budget.train_count,
        epochs=budget.epochs,
        batch_size=budget.batch_size,
        seed=SPLIT_SEEDS["train"],
        l1_weight=float(l1_weight),
        patch=receptive_field if adversarial else None,
        disc_filters=budget.base_filters if adversarial else None,
        init=TRAINING_SEED,
        **data,
    )


def unet_name(
    budget: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    adversarial: bool = True,
    l1_weight: float = pix2pix.L1_WEIGHT,
    receptive_field: int = 70,
) -> str:
    """The cache name of a deblurring U-Net trained with these settings (notebook 04)."""
    return _name("unet", budget, adversarial, l1_weight, receptive_field, blur=spec)


def facades_name(
    budget: Profile,
    adversarial: bool = True,
    l1_weight: float = pix2pix.L1_WEIGHT,
    receptive_field: int = 70,
) -> str:
    """The cache name of a labels-to-photo U-Net trained with these settings (notebook 04)."""
    return _name(
        "unet_facades", budget, adversarial, l1_weight, receptive_field, style=FACADE_STYLE
    )


def _builder(
    budget: Profile, adversarial: bool, l1_weight: float, receptive_field: int
) -> Callable[[], pix2pix.Pix2Pix]:
    """A compiled Pix2Pix around a U-Net of the budget's size, from the same start every time."""

    def build() -> pix2pix.Pix2Pix:
        keras.utils.set_random_seed(TRAINING_SEED)
        generator = pix2pix.unet_generator(budget.image_size, budget.base_filters)
        return pix2pix.build_pix2pix(
            generator, receptive_field, budget.base_filters, l1_weight, adversarial
        )

    return build


def _train(
    name: str,
    budget: Profile,
    pairs: tf.data.Dataset,
    validation: tuple[np.ndarray, np.ndarray],
    adversarial: bool,
    l1_weight: float,
    receptive_field: int,
    verbose: str | int,
    callbacks: Sequence[keras.callbacks.Callback],
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a Pix2Pix and keep its generator under ``name``."""
    validation_pairs = tf.data.Dataset.from_tensor_slices(
        tuple(models.to_model_range(images) for images in validation)
    ).batch(budget.batch_size)
    networks, history = training.train_or_load(
        name,
        _builder(budget, adversarial, l1_weight, receptive_field),
        pairs,
        budget.epochs,
        keep={name: "generator"},  # the discriminator only serves training
        validation_pairs=validation_pairs,
        steps_per_epoch=max(1, budget.train_count // budget.batch_size),
        callbacks=callbacks,
        verbose=verbose,
    )
    return networks[name], history


def train_unet(
    budget: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    adversarial: bool = True,
    l1_weight: float = pix2pix.L1_WEIGHT,
    receptive_field: int = 70,
    verbose: str | int = 0,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a deblurring U-Net on notebook 02's blur pairs (notebook 04).

    The faces are the first ``budget.train_count`` of notebook 02's training faces, blurred
    afresh every epoch; ``adversarial=False`` trains with lambda * L1 alone. The discriminator
    has ``budget.base_filters`` base filters. Returns (generator, history).
    """
    name = unet_name(budget, spec, adversarial, l1_weight, receptive_field)
    sharp = face_split(budget, "train")
    pairs = models.model_pairs(blur.make_pairs_dataset(sharp, spec, budget.batch_size, repeat=True))
    validation_sharp = face_split(budget, "validation", count=_validation_count(budget))
    validation = (blurred_copy(validation_sharp, spec), validation_sharp)
    return _train(
        name, budget, pairs, validation, adversarial, l1_weight, receptive_field, verbose, callbacks
    )


def _validation_count(budget: Profile) -> int:
    return max(budget.batch_size, 64)


def facade_split(
    profile: Profile, split: str, count: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(label maps, photos) of one split of the procedural facades, in [0, 1] (notebook 04).

    Splits use the face splits' seeds, so no facade is in two splits; counts default to the
    profile's train or test count.
    """
    if split not in SPLIT_SEEDS:
        raise ValueError(f"Unknown split {split!r}; choose one of {list(SPLIT_SEEDS)}.")
    if count is None:
        count = profile.train_count if split == "train" else profile.test_count
    labels, photos, _ = facades.make_facades(
        count, profile.image_size, SPLIT_SEEDS[split], FACADE_STYLE
    )
    return labels, photos


def facade_pairs(labels: np.ndarray, photos: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """(label map, photo) batches in [-1, 1], shuffled, repeating forever (notebook 04)."""
    pairs = (models.to_model_range(labels), models.to_model_range(photos))
    dataset = tf.data.Dataset.from_tensor_slices(pairs).repeat()
    dataset = dataset.shuffle(min(len(labels), 10_000), seed=0)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def train_facades_pix2pix(
    budget: Profile,
    adversarial: bool = True,
    l1_weight: float = pix2pix.L1_WEIGHT,
    receptive_field: int = 70,
    verbose: str | int = 0,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a U-Net that turns facade label maps into photos (notebook 04).

    Trained on ``budget.train_count`` procedural day facades, like pix2pix's CMP Facades
    experiment. Returns (generator, history).
    """
    name = facades_name(budget, adversarial, l1_weight, receptive_field)
    labels, photos = facade_split(budget, "train")
    validation = facade_split(budget, "validation", count=_validation_count(budget))
    pairs = facade_pairs(labels, photos, budget.batch_size)
    return _train(
        name, budget, pairs, validation, adversarial, l1_weight, receptive_field, verbose, callbacks
    )
