"""Notebook 04's runs: the loss ladder from the DCGAN autoencoder's L2 to pix2pix's L1 + cGAN.

Three rungs restore the same blurred faces: the DCGAN autoencoder trained with L2 (notebook
02's cached model), a restoring U-Net trained with L1 alone, and that U-Net fine-tuned with
L1 plus a conditional 16-pixel PatchGAN. The paper's U-Net turns facade label maps into photos.
``runs(profile)`` describes every model it trains and ``train(run)`` loads or trains one
(``evaluation.ladder_table`` scores them). Introduced in notebook 04.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import baselines, blur, cache, metrics, models, patchgan, pix2pix, training, unet
from course_lib.experiments.runs import Run, by_key
from course_lib.experiments.splits import (
    DEFAULT_BLUR,
    SPLIT_SEEDS,
    blurred_copy,
    face_split,
)
from course_lib.procedural import facades
from course_lib.profiles import Profile

TRAINING_SEED = 4  # the U-Nets' initial weights and pair order, whichever model trains first
UNET_BATCH_SIZE = 16
UNET_LEARNING_RATE = 1e-3  # measured on the laptop: 5x pix2pix's 2e-4, decayed to 0
UNET_BETA_1 = 0.9  # Adam's default; pix2pix's 0.5 steadies the GAN rung, not a plain L1 fit
GAN_RECEPTIVE_FIELD = 16  # judges texture; at 64 px the paper's 70-pixel patch is the whole
# face, and against it the fine-tuned U-Net drew rainbow streaks over the eyes and mouth
# (exercise 4): at the course's seed (laptop, bfloat16) 0.37x the L1 U-Net's perception
# distance for -3.72 dB on one machine, 0.78x for -3.00 dB on another, where the 16-pixel rung
# gave 0.47x and 0.47x
GAN_GENERATOR_LEARNING_RATE = 1e-4  # half the paper's; the discriminator keeps its 2e-4
GAN_L1_WEIGHT = 30.0  # lambda: at the paper's 100 the fine-tuned U-Net's texture moved 0.55x to
# 0.73x of the way (three seeds); at 30 to 0.35x-0.39x for 0.2 dB of PSNR; at 10 further, for 0.7
# (measured when D still scored real and restored pairs in two calls; see pix2pix.Pix2Pix).
# With one call, at the course's seed (laptop, bfloat16), perception / the L1 U-Net's and the
# late D loss: lambda 10 0.44, 0.676; 30 0.47, 0.633; 50 0.51, 0.615; 100 0.67, 0.587. D's
# loss falls below 0.6 only where L1 holds G so near the average that the cGAN draws little.
# G's schedule tells the same (lambda 30): G's rate decayed to 0 after half the steps 0.54,
# 0.619, from the first step 0.59, 0.607; 192 steps of D alone first 0.51, 0.633. With G's
# rate held, D's loss levelled at 0.63 by the fifth of eight epochs; decayed from the first
# step, it kept falling, to 0.601 in the last epoch, as G drew less. A wider D leaves it there
# (bfloat16, another machine): 16, 32 and 64 filters gave late D losses 0.635, 0.633 and 0.630
# at perception ratios 0.475, 0.394 and 0.464 (PSNR 29.64, 29.53, 29.43; 64 trains 2.3x slower).
GAN_SHARE = 1  # the cGAN fine-tunes for as many steps as the L1 rung: a discriminator needs
# hundreds of steps to tell restored faces from sharp ones (at an eighth it stayed at ln 2).
# At half (384 steps, float32, one-call D) its perception distance was 0.649, 0.621 and 0.705
# of the L1 U-Net's over the findings' seeds 1, 11 and 21, against 0.514, 0.530 and 0.560.
FACADE_STYLE = "day"
# Every real photo's situation: a blur of unknown strength, drawn per image, and sensor noise
# of std 0.01 (2.6 grey levels). A Wiener filter must be handed one guessed sigma.
UNKNOWN_BLUR = blur.BlurSpec(kind="gaussian", sigma=(1.0, 3.0), noise=0.01)
WIENER_GUESSES = (1.0, 1.5, 2.0, 2.5, 3.0)
FINE_TUNE_LEARNING_RATE = 5e-4  # half the L1 rung's, decayed to 0: a start that already restores


def _ladder_budget(profile: Profile) -> Profile:
    """The restoring U-Net's L1 budget (notebook 04).

    Three sixteenths of the profile's faces for all its epochs, in batches of 16, with half
    its base filters: 768 steps on the laptop, where batches of 16 reached the PSNR of batches
    of 32 for half the computation, and longer runs gained little more.
    """
    batch_size = min(UNET_BATCH_SIZE, profile.batch_size)
    return dataclasses.replace(
        profile,
        train_count=max(batch_size, profile.train_count * 3 // 16),
        batch_size=batch_size,
        base_filters=max(4, profile.base_filters // 2),
    )


def _share(budget: Profile, divisor: int) -> Profile:
    """``budget`` with a ``divisor``-th of its images (at least one batch): a fine-tuning's."""
    return dataclasses.replace(
        budget, train_count=max(budget.batch_size, budget.train_count // divisor)
    )


def _facades_budget(profile: Profile) -> Profile:
    """The facade U-Nets' budget: an eighth of the faces' count, twice half the epochs, 3/4 filters.

    The paper's U-Net draws whole photos from label maps (notebook 04): with half these
    epochs its outputs were blurred window grids that ignored the layout. Laptop, test SSIM
    of the L1 and cGAN U-Nets: 32 filters 0.403 and 0.370; 24 0.391 and 0.350 in 0.54x the
    time; 16 0.339 and 0.328; 32 filters for 4 epochs 0.317 and 0.281.
    """
    return dataclasses.replace(
        _share(profile, 8),
        epochs=2 * max(1, profile.epochs // 2),
        base_filters=max(4, profile.base_filters * 3 // 4),
    )


def _settings(
    budget: Profile,
    adversarial: bool,
    l1_weight: float = pix2pix.L1_WEIGHT,
    patch: int = GAN_RECEPTIVE_FIELD,
    **more: object,
) -> Mapping[str, object]:
    """A U-Net run's settings; the PatchGAN's field and filters only with the cGAN."""
    settings = {"loss": "l1+cgan" if adversarial else "l1", "seed": SPLIT_SEEDS["train"],
                "l1_weight": float(l1_weight), "init": TRAINING_SEED, **more}  # fmt: skip
    if adversarial:
        settings.update(patch=patch, disc_filters=budget.base_filters)
    return _checked(settings)


def _checked(settings: Mapping[str, object]) -> Mapping[str, object]:
    """The settings, once pix2pix can build them: a positive lambda, a PatchGAN field it has."""
    if not settings["l1_weight"] > 0:
        raise ValueError(f"l1_weight (lambda) must be positive, got {settings['l1_weight']!r}.")
    patchgan.discriminator_spec(settings.get("patch", GAN_RECEPTIVE_FIELD))  # raises if none
    return settings


def runs(profile: Profile) -> dict[str, Run]:
    """Notebook 04's U-Nets, by key, in the order it trains them (notebook 04).

    The L1 U-Net trains on three sixteenths of the faces; the cGAN rungs fine-tune it for as
    many steps, and the U-Net for blur of unknown strength for a quarter of them. The
    facade U-Nets draw photos from label maps.
    """
    ladder, facades = _ladder_budget(profile), _facades_budget(profile)
    gan, tuning = _share(ladder, GAN_SHARE), _share(ladder, 4)
    restoring = {"model": "unet_restoring", "blur": DEFAULT_BLUR}
    l1 = Run("04", "unet_l1", "U-Net, L1", "restoring U-Net", ladder, **restoring,
             settings=_settings(ladder, False, lr=UNET_LEARNING_RATE))  # fmt: skip

    def cgan(key: str, title: str, l1_weight: float = GAN_L1_WEIGHT, **changes: object) -> Run:
        settings = _settings(gan, True, l1_weight, glr=GAN_GENERATOR_LEARNING_RATE, **changes)
        kind = "restoring U-Net + PatchGAN"
        return Run("04", key, title, kind, gan, **restoring, settings=settings, start=l1)

    def facade(key: str, title: str, kind: str, adversarial: bool) -> Run:
        settings = _settings(facades, adversarial, patch=70, style=FACADE_STYLE)
        return Run("04", key, title, kind, facades, "unet_facades", "facades", settings=settings)

    return by_key(
        l1,
        cgan("unet_cgan", "U-Net, L1 + cGAN (fine-tuning)"),
        cgan("unet_cgan_lambda100", "U-Net, L1 + cGAN, lambda 100", l1_weight=100.0),
        cgan("unet_cgan_lambda10", "U-Net, L1 + cGAN, lambda 10", l1_weight=10.0),
        Run("04", "unet_unknown_blur", "U-Net for blur of unknown strength (fine-tuning)",
            "restoring U-Net", tuning, "unet_restoring", blur=UNKNOWN_BLUR,
            settings=_settings(tuning, False, lr=FINE_TUNE_LEARNING_RATE), start=l1),
        facade("facades_l1", "facades U-Net, L1", "facades U-Net", False),
        facade("facades_cgan", "facades U-Net, L1 + cGAN", "facades U-Net + PatchGAN", True),
    )  # fmt: skip


def _steps(budget: Profile) -> int:
    return max(1, budget.train_count // budget.batch_size)


def builder(run: Run, start: keras.Model | None = None) -> Callable[[], pix2pix.Pix2Pix]:
    """The function that builds a U-Net run's compiled Pix2Pix, from ``start``'s weights if given.

    L1 alone decays its rate linearly to 0 (Adam beta_1 ``UNET_BETA_1``); the cGAN has a
    16-pixel PatchGAN, lambda 30 and half the paper's generator rate; the facade U-Nets keep the
    paper's settings.
    """
    budget, settings = run.budget, _checked(run.settings)
    adversarial = settings["loss"] == "l1+cgan"
    patch, l1_weight = settings.get("patch", GAN_RECEPTIVE_FIELD), settings["l1_weight"]

    def build() -> pix2pix.Pix2Pix:
        keras.utils.set_random_seed(settings["init"])
        if run.faces == "facades":  # the paper's U-Net: a photo is drawn, not corrected
            generator = unet.unet_generator(budget.image_size, budget.base_filters)
            return pix2pix.build_pix2pix(
                generator, patch, budget.base_filters, l1_weight, adversarial
            )
        generator = unet.restoring_unet(budget.image_size, budget.base_filters)
        if start is not None:
            generator.set_weights(start.get_weights())
        if adversarial:
            optimizer = training.adam(settings["glr"])
        else:
            steps = budget.epochs * _steps(budget)
            optimizer = training.adam(settings["lr"], steps, 0.0, beta_1=UNET_BETA_1)
        return pix2pix.build_pix2pix(
            generator, patch, budget.base_filters, l1_weight, adversarial,
            generator_optimizer=optimizer,
        )  # fmt: skip

    return build


def train(
    run: Run, verbose: str | int = "auto", callbacks: Sequence[keras.callbacks.Callback] = ()
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train one of notebook 04's U-Nets; returns (U-Net, history) (notebook 04).

    A run that fine-tunes another loads or trains that one first. Faces are blurred afresh
    every epoch; facades are (label map, photo) pairs.
    """
    name, budget = run.name, run.budget
    _checked(run.settings)  # before training the run it starts from
    start = None if run.start is None else train(run.start, verbose)[0]
    validation_count = max(budget.batch_size, 64)
    if run.faces == "facades":
        validation = facade_split(budget, "validation", count=validation_count)

        def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
            return facade_pairs(*facade_split(budget, "train"), budget.batch_size)

    else:
        validation_sharp = face_split(budget, "validation", count=validation_count)
        validation = (blurred_copy(validation_sharp, run.blur), validation_sharp)

        def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
            sharp = face_split(budget, "train")
            return models.model_pairs(
                blur.make_pairs_dataset(
                    sharp, run.blur, budget.batch_size, repeat=True, seed=run.settings["init"]
                )
            )

    validation_pairs = tf.data.Dataset.from_tensor_slices(
        tuple(models.to_model_range(images) for images in validation)
    ).batch(budget.batch_size)
    networks, history = cache.train_or_load(
        name,
        builder(run, start),
        pairs,
        budget.epochs,
        keep={name: "generator"},  # the discriminator only serves training
        validation_pairs=validation_pairs,
        steps_per_epoch=_steps(budget),
        callbacks=callbacks,
        verbose=verbose,
    )
    return networks[name], history


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
