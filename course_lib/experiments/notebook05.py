"""Notebook 05's runs: CycleGANs on unpaired faces and facades, and the pitfalls' scores.

``runs(profile)`` describes both CycleGANs (budgets and settings) beside the two unpaired
pairs of domains they train on, and ``train(run)`` loads or trains one: changing notebook
05's budget means changing this file. ``reference_runs`` publishes the longer runs the
course ships. Introduced in notebook 05.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd

from course_lib import (
    baselines,
    blur,
    cache,
    colour,
    cyclegan,
    evaluation,
    learned_blur,
    models,
    resnet,
    training,
    unet,
)
from course_lib.experiments.runs import Run, by_key
from course_lib.experiments.splits import DEFAULT_BLUR, SPLIT_SEEDS, blurred_copy, face_split
from course_lib.procedural import facades
from course_lib.profiles import Profile

RESIDUAL_BLOCKS = {"smoke": 1, "laptop": 3, "full": 6}  # the paper: 6 at 128 px, 9 at 256 px
BATCH_SIZE = 16  # CycleGAN trains on single images; small batches give more steps per image
FACADE_STYLES = ("day", "night")  # domain A, domain B of the second unpaired pair
TRAINING_SEED = 1  # the deblurring CycleGAN's initial weights; the faces come from SPLIT_SEEDS
DEBLUR_EPOCHS = 2  # times the CycleGAN budget's epochs: G's PSNR still rose at 256 laptop steps
# and stayed +2.3 to +3.3 dB above its input from 320 to 768 (two seeds, GAN weight 0.1)
# The deblurring G's Adam rate: 2.5x the paper's 2e-4, decayed to 0, as notebook 04's U-Net
# also learned faster than at 2e-4. It moves the learned blur's kernel too.
DEBLUR_GENERATOR_LEARNING_RATE = 5e-4
# G's GAN term at 3% of the paper's weight, so the cycle (pairs that F makes) leads, as L1
# leads in pix2pix. Laptop, 512 steps: at 0.1 G gained +1.93 dB over its input and drew
# rainbow speckles over the eyes (colour artefact 4.33 grey levels); at 0.03, +3.56 dB, 3.28,
# clean faces. At the paper's 1, +1.30 and +1.95 dB (two seeds, 768 steps). With no GAN term
# on G, 3.22; with D_B at 16 pixels, 3.25; with no cycle gradient into F, 3.32: each above the
# blurred input's own 3.10. The L1 U-Net's 2.89 is a budget's, not the pairs': on true pairs at
# G's 512 steps at 5e-4 a U-Net scored 27.85 dB, 3.17 (G: 27.86, 3.28), at 768 steps 28.63,
# 3.08 (G: 28.55, 3.16), at 1024 steps 29.11, 2.99 (G: 28.89, 3.08). G's falls by about 0.1
# per 256 steps, so 2.89 would take about 1,500 steps, 3x the course's. The L1 U-Net's is 768
# steps at 1e-3, a rate at which G gained only +0.96 dB in 512 steps (F's kernel sigma 2.03).
# benchmarks/colour_artefact_budget.py.
# An average of G's weights over its last steps (decay 0.98 to 0.998) took the colour artefact
# only to 3.27, 3.24, 3.16 and 3.15 while PSNR fell to 27.82, 27.66, 26.45 and 24.44 dB.
DEBLUR_GAN_G_WEIGHT = 0.03
DEBLUR_KIND = "CycleGAN, U-Net G and learned-blur F"  # its key in budget.EFFICIENCY
# The facades run's two CPU changes, as notebook 04 made the U-Net's: both Adam rates 10x the
# paper's 2e-4 (still constant for half the steps, then decayed to 0), and batches of 4 (as
# many photos, 4x the steps). Laptop, seed 1, gains over the colour grade (PSNR dB, SSIM),
# day -> night / night -> day: the paper's settings +0.80, -0.047 / +1.66, -0.065 and F(night)
# colour noise; rate 1e-3 +0.55, -0.018 / +1.64, +0.023; 2e-3 +0.69, -0.014 / +0.93, +0.014;
# 2e-3 in batches of 8 +1.73, +0.016 / +1.63, +0.036; of 4 +1.76, +0.037 / +1.42, +0.023, and
# both rows show buildings (2e-3 in 8s with identity weight 1: +0.58, +0.004 / +1.46, +0.024;
# 1e-3 in 4s: +0.79, -0.006 / +1.57, +0.014). Over seeds 1, 2, 3 in batches of 4 the SSIM
# gains were +0.037, +0.023, +0.006 and +0.023, +0.005, -0.006: the PSNR gains held (+1.0 to
# +1.8 dB), the SSIM gains did not.
FACADE_LEARNING_RATE = 10 * training.LEARNING_RATE
FACADE_BATCH_SIZE = 4


def residual_blocks(profile: Profile) -> int:
    """The generators' residual blocks for a profile: few on a CPU, the paper's 6 on a GPU."""
    return RESIDUAL_BLOCKS.get(profile.name, RESIDUAL_BLOCKS["full"])


def _cyclegan_budget(profile: Profile) -> Profile:
    """Notebook 05's CycleGAN budget: images per domain, epochs, filters and batch size.

    An eighth of the profile's faces per domain for half its epochs, half its base filters
    and batches of 16: on 2 CPU cores the four networks train about 15 image pairs a second.
    """
    batch_size = min(BATCH_SIZE, profile.batch_size)
    return dataclasses.replace(
        profile,
        train_count=max(batch_size, profile.train_count // 8),
        epochs=max(1, profile.epochs // 2),
        base_filters=max(4, profile.base_filters // 2),
        batch_size=batch_size,
    )


def _deblur_budget(profile: Profile) -> Profile:
    """The deblurring CycleGAN's budget: the CycleGAN budget, trained twice as long (notebook 05).

    Its G is notebook 04's U-Net and its F a single kernel, so a step costs less than the
    paper's four-network step; 512 steps on the laptop.
    """
    budget = _cyclegan_budget(profile)
    return dataclasses.replace(budget, epochs=DEBLUR_EPOCHS * budget.epochs)


def _facades_budget(profile: Profile, batch_size: int | None = None) -> Profile:
    """The CycleGAN budget's photos per domain for three quarters of its epochs (notebook 05).

    3,072 photos per domain on the laptop: 192 steps of 16 at the paper's rate, after which
    F(night) was colour noise, or 768 steps of ``FACADE_BATCH_SIZE``, the course's.
    """
    budget = _cyclegan_budget(profile)
    batch_size = min(batch_size or budget.batch_size, budget.batch_size)
    return dataclasses.replace(budget, epochs=max(1, 3 * budget.epochs // 4), batch_size=batch_size)


def _steps(budget: Profile) -> int:
    return max(1, budget.train_count // budget.batch_size)


def _resnet_settings(budget: Profile, **more: object) -> dict[str, object]:
    """The paper's CycleGAN settings, with generators that upsample by resizing."""
    return {"seed": SPLIT_SEEDS["train"], "blocks": residual_blocks(budget),
            "identity": cyclegan.IDENTITY_WEIGHT, "disc_lr": training.LEARNING_RATE,
            "gen": "resize", **more}  # fmt: skip


