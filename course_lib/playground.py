"""The playground: choose a blur, a network and a loss, train for a minute, watch it learn.

``train_restorer`` is the pure function under notebook 04's playground widget
(``widgets.playground``): it trains a fresh network on pairs blurred afresh at every step and
reports snapshots (losses so far, the shown faces restored, their PSNR) as it goes.
Introduced in notebook 04.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import keras
import numpy as np
import pandas as pd

from course_lib import baselines, blur, metrics, models, pix2pix, training, unet

NETWORKS = ("DCGAN autoencoder", "restoring U-Net")
LOSSES = ("L2", "L1", "L1 + cGAN")
BATCH_SIZE = 16
LEARNING_RATE = 1e-3  # what notebooks 02 and 04 measured for short CPU budgets


@dataclasses.dataclass
class Snapshot:
    """The state of a playground run after ``step`` steps."""

    step: int
    losses: pd.DataFrame  # one row per step so far: step and the training loss
    restored: np.ndarray  # the shown faces, restored by the network as it is now
    psnr: float  # their mean PSNR against the sharp faces, in dB


def build_restorer(
    network: str, loss: str, image_size: int, base_filters: int, steps: int
) -> keras.Model:
    """A fresh, compiled restorer: ``network`` from NETWORKS trained with ``loss`` from LOSSES.

    The generator learns at LEARNING_RATE, decaying linearly to 0 over ``steps``.
    """
    if network not in NETWORKS:
        raise ValueError(f"Unknown network {network!r}; choose one of {NETWORKS}.")
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {LOSSES}.")
    if network == NETWORKS[0]:
        generator = models.dcgan_autoencoder(image_size, base_filters)
    else:
        generator = unet.restoring_unet(image_size, base_filters)
    if loss != "L1 + cGAN":
        return training.compile_autoencoder(
            generator, "mse" if loss == "L2" else "mae", LEARNING_RATE, steps
        )
    optimizer = training.adam(LEARNING_RATE, steps, constant_fraction=0.0)
    return pix2pix.build_pix2pix(generator, 16, base_filters, generator_optimizer=optimizer)


def oracle(blurred: np.ndarray, sharp: np.ndarray, spec: blur.BlurSpec) -> np.ndarray | None:
    """Wiener handed the true Gaussian kernel, its balance tuned on these faces; None for resize.

    A resize blur is not a convolution, so it has no such oracle.
    """
    if spec.kind != "gaussian" or isinstance(spec.sigma, tuple):
        return None
    balance, _ = baselines.tune_wiener(blurred, sharp, spec.sigma)
    return baselines.wiener_deblur(blurred, spec.sigma, balance)


class _Snapshots(keras.callbacks.Callback):
    """At the chosen steps, restore the shown faces and hand a Snapshot on."""

    def __init__(
        self, at: set[int], shown_sharp, shown_blurred, report: Callable[[Snapshot], None]
    ) -> None:
        super().__init__()
        self.at, self.report = at, report
        self.shown_sharp, self.shown_blurred = shown_sharp, shown_blurred
        self.steps = training.StepLosses()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if len(self.steps.rows) not in self.at:  # self.steps has already logged this step
            return
        table = self.steps.table()
        losses = pd.DataFrame({"step": table.step, "loss": table.get("gen_l1", table.get("loss"))})
        restored = models.restore(self.model, self.shown_blurred)
        score = float(metrics.psnr(self.shown_sharp, restored).mean())
        self.report(Snapshot(len(table), losses, restored, score))


def train_restorer(
    model: keras.Model,
    train_sharp: np.ndarray,
    shown_sharp: np.ndarray,
    spec: blur.BlurSpec,
    steps: int,
    snapshots: int = 8,
    report: Callable[[Snapshot], None] | None = None,
    seed: int = 0,
) -> list[Snapshot]:
    """Train ``model`` for ``steps`` steps on ``train_sharp`` blurred by ``spec``.

    ``snapshots`` times along the way, the shown faces (blurred with a fixed draw) are
    restored and scored; each Snapshot goes to ``report`` as it is made. Returns them all.
    """
    if steps < 1 or snapshots < 1:
        raise ValueError(f"steps and snapshots must be >= 1, got {steps} and {snapshots}.")
    keras.utils.set_random_seed(seed)
    pairs = models.model_pairs(blur.make_pairs_dataset(train_sharp, spec, BATCH_SIZE, repeat=True))
    shown_blurred = blur.blur_batch(shown_sharp, spec, (seed, 1)).numpy()
    made: list[Snapshot] = []

    def keep(snapshot: Snapshot) -> None:
        made.append(snapshot)
        if report is not None:
            report(snapshot)

    at = {math.ceil(k * steps / snapshots) for k in range(1, snapshots + 1)}  # the last: steps
    watcher = _Snapshots(at, shown_sharp, shown_blurred, keep)
    model.fit(
        pairs,
        epochs=1,
        steps_per_epoch=steps,  # exactly the steps asked for
        callbacks=[watcher.steps, watcher],  # in this order: the losses first, then the report
        shuffle=False,  # the pairs pipeline shuffles itself
        verbose=0,
    )
    return made
