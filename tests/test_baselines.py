import numpy as np
import pytest
import scipy.signal
from skimage import restoration

from course_lib import baselines, blur, metrics
from course_lib.procedural import faces

SIGMA = 2.0


@pytest.fixture(scope="module")
def sharp() -> np.ndarray:
    return faces.make_faces(16, 64, seed=0)[0]


@pytest.fixture(scope="module")
def blurred(sharp) -> np.ndarray:
    """Blurred at sigma 2 and rounded to 8 bits, as saved images are."""
    return blur.quantize_8bit(blur.gaussian_blur(sharp, SIGMA)).numpy()


@pytest.fixture(scope="module")
def validation() -> tuple[np.ndarray, np.ndarray]:
    """Other faces than the test ones: (blurred, sharp)."""
    sharp = faces.make_faces(16, 64, seed=1)[0]
    return blur.quantize_8bit(blur.gaussian_blur(sharp, SIGMA)).numpy(), sharp


def mean_psnr(reference: np.ndarray, images: np.ndarray) -> float:
    return float(metrics.psnr(reference, images).mean())


def test_gaussian_psf_sums_to_one_and_is_the_outer_product_of_the_kernel():
    psf = baselines.gaussian_psf(SIGMA)
    kernel = blur.gaussian_kernel(SIGMA)
    assert psf.shape == (17, 17)
    assert psf.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(psf, np.outer(kernel, kernel), rtol=1e-6)


@pytest.mark.parametrize("sigma", [0.8, 2.0, 3.3])
def test_convolving_a_delta_with_the_psf_reproduces_gaussian_blur(sigma):
    delta = np.zeros((1, 64, 64, 1), np.float32)
    delta[0, 30, 33, 0] = 1.0  # off centre, so a flipped or shifted PSF would show
    expected = blur.gaussian_blur(delta, sigma).numpy()[0, :, :, 0]
    convolved = scipy.signal.convolve2d(delta[0, :, :, 0], baselines.gaussian_psf(sigma), "same")
    np.testing.assert_allclose(convolved, expected, atol=1e-6)


@pytest.mark.parametrize("quantize", [False, True])
def test_richardson_lucy_with_the_true_sigma_raises_psnr(sharp, quantize):
    blurred = blur.gaussian_blur(sharp, SIGMA)
    blurred = (blur.quantize_8bit(blurred) if quantize else blurred).numpy()
    restored = baselines.richardson_lucy_deblur(blurred, SIGMA, iterations=50)
    assert restored.shape == sharp.shape and restored.dtype == np.float32
    assert restored.min() >= 0.0 and restored.max() <= 1.0
    assert mean_psnr(sharp, restored) > mean_psnr(sharp, blurred) + 1.5


def _blur_operator(size: int) -> np.ndarray:
    """The data's blur as a (size^2 x size^2) matrix, built by blurring each unit image."""
    units = np.eye(size * size, dtype=np.float32).reshape(size * size, size, size, 1)
    return blur.gaussian_blur(units, SIGMA).numpy().reshape(size * size, size * size).T


def test_richardson_lucy_is_the_textbook_update_with_the_datas_exact_blur():
    """x <- x * B^T (y / B x), with B the data's blur (reflect borders included) as a matrix."""
    size = 32
    operator = _blur_operator(size).astype(np.float64)
    sharp_small = faces.make_faces(1, size, seed=2)[0][0, :, :, 0].astype(np.float64)
    observed = (operator @ sharp_small.ravel()).clip(0, 1)
    estimate = np.full_like(observed, 0.5)
    for _ in range(10):
        estimate *= operator.T @ (observed / np.maximum(operator @ estimate, 1e-12))
    restored = baselines.richardson_lucy_deblur(observed.reshape(1, size, size, 1), SIGMA, 10)
    np.testing.assert_allclose(
        restored[0, :, :, 0], estimate.reshape(size, size).clip(0, 1), atol=1e-4
    )


