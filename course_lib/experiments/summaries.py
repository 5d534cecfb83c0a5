"""Each notebook's closing table: the numbers its cells computed, with what they say.

A row is (topic, measure, value, unit, reading): the reading says in a few words what the
value means, a comparison or a finding's verdict.
``notebook02`` to ``notebook06`` read the tables those notebooks built above
their "Say what the numbers show" section. Introduced in notebook 02.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from course_lib.evaluation import BLURRED_INPUT
from course_lib.experiments.notebook03 import verdict
from course_lib.experiments.notebook05 import PITFALL_SPREAD, recovered_share

COLUMNS = ("value", "unit", "reading")
READING_WIDTH = 50  # pandas shows a text cell up to this many characters whole
Row = tuple[str, str, float, str, str]  # (topic, measure, value, unit, reading)

# The row names of notebook 02's and notebook 05's score tables that the summaries read.
AUTOENCODER = "DCGAN autoencoder, L2"
RICHARDSON_LUCY = "Richardson-Lucy (oracle: true kernel)"
WIENER = "Wiener (oracle: true kernel)"
WRONG_SIGMA = "Richardson-Lucy assuming sigma 3"
NOISY = ("Richardson-Lucy, noise 0.01", "DCGAN autoencoder, noise 0.01")
UNPAIRED = "CycleGAN G (unpaired)"
PIX2PIX = "pix2pix L1 + cGAN (04, paired)"
FACADE_OUTPUTS = {"night": "G(day)", "day": "F(night)"}  # each style, and the output aiming at it


def summary_table(rows: Sequence[Row]) -> pd.DataFrame:
    """Rows of (topic, measure, value, unit, reading) as a table indexed by topic and measure.

    Every notebook's summary is one. A (topic, measure) may appear once, and
    a reading may be at most ``READING_WIDTH`` characters, so that pandas shows it whole.
    """
    if not rows:
        raise ValueError("Give at least one (topic, measure, value, unit, reading) row.")
    index = pd.MultiIndex.from_tuples([row[:2] for row in rows], names=["topic", "measure"])
    if index.has_duplicates:
        raise ValueError(f"State each (topic, measure) once: {list(index[index.duplicated()])}")
    long = [row[4] for row in rows if len(row[4]) > READING_WIDTH]
    if long:
        raise ValueError(f"Readings over {READING_WIDTH} characters would be cut: {long}")
    table = pd.DataFrame([row[2:] for row in rows], index=index, columns=list(COLUMNS))
    return table.astype({"value": float})


def _beats(lead: float) -> str:
    return "beats it" if lead > 0 else "does not beat it"


# Notebook 02 ------------------------------------------------------------------------------


def notebook02(
    scores: pd.DataFrame,
    robustness: pd.DataFrame,
    by_strength: pd.DataFrame,
    half_power: Mapping[str, float],
    sharp_input_psnr: float,
    sigma: float,
) -> pd.DataFrame:
    """Notebook 02's numbers: scores at ``sigma``, detail kept, other strengths, robustness.

    Reads its ``evaluate`` tables, ``psnr_by_strength``'s table and each method's half-power
    frequency.
    """
    psnr, network = scores["psnr_mean"], scores.loc[AUTOENCODER, "psnr_mean"]
    at, lead = f"PSNR at sigma {sigma:g}", "PSNR of the autoencoder minus that of"
    kept, strengths = "half the sharp power kept up to", "other blur strengths"
    winning = by_strength.index[by_strength.psnr_gain > 0]
    first_win = float(winning.min()) if len(winning) else float("nan")
    sigmas = f"sigma {by_strength.index.min():g} to {by_strength.index.max():g}"
    rows = [(at, name, psnr[name], "dB", "") for name in (BLURRED_INPUT, AUTOENCODER)]
    rows += [(at, name, psnr[name], "dB", "") for name in (RICHARDSON_LUCY, WIENER)]
    rows += [
        (lead, name, network - psnr[name], "dB", _beats(network - psnr[name]))
        for name in (BLURRED_INPUT, RICHARDSON_LUCY, WIENER)
    ]
    rows += [
        (kept, name, half_power[name], "cycles per pixel", "")
        for name in (AUTOENCODER, BLURRED_INPUT, RICHARDSON_LUCY)
    ]
    rows += [
        (strengths, "first sigma where the autoencoder beats its input", first_win, "sigma",
         "" if len(winning) else f"never, at {sigmas}"),
        (strengths, "PSNR of the autoencoder fed sharp faces", sharp_input_psnr, "dB",
         "against the sharp faces themselves"),
    ]  # fmt: skip
    rows += [
        ("PSNR gain over the blurred input", name, robustness.loc[name, "psnr_gain"], "dB", "")
        for name in (WRONG_SIGMA, *NOISY)
    ]
    return summary_table(rows)


# Notebook 04 ------------------------------------------------------------------------------

L1_RUNG, GAN_RUNG = "U-Net, L1", "U-Net, L1 + cGAN"
LADDER = ("blurred input", WIENER, AUTOENCODER, L1_RUNG, GAN_RUNG)


def notebook04(
    ladder: pd.DataFrame,
    variants: pd.DataFrame,
    frontier: Sequence[str],
    disc_late: float,
    facades: pd.DataFrame,
    unknown_lead: float,
) -> pd.DataFrame:
    """Notebook 04's numbers: the ladder, what the cGAN draws and costs, variants, facades.

    Reads its ``ladder_table`` tables (the rungs, the cGAN variants, the facades), the
    frontier's rows, the discriminator's late loss and the unknown-blur U-Net's lead.
    """
    psnr, l1, gan = ladder["psnr_mean"], ladder.loc[L1_RUNG], ladder.loc[GAN_RUNG]
    rows = [("PSNR", name, psnr[name], "dB", "") for name in LADDER]
    oracle_lead = psnr[L1_RUNG] - psnr[WIENER]
    rows.append(("PSNR", "L1 U-Net minus Wiener (oracle)", oracle_lead, "dB", _beats(oracle_lead)))
    realism = "what the cGAN draws"
    rows += [
        (realism, "perception distance, L1 U-Net", l1.perception, "x 1,000", "0: sharp texture"),
        (realism, "perception distance, cGAN", gan.perception, "x 1,000", ""),
        (realism, "cGAN over L1, perception", gan.perception / l1.perception, "times",
         "below 1: more like sharp faces' texture"),
        (realism, "cGAN over L1, spectral distance",
         gan.spectral_distance / l1.spectral_distance, "times", ""),
        (realism, "cGAN minus L1, PSNR", gan.psnr_mean - l1.psnr_mean, "dB", "what realism costs"),
        (realism, "discriminator loss, last quarter", disc_late, "nats",
         "below ln 2 = 0.69: D tells them apart" if disc_late < np.log(2) else "D cannot tell"),
        (realism, "checkerboard ratio, cGAN", gan.checkerboard_ratio, "x sharp", ""),
    ]  # fmt: skip
    rung = variants.iloc[0]  # the rung itself, first in the variants table
    for name, row in variants.iloc[1:].iterrows():
        rows += [
            (name, "PSNR minus the rung's", row.psnr_mean - rung.psnr_mean, "dB", ""),
            (name, "perception distance", row.perception, "x 1,000", ""),
        ]
    rows.append(("frontier", "restorers on it", len(frontier), "", ", ".join(frontier)[:50]))
    rows += [
        ("facades", f"PSNR, {name}", facades.loc[name, "psnr_mean"], "dB", "")
        for name in facades.index
    ]
    rows.append(("unknown blur", "fine-tuned U-Net minus the best guessed Wiener", unknown_lead,
                 "dB", _beats(unknown_lead)))  # fmt: skip
    return summary_table(rows)


# Notebook 03 ------------------------------------------------------------------------------


def _transfer_rows(transfer: pd.DataFrame | None) -> list[Row]:
    """Finding 1's rows: each one-group model's PSNR gain on each group (notebook 03)."""
    topic = "1. transfer between populations"
    if transfer is None:
        return [(topic, "not measured: these faces carry no population labels", float("nan"),
                 "", "")]  # fmt: skip
    gain = transfer["PSNR gain"]
    seen, unseen = gain["group 1", "group 1"], gain["group 1", "group 0"]
    yardstick, reverse = gain["group 0", "group 0"], gain["group 0", "group 1"]
    return [
        (topic, "trained on group 1, gain on group 1", seen, "dB", ""),
        (topic, "trained on group 1, gain on group 0 (never seen)", unseen, "dB",
         f"Finding 1 {verdict(unseen)}"),
        (topic, "trained on group 0, gain on group 0", yardstick, "dB", ""),
        (topic, "trained on group 0, gain on group 1", reverse, "dB", ""),
        (topic, "group 1's model on group 0, share of its own group's gain", 100 * unseen / seen,
         "%", ""),
        (topic, "group 0's model on group 1, share of its own group's gain",
         100 * reverse / yardstick, "%", ""),
    ]  # fmt: skip


def _colour_rows(shift_table: pd.DataFrame, luminance: pd.DataFrame) -> list[Row]:
    """Finding 2's rows: how far the photos' colours move, and toward what (notebook 03)."""
    topic = "2. colour of non-face photos"
    photo, face = shift_table.loc["non-face photos"], shift_table.loc["faces"]
    margin, toward = photo.chroma_shift - face.chroma_shift, photo.shift_toward
    return [
        (topic, "chroma shift, photos over faces", photo.chroma_shift / face.chroma_shift,
         "times", ""),
        (topic, "chroma shift, photos minus faces (more shift on photos)", margin, "a*b*",
         f"Finding 2 {verdict(margin, 'a*b*')}"),
        (topic, "mean projection toward the training faces' colour", toward, "a*b*",
         f"Finding 2 {verdict(toward, 'a*b*')}"),
        (topic, "luminance PSNR gain minus RGB PSNR gain on photos",
         luminance.loc["non-face photos", "colour cost (dB)"], "dB", "what colour costs there"),
    ]  # fmt: skip


def _blur_rows(matrix: pd.DataFrame) -> list[Row]:
    """Finding 3's rows, from the PSNR matrix of trained models x test blurs (notebook 03)."""
    topic = "3. blur mismatch"
    gaussian_test, nearest, bilinear = matrix.columns

    def lead(model: str, test: str) -> float:
        return matrix.loc[model, test] - matrix.loc["Gaussian only", test]

    failure, fix, bilinear_gap = (
        lead("resize only", nearest),
        lead("mixed", nearest),
        lead("resize only", bilinear),
    )
    singles = ["Gaussian only", "resize only"]
    mixed_gap = max(
        matrix.loc[singles, test].max() - matrix.loc["mixed", test]
        for test in (gaussian_test, nearest)
    )
    return [
        (topic, f"the failure: on {nearest}, resize model minus Gaussian-only model", failure,
         "dB", f"Finding 3 {verdict(failure)}"),
        (topic, f"on {bilinear}, resize model minus Gaussian-only model", bilinear_gap, "dB",
         "resize model ahead" if bilinear_gap > 0 else "resize model behind"),
        (topic, "mixed model behind the better single model on its two blurs, at most",
         mixed_gap, "dB", ""),
        (topic, f"the fix: on {nearest}, mixed model minus Gaussian-only model", fix, "dB",
         f"Finding 3 {verdict(fix)}"),
    ]  # fmt: skip


