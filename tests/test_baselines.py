import numpy as np
import pytest
import scipy.signal
from skimage import restoration

from course_lib import baselines, blur, faces, metrics

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


def test_richardson_lucy_batched_matches_the_library_per_channel(blurred):
    """Deconvolving all images and channels in one call changes nothing but the speed."""
    pad = baselines.RICHARDSON_LUCY_PAD_RADII * blur.gaussian_radius(SIGMA)
    images = blurred[:2]
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    psf = baselines.gaussian_psf(SIGMA)
    expected = np.stack(
        [
            np.stack(
                [
                    restoration.richardson_lucy(image[..., c], psf, num_iter=10, clip=False)
                    for c in range(3)
                ],
                axis=-1,
            )
            for image in padded
        ]
    )
    expected = np.clip(expected[:, pad:-pad, pad:-pad], 0, 1)
    np.testing.assert_allclose(
        baselines.richardson_lucy_deblur(images, SIGMA, 10), expected, atol=1e-4
    )


def test_richardson_lucy_padding_beats_the_unpadded_library_call(sharp, blurred):
    psf = baselines.gaussian_psf(SIGMA)[np.newaxis, :, :, np.newaxis]
    unpadded = restoration.richardson_lucy(blurred, psf, num_iter=50, clip=False)
    padded = baselines.richardson_lucy_deblur(blurred, SIGMA, 50)
    assert mean_psnr(sharp, padded) > mean_psnr(sharp, np.clip(unpadded, 0, 1)) + 3.0


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
