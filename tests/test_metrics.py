import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from course_lib import metrics


def test_psnr_matches_scikit_image(random_images):
    noisy = np.clip(random_images + 0.05, 0, 1)
    pairs = zip(random_images, noisy, strict=True)
    expected = [peak_signal_noise_ratio(a, b, data_range=1.0) for a, b in pairs]
    np.testing.assert_allclose(metrics.psnr(random_images, noisy), expected, rtol=1e-4)


def test_psnr_of_a_single_image_is_a_scalar(random_images):
    assert np.ndim(metrics.psnr(random_images[0], random_images[0] * 0.9)) == 0


def test_ssim_is_one_for_identical_images_and_lower_for_noise(random_images):
    assert metrics.ssim(random_images, random_images) == pytest.approx(1.0, abs=1e-6)
    smooth = np.full_like(random_images, 0.5)
    assert metrics.ssim(random_images, smooth).max() < 0.1


def test_ssim_is_close_to_scikit_image_on_smooth_images():
    x = np.linspace(0, 1, 64, dtype=np.float32)
    image = np.stack([np.outer(x, x)] * 3, axis=-1)
    degraded = np.clip(image + 0.1 * np.sin(20 * image), 0, 1).astype(np.float32)
    expected = structural_similarity(
        image,
        degraded,
        data_range=1.0,
        channel_axis=-1,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    assert metrics.ssim(image, degraded) == pytest.approx(expected, abs=0.02)


def test_metrics_reject_mismatched_shapes(random_images):
    with pytest.raises(ValueError, match="Shapes differ"):
        metrics.psnr(random_images, random_images[:2])


def test_radial_power_of_a_cosine_peaks_at_its_frequency():
    size = 32
    x = np.arange(size)
    stripes = np.cos(2 * np.pi * 4 * x / size)[None, :] * np.ones((size, 1))
    image = np.repeat(stripes[..., None], 3, axis=-1).astype(np.float32)
    frequencies, power = metrics.radial_power(image)
    assert frequencies[power.argmax()] == pytest.approx(4 / size)
    assert frequencies[0] == 0 and frequencies[-1] == pytest.approx(0.5)


def test_sharpness_ratio_is_one_for_the_sharp_images_and_lower_when_blurred(random_images):
    from course_lib.blur import gaussian_blur

    assert metrics.sharpness_ratio(random_images, random_images) == pytest.approx(1.0)
    blurred = gaussian_blur(random_images, 1.5).numpy()
    assert metrics.sharpness_ratio(random_images, blurred) < 0.05
    noisy = random_images + np.random.default_rng(1).normal(0, 0.2, random_images.shape)
    assert metrics.sharpness_ratio(random_images, noisy.astype(np.float32)) > 1.0


def test_checkerboard_ratio_finds_a_period_two_pattern():
    size = 32
    rows, columns = np.indices((size, size))
    waves = 0.5 + 0.2 * np.cos(2 * np.pi * rows / size) * np.sin(4 * np.pi * columns / size)
    noise = np.random.default_rng(1).uniform(-1, 1, (2, size, size, 3))
    smooth = waves[None, :, :, None] + 0.01 * noise  # with a little noise
    board = 0.05 * ((rows + columns) % 2 - 0.5)[None, :, :, None]
    assert metrics.checkerboard_ratio(smooth, smooth) == pytest.approx(1.0)
    assert metrics.checkerboard_ratio(smooth, smooth + board) > 10
    with pytest.raises(ValueError, match="equal"):
        metrics.checkerboard_ratio(smooth, smooth[:1])


def test_spectral_distance_counts_missing_detail_and_added_artefacts_alike(random_images):
    from course_lib.blur import gaussian_blur

    assert metrics.spectral_distance(random_images, random_images) == pytest.approx(0.0)
    doubled = metrics.spectral_distance(random_images, random_images * 2 - random_images.mean())
    halved = metrics.spectral_distance(random_images, random_images / 2 + random_images.mean() / 2)
    assert doubled == pytest.approx(halved, rel=1e-3)  # 4x the power or a quarter: both 6 dB
    assert doubled == pytest.approx(10 * np.log10(4), rel=1e-3)
    blurred = gaussian_blur(random_images, 2.0).numpy()
    assert metrics.spectral_distance(random_images, blurred) > 10


def test_colour_artefact_counts_coloured_speckles_not_grey_ones_or_smooth_tints():
    rng = np.random.default_rng(0)
    sharp = rng.random((4, 32, 32, 3)).astype(np.float32) * 0.5 + 0.25
    speckles = rng.normal(0, 0.05, (4, 32, 32, 3)).astype(np.float32)
    grey_speckles = np.repeat(speckles[..., :1], 3, axis=-1)
    tint = np.zeros_like(sharp) + np.array([0.05, -0.05, 0.0], np.float32)
    assert metrics.colour_artefact(sharp, sharp) == pytest.approx(0.0, abs=1e-9)
    assert metrics.colour_artefact(sharp, sharp + grey_speckles) == pytest.approx(0.0, abs=1e-4)
    assert metrics.colour_artefact(sharp, sharp + tint) == pytest.approx(0.0, abs=1e-4)
    assert metrics.colour_artefact(sharp, sharp + speckles) > 5.0  # grey levels


def test_colour_artefact_wants_rgb_batches_of_one_shape():
    with pytest.raises(ValueError, match="RGB"):
        metrics.colour_artefact(np.zeros((2, 8, 8, 1)), np.zeros((2, 8, 8, 1)))


def _plain_nyquist_power(images: np.ndarray) -> float:
    grey = images.mean(axis=-1)
    grey = grey - grey.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(grey)) ** 2
    row, column = grey.shape[1] // 2, grey.shape[2] // 2
    return power[:, row, :].sum() + power[:, :, column].sum() - power[:, row, column].sum()


@pytest.mark.parametrize("shape", [(3, 16, 16, 3), (2, 15, 12, 3)])
def test_checkerboard_ratio_equals_the_ratio_of_the_full_spectra(shape):
    generator = np.random.default_rng(5)
    sharp, restored = generator.random(shape), generator.random(shape)
    expected = _plain_nyquist_power(restored) / _plain_nyquist_power(sharp)
    assert metrics.checkerboard_ratio(sharp, restored) == pytest.approx(expected, rel=1e-9)


def test_radial_power_equals_numpys_single_threaded_spectrum():
    images = np.random.default_rng(6).random((4, 16, 16, 3)).astype(np.float32)
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(centred, axes=(1, 2))) ** 2).mean(axis=(0, 3))
    frequency = np.hypot(*np.meshgrid(np.fft.fftfreq(16), np.fft.fftfreq(16), indexing="ij"))
    rings = np.minimum(np.round(frequency * 16).astype(int), 8).ravel()
    expected = np.bincount(rings, power.ravel()) / np.bincount(rings)
    np.testing.assert_allclose(metrics.radial_power(images)[1], expected, rtol=1e-6, atol=1e-6)
