"""Notebook 05's runs: CycleGANs on unpaired faces and facades, and the shipped pitfall runs.

The budgets (images per domain, epochs, filters, batch size and residual blocks), the two
unpaired pairs of domains, the held-out test pairs and every run's cache name live here:
changing notebook 05's budget means changing this file. Introduced in notebook 05.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from course_lib import (
    baselines,
    blur,
    colour,
    cyclegan,
    evaluation,
    models,
    pix2pix,
    reference,
    timing,
    training,
)
from course_lib.experiments.splits import (
    DEFAULT_BLUR,
    SPLIT_SEEDS,
    blurred_copy,
    face_split,
    faces_tag,
)
from course_lib.procedural import facades
from course_lib.profiles import Profile, get_profile

RESIDUAL_BLOCKS = {"smoke": 1, "laptop": 3, "full": 6}  # the paper: 6 at 128 px, 9 at 256 px
BATCH_SIZE = 16  # CycleGAN trains on single images; small batches give more steps per image
FACADE_STYLES = ("day", "night")  # domain A, domain B of the second unpaired pair
TRAINING_SEED = 1  # the deblurring CycleGAN's initial weights; the faces come from SPLIT_SEEDS
DEBLUR_EPOCHS = 2  # times the CycleGAN budget's epochs: G's PSNR still rose at 256 laptop steps
# and stayed +2.3 to +3.3 dB above its input from 320 to 768 (two seeds, GAN weight 0.1)
# The deblurring G's Adam rate: 2.5x the paper's 2e-4, decayed to 0, as notebook 04's U-Net
# also learned faster than at 2e-4. It moves the learned blur's kernel too.
DEBLUR_GENERATOR_LEARNING_RATE = 5e-4
# G's GAN term at a tenth of the paper's weight, so the cycle (pairs that F makes) leads, as L1
# leads in pix2pix. Laptop, 768 steps: G gained +2.26 dB over its input at 0.1, +1.47 at 0.3,
# and +1.30 and +1.95 (two seeds) at the paper's 1.
DEBLUR_GAN_G_WEIGHT = 0.1
# The facades reference (``make reference``) trains the laptop facades run this many times as
# long. Its held-out score every 192 steps is kept in the manifest and plotted in notebook 05.
REFERENCE_EPOCHS = 12
REFERENCE_NAMES = ("facades_day_to_night", "facades_night_to_day")  # G, F
REFERENCE_SCORE_EVERY = 3  # epochs (192 steps) between held-out scores of the reference run
REFERENCE_CURVE_FILE = "score_curve.csv"
# The pitfall runs are facades runs trained 5 times the laptop budget (``make reference``),
# each changing one setting; a second seed of the baseline measures the run-to-run spread.
PITFALL_EPOCHS = 5
PITFALL_RUNS = {
    "baseline": {},
    "no identity loss": {"identity_weight": 0.0},
    "10x discriminator learning rate": {"discriminator_learning_rate": 10 * training.LEARNING_RATE},
    "baseline, second seed": {"seed": 2},
}
PITFALL_LOSS_EVERY = 32  # steps per averaged block of the shipped per-step losses


def residual_blocks(profile: Profile) -> int:
    """The generators' residual blocks for a profile: few on a CPU, the paper's 6 on a GPU."""
    return RESIDUAL_BLOCKS.get(profile.name, RESIDUAL_BLOCKS["full"])


def cyclegan_budget(profile: Profile) -> Profile:
    """Notebook 05's deblurring budget: images per domain, epochs, filters and batch size.

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


def deblur_budget(profile: Profile) -> Profile:
    """The deblurring CycleGAN's budget: the CycleGAN budget, trained twice as long (notebook 05).

    Its G is notebook 04's U-Net and its F a single kernel, so a step costs less than the
    paper's four-network step; 512 steps on the laptop.
    """
    budget = cyclegan_budget(profile)
    return dataclasses.replace(budget, epochs=DEBLUR_EPOCHS * budget.epochs)


