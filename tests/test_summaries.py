"""Tests for course_lib.experiments.summaries: the tables that close notebooks 02 to 06.

Each summary reads small score tables made here, shaped like the notebooks' own.
"""

import numpy as np
import pandas as pd
import pytest

from course_lib.experiments import notebook05, summaries


def scores(psnr: dict[str, float], **columns: dict[str, float]) -> pd.DataFrame:
    """A score table like ``evaluation.evaluate``'s: psnr_mean, psnr_gain over the blurred input."""
    table = pd.DataFrame({"psnr_mean": psnr, **columns})
    table["psnr_gain"] = table.psnr_mean - table.loc["blurred input", "psnr_mean"]
    return table


def test_summary_table_indexes_rows_by_topic_and_measure_and_refuses_a_repeat():
    table = summaries.summary_table([("a", "x", 1, "dB", "up"), ("a", "y", 2.5, "", "")])
    assert table.index.names == ["topic", "measure"]
    assert list(table.columns) == list(summaries.COLUMNS)
    assert table.loc[("a", "x"), "value"] == 1.0 and table.value.dtype == float
    with pytest.raises(ValueError, match="once"):
        summaries.summary_table([("a", "x", 1, "", ""), ("a", "x", 2, "", "")])
    with pytest.raises(ValueError, match="at least one"):
        summaries.summary_table([])


def test_summary_table_refuses_a_reading_that_pandas_would_cut():
    fits = "x" * summaries.READING_WIDTH
    assert summaries.summary_table([("a", "x", 1, "", fits)]).reading.iloc[0] == fits
    with pytest.raises(ValueError, match="would be cut"):
        summaries.summary_table([("a", "x", 1, "", fits + "x")])


def notebook02_tables(gains_by_sigma: list[float]) -> tuple[pd.DataFrame, ...]:
    table = scores(
        {
            "blurred input": 24.0,
            summaries.WIENER: 27.0,
            summaries.RICHARDSON_LUCY: 26.0,
            summaries.AUTOENCODER: 25.5,
        }
    )
    robust = scores(
        {
            "blurred input": 24.0,
            summaries.WRONG_SIGMA: 22.0,
            summaries.NOISY[0]: 23.0,
            summaries.NOISY[1]: 25.0,
        }
    )
    sigmas = [1.0, 2.0, 3.0][: len(gains_by_sigma)]
    by_strength = pd.DataFrame({"psnr_gain": gains_by_sigma}, index=pd.Index(sigmas, name="sigma"))
    return table, robust, by_strength


def test_notebook02_summary_keeps_every_score_and_says_whom_the_autoencoder_beats():
    table, robust, by_strength = notebook02_tables([-0.5, 1.0, 2.0])
    half_power = {summaries.AUTOENCODER: 0.1, "blurred input": 0.08, summaries.RICHARDSON_LUCY: 0.2}
    summary = summaries.notebook02(table, robust, by_strength, half_power, 30.0, 2.0)
    assert summary.loc["PSNR at sigma 2", "value"].to_dict() == table.psnr_mean.to_dict()
    lead = summary.loc["PSNR of the autoencoder minus that of"]
    assert lead.value.tolist() == [1.5, -0.5, -1.5]  # the blurred input, RL, Wiener
    assert lead.reading.tolist() == ["beats it", "does not beat it", "does not beat it"]
    strengths = summary.loc["other blur strengths"]
    assert strengths.value.tolist() == [2.0, 30.0]
    gains = summary.loc["PSNR gain over the blurred input", "value"]
    assert gains.tolist() == [-2.0, -1.0, 1.0]


def test_notebook02_summary_says_never_when_the_autoencoder_loses_at_every_strength():
    table, robust, by_strength = notebook02_tables([-0.5, -0.1])
    half_power = dict.fromkeys(table.index, 0.1)
    summary = summaries.notebook02(table, robust, by_strength, half_power, 30.0, 2.0)
    row = summary.loc[("other blur strengths", "first sigma where the autoencoder beats its input")]
    assert np.isnan(row.value) and row.reading == "never, at sigma 1 to 2"


def notebook03_tables(groups: bool = True) -> tuple[pd.DataFrame | None, ...]:
    gains = {
        ("group 1", "group 0"): 1.0,
        ("group 1", "group 1"): 1.25,
        ("group 0", "group 0"): 2.0,
        ("group 0", "group 1"): 0.5,
    }
    transfer = pd.DataFrame({"PSNR gain": gains}) if groups else None
    shift = pd.DataFrame(
        {"chroma_shift": [2.0, 8.0], "shift_toward": [1.0, 6.5]}, index=["faces", "non-face photos"]
    )
    luminance = pd.DataFrame({"colour cost (dB)": [0.4, 1.9]}, index=shift.index)
    matrix = pd.DataFrame(
        {
            "Gaussian sigma 2": [26.0, 24.0, 25.8],
            "resize x4, nearest": [22.5, 25.3, 22.0],
            "resize x4, bilinear": [25.7, 23.6, 25.4],
        },
        index=["Gaussian only", "resize only", "mixed"],
    )
    return transfer, shift, luminance, matrix