def runs(profile: Profile) -> dict[str, Run]:
    """Notebook 05's two CycleGANs, by key, in the order it trains them (notebook 05).

    "cyclegan_deblur": G is notebook 04's U-Net and F a learned blur, on unpaired faces;
    "cyclegan_facades": the paper's pair of ResNet generators, day <-> night facades.
    """
    deblur = _deblur_budget(profile)
    deblur_settings = {
        "seed": TRAINING_SEED,
        "gen": "unet_learnedblur",
        "glr": DEBLUR_GENERATOR_LEARNING_RATE,
        "gan_g": DEBLUR_GAN_G_WEIGHT,
    }
    return by_key(
        Run("05", "cyclegan_deblur", "CycleGAN, blurred <-> sharp", DEBLUR_KIND, deblur,
            "cyclegan_deblur", blur=DEFAULT_BLUR, settings=deblur_settings),
        _facades_run(profile, FACADE_BATCH_SIZE, FACADE_LEARNING_RATE),
    )  # fmt: skip


def _facades_run(profile: Profile, batch_size: int | None, learning_rate: float) -> Run:
    budget = _facades_budget(profile, batch_size)
    settings = _resnet_settings(budget, style="daytonight", disc_lr=learning_rate)
    if learning_rate != training.LEARNING_RATE:
        settings["glr"] = learning_rate  # the paper's runs' names stay as they were
    return Run("05", "cyclegan_facades", "CycleGAN, day <-> night facades", "CycleGAN",
               budget, "cyclegan_facades", "facades", settings=settings)  # fmt: skip


