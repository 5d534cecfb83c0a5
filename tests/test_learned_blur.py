"""Tests for course_lib.learned_blur: a generator that can only blur, with one learned kernel."""

import keras
import numpy as np
import pytest
from tiny import domain_arrays

from course_lib import blur, learned_blur, resnet

SIZE = 32
FILTERS = 4
BATCH = 4


def test_untrained_blur_generator_is_a_gaussian_blur_that_keeps_colours():
    generator = learned_blur.blur_generator(SIZE, initial_sigma=1.5)
    kernel = learned_blur.kernel_of(generator)
    assert kernel.shape == (learned_blur.BLUR_KERNEL_SIZE,) * 2 and kernel.min() >= 0
    assert kernel.sum() == pytest.approx(1.0, abs=1e-5)
    assert blur.kernel_sigma(kernel) == pytest.approx(1.5, abs=0.01)
    images = (domain_arrays()[0][:2] + 1) / 2
    expected = np.asarray(blur.gaussian_blur(images, 1.5))
    np.testing.assert_allclose(generator(images), expected, atol=2e-3)  # edges included
    grey = np.full((1, SIZE, SIZE, 3), [0.2, 0.5, 0.9], np.float32)
    np.testing.assert_allclose(generator(grey), grey, atol=1e-5)


def test_blur_generator_learns_the_sigma_of_the_blur_it_is_shown():
    sharp = (domain_arrays()[0] + 1) / 2
    blurred = np.asarray(blur.gaussian_blur(sharp, 2.0))
    generator = learned_blur.blur_generator(SIZE, initial_sigma=1.0)
    generator.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mae")
    generator.fit(sharp, blurred, batch_size=BATCH, epochs=100, verbose=0)  # 200 steps
    assert blur.kernel_sigma(learned_blur.kernel_of(generator)) == pytest.approx(2.0, abs=0.15)


def test_blur_generator_is_saved_and_reloaded_with_its_kernel(tmp_path):
    generator = learned_blur.blur_generator(SIZE, kernel_size=7, initial_sigma=0.8)
    layer = generator.get_layer("output_image")
    layer.logits.assign(np.random.default_rng(0).normal(0, 0.05, (7, 7)))
    generator.save(tmp_path / "blur.keras")
    loaded = keras.models.load_model(tmp_path / "blur.keras")
    np.testing.assert_allclose(learned_blur.kernel_of(loaded), learned_blur.kernel_of(generator))
    images = domain_arrays()[1][:2]
    np.testing.assert_allclose(loaded(images), generator(images), atol=1e-6)


def test_bad_blur_settings_and_a_generator_without_a_kernel_are_rejected():
    with pytest.raises(ValueError, match="odd whole number"):
        learned_blur.blur_generator(SIZE, kernel_size=4)
    with pytest.raises(ValueError, match="initial_sigma"):
        learned_blur.blur_generator(SIZE, initial_sigma=0.0)
    with pytest.raises(ValueError, match="image_size"):
        learned_blur.blur_generator(7)  # no room for the 15-tap kernel's mirrored border
    with pytest.raises(ValueError, match="no learned kernel"):
        learned_blur.kernel_of(resnet.resnet_generator(SIZE, FILTERS, 1))
    with pytest.raises(ValueError, match="square 2-D kernel"):
        blur.kernel_sigma(np.ones(5))
