import numpy as np
import pandas as pd
import pytest

from course_lib import blur, evaluation, metrics
from course_lib.procedural import faces


@pytest.fixture(scope="module")
def sharp() -> np.ndarray:
    return faces.make_faces(16, 32, seed=0)[0]


@pytest.fixture(scope="module")
def candidates(sharp) -> dict[str, np.ndarray]:
    blurred = blur.quantize_8bit(blur.gaussian_blur(sharp, 2.0)).numpy()
    return {
        "blurred input": blurred,
        "halfway": (blurred + sharp) / 2,  # a stand-in restorer, better than its input
        "perfect": sharp.copy(),
    }


def test_evaluate_has_one_row_per_candidate_and_the_documented_columns(sharp, candidates):
    table = evaluation.evaluate(sharp, candidates)
    assert list(table.index) == list(candidates)
    assert list(table.columns) == [
        "psnr_mean",
        "psnr_std",
        "ssim_mean",
        "ssim_std",
        "psnr_gain",
    ]


def test_evaluate_matches_the_course_metrics(sharp, candidates):
    table = evaluation.evaluate(sharp, candidates)
    psnr = metrics.psnr(sharp, candidates["halfway"])
    ssim = metrics.ssim(sharp, candidates["halfway"])
    row = table.loc["halfway"]
    assert row["psnr_mean"] == pytest.approx(psnr.mean(), abs=1e-4)
    assert row["psnr_std"] == pytest.approx(psnr.std(), abs=1e-4)
    assert row["ssim_mean"] == pytest.approx(ssim.mean(), abs=1e-5)
    assert row["ssim_std"] == pytest.approx(ssim.std(), abs=1e-5)


def test_identical_images_score_ssim_one_and_infinite_psnr(sharp, candidates):
    row = evaluation.evaluate(sharp, candidates).loc["perfect"]
    assert row["ssim_mean"] == pytest.approx(1.0, abs=1e-6)
    assert row["ssim_std"] == pytest.approx(0.0, abs=1e-6)
    assert np.isinf(row["psnr_mean"])


def test_psnr_gain_is_measured_against_the_blurred_input(sharp, candidates):
    table = evaluation.evaluate(sharp, candidates)
    assert table.loc["blurred input", "psnr_gain"] == 0.0
    expected = table.loc["halfway", "psnr_mean"] - table.loc["blurred input", "psnr_mean"]
    assert table.loc["halfway", "psnr_gain"] == pytest.approx(expected)
    assert table.loc["halfway", "psnr_gain"] > 0


def test_psnr_gain_is_nan_without_a_blurred_input_row(sharp, candidates):
    table = evaluation.evaluate(sharp, {"halfway": candidates["halfway"]})
    assert table["psnr_gain"].isna().all()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"cropped": np.zeros((16, 31, 32, 3), np.float32)}, "'cropped' has shape"),
        ({"fewer": np.zeros((8, 32, 32, 3), np.float32)}, "'fewer' has shape"),
        ({"one image": np.zeros((32, 32, 3), np.float32)}, "shaped"),
        ({"broken": np.full((16, 32, 32, 3), np.nan, np.float32)}, "NaN"),
        ({}, "empty"),
    ],
)
def test_evaluate_rejects_bad_candidates(sharp, bad, message):
    with pytest.raises(ValueError, match=message):
        evaluation.evaluate(sharp, bad)


def test_evaluate_rejects_a_single_sharp_image(sharp, candidates):
    with pytest.raises(ValueError, match="shaped"):
        evaluation.evaluate(sharp[0], candidates)


def test_psnr_by_strength_scores_input_and_restoration_per_sigma(sharp):
    sigmas = [1.0, 2.0, 4.0]
    table = evaluation.psnr_by_strength(lambda blurred: (blurred + sharp) / 2, sharp, sigmas)
    assert list(table.index) == sigmas
    assert list(table.columns) == ["psnr_blurred", "psnr_restored", "psnr_gain"]
    assert table["psnr_blurred"].is_monotonic_decreasing
    assert (table["psnr_gain"] > 0).all()
    blurred = blur.quantize_8bit(blur.gaussian_blur(sharp, 2.0)).numpy()
    assert table.loc[2.0, "psnr_blurred"] == pytest.approx(
        metrics.psnr(sharp, blurred).mean(), abs=1e-4
    )