def test_notebook03_summary_sets_each_finding_verdict_beside_its_margin():
    summary = summaries.notebook03(*notebook03_tables())
    verdicts = summary[summary.reading.str.startswith("Finding")]
    assert verdicts.reading.tolist() == [
        "Finding 1 holds (by 1.00 dB)",
        "Finding 2 holds (by 6.00 a*b*)",
        "Finding 2 holds (by 6.50 a*b*)",
        "Finding 3 holds (by 2.80 dB)",
        "Finding 3 does not hold here, by 0.50 dB",
    ]
    assert verdicts.value.tolist() == pytest.approx([1.0, 6.0, 6.5, 2.8, -0.5])
    shares = summary.loc["1. transfer between populations", "value"].iloc[-2:]
    assert shares.tolist() == [80.0, 25.0]
    blur = summary.loc["3. blur mismatch", "value"]
    mixed = blur["mixed model behind the better single model on its two blurs, at most"]
    assert mixed == pytest.approx(3.3)


def test_notebook03_summary_without_groups_says_finding_1_is_not_measured():
    summary = summaries.notebook03(*notebook03_tables(groups=False))
    transfer = summary.loc["1. transfer between populations"]
    assert len(transfer) == 1 and transfer.index[0].startswith("not measured")
    assert np.isnan(transfer.value.iloc[0])


def notebook05_tables(cyclegan_psnr: float) -> dict[str, object]:
    paired = ["autoencoder (02, paired)", "U-Net L1 (04, paired)", summaries.PIX2PIX]
    psnr = dict(
        zip(
            ["blurred input", *paired, summaries.UNPAIRED],
            [24.0, 25.0, 27.0, 26.5, cyclegan_psnr],
            strict=True,
        )
    )
    ladder = {
        column: dict.fromkeys(psnr, value)
        for column, value in (
            ("ssim_mean", 0.8),
            ("spectral_distance", 5.0),
            ("checkerboard_ratio", 1.0),
        )
    }
    rows = [
        "night: G(day)",
        "night: match night's channel statistics",
        "night: G(day), reference",
        "day: F(night)",
        "day: match day's channel statistics",
        "day: F(night), reference",
    ]
    facades = pd.DataFrame(
        {
            "psnr_mean": [20, 21, 23, 19, 18, 22],
            "ssim_mean": [0.5, 0.6, 0.7, 0.5, 0.4, 0.6],
            "psnr_gain": [1, 2, 4, 3, 2, 6],
        },
        index=rows,
    )
    columns = [
        "F(day) PSNR",
        "F(night) SSIM",
        "discriminator loss, last quarter",
        "generator GAN loss, last quarter",
        "F(night) PSNR",
    ]
    pitfalls = pd.DataFrame(
        [
            [30.0, 0.6, 0.24, 0.3, 20.0],
            [30.1, 0.61, 0.23, 0.31, 20.1],
            [20.0, 0.4, 0.24, 0.3, 20.0],
            [30.0, 0.6, 0.1, 0.6, 19.0],
            [0.1, 0.01, 0.01, 0.01, 0.1],
        ],
        index=[
            "baseline",
            "baseline, second seed",
            "no identity loss",
            "10x discriminator learning rate",
            notebook05.PITFALL_SPREAD,
        ],
        columns=columns,
    )
    norm = pd.DataFrame(
        {"largest change (dB)": [1.0, 0.0]},
        index=["batch norm (autoencoder, 02)", "instance norm (facades G)"],
    )
    return {
        "scores": scores(psnr, **ladder),
        "paired": paired,
        "facades": facades,
        "pitfalls": pitfalls,
        "norm_table": norm,
    }


def summary05(cyclegan_psnr: float) -> pd.DataFrame:
    tables = notebook05_tables(cyclegan_psnr)
    return summaries.notebook05(
        tables.pop("scores"),
        tables.pop("paired"),
        64,
        (1.5, 2.0),
        facade_steps=(192, 2304),
        **tables,
    )


def test_notebook05_summary_names_the_best_paired_model_and_the_share_cyclegan_recovers():
    summary = summary05(cyclegan_psnr=25.5)
    faces = summary.loc["1. 64 held-out faces"]
    best = faces.loc["PSNR of U-Net L1 (04, paired)"]
    assert best.value == 27.0 and best.reading == "the best paired model by PSNR"
    unpaired = summary.loc["2. without pairs", "value"]
    assert unpaired["share of the paired gain that CycleGAN recovers"] == 50.0
    assert unpaired[f"{summaries.UNPAIRED} below U-Net L1 (04, paired)"] == 1.5
    losing = summary05(cyclegan_psnr=23.0).loc["2. without pairs"]
    share = losing.loc["share of the paired gain that CycleGAN recovers"]
    assert share.value == 0.0 and share.reading == "CycleGAN does not beat its input"