def notebook03(
    transfer: pd.DataFrame | None,
    shift_table: pd.DataFrame,
    luminance: pd.DataFrame,
    matrix: pd.DataFrame,
) -> pd.DataFrame:
    """Notebook 03's three findings, each verdict beside the margin it rests on.

    ``transfer`` is None where the faces carry no population labels.
    """
    return summary_table(
        _transfer_rows(transfer) + _colour_rows(shift_table, luminance) + _blur_rows(matrix)
    )


# Notebook 05 ------------------------------------------------------------------------------


def _deblur_rows(
    scores: pd.DataFrame, paired: Sequence[str], face_count: int, sigmas: tuple[float, float]
) -> list[Row]:
    """The deblurring rows: scores, gains, F's kernel and spectra (notebook 05).

    ``sigmas`` holds the spread of F's learned kernel and the sigma that blurred the faces.
    """
    best = scores.loc[list(paired), "psnr_gain"].idxmax()  # the best paired model by PSNR
    gain = scores["psnr_gain"]
    share, _ = recovered_share(gain[best], gain[UNPAIRED])
    held_out, unpaired = f"1. {face_count} held-out faces", "2. without pairs"
    spectral = "2. spectral distance (0 dB: the sharp faces' spectrum)"
    rows = [
        (held_out, f"{metric} of {name}", scores.loc[name, column], unit,
         "the best paired model by PSNR" if name == best else "")
        for metric, column, unit in (("PSNR", "psnr_mean", "dB"), ("SSIM", "ssim_mean", ""))
        for name in (BLURRED_INPUT, best, UNPAIRED)
    ]  # fmt: skip
    if np.isnan(share):
        shared = "no paired model beats its input: nothing to share"
    else:
        shared = "CycleGAN does not beat its input" if share == 0 else ""
    checkerboard = scores.loc[UNPAIRED, "checkerboard_ratio"]
    return rows + [
        (unpaired, f"PSNR gain of {best}", gain[best], "dB", ""),
        (unpaired, f"PSNR gain of {UNPAIRED}", gain[UNPAIRED], "dB", ""),
        (unpaired, f"{UNPAIRED} below {best}", gain[best] - gain[UNPAIRED], "dB", ""),
        (unpaired, "share of the paired gain that CycleGAN recovers", 100 * share, "%", shared),
        (unpaired, "sigma of F's learned kernel", sigmas[0], "pixels", ""),
        (unpaired, "sigma that blurred the faces", sigmas[1], "pixels", ""),
        (unpaired, f"checkerboard ratio of {UNPAIRED}", checkerboard, "",
         "1: as much as the sharp faces"),
        *((spectral, name, scores.loc[name, "spectral_distance"], "dB", "")
          for name in (BLURRED_INPUT, PIX2PIX, UNPAIRED)),
    ]  # fmt: skip


