"""The runs behind notebook 05's shipped reference weights: described, trained and published.

The facades reference is notebook 05's laptop facades run at the paper's Adam rate and batches
of 16 (``notebook05.paper_facades_run``) trained 12 times as long; each
pitfall run trains it 5 times as long with one setting changed, and a second seed of the
baseline measures the run-to-run spread. ``make reference`` runs ``main``, which retrains
them and rewrites course_lib/reference_weights; notebook 05 loads them from here.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from pathlib import Path

import keras
import pandas as pd

from course_lib import cache, reference, resnet, timing, training
from course_lib.experiments import notebook05
from course_lib.experiments.runs import Run
from course_lib.profiles import Profile, get_profile

REFERENCE_EPOCHS = 12  # times the laptop facades run's epochs: 2,304 steps instead of 192
REFERENCE_NAMES = ("facades_day_to_night", "facades_night_to_day")  # G, F
REFERENCE_SCORE_EVERY = 3  # epochs (192 steps) between held-out scores of the reference run
REFERENCE_CURVE_FILE = "score_curve.csv"
REFERENCE_CURVE_ROWS = {
    "g": "night: G(day)",
    "night_baseline": "night: match night's channel statistics",
    "f": "day: F(night)",
    "day_baseline": "day: match day's channel statistics",
}
# 960 steps, at which the baseline's F: night -> day beats the colour grade in PSNR and SSIM.
PITFALL_EPOCHS = 5
PITFALL_RUNS = {  # each pitfall's change to the facades run, as the manifest records it
    "baseline": {},
    "no identity loss": {"identity_weight": 0.0},
    "10x discriminator learning rate": {"discriminator_learning_rate": 10 * training.LEARNING_RATE},
    "baseline, second seed": {"seed": 2},
}
_RUN_SETTINGS = {"identity_weight": "identity", "discriminator_learning_rate": "disc_lr"}
PITFALL_LOSS_EVERY = 32  # steps per averaged block of the shipped per-step losses


def pitfall_reference_name(label: str) -> str:
    """The shipped F: night -> day of the pitfall run called ``label`` (notebook 05)."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return f"facades_pitfall_{slug}"


def _longer(run: Run, times: int, key: str, title: str) -> Run:
    budget = dataclasses.replace(run.budget, epochs=times * run.budget.epochs)
    return dataclasses.replace(run, notebook="05", key=key, title=title, budget=budget)


def runs() -> dict[str, Run]:
    """Every shipped run by its key: "facades" (the reference), then one per pitfall label."""
    facades = notebook05.paper_facades_run(get_profile("laptop"))
    table = {"facades": _longer(facades, REFERENCE_EPOCHS, "facades", "facades reference")}
    for label, changes in PITFALL_RUNS.items():
        pitfall = _longer(facades, PITFALL_EPOCHS, label, label)
        table[label] = pitfall.changed(**{_RUN_SETTINGS.get(k, k): v for k, v in changes.items()})
    return table


def load_facades_reference() -> tuple[keras.Model, keras.Model]:
    """The shipped G: day -> night and F: night -> day, their hashes checked (notebook 05)."""
    return tuple(
        reference.load_reference(name, resnet.resnet_generator) for name in REFERENCE_NAMES
    )


def facades_reference_training() -> dict:
    """How the shipped facades reference was trained: steps, seconds and its held-out curve."""
    return reference.reference_entry(REFERENCE_NAMES[0])["training"]