def facades_budget(profile: Profile) -> Profile:
    """The CycleGAN budget's photos per domain for three quarters of its epochs (notebook 05).

    192 steps on the laptop. At 64 steps (256 photos) F(night) was noise; at 256 steps the
    G(day) grid showed lit windows on dark buildings, F(night) a smeared facade.
    """
    budget = cyclegan_budget(profile)
    return dataclasses.replace(budget, epochs=max(1, 3 * budget.epochs // 4))


def facades_reference_budget() -> Profile:
    """The shipped facades reference: the laptop facades run, trained 12 times as long (nb 05).

    The same photos, network and code as the learner's run: 2,304 steps of 16 instead of 192.
    """
    budget = facades_budget(get_profile("laptop"))
    return dataclasses.replace(budget, epochs=REFERENCE_EPOCHS * budget.epochs)


def cyclegan_name(
    task: str,
    budget: Profile,
    blocks: int,
    identity_weight: float = cyclegan.IDENTITY_WEIGHT,
    discriminator_learning_rate: float = training.LEARNING_RATE,
    normalization: str = "instance",
    residual: bool = False,
    upsampling: str = "transpose",
    seed: int = SPLIT_SEEDS["train"],
    **data,
) -> str:
    """The cache name of a CycleGAN run with these settings (notebook 05).

    A residual or resize-upsampling generator is spelled out, so no other run's model loads.
    """
    return training.run_name(
        model=f"cyclegan_{task}",
        image_size=budget.image_size,
        base_filters=budget.base_filters,
        train_count=budget.train_count,
        epochs=budget.epochs,
        batch_size=budget.batch_size,
        seed=seed,
        blocks=blocks,
        identity=float(identity_weight),
        disc_lr=float(discriminator_learning_rate),
        norm=None if normalization == "instance" else normalization,
        gen=_generator_slug(residual, upsampling),
        **data,
    )


def _generator_slug(residual: bool, upsampling: str) -> str | None:
    """None for the paper's generator, else e.g. "residual_resize"."""
    parts = (["residual"] if residual else []) + ([] if upsampling == "transpose" else [upsampling])
    return "_".join(parts) or None


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
    one pass over ``domain_a``). The per-step losses are kept too (``training.load_steps``).
    Returns (G, F, history).
    """
    steps_file = training.run_dir_for(name) / training.STEPS_FILE
    networks, history = training.train_or_load(
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


def _run(
    task: str,
    budget: Profile,
    domains: tuple[np.ndarray, np.ndarray],
    identity_weight: float,
    discriminator_learning_rate: float,
    normalization: str,
    verbose: str | int,
    residual: bool = False,
    upsampling: str = "transpose",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int = SPLIT_SEEDS["train"],
    **data,
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    blocks = residual_blocks(budget)
    generator = {"residual": residual, "upsampling": upsampling}
    name = cyclegan_name(
        task,
        budget,
        blocks,
        identity_weight,
        discriminator_learning_rate,
        normalization,
        **generator,
        seed=seed,
        **data,
    )
    steps = budget.epochs * max(1, budget.train_count // budget.batch_size)

    def build() -> cyclegan.CycleGAN:
        return cyclegan.build_cyclegan(
            budget.image_size,
            budget.base_filters,
            blocks,
            total_steps=steps,
            identity_weight=identity_weight,
            discriminator_learning_rate=discriminator_learning_rate,
            normalization=normalization,
            seed=seed,
            **generator,
        )

    return train_cyclegan(
        name, build, *domains, budget.epochs, budget.batch_size, callbacks, verbose=verbose,
        steps_per_epoch=max(1, budget.train_count // budget.batch_size),
    )  # fmt: skip


def deblur_generators(budget: Profile) -> tuple[keras.Model, keras.Model]:
    """G: notebook 04's restoring U-Net; F: a learned blur kernel, started at sigma 1 (nb 05)."""
    return (
        pix2pix.restoring_unet(budget.image_size, budget.base_filters),
        cyclegan.blur_generator(budget.image_size),
    )


def build_deblur_cyclegan(budget: Profile) -> cyclegan.CycleGAN:
    """The compiled deblurring CycleGAN: U-Net G, learned-blur F, no identity loss (notebook 05).

    A blur keeps every colour's mean, so the cycle F(G(a)) = a already ties G's colours to its
    input, and |F(a) - a| would only pull the kernel back toward no blur at all. G's GAN term
    weighs ``DEBLUR_GAN_G_WEIGHT``.
    """
    return cyclegan.build_cyclegan(
        budget.image_size,
        budget.base_filters,
        0,
        total_steps=budget.epochs * max(1, budget.train_count // budget.batch_size),
        identity_weight=0.0,
        seed=TRAINING_SEED,
        make_generators=lambda: deblur_generators(budget),
        generator_learning_rate=DEBLUR_GENERATOR_LEARNING_RATE,
        gan_g_weight=DEBLUR_GAN_G_WEIGHT,
    )


def deblur_name(budget: Profile, spec: blur.BlurSpec = DEFAULT_BLUR) -> str:
    """The cache name of the deblurring CycleGAN trained with ``budget`` on ``spec`` (nb 05)."""
    return training.run_name(
        model="cyclegan_deblur",
        image_size=budget.image_size,
        base_filters=budget.base_filters,
        train_count=budget.train_count,
        epochs=budget.epochs,
        batch_size=budget.batch_size,
        seed=TRAINING_SEED,
        gen="unet_learnedblur",
        glr=DEBLUR_GENERATOR_LEARNING_RATE,
        gan_g=DEBLUR_GAN_G_WEIGHT,
        blur=spec,
        faces=faces_tag(budget),
    )


def train_deblur_cyclegan(
    budget: Profile, spec: blur.BlurSpec = DEFAULT_BLUR, verbose: str | int = "auto"
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load or train G: blurred -> sharp and F: sharp -> blurred on unpaired faces (notebook 05).

    G is notebook 04's restoring U-Net, F a learned blur (``build_deblur_cyclegan``); use
    ``deblur_budget``. Returns (G, F, history).
    """
    return train_cyclegan(
        deblur_name(budget, spec),
        lambda: build_deblur_cyclegan(budget),
        *deblur_domains(budget, spec),
        budget.epochs,
        budget.batch_size,
        verbose=verbose,
        steps_per_epoch=max(1, budget.train_count // budget.batch_size),
    )


def train_resnet_cyclegan(
    budget: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    identity_weight: float = cyclegan.IDENTITY_WEIGHT,
    discriminator_learning_rate: float = training.LEARNING_RATE,
    normalization: str = "instance",
    verbose: str | int = "auto",
    residual: bool = False,
    upsampling: str = "resize",
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load or train the paper's pair of ResNet generators on unpaired faces (notebook 05).

    Exercise 2 compares it with the fitted generators; they upsample by resizing unless told
    otherwise. Returns (G, F, history).
    """
    domains = deblur_domains(budget, spec)
    return _run(
        "deblur",
        budget,
        domains,
        identity_weight,
        discriminator_learning_rate,
        normalization,
        verbose,
        residual,
        upsampling,
        blur=spec,
        faces=faces_tag(budget),
    )


def resnet_deblur_name(
    budget: Profile,
    spec: blur.BlurSpec = DEFAULT_BLUR,
    identity_weight: float = cyclegan.IDENTITY_WEIGHT,
    discriminator_learning_rate: float = training.LEARNING_RATE,
    normalization: str = "instance",
    residual: bool = False,
    upsampling: str = "resize",
) -> str:
    """The cache name ``train_resnet_cyclegan`` uses for the same arguments (notebook 05)."""
    return cyclegan_name(
        "deblur",
        budget,
        residual_blocks(budget),
        identity_weight,
        discriminator_learning_rate,
        normalization,
        residual,
        upsampling,
        blur=spec,
        faces=faces_tag(budget),
    )


# The facades run's settings, besides its budget: the paper's, with resize upsampling.
_FACADES_RUN = {
    "identity_weight": cyclegan.IDENTITY_WEIGHT,
    "discriminator_learning_rate": training.LEARNING_RATE,
    "normalization": "instance",
    "upsampling": "resize",
    "style": "daytonight",
}


def facades_name(budget: Profile, **changes) -> str:
    """The cache name ``train_facades_cyclegan`` uses for ``budget`` and ``changes`` (nb 05)."""
    return cyclegan_name("facades", budget, residual_blocks(budget), **{**_FACADES_RUN, **changes})


def train_facades_cyclegan(
    budget: Profile,
    verbose: str | int = "auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    **changes,
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load or train G: day -> night and F: night -> day on unpaired facades (notebook 05).

    The generators are the paper's, except that they upsample by resizing (no checkerboard);
    they do not start as the identity, since night is far from day. ``changes`` override the
    run's settings (``identity_weight``, ``discriminator_learning_rate``, ``seed``).
    """
    return _run(
        "facades",
        budget,
        facade_domains(budget),
        verbose=verbose,
        callbacks=callbacks,
        **{**_FACADES_RUN, **changes},
    )


def facades_reference_network(budget: Profile) -> dict[str, object]:
    """The arguments of ``cyclegan.resnet_generator`` that rebuild a facades generator (nb 05)."""
    return {
        "image_size": budget.image_size,
        "base_filters": budget.base_filters,
        "residual_blocks": residual_blocks(budget),
        "normalization": _FACADES_RUN["normalization"],
        "upsampling": _FACADES_RUN["upsampling"],
    }


def load_facades_reference() -> tuple[keras.Model, keras.Model]:
    """The shipped G: day -> night and F: night -> day, their hashes checked (notebook 05)."""
    return tuple(
        reference.load_reference(name, cyclegan.resnet_generator) for name in REFERENCE_NAMES
    )


def facades_reference_training() -> dict:
    """How the shipped facades reference was trained: steps, seconds and its held-out curve."""
    return reference.reference_entry(REFERENCE_NAMES[0])["training"]


class FacadesScoreCurve(keras.callbacks.Callback):
    """Scores G and F on held-out buildings every ``every`` epochs, appending to ``path`` (nb 05).

    One row per score: the step, and PSNR and SSIM of G, F and the two channel baselines.
    """

    def __init__(self, profile: Profile, budget: Profile, path: str | Path, every: int = 1) -> None:
        super().__init__()
        self.profile, self.budget, self.path, self.every = profile, budget, Path(path), every

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every:
            return
        table, _ = score_facades(
            self.profile, self.budget, self.model.generator_ab, self.model.generator_ba
        )
        row = {"step": (epoch + 1) * max(1, self.budget.train_count // self.budget.batch_size)}
        for key, name in REFERENCE_CURVE_ROWS.items():
            row[f"{key}_psnr"] = float(table.loc[name, "psnr_mean"])
            row[f"{key}_ssim"] = float(table.loc[name, "ssim_mean"])
        pd.DataFrame([row]).to_csv(self.path, mode="a", header=not self.path.exists(), index=False)


REFERENCE_CURVE_ROWS = {
    "g": "night: G(day)",
    "night_baseline": "night: match night's channel statistics",
    "f": "day: F(night)",
    "day_baseline": "day: match day's channel statistics",
}


def step_loss_summary(name: str, every: int = PITFALL_LOSS_EVERY) -> dict[str, list[float]]:
    """A run's per-step losses, averaged over blocks of ``every`` steps (the manifest's copy)."""
    steps = training.load_steps(name)
    blocks = steps[["disc_a", "disc_b", "gan_g", "gan_f"]].groupby((steps.step - 1) // every)
    summary = blocks.mean().round(4)
    summary.insert(0, "step", [int(block) * every + every for block in summary.index])
    return summary.to_dict("list")


def _publish(
    budget: Profile, names: Sequence[str | None], verbose: str | int, **changes
) -> dict[str, object]:
    """Train (or load) one facades run with its score curve; write G and F as ``names``.

    ``names`` holds G's reference name, then F's; None ships that generator not at all.
    """
    profile = get_profile("laptop")
    run = facades_name(budget, **changes)
    curve_path = training.run_dir_for(run) / REFERENCE_CURVE_FILE
    curve_path.parent.mkdir(parents=True, exist_ok=True)
    curve = FacadesScoreCurve(profile, budget, curve_path, REFERENCE_SCORE_EVERY)
    peak = timing.matmul_peak_gflops()
    start = time.perf_counter()
    generators = train_facades_cyclegan(budget, verbose, [curve], **changes)[:2]
    seconds = time.perf_counter() - start
    entry = {
        "command": "make reference",
        "photos_per_domain": budget.train_count,
        "batch_size": budget.batch_size,
        "steps": budget.epochs * (budget.train_count // budget.batch_size),
        "settings": {**_FACADES_RUN, **changes},
        "seconds": round(seconds),
        "matmul_peak_gflops": round(peak),
        "normalised_seconds": round(timing.normalised_seconds(seconds, peak)),
        "curve": pd.read_csv(curve_path).round(4).to_dict("list"),
        "losses": step_loss_summary(run),
    }
    network = facades_reference_network(budget)
    for name, generator in zip(names, generators, strict=True):
        if name is not None:
            reference.save_reference(name, generator, network, entry)
    return entry


def publish_facades_reference(verbose: str | int = "auto") -> dict:
    """Train (or load) the facades reference run and write G and F as reference weights.

    ``make reference`` runs this; it resumes from its backup after a crash. Returns the
    training entry written to the manifest: budget, seconds and the held-out score curve.
    """
    return _publish(facades_reference_budget(), REFERENCE_NAMES, verbose)


def pitfall_reference_budget() -> Profile:
    """The pitfall references: the laptop facades run, trained 5 times as long (notebook 05).

    960 steps, at which the baseline's F: night -> day beats the colour grade in PSNR and SSIM.
    """
    budget = facades_budget(get_profile("laptop"))
    return dataclasses.replace(budget, epochs=PITFALL_EPOCHS * budget.epochs)


def pitfall_reference_name(label: str) -> str:
    """The shipped F: night -> day of the pitfall run called ``label`` (notebook 05)."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return f"facades_pitfall_{slug}"


def publish_pitfall_references(verbose: str | int = "auto") -> dict[str, dict]:
    """Train (or load) every pitfall run and write its F as reference weights (notebook 05)."""
    return {
        label: _publish(
            pitfall_reference_budget(), [None, pitfall_reference_name(label)], verbose, **changes
        )
        for label, changes in PITFALL_RUNS.items()
    }


def load_pitfall_references() -> dict[str, tuple[keras.Model, dict]]:
    """Each pitfall run's shipped F: night -> day and its training entry, hashes checked."""
    return {
        label: (
            reference.load_reference(pitfall_reference_name(label), cyclegan.resnet_generator),
            reference.reference_entry(pitfall_reference_name(label))["training"],
        )
        for label in PITFALL_RUNS
    }


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