def _facade_rows(facades: pd.DataFrame, steps: tuple[int, int]) -> list[Row]:
    """The facades rows: gains over doing nothing and over a colour grade (notebook 05).

    ``facades`` holds ``score_facades``'s rows and the reference's ("..., reference");
    ``steps`` your run's steps and the reference's.
    """
    rows = [
        ("3. facades", f"PSNR gain of {output} over doing nothing",
         facades.loc[f"{style}: {output}", "psnr_gain"], "dB", f"against the true {style} photo")
        for style, output in FACADE_OUTPUTS.items()
    ]  # fmt: skip
    runs = {f"your {steps[0]}-step run": "", f"the {steps[1]:,}-step reference": ", reference"}
    for run, suffix in runs.items():
        topic = f"3. facades, {run}, minus matching each channel's mean and spread"
        for style, output in FACADE_OUTPUTS.items():
            grade = facades.loc[f"{style}: match {style}'s channel statistics"]
            made = facades.loc[f"{style}: {output}{suffix}"]
            psnr_gap, ssim_gap = made.psnr_mean - grade.psnr_mean, made.ssim_mean - grade.ssim_mean
            both = (
                "beats it in both" if psnr_gap > 0 and ssim_gap > 0 else "does not beat it in both"
            )
            rows += [(topic, f"PSNR of {output}", psnr_gap, "dB", both),
                     (topic, f"SSIM of {output}", ssim_gap, "", "")]  # fmt: skip
    return rows