def test_notebook05_summary_sets_facades_against_the_grade_and_pitfalls_against_the_spread():
    summary = summary05(cyclegan_psnr=25.5)
    grade = "minus matching each channel's mean and spread"
    yours = summary.loc[f"3. facades, your 192-step run, {grade}"]
    assert yours.loc["PSNR of G(day)", "reading"] == "does not beat it in both"
    assert yours.loc["SSIM of G(day)", "value"] == pytest.approx(-0.1)
    assert yours.loc["PSNR of F(night)", "reading"] == "beats it in both"
    reference = summary.loc[f"3. facades, the 2,304-step reference, {grade}"]
    assert reference.loc["PSNR of G(day)", "value"] == 2.0
    identity = summary.loc["4. pitfall: no identity loss"]
    assert identity.loc["change of F(day) PSNR", "value"] == -10.0
    assert identity.loc["change of F(day) PSNR", "reading"].startswith("larger than")
    faster = summary.loc["6. pitfall: 10x discriminator learning rate", "reading"]
    losing_discriminator = faster["change of discriminator loss, last quarter (0.25: cannot tell)"]
    assert losing_discriminator == "larger than the run-to-run spread, 0.010"
    assert faster["change of F(night) SSIM"].startswith("no larger")


def ladder(psnr: list[float], perception: list[float], names: tuple[str, ...]) -> pd.DataFrame:
    """A table like ``evaluation.ladder_table``'s for the named rows."""
    return pd.DataFrame(
        {"psnr_mean": psnr, "perception": perception,
         "spectral_distance": np.linspace(8, 1, len(names)),
         "checkerboard_ratio": [0.5] * len(names)},
        index=list(names),
    )  # fmt: skip


def test_notebook04_summary_states_what_the_cgan_draws_and_what_it_costs():
    rungs = ladder([24.0, 28.0, 26.0, 29.6, 29.1], [320, 94, 115, 76, 38], summaries.LADDER)
    variants = ladder([29.1, 28.5], [38, 19], ("lambda 100", "lambda 10"))
    facades = ladder([15.3, 14.9], [272, 288], ("U-Net, L1", "U-Net, L1 + cGAN"))
    table = summaries.notebook04(rungs, variants, ["lambda 10", "lambda 100"], 0.58, facades, 2.5)
    realism = table.loc["what the cGAN draws"]
    assert realism.loc["cGAN over L1, perception", "value"] == pytest.approx(0.5)
    assert realism.loc["cGAN minus L1, PSNR", "value"] == pytest.approx(-0.5)
    assert "D tells" in realism.loc["discriminator loss, last quarter", "reading"]
    assert table.loc[("lambda 10", "PSNR minus the rung's"), "value"] == pytest.approx(-0.6)
    assert table.loc[("PSNR", "L1 U-Net minus Wiener (oracle)"), "reading"] == "beats it"
    assert table.loc[("frontier", "restorers on it"), "reading"] == "lambda 10, lambda 100"


def test_notebook06_summary_finds_the_most_realistic_steps_and_reads_the_spread():
    from course_lib.experiments.notebook06 import ONE_STEP

    steps = pd.DataFrame(
        {
            "psnr_mean": [29.6, 29.8, 31.0, 30.5, 30.0],
            "perception": [77.0, 30.0, 48.0, 28.0, 18.0],
        },
        index=["U-Net, L1", "U-Net, L1 + cGAN", ONE_STEP, "iterative, 4 steps",
               "iterative, 16 steps"],
    )  # fmt: skip
    plane = pd.concat(
        [steps, pd.DataFrame({"psnr_mean": [26.2], "perception": [150.0]},
                             index=[summaries.AUTOENCODER])]
    )  # fmt: skip
    spread = pd.Series({"eyes": 0.03, "mouth": 0.01, "rest of the image": 0.005})
    unknown = pd.DataFrame(
        {"psnr_mean": [24.6, 25.9, 28.4, 28.3, 27.5]},
        index=["blurred input", "Wiener, guessed sigma 2", summaries.UNKNOWN_UNET, ONE_STEP,
               "iterative, 16 steps"],
    )  # fmt: skip
    table = summaries.notebook06(steps, plane, [ONE_STEP, "iterative, 16 steps"], spread, unknown)
    assert table.loc[("most realistic", "steps"), "value"] == 16
    assert table.loc[("most realistic", "over the cGAN's perception"), "value"] == pytest.approx(
        0.6
    )
    assert table.loc[("one step", "minus the L1 U-Net's PSNR"), "value"] == pytest.approx(1.4)
    assert table.loc[("spread", "eyes over the rest"), "value"] == pytest.approx(6.0)
    assert table.loc[("most realistic", "PSNR minus the autoencoder's"), "value"] == pytest.approx(
        3.8
    )
    unknown_rows = table.loc["unknown blur"]
    assert unknown_rows.loc["best iterative minus fine-tuned U-Net", "value"] == pytest.approx(-0.1)
    assert unknown_rows.loc["best iterative minus best guessed Wiener", "reading"] == "beats it"