def test_richardson_lucy_exact_borders_beat_the_zero_padded_library_call(sharp, blurred):
    psf = baselines.gaussian_psf(SIGMA)[np.newaxis, :, :, np.newaxis]
    library = restoration.richardson_lucy(blurred, psf, num_iter=50, clip=False)
    course = baselines.richardson_lucy_deblur(blurred, SIGMA, 50)
    assert mean_psnr(sharp, course) > mean_psnr(sharp, np.clip(library, 0, 1)) + 3.0


def test_richardson_lucy_tuning_matches_separate_runs(validation):
    """One run that records several iteration counts gives what separate runs give."""
    blurred_val, sharp_val = validation
    _, table = baselines.tune_richardson_lucy(blurred_val[:4], sharp_val[:4], SIGMA, (3, 7))
    for count in (3, 7):
        separate = mean_psnr(
            sharp_val[:4], baselines.richardson_lucy_deblur(blurred_val[:4], SIGMA, count)
        )
        assert table.loc[count, "psnr_mean"] == pytest.approx(separate, abs=1e-6)


def test_wiener_with_a_tuned_balance_raises_psnr(sharp, blurred, validation):
    balance, _ = baselines.tune_wiener(*validation, SIGMA)
    restored = baselines.wiener_deblur(blurred, SIGMA, balance)
    assert restored.shape == sharp.shape and restored.dtype == np.float32
    assert restored.min() >= 0.0 and restored.max() <= 1.0
    assert mean_psnr(sharp, restored) > mean_psnr(sharp, blurred) + 1.5


def test_wiener_boundary_handling_beats_the_unpadded_library_call(sharp, blurred):
    psf = baselines.gaussian_psf(SIGMA)
    unpadded = np.stack(
        [
            np.stack(
                [restoration.wiener(image[..., c], psf, 1e-3, clip=False) for c in range(3)],
                axis=-1,
            )
            for image in blurred
        ]
    )
    restored = baselines.wiener_deblur(blurred, SIGMA, 1e-3)
    assert mean_psnr(sharp, restored) > mean_psnr(sharp, np.clip(unpadded, 0, 1)) + 3.0


def test_tune_wiener_returns_the_best_validation_balance_and_its_table(validation):
    balances = (1e-4, 1e-2, 1.0)
    best, table = baselines.tune_wiener(*validation, SIGMA, balances=balances)
    assert list(table.index) == list(balances)
    assert list(table.columns) == ["psnr_mean", "psnr_std"]
    assert best == table["psnr_mean"].idxmax()
    assert table["psnr_mean"].nunique() == len(balances)
    blurred_val, sharp_val = validation
    recomputed = mean_psnr(sharp_val, baselines.wiener_deblur(blurred_val, SIGMA, best))
    assert table.loc[best, "psnr_mean"] == pytest.approx(recomputed, abs=1e-4)


def test_tune_richardson_lucy_returns_the_best_validation_iterations_and_table(validation):
    counts = (30, 2, 8)
    best, table = baselines.tune_richardson_lucy(*validation, SIGMA, iterations=counts)
    assert list(table.index) == list(counts)
    assert isinstance(best, int)
    assert best == table["psnr_mean"].idxmax()
    assert table.loc[best, "psnr_mean"] == table["psnr_mean"].max() > table["psnr_mean"].min()
    blurred_val, sharp_val = validation
    recomputed = mean_psnr(sharp_val, baselines.richardson_lucy_deblur(blurred_val, SIGMA, best))
    assert table.loc[best, "psnr_mean"] == pytest.approx(recomputed, abs=1e-4)


def test_tuning_rejects_mismatched_validation_images(validation):
    blurred_val, sharp_val = validation
    with pytest.raises(ValueError, match="same shape"):
        baselines.tune_wiener(blurred_val[:4], sharp_val, SIGMA)