def _pitfall_rows(pitfalls: pd.DataFrame, norm_table: pd.DataFrame) -> list[Row]:
    """The pitfalls' rows: each change set against the run-to-run spread (notebook 05)."""
    faster = "10x discriminator learning rate"
    topics = {"no identity loss": "4. pitfall: no identity loss", faster: f"6. pitfall: {faster}"}

    def against_spread(label: str, column: str, unit: str, note: str = "") -> Row:
        change = pitfalls.loc[label, column] - pitfalls.loc["baseline", column]
        spread = pitfalls.loc[PITFALL_SPREAD, column]
        size = "larger" if abs(change) > spread else "no larger"
        reading = f"{size} than the run-to-run spread, {spread:.3f}"
        return topics[label], f"change of {column}{note}", change, unit, reading

    largest = norm_table["largest change (dB)"]
    return [
        against_spread("no identity loss", "F(day) PSNR", "dB"),
        against_spread("no identity loss", "F(night) SSIM", ""),
        *(("5. pitfall: batch norm", f"largest PSNR change between ways of calling it, {name}",
           largest[name], "dB", "") for name in largest.index),
        against_spread(faster, "discriminator loss, last quarter", "", " (0.25: cannot tell)"),
        against_spread(faster, "generator GAN loss, last quarter", ""),
        against_spread(faster, "F(night) PSNR", "dB"),
        against_spread(faster, "F(night) SSIM", ""),
    ]  # fmt: skip