def paper_facades_run(profile: Profile) -> Run:
    """The facades run at the paper's Adam rate, 2e-4, in batches of 16 (notebook 05).

    The shipped reference and pitfall runs train it longer (``reference_runs``).
    """
    return _facades_run(profile, None, training.LEARNING_RATE)


def resnet_deblur_run(profile: Profile) -> Run:
    """Exercise 2's run: the paper's ResNet generators on the deblurring faces (notebook 05)."""
    budget = _deblur_budget(profile)
    return Run("05", "cyclegan_resnet_deblur", "CycleGAN, blurred <-> sharp, ResNet generators",
               "CycleGAN", budget, "cyclegan_deblur", blur=DEFAULT_BLUR,
               settings=_resnet_settings(budget))  # fmt: skip


def inverse_name(name: str) -> str:
    """The cache name of F, kept beside G's (notebook 05)."""
    return f"{name}-inverse"


def deblur_domains(
    budget: Profile, spec: blur.BlurSpec = DEFAULT_BLUR
) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired domains from 2 x ``train_count`` training faces, in [0, 1] (notebook 05).

    A: the first half, blurred. B: the second half, sharp. No face is in both.
    """
    sharp = face_split(budget, "train", count=2 * budget.train_count)
    half = len(sharp) // 2  # real faces may number fewer than asked for
    return blurred_copy(sharp[:half], spec), sharp[half:]


def _read_only(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays, made read-only: a cached result must not be changed in place."""
    for array in arrays:
        array.setflags(write=False)
    return arrays