def load_pitfall_references() -> dict[str, tuple[keras.Model, dict]]:
    """Each pitfall run's shipped F: night -> day and its training entry, hashes checked."""
    return {
        label: (
            reference.load_reference(pitfall_reference_name(label), resnet.resnet_generator),
            reference.reference_entry(pitfall_reference_name(label))["training"],
        )
        for label in PITFALL_RUNS
    }


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
        table, _ = notebook05.score_facades(
            self.profile, self.budget, self.model.generator_ab, self.model.generator_ba
        )
        row = {"step": (epoch + 1) * max(1, self.budget.train_count // self.budget.batch_size)}
        for key, name in REFERENCE_CURVE_ROWS.items():
            row[f"{key}_psnr"] = float(table.loc[name, "psnr_mean"])
            row[f"{key}_ssim"] = float(table.loc[name, "ssim_mean"])
        pd.DataFrame([row]).to_csv(self.path, mode="a", header=not self.path.exists(), index=False)


def step_loss_summary(name: str, every: int = PITFALL_LOSS_EVERY) -> dict[str, list[float]]:
    """A run's per-step losses, averaged over blocks of ``every`` steps (the manifest's copy)."""
    steps = cache.load_steps(name)
    blocks = steps[["disc_a", "disc_b", "gan_g", "gan_f"]].groupby((steps.step - 1) // every)
    summary = blocks.mean().round(4)
    summary.insert(0, "step", [int(block) * every + every for block in summary.index])
    return summary.to_dict("list")


def _manifest_settings(run: Run, changes: dict[str, object]) -> dict[str, object]:
    """The run's settings as the manifest spells them, with the pitfall's ``changes``."""
    network = notebook05.generator_network(run)
    return {"identity_weight": run.settings["identity"],
            "discriminator_learning_rate": run.settings["disc_lr"],
            "normalization": network["normalization"], "upsampling": network["upsampling"],
            "style": run.settings["style"], **changes}  # fmt: skip


def _publish(
    run: Run, names: Sequence[str | None], verbose: str | int, changes: dict[str, object]
) -> dict[str, object]:
    """Train (or load) one facades run with its score curve; write G and F as ``names``.

    ``names`` holds G's reference name, then F's; None ships that generator not at all.
    """
    name, budget = run.name, run.budget
    curve_path = cache.run_dir_for(name) / REFERENCE_CURVE_FILE
    curve_path.parent.mkdir(parents=True, exist_ok=True)
    curve = FacadesScoreCurve(get_profile("laptop"), budget, curve_path, REFERENCE_SCORE_EVERY)
    peak = timing.matmul_peak_gflops()
    start = time.perf_counter()
    generators = notebook05.train(run, verbose, [curve])[:2]
    seconds = time.perf_counter() - start
    entry = {
        "command": "make reference",
        "photos_per_domain": budget.train_count,
        "batch_size": budget.batch_size,
        "steps": run.steps,
        "settings": _manifest_settings(run, changes),
        "seconds": round(seconds),
        "matmul_peak_gflops": round(peak),
        "normalised_seconds": round(timing.normalised_seconds(seconds, peak)),
        "curve": pd.read_csv(curve_path).round(4).to_dict("list"),
        "losses": step_loss_summary(name),
    }
    network = notebook05.generator_network(run)
    for shipped, generator in zip(names, generators, strict=True):
        if shipped is not None:
            reference.save_reference(shipped, generator, network, entry)
    return entry


def publish_facades_reference(verbose: str | int = "auto") -> dict:
    """Train (or load) the facades reference run and write G and F as reference weights.

    It resumes from its backup after a crash. Returns the training entry written to the
    manifest: budget, seconds and the held-out score curve.
    """
    return _publish(runs()["facades"], REFERENCE_NAMES, verbose, {})


def publish_pitfall_references(verbose: str | int = "auto") -> dict[str, dict]:
    """Train (or load) every pitfall run and write its F as reference weights (notebook 05)."""
    shipped = runs()
    return {
        label: _publish(shipped[label], [None, pitfall_reference_name(label)], verbose, changes)
        for label, changes in PITFALL_RUNS.items()
    }


def main() -> None:
    """``make reference``: retrain every shipped reference and rewrite its files."""
    published = {", ".join(REFERENCE_NAMES): publish_facades_reference()}
    for label, entry in publish_pitfall_references().items():
        published[pitfall_reference_name(label)] = entry
    for names, entry in published.items():
        print(
            f"Wrote {names} to {reference.REFERENCE_DIR}: {entry['steps']} steps in "
            f"{entry['seconds']} s ({entry['normalised_seconds']} s on a 200-GFLOP/s machine)."
        )


if __name__ == "__main__":
    main()
