"""The course's scoreboard: each notebook's main models, scored on held-out data.

Usage: python benchmarks/scoreboard.py [--profile laptop]
Loads every model from the model cache (IMG2IMG_DATA), or trains it at the profile's budget
when it is missing, exactly as the notebooks would. Scores them on the profile's held-out
faces at Gaussian sigma 2 (and at blur of unknown strength) and the held-out facades, and
prints one `name value` line each on stdout; what it loads or trains goes to stderr. PSNR
and spectral distances are in dB; perception is the sliced Wasserstein distance of patches
(x 1,000, 0 is sharp faces' texture); disc_late is the cGAN discriminator's mean loss over its
last quarter (ln 2 = 0.69: it cannot tell); colour artefacts are the RMS chroma of the
fine-scale error in grey levels; checkerboard ratios are over the sharp faces'; the
facades gains (PSNR and SSIM) are over matching each
colour channel's statistics (facades_live: the learner's run). Last comes
normalised_s: this run's seconds x matmul peak / 200.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from course_lib import baselines, evaluation, experiments, metrics, models, timing  # noqa: E402
from course_lib.experiments import (  # noqa: E402
    notebook02,
    notebook04,
    notebook05,
    notebook06,
    reference_runs,
)
from course_lib.profiles import PROFILES, Profile  # noqa: E402


def ladder_scores(profile: Profile) -> dict[str, float]:
    """Notebooks 02 and 04: the blurred input, Wiener's oracle and the three learned rungs."""
    spec = experiments.DEFAULT_BLUR
    sharp = experiments.face_split(profile, "test")
    blurred = experiments.blurred_copy(sharp, spec)
    validation = experiments.face_split(profile, "validation", count=64)
    balance, _ = baselines.tune_wiener(
        experiments.blurred_copy(validation, spec), validation, spec.sigma
    )
    runs = {**notebook02.runs(profile), **notebook04.runs(profile)}  # all trained on spec
    autoencoder = notebook02.train(runs["autoencoder"], verbose=0)[0]
    unet_l1 = notebook04.train(runs["unet_l1"], verbose=0)[0]
    unet_gan, gan_history = notebook04.train(runs["unet_cgan"], verbose=0)
    table = evaluation.ladder_table(
        sharp,
        {
            "blurred": blurred,
            "wiener": baselines.wiener_deblur(blurred, spec.sigma, balance),
            "ae": models.restore(autoencoder, blurred),
            "unet_l1": models.restore(unet_l1, blurred),
            "pix2pix": models.restore(unet_gan, blurred),
        },
    )
    scores = {f"{name}_psnr": table.psnr_mean[name] for name in table.index}
    for name in ("unet_l1", "pix2pix"):
        scores[f"{name}_spectral"] = table.spectral_distance[name]
        scores[f"{name}_perception"] = table.perception[name]
    late = gan_history.disc.iloc[-max(1, len(gan_history) // 4) :]  # the last quarter's epochs
    scores["pix2pix_disc_late"] = float(late.mean())
    scores["unet_l1_colour_artefact"] = metrics.colour_artefact(
        sharp, models.restore(unet_l1, blurred)
    )
    scores["sharp_checkerboard"] = metrics.checkerboard_ratio(sharp, sharp)
    for name in ("unet_l1", "pix2pix"):
        scores[f"{name}_checkerboard"] = table.checkerboard_ratio[name]
    return scores


FACADE_DIRECTIONS = (
    ("day_to_night", "night: G(day)", "night: match night's channel statistics"),
    ("night_to_day", "day: F(night)", "day: match day's channel statistics"),
)


def cyclegan_scores(profile: Profile) -> dict[str, float]:
    """Notebook 05: unpaired deblurring, and each facade direction's gain over the baseline."""
    sharp = experiments.face_split(profile, "test")
    blurred = experiments.blurred_copy(sharp)
    runs = notebook05.runs(profile)
    generator = notebook05.train(runs["cyclegan_deblur"], verbose=0)[0]
    restored = models.restore(generator, blurred)
    scores = {
        "cyclegan_psnr": float(metrics.psnr(sharp, restored).mean()),
        "cyclegan_colour_artefact": metrics.colour_artefact(sharp, restored),
    }
    budget = runs["cyclegan_facades"].budget
    facades = {
        "facades": notebook05.train(runs["cyclegan_facades"], verbose=0)[:2],
        "facades_reference": reference_runs.load_facades_reference(),  # trained 12x longer
    }
    for run, generators in facades.items():
        table = notebook05.score_facades(profile, budget, *generators)[0]
        for direction, output, grade in FACADE_DIRECTIONS:
            gain = table.loc[output] - table.loc[grade]
            scores[f"{run}_{direction}_gain"] = gain.psnr_mean
            ssim_name = "facades_live" if run == "facades" else run  # the learner's own run
            scores[f"{ssim_name}_{direction}_ssim_gain"] = gain.ssim_mean
    return scores


def unknown_blur_scores(profile: Profile) -> dict[str, float]:
    """Notebook 04's blur of unknown strength: input, the best guessed Wiener, the U-Net."""
    unet = notebook04.train(notebook04.runs(profile)["unet_unknown_blur"], verbose=0)[0]
    psnr = notebook04.unknown_blur_psnr(profile, unet)
    return {
        "blind_blurred_psnr": psnr["blurred input"],
        "blind_wiener_psnr": psnr["best guessed Wiener"],
        "blind_unet_psnr": psnr["U-Net"],
    }


def iterative_scores(profile: Profile) -> dict[str, float]:
    """Notebook 06: the iterative U-Net at one step and at its most realistic step count."""
    sharp = experiments.face_split(profile, "test")
    runs = notebook06.runs(profile)
    network = notebook06.train(runs["iterative"], verbose=0)[0]
    blurred = experiments.blurred_copy(sharp, runs["iterative"].blur)
    table = evaluation.ladder_table(sharp, notebook06.restorations_by_steps(network, blurred))
    realest = table.perception.idxmin()
    unknown = notebook06.train(runs["iterative_unknown_blur"], verbose=0)[0]
    blind = experiments.blurred_copy(sharp, runs["iterative_unknown_blur"].blur)
    blind_psnr = [
        float(metrics.psnr(sharp, images).mean())
        for images in notebook06.restorations_by_steps(
            unknown, blind, notebook06.UNKNOWN_STEP_COUNTS
        ).values()
    ]
    return {
        "iterative_1step_psnr": table.psnr_mean.iloc[0],
        "iterative_best_perception": table.perception[realest],
        "iterative_best_perception_psnr": table.psnr_mean[realest],
        "blind_iterative_best_psnr": max(blind_psnr),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="laptop", choices=list(PROFILES))
    profile = PROFILES[parser.parse_args().profile]
    start = time.perf_counter()
    peak = timing.matmul_peak_gflops()
    with contextlib.redirect_stdout(sys.stderr):  # what loads or trains, apart from the scores
        scores = {
            **ladder_scores(profile),
            **cyclegan_scores(profile),
            **unknown_blur_scores(profile),
            **iterative_scores(profile),
        }
    scores["normalised_s"] = timing.normalised_seconds(time.perf_counter() - start, peak)
    print(f"# profile {profile.name}, matmul peak {peak:.0f} GFLOP/s")
    for name, value in scores.items():
        print(f"{name} {value:.3f}")


if __name__ == "__main__":
    main()