@pytest.mark.parametrize(
    "deblur, parameter",
    [(baselines.richardson_lucy_deblur, 50), (baselines.wiener_deblur, 1e-3)],
)
def test_a_much_wrong_sigma_does_worse_than_the_true_sigma(sharp, blurred, deblur, parameter):
    true_sigma = mean_psnr(sharp, deblur(blurred, SIGMA, parameter))
    wrong_sigma = mean_psnr(sharp, deblur(blurred, 2 * SIGMA, parameter))
    assert wrong_sigma < true_sigma - 3.0


def test_a_kernel_wider_than_the_image_still_deblurs():
    sharp = faces.make_faces(2, 32, seed=0)[0]
    blurred = blur.gaussian_blur(sharp, 10.0).numpy()  # radius 40 > 32 pixels
    for restored in (
        baselines.wiener_deblur(blurred, 10.0, 1e-4),
        baselines.richardson_lucy_deblur(blurred, 10.0, 20),
    ):
        assert restored.shape == sharp.shape
        assert mean_psnr(sharp, restored) > mean_psnr(sharp, blurred)


def test_noise_lowers_the_gain_of_richardson_lucy(sharp, blurred):
    noisy = baselines.add_noise(blurred, std=0.02, seed=0)
    clean_gain = mean_psnr(sharp, baselines.richardson_lucy_deblur(blurred, SIGMA, 50)) - (
        mean_psnr(sharp, blurred)
    )
    noisy_gain = mean_psnr(sharp, baselines.richardson_lucy_deblur(noisy, SIGMA, 50)) - (
        mean_psnr(sharp, noisy)
    )
    assert noisy_gain < clean_gain - 0.3


def test_add_noise_is_seeded_clipped_and_of_the_requested_strength():
    grey = np.full((4, 32, 32, 3), 0.5, np.float32)
    noisy = baselines.add_noise(grey, std=0.05, seed=3)
    assert noisy.dtype == np.float32
    np.testing.assert_array_equal(noisy, baselines.add_noise(grey, std=0.05, seed=3))
    assert not np.array_equal(noisy, baselines.add_noise(grey, std=0.05, seed=4))
    assert (noisy - grey).std() == pytest.approx(0.05, rel=0.05)
    extremes = baselines.add_noise(np.ones_like(grey), std=0.5, seed=0)
    assert extremes.max() == 1.0 and extremes.min() >= 0.0
    np.testing.assert_array_equal(baselines.add_noise(grey, std=0.0), grey)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: baselines.wiener_deblur(x[0], SIGMA, 1e-3), "shaped"),
        (lambda x: baselines.wiener_deblur(x, SIGMA, 0.0), "balance"),
        (lambda x: baselines.richardson_lucy_deblur(x, SIGMA, 0), "iterations"),
        (lambda x: baselines.richardson_lucy_deblur(x * 255, SIGMA, 5), r"\[0, 1\]"),
        (lambda x: baselines.add_noise(x, std=-0.1, seed=0), "std"),
    ],
)
def test_bad_arguments_raise_clear_errors(blurred, call, message):
    with pytest.raises(ValueError, match=message):
        call(blurred)


def test_matching_channel_statistics_moves_one_domains_colours_to_the_others():
    rng = np.random.default_rng(0)
    day = rng.uniform(0.4, 0.9, (6, 8, 8, 3)).astype(np.float32)
    night = (0.3 * day[::-1] + np.array([0.05, 0.05, 0.15])).astype(np.float32)
    matched = baselines.match_channel_statistics(day, day, night)
    np.testing.assert_allclose(matched.mean(axis=(0, 1, 2)), night.mean(axis=(0, 1, 2)), atol=1e-5)
    np.testing.assert_allclose(matched.std(axis=(0, 1, 2)), night.std(axis=(0, 1, 2)), atol=1e-5)
    assert matched.min() >= 0 and matched.max() <= 1
    with pytest.raises(ValueError):
        baselines.match_channel_statistics(day[0], day, night)  # one image, not a batch