@functools.lru_cache(maxsize=2)  # training and each scoring reuse them: 7 s a call on the laptop
def facade_domains(budget: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired day (A) and night (B) photos of different procedural buildings (notebook 05).

    Read-only: copy them (``np.array(day)``) to change them.
    """
    count, half = 2 * budget.train_count, budget.train_count
    seed = SPLIT_SEEDS["train"]
    day = facades.make_facades(count, budget.image_size, seed, "day")[1][:half]
    night = facades.make_facades(count, budget.image_size, seed, "night")[1][half:]
    return _read_only(day, night)


@functools.lru_cache(maxsize=2)
def facade_test_pairs(profile: Profile, count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Held-out day and night photos of the same buildings, for scoring (notebook 05).

    Read-only, like ``facade_domains``.
    """
    count = profile.test_count if count is None else count
    seed = SPLIT_SEEDS["test"]
    return _read_only(
        *(facades.make_facades(count, profile.image_size, seed, s)[1] for s in FACADE_STYLES)
    )


def score_facades(
    profile: Profile, budget: Profile, generator_ab: keras.Model, generator_ba: keras.Model
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """G(day) and F(night) on held-out buildings against the true other style (notebook 05).

    Beside each: doing nothing, and the first thing a learner would try, matching each colour
    channel's mean and spread to the other domain's training photos. Returns the table, with
    psnr_gain over doing nothing, and every output by its row name.
    """
    test_day, test_night = facade_test_pairs(profile)
    train_day, train_night = facade_domains(budget)  # what the CycleGAN saw
    outputs = {
        "night: do nothing (the day photo)": test_day,
        "night: match night's channel statistics": baselines.match_channel_statistics(
            test_day, train_day, train_night
        ),
        "night: G(day)": models.restore(generator_ab, test_day),
        "day: do nothing (the night photo)": test_night,
        "day: match day's channel statistics": baselines.match_channel_statistics(
            test_night, train_night, train_day
        ),
        "day: F(night)": models.restore(generator_ba, test_night),
    }
    tables = [
        evaluation.evaluate(
            truth,
            {name: images for name, images in outputs.items() if name.startswith(style)},
            baseline=f"{style}: do nothing (the {other} photo)",
        )
        for style, other, truth in (("night", "day", test_night), ("day", "night", test_day))
    ]
    return pd.concat(tables), outputs


def train_cyclegan(
    name: str,
    build: Callable[[], cyclegan.CycleGAN],
    domain_a: np.ndarray,
    domain_b: np.ndarray,
    epochs: int,
    batch_size: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: str | int = "auto",
    steps_per_epoch: int | None = None,
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load the finished G and F called ``name``, or train them on two piles of images (nb 05).

    ``build()`` returns a compiled CycleGAN; an epoch is ``steps_per_epoch`` batches (default:
    one pass over ``domain_a``). The per-step losses are kept too (``cache.load_steps``).
    Returns (G, F, history).
    """
    steps_file = cache.run_dir_for(name) / training.STEPS_FILE
    networks, history = cache.train_or_load(
        name,
        build,
        # Made after build(), which seeds the random generators the shuffles start from.
        lambda: cyclegan.unpaired_dataset(domain_a, domain_b, batch_size),
        epochs,
        keep={inverse_name(name): "generator_ba", name: "generator_ab"},  # G last: the marker
        run_files=[training.STEPS_FILE],
        steps_per_epoch=steps_per_epoch or max(1, len(domain_a) // batch_size),
        callbacks=[*callbacks, training.StepLosses(steps_file)],
        verbose=verbose,
    )
    return networks[name], networks[inverse_name(name)], history


def deblur_generators(budget: Profile) -> tuple[keras.Model, keras.Model]:
    """G: notebook 04's restoring U-Net; F: a learned blur kernel, started at sigma 1 (nb 05)."""
    return (
        unet.restoring_unet(budget.image_size, budget.base_filters),
        learned_blur.blur_generator(budget.image_size),
    )


def build(run: Run) -> cyclegan.CycleGAN:
    """The compiled CycleGAN of a run (notebook 05).

    The deblurring run: U-Net G, learned-blur F, no identity loss. A blur keeps every colour's
    mean, so the cycle F(G(a)) = a already ties G's colours to its input, and |F(a) - a| would
    only pull the kernel back toward no blur at all. G's GAN term weighs ``gan_g``. Any other
    run: the paper's ResNet generators with the run's settings.
    """
    budget, settings = run.budget, run.settings
    total_steps = budget.epochs * _steps(budget)
    if run.kind == DEBLUR_KIND:
        return cyclegan.build_cyclegan(
            budget.image_size, budget.base_filters, 0, total_steps=total_steps,
            identity_weight=0.0, seed=settings["seed"],
            make_generators=lambda: deblur_generators(budget),
            generator_learning_rate=settings["glr"], gan_g_weight=settings["gan_g"],
            receptive_field=settings.get("patch", 70),
        )  # fmt: skip
    network = generator_network(run)
    return cyclegan.build_cyclegan(
        network.pop("image_size"), network.pop("base_filters"), network.pop("residual_blocks"),
        total_steps=total_steps, identity_weight=settings["identity"],
        discriminator_learning_rate=settings["disc_lr"], seed=settings["seed"],
        generator_learning_rate=settings.get("glr", training.LEARNING_RATE), **network,
    )  # fmt: skip


def generator_network(run: Run) -> dict[str, object]:
    """The arguments of ``resnet.resnet_generator`` that rebuild a ResNet run's G or F (nb 05).

    Its ``gen`` setting names a residual generator and the upsampling, e.g. "residual_resize".
    """
    budget, settings = run.budget, run.settings
    parts = str(settings.get("gen") or "").split("_")
    network = {
        "image_size": budget.image_size,
        "base_filters": budget.base_filters,
        "residual_blocks": settings["blocks"],
        "normalization": settings.get("norm", "instance"),
        "upsampling": next((part for part in parts if part in resnet.UPSAMPLINGS), "transpose"),
    }
    if "residual" in parts:
        network["residual"] = True
    return network


def train(
    run: Run, verbose: str | int = "auto", callbacks: Sequence[keras.callbacks.Callback] = ()
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load or train a run's G: A -> B and F: B -> A; returns (G, F, history) (notebook 05).

    Faces: A blurred, B sharp, never the same face. Facades: A day, B night photos.
    """
    budget = run.budget
    if run.faces == "facades":
        domains = facade_domains(budget)
    else:
        domains = deblur_domains(budget, run.blur)
    return train_cyclegan(
        run.name, lambda: build(run), *domains, budget.epochs, budget.batch_size, callbacks,
        verbose=verbose, steps_per_epoch=_steps(budget),
    )  # fmt: skip


def late_losses(entry: Mapping[str, object], fraction: float = 0.25) -> dict[str, float]:
    """A shipped run's mean discriminator and generator GAN losses over its last steps."""
    losses = pd.DataFrame(entry["losses"])
    last = losses[losses.step > entry["steps"] * (1 - fraction)]
    return {
        "discriminator loss, last quarter": float(last[["disc_a", "disc_b"]].to_numpy().mean()),
        "generator GAN loss, last quarter": float(last[["gan_g", "gan_f"]].to_numpy().mean()),
    }


PITFALL_SPREAD = "run-to-run spread"  # the score table's row: |baseline - second seed|


def score_pitfalls(
    profile: Profile, references: Mapping[str, tuple[keras.Model, Mapping]]
) -> tuple[pd.DataFrame, dict[str, dict[str, np.ndarray]]]:
    """Each pitfall F on held-out buildings: night to day, and a day photo kept (nb 05).

    ``references`` is ``load_pitfall_references()``. F(day) should return a photo already
    in daylight unchanged: its PSNR and colour shift from that photo say how far F strays. A
    last row holds the run-to-run spread. Returns the table and each run's outputs.
    """
    test_day, test_night = facade_test_pairs(profile)
    rows, outputs = {}, {}
    for label, (generator, entry) in references.items():
        made = {"F(night)": models.restore(generator, test_night),
                "F(day)": models.restore(generator, test_day)}  # fmt: skip
        scores = evaluation.evaluate(test_day, made)
        kept = colour.colour_shift(test_day, made["F(day)"]).mean()
        rows[label] = {
            "F(night) PSNR": scores.loc["F(night)", "psnr_mean"],
            "F(night) SSIM": scores.loc["F(night)", "ssim_mean"],
            "F(day) PSNR": scores.loc["F(day)", "psnr_mean"],
            "F(day) colour shift": kept.chroma_shift,
            "F(day) lightness shift": kept.delta_L,
            **late_losses(entry),
        }
        outputs[label] = made
    table = pd.DataFrame(rows).T
    table.loc[PITFALL_SPREAD] = (table.loc["baseline"] - table.loc["baseline, second seed"]).abs()
    return table, outputs


def recovered_share(paired_gain: float, unpaired_gain: float) -> tuple[float, str]:
    """The share of the best paired PSNR gain that CycleGAN recovers, and that in words (nb 05).

    NaN when no paired model gains (a share of a loss means nothing); 0 when CycleGAN loses.
    """
    if paired_gain <= 0:
        return float("nan"), (
            "no paired model beats the blurred input in PSNR here, so there is no gain to share"
        )
    if unpaired_gain <= 0:
        return (
            0.0,
            "CycleGAN does not beat the blurred input in PSNR, so it recovers none of that gain",
        )
    share = unpaired_gain / paired_gain
    return share, f"without pairs, CycleGAN recovers {share:.0%} of that gain"
