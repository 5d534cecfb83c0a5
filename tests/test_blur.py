import numpy as np
import pytest
import scipy.ndimage as ndimage
import tensorflow as tf

from course_lib import blur


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0, 3.3, 6.0])
def test_gaussian_blur_matches_scipy_reflect_to_1e_4(random_images, sigma):
    expected = ndimage.gaussian_filter(random_images, (0, sigma, sigma, 0), mode="reflect")
    blurred = blur.gaussian_blur(random_images, sigma).numpy()
    assert np.abs(blurred - expected).max() <= 1e-4


def test_gaussian_blur_matches_scipy_when_kernel_is_wider_than_image(random_images):
    sigma = 10.0  # radius 40 > 32 pixels: reflection must wrap more than once
    expected = ndimage.gaussian_filter(random_images, (0, sigma, sigma, 0), mode="reflect")
    assert np.abs(blur.gaussian_blur(random_images, sigma).numpy() - expected).max() <= 1e-4


def test_gaussian_kernel_is_normalised_with_scipy_radius():
    kernel = blur.gaussian_kernel(2.0)
    assert len(kernel) == 2 * 8 + 1
    assert kernel.sum() == pytest.approx(1.0, abs=1e-6)
    assert kernel.argmax() == 8


def test_gaussian_kernel_rejects_non_positive_sigma():
    with pytest.raises(ValueError, match="positive"):
        blur.gaussian_kernel(0.0)


def test_reflect_index_is_half_sample_symmetric():
    indices = blur.reflect_index(np.arange(-3, 7), 4)
    np.testing.assert_array_equal(indices, [2, 1, 0, 0, 1, 2, 3, 3, 2, 1])


def test_per_image_gaussian_matrices_match_single_sigma_matrices():
    sigmas = tf.constant([0.7, 1.5, 3.0])
    batch = blur.gaussian_matrices(32, sigmas, max_sigma=3.0).numpy()
    for matrix, sigma in zip(batch, [0.7, 1.5, 3.0], strict=True):
        np.testing.assert_allclose(matrix, blur.gaussian_matrix(32, sigma), atol=1e-6)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "nearest"])
def test_resize_matrix_reproduces_resize_blur(random_images, method):
    direct = blur.resize_blur(random_images, 4, method).numpy()
    matrix = blur.resize_matrix(32, 4, method)
    assert np.abs(blur.apply_separable(random_images, matrix).numpy() - direct).max() < 1e-5


def test_resize_blur_keeps_shape_and_loses_detail(random_images):
    blurred = blur.resize_blur(random_images, factor=4).numpy()
    assert blurred.shape == random_images.shape
    assert blurred.std() < 0.5 * random_images.std()


def test_resize_blur_with_factor_one_changes_nothing(random_images):
    np.testing.assert_allclose(blur.resize_blur(random_images, 1).numpy(), random_images, atol=1e-6)


def test_non_square_images_are_rejected_with_advice():
    with pytest.raises(ValueError, match="square"):
        blur.gaussian_blur(np.zeros((1, 16, 20, 3), np.float32), 1.0)


def test_unknown_resize_method_is_rejected():
    with pytest.raises(ValueError, match="method"):
        blur.resize_matrix(32, 4, "sharpest")


def test_quantize_rounds_to_256_levels():
    values = tf.constant([-0.2, 0.0, 0.5, 0.999, 1.3])
    quantized = blur.quantize_8bit(values).numpy() * 255
    np.testing.assert_allclose(quantized, np.round(quantized), atol=1e-4)
    assert quantized.min() == 0 and quantized.max() == 255


def test_blur_spec_rejects_bad_settings():
    with pytest.raises(ValueError, match="kind"):
        blur.BlurSpec(kind="motion")
    with pytest.raises(ValueError, match="sigma"):
        blur.BlurSpec(sigma=(3.0, 1.0))
    with pytest.raises(ValueError, match="factor"):
        blur.BlurSpec(factor=0)
    with pytest.raises(ValueError, match="noise"):
        blur.BlurSpec(noise=-0.01)


def test_same_seed_gives_same_blurred_batch(random_images):
    spec = blur.BlurSpec(kind="mixed", sigma=(1.0, 3.0), factor=(2, 4))
    first = blur.blur_batch(random_images, spec, (3, 7)).numpy()
    second = blur.blur_batch(random_images, spec, (3, 7)).numpy()
    other = blur.blur_batch(random_images, spec, (3, 8)).numpy()
    np.testing.assert_array_equal(first, second)
    assert np.abs(first - other).max() > 0


