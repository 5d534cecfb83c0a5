"""Notebook 06's runs: notebook 04's U-Net taught to restore in small steps (InDI, flow matching).

Each run fine-tunes a cached notebook 04 U-Net, given a state input whose first weights start
at zero, so that before training it restores exactly as that U-Net. ``runs(profile)``
describes them and ``train(run)`` loads or trains one. Introduced in notebook 06.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import blur, cache, iterative, models, training
from course_lib.experiments import notebook04
from course_lib.experiments.runs import Run, by_key
from course_lib.experiments.splits import blurred_copy, face_split
from course_lib.face_source import get_face_source
from course_lib.profiles import Profile

LEARNING_RATE = 1e-3  # the L1 U-Net's own rate, decayed linearly to 0. Findings seeds 1 and 11,
# the best perception / the L1 U-Net's: 0.270 and 0.322 against 0.333 and 0.379 at 5e-4
BETA_1 = 0.9
TRAINING_SEED = 6  # the pairs' order and the times and noise each step draws
EPOCHS_FACTOR = 1  # as many steps as the L1 U-Net trained. Laptop, course seed, rate 5e-4,
# fine-tuning steps against (one step's PSNR minus the L1 U-Net's, the best perception / the
# L1 U-Net's): 192: +0.34 dB, 0.66x; 384: +0.56 dB, 0.57x; 768: +0.83 dB, 0.34x; 1,536:
# +1.43 dB, 0.25x. Each step of the walk trains the mean too, so realism and a one-step answer
# level with the L1 U-Net's pull apart; at 768 the rate 1e-3 buys back most of 1,536's realism
UNKNOWN_SHARE = 4  # the unknown-blur run trains for a quarter of the main one's steps
UNKNOWN_STEP_COUNTS = (1, 2, 4, 8)  # its walks level off by 8 steps (laptop, bfloat16, perception
# 74.3, 63.2, 58.5, 56.8, 56.1, 55.8 at 1 to 32 steps, PSNR falling from 2 steps on): 16 and 32
# would cost three times the sampling of these four for 1.0 of perception
ONE_STEP = "iterative, 1 step (the mean)"
# Where a face keeps its most uncertain detail (notebook 06's spread map): boxes of
# (top, bottom, left, right) as fractions of the image, around both eyes and the mouth. On
# the procedural faces, where procedural.faces draws them; on photos, where the mean of
# UTKFace's aligned crops has them (its darkest rows: the eyes at 0.27, the mouth at 0.68).
FEATURE_BOXES = {"eyes": (0.36, 0.52, 0.22, 0.78), "mouth": (0.64, 0.80, 0.34, 0.66)}
PHOTO_FEATURE_BOXES = {"eyes": (0.20, 0.36, 0.22, 0.78), "mouth": (0.60, 0.76, 0.34, 0.66)}


def runs(profile: Profile) -> dict[str, Run]:
    """Notebook 06's iterative U-Nets, by key, in the order it trains them (notebook 06).

    One fine-tunes notebook 04's L1 U-Net on its pairs for as many steps as it trained; the
    other, notebook 04's U-Net for blur of unknown strength, on that blur for a quarter as many.
    """
    base = notebook04.runs(profile)
    l1, unknown = base["unet_l1"], base["unet_unknown_blur"]
    budget = dataclasses.replace(l1.budget, epochs=l1.budget.epochs * EPOCHS_FACTOR)
    tuning = dataclasses.replace(budget, train_count=budget.train_count // UNKNOWN_SHARE)
    settings = {"loss": "l2", "noise": iterative.NOISE, "lr": LEARNING_RATE,
                "seed": TRAINING_SEED, "method": "indi"}  # fmt: skip
    kind, model = "iterative U-Net", "unet_iterative"
    return by_key(
        Run("06", "iterative", "iterative U-Net (InDI, fine-tuning)", kind, budget, model,
            blur=l1.blur, settings=settings, start=l1),
        Run("06", "iterative_unknown_blur", "iterative U-Net for blur of unknown strength",
            kind, tuning, model, blur=unknown.blur, settings=settings, start=unknown),
    )  # fmt: skip


def _steps(budget: Profile) -> int:
    return max(1, budget.train_count // budget.batch_size)


def build(run: Run, regressor: keras.Model) -> iterative.IterativeRestorer:
    """The compiled IterativeRestorer of ``run``, its network starting as ``regressor``."""
    settings, budget = run.settings, run.budget
    model = iterative.IterativeRestorer(
        iterative.stepping_unet(regressor), settings["noise"], settings["seed"]
    )
    total = budget.epochs * _steps(budget)
    model.compile(optimizer=training.adam(settings["lr"], total, 0.0, beta_1=BETA_1))
    return model


def train(
    run: Run, verbose: str | int = "auto", callbacks: Sequence[keras.callbacks.Callback] = ()
) -> tuple[keras.Model, pd.DataFrame]:
    """Load or train one of notebook 06's iterative U-Nets; returns (network, history).

    The U-Net it starts from is loaded, or trained first (notebook 04's runs).
    """
    budget, name = run.budget, run.name
    regressor = notebook04.train(run.start, verbose)[0]
    validation_sharp = face_split(budget, "validation", count=max(budget.batch_size, 64))
    validation = (blurred_copy(validation_sharp, run.blur), validation_sharp)
    validation_pairs = tf.data.Dataset.from_tensor_slices(
        tuple(models.to_model_range(images) for images in validation)
    ).batch(budget.batch_size)

    def pairs() -> tf.data.Dataset:  # drawn only when the model must be trained
        sharp = face_split(budget, "train")
        return models.model_pairs(
            blur.make_pairs_dataset(
                sharp, run.blur, budget.batch_size, repeat=True, seed=run.settings["seed"]
            )
        )

    def built() -> iterative.IterativeRestorer:
        keras.utils.set_random_seed(run.settings["seed"])
        return build(run, regressor)

    networks, history = cache.train_or_load(
        name, built, pairs, budget.epochs, keep={name: "network"},
        validation_pairs=validation_pairs, steps_per_epoch=_steps(budget),
        callbacks=callbacks, verbose=verbose,
    )  # fmt: skip
    return networks[name], history


def restorations_by_steps(
    network: keras.Model,
    blurred: np.ndarray,
    step_counts: Sequence[int] = iterative.STEP_COUNTS,
    temperature: float = 1.0,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Restorations of ``blurred`` at each step count, by row name (notebook 06).

    One step starts from the blurred face itself: the posterior mean, the regressor's
    answer. More steps start from it plus ``temperature`` times the training noise.
    """
    rows = {}
    for steps in step_counts:
        name = ONE_STEP if steps == 1 else f"iterative, {steps} steps"
        rows[name] = iterative.sample(network, blurred, steps, temperature * (steps > 1), seed)
    return rows


def region_mask(image_size: int, boxes: Sequence[tuple[float, float, float, float]]) -> np.ndarray:
    """A boolean (H, W) mask that is True inside any of the fractional boxes."""
    mask = np.zeros((image_size, image_size), bool)
    for top, bottom, left, right in boxes:
        rows = slice(int(top * image_size), int(np.ceil(bottom * image_size)))
        columns = slice(int(left * image_size), int(np.ceil(right * image_size)))
        mask[rows, columns] = True
    return mask


def feature_boxes() -> dict[str, tuple[float, float, float, float]]:
    """The eye and mouth boxes of the faces in force: procedural ones or aligned photos."""
    return FEATURE_BOXES if get_face_source().procedural else PHOTO_FEATURE_BOXES


def spread_by_region(spread: np.ndarray) -> pd.Series:
    """Mean per-pixel spread in the eyes, the mouth and the rest of the face (notebook 06)."""
    size, boxes = spread.shape[-1], feature_boxes()
    masks = {name: region_mask(size, [box]) for name, box in boxes.items()}
    rest = ~region_mask(size, list(boxes.values()))
    values = {name: float(spread[..., mask].mean()) for name, mask in masks.items()}
    values["rest of the image"] = float(spread[..., rest].mean())
    return pd.Series(values, name="mean spread")