def notebook05(
    scores: pd.DataFrame,
    paired: Sequence[str],
    face_count: int,
    sigmas: tuple[float, float],
    *,
    facades: pd.DataFrame,
    facade_steps: tuple[int, int],
    pitfalls: pd.DataFrame,
    norm_table: pd.DataFrame,
) -> pd.DataFrame:
    """Notebook 05's numbers: deblurring with and without pairs, facades, the three pitfalls.

    ``sigmas``: F's learned kernel's and the data's; ``facade_steps``: your run's and the
    reference's.
    """
    return summary_table(
        _deblur_rows(scores, paired, face_count, sigmas)
        + _facade_rows(facades, facade_steps)
        + _pitfall_rows(pitfalls, norm_table)
    )


# Notebook 06 ------------------------------------------------------------------------------

UNKNOWN_UNET = "U-Net, fine-tuned for unknown blur"


def notebook06(
    steps: pd.DataFrame,
    plane: pd.DataFrame,
    frontier: Sequence[str],
    spread: pd.Series,
    unknown: pd.DataFrame,
) -> pd.DataFrame:
    """Notebook 06's numbers: one step against L1, the most realistic step count, the spread.

    Reads its ``ladder_table`` tables (by steps, the plane of every restorer, unknown blur),
    the frontier's rows and the mean spread by region (``notebook06.spread_by_region``).
    """
    iterative = steps.loc[[name for name in steps.index if name.startswith("iterative")]]
    one, realest = iterative.iloc[0], iterative.perception.idxmin()
    best = iterative.loc[realest]
    l1, gan = steps.loc[L1_RUNG], steps.loc[GAN_RUNG]
    lead = one.psnr_mean - l1.psnr_mean
    rows = [
        ("one step", "PSNR", one.psnr_mean, "dB", "the posterior mean"),
        ("one step", "minus the L1 U-Net's PSNR", lead, "dB",
         "as good as the regressor" if lead > -0.5 else "below the regressor"),
        ("most realistic", "steps", int(realest.split()[1]), "", realest),
        ("most realistic", "perception distance", best.perception, "x 1,000", "0: sharp texture"),
        ("most realistic", "over the L1 U-Net's perception", best.perception / l1.perception,
         "times", "below 1: more like sharp faces"),
        ("most realistic", "over the cGAN's perception", best.perception / gan.perception,
         "times", "below 1: beats pix2pix's realism"),
        ("most realistic", "PSNR minus the L1 U-Net's", best.psnr_mean - l1.psnr_mean, "dB",
         "what realism costs"),
        ("most realistic", "PSNR minus the autoencoder's",
         best.psnr_mean - plane.loc[AUTOENCODER, "psnr_mean"], "dB", ""),
    ]  # fmt: skip
    rest = spread["rest of the image"]
    rows += [("spread", f"{name} over the rest", spread[name] / rest, "times",
              "draws disagree most here" if spread[name] > rest else "")
             for name in spread.index if name != "rest of the image"]  # fmt: skip
    rows.append(("frontier", "restorers on it", len(frontier), "", ", ".join(frontier)[:50]))
    stepping = unknown.loc[[name for name in unknown.index if name.startswith("iterative")]]
    wiener = unknown.loc[[name for name in unknown.index if name.startswith("Wiener")]]
    best_psnr = stepping.psnr_mean.max()
    unet_lead = best_psnr - unknown.loc[UNKNOWN_UNET, "psnr_mean"]
    wiener_lead = best_psnr - wiener.psnr_mean.max()
    rows += [
        ("unknown blur", "best iterative minus fine-tuned U-Net", unet_lead, "dB",
         "within 0.5 dB" if abs(unet_lead) <= 0.5 or unet_lead > 0 else "more than 0.5 dB below"),
        ("unknown blur", "best iterative minus best guessed Wiener", wiener_lead, "dB",
         _beats(wiener_lead)),
    ]  # fmt: skip
    return summary_table(rows)