def test_mixed_spec_draws_both_blur_types_per_image():
    spec = blur.BlurSpec(kind="mixed", sigma=2.0, factor=4)
    matrices = spec.matrices(32, tf.constant(64), tf.constant([0, 0], tf.int64)).numpy()
    gaussian = blur.gaussian_matrix(32, 2.0)
    resize = blur.resize_matrix(32, 4, "bilinear")
    is_gaussian = [np.allclose(matrix, gaussian, atol=1e-6) for matrix in matrices]
    is_resize = [np.allclose(matrix, resize, atol=1e-6) for matrix in matrices]
    assert all(g or r for g, r in zip(is_gaussian, is_resize, strict=True))
    assert 16 < sum(is_gaussian) < 48


def test_sigma_range_draws_sigmas_inside_the_range(random_images):
    spec = blur.BlurSpec(sigma=(1.0, 3.0), quantize=False)
    blurred = blur.blur_batch(random_images, spec).numpy()
    weakest = blur.gaussian_blur(random_images, 1.0).numpy()
    strongest = blur.gaussian_blur(random_images, 3.0).numpy()
    for image, low, high in zip(blurred, weakest, strongest, strict=True):
        assert high.std() - 1e-4 <= image.std() <= low.std() + 1e-4


def test_noise_adds_its_standard_deviation_and_leaves_the_blur_draws_alone(random_images):
    noiseless = blur.BlurSpec(sigma=(1.0, 3.0), quantize=False)
    noisy = blur.BlurSpec(sigma=(1.0, 3.0), quantize=False, noise=0.02)
    clean = blur.blur_batch(random_images, noiseless, (5, 1)).numpy()
    difference = blur.blur_batch(random_images, noisy, (5, 1)).numpy() - clean
    inside = (clean > 0.1) & (clean < 0.9)  # where clipping to [0, 1] cannot bite
    assert abs(difference[inside].std() - 0.02) < 0.002
    assert abs(difference[inside].mean()) < 0.002
    assert "noise 0.02" in noisy.describe()


def test_pairs_dataset_yields_blurred_and_sharp_batches(random_images):
    spec = blur.BlurSpec(sigma=1.5, quantize=True)
    dataset = blur.make_pairs_dataset(random_images, spec, batch_size=4, shuffle=False)
    batches = list(dataset)
    assert len(batches) == 2
    blurred, sharp = batches[0]
    assert blurred.shape == (4, 32, 32, 3) and sharp.shape == (4, 32, 32, 3)
    np.testing.assert_allclose(sharp.numpy(), random_images[:4])
    expected = blur.quantize_8bit(blur.gaussian_blur(random_images[:4], 1.5)).numpy()
    np.testing.assert_allclose(blurred.numpy(), expected, atol=1e-6)


def test_pairs_dataset_is_deterministic_with_shuffle(random_images):
    spec = blur.BlurSpec(kind="mixed", sigma=(1.0, 3.0))

    def first_batch():
        dataset = blur.make_pairs_dataset(random_images, spec, batch_size=4, seed=5)
        return next(iter(dataset))[0].numpy()

    np.testing.assert_array_equal(first_batch(), first_batch())


def test_pairs_dataset_rejects_grey_images():
    with pytest.raises(ValueError, match="3"):
        blur.make_pairs_dataset(np.zeros((4, 32, 32, 1), np.float32))


def test_gaussian_frequency_response_matches_theory():
    sigma = 2.0
    frequencies, gains = blur.frequency_response(blur.gaussian_matrix(64, sigma))
    theory = np.exp(-2 * (np.pi * sigma * frequencies) ** 2)
    low = frequencies < 0.2
    np.testing.assert_allclose(gains[low], theory[low], atol=2e-3)
    assert gains[0] == pytest.approx(1.0, abs=1e-6)


def test_resize_blur_cuts_frequencies_above_the_small_images_nyquist():
    frequencies, gains = blur.frequency_response(blur.resize_matrix(64, 4, "area"))
    assert gains[frequencies < 0.02].min() > 0.9
    assert gains[frequencies > 0.3].max() < 0.3


def test_write_pairs_saves_matching_png_files(tmp_path, random_images):
    folder = blur.write_pairs(random_images[:3], tmp_path / "pairs", blur.BlurSpec(sigma=1.0))
    sharp_files = sorted((folder / "sharp").glob("*.png"))
    blurred_files = sorted((folder / "blurred").glob("*.png"))
    assert (
        [f.name for f in sharp_files]
        == [f.name for f in blurred_files]
        == [
            "00000.png",
            "00001.png",
            "00002.png",
        ]
    )
    from PIL import Image

    saved = np.asarray(Image.open(blurred_files[0]), np.float32) / 255
    expected = blur.quantize_8bit(blur.gaussian_blur(random_images[:1], 1.0)).numpy()[0]
    np.testing.assert_allclose(saved, expected, atol=1e-6)
