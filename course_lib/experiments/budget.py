"""The course's budget: every model it trains, its steps, batch and expected time.

Each notebook's module describes its runs; this one joins them all, so that a learner sees
what a profile costs before running it. A run's expected time is its training FLOPs
over the throughput its kind of network reached on a 200-GFLOP/s machine. Notebook 01.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd

from course_lib import iterative, models, patchgan, resnet, unet
from course_lib.experiments import (
    notebook02,
    notebook03,
    notebook04,
    notebook05,
    notebook06,
)
from course_lib.experiments.runs import Run
from course_lib.profiles import Profile

REFERENCE_GFLOPS = 200.0
TRAINING_FLOPS_PER_FORWARD = 3  # a forward pass and a backward pass that costs about two
# The share of 200 GFLOP/s each kind of training reached in laptop courses on a machine of
# that matmul peak. GANs run their discriminators more than once a step and CycleGAN's small
# layers keep the cores idle.
EFFICIENCY = {
    "autoencoder": 0.79,
    "restoring U-Net": 0.75,
    "restoring U-Net + PatchGAN": 0.47,
    "facades U-Net": 0.60,
    "facades U-Net + PatchGAN": 0.47,
    "CycleGAN": 0.17,
    "CycleGAN, U-Net G and learned-blur F": 0.27,
    "iterative U-Net": 0.75,
}


@functools.cache
def forward_flops(kind: str, image_size: int, base_filters: int, blocks: int = 0) -> int:
    """Convolution FLOPs of one image through every network a training step of ``kind`` runs."""
    count = models.count_conv_flops
    if kind == "autoencoder":
        return count(models.dcgan_autoencoder(image_size, base_filters))
    if kind.startswith("restoring U-Net"):
        generator = count(unet.restoring_unet(image_size, base_filters))
    elif kind == "iterative U-Net":  # the restoring U-Net with its state stacked on the image
        return count(unet.restoring_unet(image_size, base_filters,
                                         state_channels=iterative.STATE_CHANNELS))  # fmt: skip
    elif kind.startswith("facades U-Net"):
        generator = count(unet.unet_generator(image_size, base_filters))
    elif kind == "CycleGAN, U-Net G and learned-blur F":
        generator = count(unet.restoring_unet(image_size, base_filters))
        critic = count(patchgan.patch_discriminator(image_size, base_filters))
        return generator + 2 * critic  # F, one kernel, costs next to nothing
    elif kind.startswith("CycleGAN"):
        generator = resnet.resnet_generator(image_size, base_filters, blocks, upsampling="resize")
        generator = count(generator)
        critic = count(patchgan.patch_discriminator(image_size, base_filters))
        return 2 * (generator + critic)  # G and F, and a discriminator for each domain
    else:
        raise ValueError(f"Unknown kind {kind!r}; choose one of {list(EFFICIENCY)}.")
    if kind.endswith("PatchGAN"):
        generator += count(
            patchgan.patch_discriminator(image_size, base_filters, target_channels=3)
        )
    return generator


def expected_seconds(run: Run) -> float:
    """The run's training time on a 200-GFLOP/s machine, from its FLOPs and kind."""
    budget = run.budget
    blocks = int(run.settings.get("blocks", 0))  # CycleGAN's residual blocks
    flops = forward_flops(run.kind, budget.image_size, budget.base_filters, blocks)
    total = TRAINING_FLOPS_PER_FORWARD * flops * budget.batch_size * run.steps
    return total / (REFERENCE_GFLOPS * 1e9 * EFFICIENCY[run.kind])


def course_runs(profile: Profile) -> list[Run]:
    """Every model notebooks 02-06 train with ``profile``, in the order they train them."""
    notebooks = (notebook02, notebook03, notebook04, notebook05, notebook06)
    return [run for notebook in notebooks for run in notebook.runs(profile).values()]


def budget_table(profile: Profile, notebook: str | None = None) -> pd.DataFrame:
    """One row per model trained: steps, batch, images seen and expected seconds (at 200 GFLOP/s).

    ``notebook`` ("02" to "06") keeps that notebook's rows; a last row sums them.
    """
    runs = [run for run in course_runs(profile) if notebook in (None, run.notebook)]
    if not runs:
        raise ValueError(f"No models are trained in notebook {notebook!r}; use '02' to '06'.")
    table = pd.DataFrame(
        {
            "notebook": [run.notebook for run in runs],
            "model": [run.title for run in runs],
            "steps": [run.steps for run in runs],
            "batch": [run.budget.batch_size for run in runs],
            "filters": [run.budget.base_filters for run in runs],
            "expected_s": [round(expected_seconds(run), 1) for run in runs],
        }
    )
    total = {"notebook": "all", "model": "total", "steps": table.steps.sum(), "batch": "",
             "filters": "", "expected_s": table.expected_s.sum()}  # fmt: skip
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def speed_against_budget(profile: Profile, trained_seconds: Sequence[float]) -> float:
    """How many times as fast as the table's 200-GFLOP/s machine this machine trained.

    ``trained_seconds`` holds the time of every model ``course_runs(profile)`` lists, as a
    course run with an empty model cache prints them ("Trained N steps in T s.").
    """
    runs = course_runs(profile)
    if len(trained_seconds) != len(runs) or sum(trained_seconds) <= 0:
        raise ValueError(
            f"{len(trained_seconds)} training times for the {len(runs)} models of the "
            f"{profile.name} budget; time a course run whose model cache starts empty "
            "(benchmarks/course_runtime.py --fresh) on the procedural faces."
        )
    return sum(expected_seconds(run) for run in runs) / sum(trained_seconds)