def test_psnr_by_strength_gives_zero_gain_to_doing_nothing(sharp):
    table = evaluation.psnr_by_strength(lambda blurred: blurred, sharp, [1.5, 3.0])
    np.testing.assert_allclose(table["psnr_gain"], 0.0, atol=1e-6)


@pytest.mark.parametrize("quantize", [True, False])
def test_psnr_by_strength_quantizes_the_input_only_when_asked(sharp, quantize):
    seen = []

    def restore(blurred: np.ndarray) -> np.ndarray:
        seen.append(blurred)
        return blurred

    evaluation.psnr_by_strength(restore, sharp, [2.0], quantize=quantize)
    levels = seen[0] * 255
    on_8_bit_grid = np.allclose(levels, np.round(levels), atol=1e-3)
    assert on_8_bit_grid == quantize


def test_psnr_by_strength_rejects_a_restorer_that_changes_the_shape(sharp):
    with pytest.raises(ValueError, match="restore returned shape"):
        evaluation.psnr_by_strength(lambda blurred: blurred[:, :16], sharp, [2.0])


def test_psnr_matrix_has_one_row_per_restorer_and_one_column_per_test_set():
    from course_lib.metrics import psnr

    rng = np.random.default_rng(0)
    sharp = rng.random((4, 16, 16, 3), dtype=np.float32)
    blurred_sets = {"light": sharp * 0.9, "strong": sharp * 0.5}
    restorers = {"identity": lambda x: x, "halve": lambda x: x * 0.5}
    table = evaluation.psnr_matrix(sharp, restorers, blurred_sets)
    assert list(table.index) == ["identity", "halve"] and list(table.columns) == ["light", "strong"]
    expected = psnr(sharp, sharp * 0.9 * 0.5).mean()
    assert table.loc["halve", "light"] == pytest.approx(expected, rel=1e-5)


def test_ladder_table_scores_spectra_and_checkerboards():
    sharp = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    blurred = blur.gaussian_blur(sharp, 2.0).numpy()
    checkered = np.clip(blurred + 0.2 * (np.indices((32, 32)).sum(0) % 2)[..., None], 0, 1)
    table = evaluation.ladder_table(
        sharp, {"blurred": blurred, "checkered": checkered, "flipped": sharp[:, ::-1]}
    )
    assert list(table.columns) == list(evaluation.LADDER_COLUMNS)
    assert list(table.index) == ["blurred", "checkered", "flipped"]
    assert table.loc["flipped", "spectral_distance"] == pytest.approx(0.0, abs=1e-3)
    assert table.loc["blurred", "spectral_distance"] > 10
    assert table.loc["flipped", "checkerboard_ratio"] == pytest.approx(1.0, rel=1e-4)
    assert (
        table.loc["checkered", "checkerboard_ratio"]
        > 1.5
        > table.loc["blurred", "checkerboard_ratio"]
    )
    assert table.loc["flipped", "psnr_mean"] < table.loc["blurred", "psnr_mean"]
    assert table.loc["flipped", "perception"] < table.loc["blurred", "perception"]


def test_frontier_keeps_the_rows_no_other_row_beats_in_psnr_and_perception():
    table = pd.DataFrame(
        {
            "psnr_mean": [20.0, 25.0, 24.0, 22.0, 26.0],
            "perception": [300.0, 80.0, 50.0, 90.0, 100.0],
        },
        index=["input", "cgan", "sharper cgan", "dominated", "l1"],
    )
    assert evaluation.frontier(table) == ["sharper cgan", "cgan", "l1"]
    with pytest.raises(ValueError, match="no column"):
        evaluation.frontier(table, realism="swd")
