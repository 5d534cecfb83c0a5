"""Notebook 04's runs: the loss ladder from the DCGAN autoencoder's L2 to pix2pix's L1 + cGAN.

Three rungs restore the same blurred faces: the DCGAN autoencoder trained with L2 (notebook
02's cached model), a restoring U-Net trained with L1 alone, and that U-Net fine-tuned with
L1 plus a conditional PatchGAN. The paper's U-Net turns facade label maps into photos.
Budgets come from the profile and every model is cached under a name that spells out its
settings (``evaluation.ladder_table`` scores them). Introduced in notebook 04.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import baselines, blur, metrics, models, pix2pix, training
from course_lib.experiments.splits import (
    DEFAULT_BLUR,
    SPLIT_SEEDS,
    blurred_copy,
    face_split,
    faces_tag,
)
from course_lib.procedural import facades
from course_lib.profiles import Profile

TRAINING_SEED = 4  # the U-Nets' initial weights and pair order, whichever model trains first
UNET_BATCH_SIZE = 16
UNET_LEARNING_RATE = 1e-3  # measured on the laptop: 5x pix2pix's 2e-4, decayed to 0
UNET_BETA_1 = 0.9  # Adam's default; pix2pix's 0.5 steadies the GAN rung, not a plain L1 fit
GAN_RECEPTIVE_FIELD = 70  # the paper's PatchGAN; a 16-pixel one never beat ln 2 here
GAN_GENERATOR_LEARNING_RATE = 2e-5  # a tenth of the paper's: at 2e-4 the fine-tuned U-Net
# fell to 14 dB on the laptop within 64 steps; the discriminator keeps the paper's 2e-4
FACADE_STYLE = "day"
# Every real photo's situation: a blur of unknown strength, drawn per image, and sensor noise
# of std 0.01 (2.6 grey levels). A Wiener filter must be handed one guessed sigma.
UNKNOWN_BLUR = blur.BlurSpec(kind="gaussian", sigma=(1.0, 3.0), noise=0.01)
WIENER_GUESSES = (1.0, 1.5, 2.0, 2.5, 3.0)
FINE_TUNE_LEARNING_RATE = 5e-4  # half the L1 rung's, decayed to 0: a start that already restores


def autoencoder_budget(profile: Profile) -> Profile:
    """Rung 1's budget is notebook 02's, so the model notebook 02 trained is reused (notebook 04).

    With the same budget it has the same cache name, so it is loaded, not trained again.
    """
    return profile


def ladder_budget(profile: Profile) -> Profile:
    """The restoring U-Net's L1 budget (notebook 04).

    Three sixteenths of the profile's faces for all its epochs, in batches of 16, with half
    its base filters: 768 steps on the laptop, where batches of 16 reached the PSNR of batches
    of 32 for half the computation. A 1,024-step run's validation PSNR rose only 0.17 dB over
    its last 256 steps (29.81 to 29.98 dB, 2026-12-02), so the laptop trains three quarters.
    """
    batch_size = min(UNET_BATCH_SIZE, profile.batch_size)
    return dataclasses.replace(
        profile,
        train_count=max(batch_size, profile.train_count * 3 // 16),
        batch_size=batch_size,
        base_filters=max(4, profile.base_filters // 2),
    )


def gan_budget(budget: Profile) -> Profile:
    """The cGAN rung's fine-tuning of the L1 U-Net: an eighth of its steps (notebook 04)."""
    return dataclasses.replace(budget, train_count=max(budget.batch_size, budget.train_count // 8))


def unknown_blur_budget(budget: Profile) -> Profile:
    """Fine-tuning the L1 U-Net for blur of unknown strength: a quarter of its steps (nb 04)."""
    return dataclasses.replace(budget, train_count=max(budget.batch_size, budget.train_count // 4))


def facades_budget(profile: Profile) -> Profile:
    """The facade U-Nets' budget: an eighth of the profile's faces' count, twice half its epochs.

    The paper's U-Net draws whole photos from label maps (notebook 04): with half these
    epochs its outputs were blurred window grids that ignored the layout.
    """
    return dataclasses.replace(
        profile,
        train_count=max(profile.batch_size, profile.train_count // 8),
        epochs=2 * max(1, profile.epochs // 2),
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
    receptive_field: int = GAN_RECEPTIVE_FIELD,
) -> str:
    """The cache name of a deblurring U-Net trained with these settings (notebook 04).

    The cGAN rung is named with its fine-tuning budget and the L1 U-Net it starts from.
    """
    if adversarial:
        start = unet_name(budget, spec, adversarial=False)
        return _name(
            "unet_restoring", gan_budget(budget), True, l1_weight, receptive_field,
            blur=spec, start=training.name_digest(start), glr=GAN_GENERATOR_LEARNING_RATE,
            faces=faces_tag(budget),
        )  # fmt: skip
    return _name(
        "unet_restoring", budget, False, l1_weight, receptive_field,
        blur=spec, lr=UNET_LEARNING_RATE, faces=faces_tag(budget),
    )  # fmt: skip


def unknown_blur_name(budget: Profile) -> str:
    """The cache name of the L1 U-Net fine-tuned for blur of unknown strength (notebook 04)."""
    start = unet_name(budget, DEFAULT_BLUR, adversarial=False)
    return _name(
        "unet_restoring", unknown_blur_budget(budget), False, pix2pix.L1_WEIGHT, 70,
        blur=UNKNOWN_BLUR, start=training.name_digest(start), lr=FINE_TUNE_LEARNING_RATE,
        faces=faces_tag(budget),
    )  # fmt: skip


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


def _steps(budget: Profile) -> int:
    return max(1, budget.train_count // budget.batch_size)


def _train(
    name: str,
    build: Callable[[], pix2pix.Pix2Pix],
    budget: Profile,
    pairs: Callable[[], tf.data.Dataset],
    validation: tuple[np.ndarray, np.ndarray],
    verbose: str | int,
    callbacks: Sequence[keras.callbacks.Callback],
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a Pix2Pix and keep its generator under ``name``; ``pairs()`` only to train."""
    validation_pairs = tf.data.Dataset.from_tensor_slices(
        tuple(models.to_model_range(images) for images in validation)
    ).batch(budget.batch_size)
    networks, history = training.train_or_load(
        name,
        build,
        pairs,
        budget.epochs,
        keep={name: "generator"},  # the discriminator only serves training
        validation_pairs=validation_pairs,
        steps_per_epoch=_steps(budget),
        callbacks=callbacks,
        verbose=verbose,
    )
    return networks[name], history


def _l1_builder(
    budget: Profile,
    l1_weight: float,
    start: keras.Model | None = None,
    learning_rate: float = UNET_LEARNING_RATE,
) -> Callable[[], pix2pix.Pix2Pix]:
    """An L1 fit decaying linearly to 0: a fresh restoring U-Net, or ``start``'s weights."""

    def build() -> pix2pix.Pix2Pix:
        keras.utils.set_random_seed(TRAINING_SEED)
        generator = pix2pix.restoring_unet(budget.image_size, budget.base_filters)
        if start is not None:
            generator.set_weights(start.get_weights())
        optimizer = training.adam(
            learning_rate, budget.epochs * _steps(budget), 0.0, beta_1=UNET_BETA_1
        )
        return pix2pix.build_pix2pix(
            generator, 70, budget.base_filters, l1_weight, False, generator_optimizer=optimizer
        )

    return build


def _gan_builder(
    start: keras.Model, budget: Profile, l1_weight: float, receptive_field: int
) -> Callable[[], pix2pix.Pix2Pix]:
    """The cGAN rung: the trained L1 U-Net's weights, a fresh PatchGAN, a gentle generator."""

    def build() -> pix2pix.Pix2Pix:
        keras.utils.set_random_seed(TRAINING_SEED)
        generator = pix2pix.restoring_unet(budget.image_size, budget.base_filters)
        generator.set_weights(start.get_weights())
        optimizer = training.adam(GAN_GENERATOR_LEARNING_RATE)
        return pix2pix.build_pix2pix(
            generator,
            receptive_field,
            budget.base_filters,
            l1_weight,
            generator_optimizer=optimizer,
        )

    return build


def train_unet(
    budget: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    adversarial: bool = True,
    l1_weight: float = pix2pix.L1_WEIGHT,
    receptive_field: int = GAN_RECEPTIVE_FIELD,
    verbose: str | int = "auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a restoring U-Net on notebook 02's blur pairs (notebook 04).

    ``adversarial=False`` trains lambda * L1 alone on ``budget.train_count`` faces blurred
    afresh every epoch. The cGAN rung starts from that L1 U-Net (trained first if need be)
    and fine-tunes it against a PatchGAN with ``gan_budget(budget)``. Returns (U-Net, history).
    """
    name = unet_name(budget, spec, adversarial, l1_weight, receptive_field)
    if adversarial:
        start, _ = train_unet(budget, spec, adversarial=False, verbose=verbose)
        budget = gan_budget(budget)
        build = _gan_builder(start, budget, l1_weight, receptive_field)
    else:
        build = _l1_builder(budget, l1_weight)
    return _train_restorer(name, build, budget, spec, verbose, callbacks)


def train_unknown_blur_unet(
    budget: Profile,
    verbose: str | int = "auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or fine-tune the L1 U-Net for ``UNKNOWN_BLUR`` (notebook 04).

    Starts from the sigma-2 L1 U-Net (trained first if need be), as fine-tuning usually does,
    and trains ``unknown_blur_budget(budget)`` steps. Returns (U-Net, history).
    """
    start, _ = train_unet(budget, adversarial=False, verbose=verbose)
    tuning = unknown_blur_budget(budget)
    build = _l1_builder(tuning, pix2pix.L1_WEIGHT, start, FINE_TUNE_LEARNING_RATE)
    name = unknown_blur_name(budget)
    return _train_restorer(name, build, tuning, UNKNOWN_BLUR, verbose, callbacks)


def _train_restorer(
    name: str,
    build: Callable[[], pix2pix.Pix2Pix],
    budget: Profile,
    spec: blur.BlurSpec,
    verbose: str | int,
    callbacks: Sequence[keras.callbacks.Callback],
) -> tuple[keras.Model, pd.DataFrame]:
    """Train a restoring U-Net on training faces blurred afresh with ``spec`` every epoch."""

    def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
        sharp = face_split(budget, "train")
        return models.model_pairs(
            blur.make_pairs_dataset(sharp, spec, budget.batch_size, repeat=True, seed=TRAINING_SEED)
        )

    validation_sharp = face_split(budget, "validation", count=_validation_count(budget))
    validation = (blurred_copy(validation_sharp, spec), validation_sharp)
    return _train(name, build, budget, pairs, validation, verbose, callbacks)


def guessed_wiener(
    validation: tuple[np.ndarray, np.ndarray], guesses: Sequence[float]
) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Wiener restorers handed one guessed sigma each, balance tuned on (blurred, sharp).

    What a classical restorer can do when the blur's strength is unknown (notebook 04).
    """
    return {
        f"Wiener, guessed sigma {guess:g}": functools.partial(
            baselines.wiener_deblur,
            sigma=guess,
            balance=baselines.tune_wiener(*validation, guess)[0],
        )
        for guess in guesses
    }


def unknown_blur_psnr(profile: Profile, unet: keras.Model) -> dict[str, float]:
    """Mean PSNR on the profile's test faces under ``UNKNOWN_BLUR`` (notebook 04).

    Of the blurred input, of the best of the ``WIENER_GUESSES`` (balances tuned on 64
    validation faces) and of ``unet``.
    """
    sharp = face_split(profile, "test")
    blurred = blurred_copy(sharp, UNKNOWN_BLUR)
    validation = face_split(profile, "validation", count=64)
    guesses = guessed_wiener((blurred_copy(validation, UNKNOWN_BLUR), validation), WIENER_GUESSES)

    def psnr(images: np.ndarray) -> float:
        return float(metrics.psnr(sharp, images).mean())

    return {
        "blurred input": psnr(blurred),
        "best guessed Wiener": max(psnr(restore(blurred)) for restore in guesses.values()),
        "U-Net": psnr(models.restore(unet, blurred)),
    }


def psnr_by_true_sigma(
    sharp: np.ndarray,
    restorers: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    sigmas: Sequence[float],
    noise: float = UNKNOWN_BLUR.noise,
) -> pd.DataFrame:
    """Mean PSNR of the blurred input and each restorer at each true sigma (notebook 04)."""
    rows = {}
    for sigma in sigmas:
        blurred = blurred_copy(sharp, blur.BlurSpec(sigma=float(sigma), noise=noise))
        row = {"blurred input": float(metrics.psnr(sharp, blurred).mean())}
        for name, restore in restorers.items():
            row[name] = float(metrics.psnr(sharp, restore(blurred)).mean())
        rows[float(sigma)] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "true sigma"
    return table


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
    verbose: str | int = "auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train a U-Net that turns facade label maps into photos (notebook 04).

    Trained on ``budget.train_count`` procedural day facades, like pix2pix's CMP Facades
    experiment. Returns (generator, history).
    """
    name = facades_name(budget, adversarial, l1_weight, receptive_field)
    validation = facade_split(budget, "validation", count=_validation_count(budget))

    def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
        return facade_pairs(*facade_split(budget, "train"), budget.batch_size)

    def build() -> pix2pix.Pix2Pix:  # the paper's U-Net: a photo is drawn, not corrected
        keras.utils.set_random_seed(TRAINING_SEED)
        generator = pix2pix.unet_generator(budget.image_size, budget.base_filters)
        return pix2pix.build_pix2pix(
            generator, receptive_field, budget.base_filters, l1_weight, adversarial
        )

    return _train(name, build, budget, pairs, validation, verbose, callbacks)
