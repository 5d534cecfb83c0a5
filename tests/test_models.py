"""Tests for course_lib.models: the DCGAN autoencoder, range helpers, restore and FLOPs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import models


def test_dcgan_autoencoder_matches_the_original_size():
    model = models.dcgan_autoencoder(64, 64)
    assert model.count_params() == 8_617_987  # batch-norm moving statistics included
    assert tuple(model.get_layer("bottleneck").output.shape) == (None, 4, 4, 512)
    assert tuple(model.output.shape) == (None, 64, 64, 3)
    assert model.name == "dcgan_autoencoder_64px_64f"


def test_tiny_autoencoder_keeps_the_shape_and_range():
    model = models.dcgan_autoencoder(32, 4)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype(np.float32)
    outputs = model(images, training=False).numpy()
    assert outputs.shape == images.shape
    assert np.all(outputs >= -1.0) and np.all(outputs <= 1.0)
    encoder = models.bottleneck_model(model)
    assert tuple(encoder.output.shape) == (None, 2, 2, 32)


@pytest.mark.parametrize(
    ("image_size", "base_filters"), [(24, 4), (40, 4), (16, 4), (32, 0), (32.0, 4)]
)
def test_bad_sizes_are_rejected(image_size, base_filters):
    with pytest.raises(ValueError, match="image_size|base_filters"):
        models.dcgan_autoencoder(image_size, base_filters)


def test_range_conversions_round_trip(random_images):
    model_range = models.to_model_range(random_images)
    assert model_range.min() >= -1.0 and model_range.max() <= 1.0
    np.testing.assert_allclose(models.to_image_range(model_range), random_images, atol=1e-6)
    clipped = models.to_image_range(np.array([-3.0, 0.0, 3.0], np.float32))
    np.testing.assert_allclose(clipped, [0.0, 0.5, 1.0])
    tensor = models.to_image_range(tf.constant([-1.0, 1.0]))
    np.testing.assert_allclose(tensor.numpy(), [0.0, 1.0])


def test_model_pairs_rescales_both_images(random_images):
    dataset = tf.data.Dataset.from_tensors((random_images, random_images * 0))
    blurred, sharp = next(iter(models.model_pairs(dataset)))
    np.testing.assert_allclose(blurred.numpy(), random_images * 2 - 1, atol=1e-6)
    np.testing.assert_allclose(sharp.numpy(), -1.0)


def test_restore_returns_images_in_unit_range(random_images):
    model = models.dcgan_autoencoder(32, 4)
    restored = models.restore(model, random_images, batch_size=3)
    assert restored.shape == random_images.shape and restored.dtype == np.float32
    assert restored.min() >= 0.0 and restored.max() <= 1.0
    expected = models.to_image_range(model(random_images * 2 - 1, training=False).numpy())
    np.testing.assert_allclose(restored, expected, atol=1e-5)
    single = models.restore(model, random_images[0])
    np.testing.assert_allclose(single, restored[0], atol=1e-5)


def test_count_conv_flops_by_hand():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs)  # (4, 4, 4)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")(x)  # (8, 8, 2)
    model = keras.Model(inputs, x)
    convolution = 4 * 4 * 4 * (3 * 3 * 3)  # output pixels x filters x (kernel x input channels)
    transposed = 4 * 4 * 4 * (3 * 3 * 2)  # input pixels x input channels x (kernel x filters)
    assert models.count_conv_flops(model) == 2 * (convolution + transposed) == 5760
    nested = keras.Sequential([keras.Input((8, 8, 3)), model])
    assert models.count_conv_flops(nested) == 5760


def test_count_conv_flops_of_the_dcgan_autoencoder():
    per_layer = [  # (pixels where the kernel is applied, kernel parameters)
        (32 * 32, 25 * 3 * 64),
        (16 * 16, 25 * 64 * 128),
        (8 * 8, 25 * 128 * 256),
        (4 * 4, 25 * 256 * 512),
        (4 * 4, 25 * 512 * 256),
        (8 * 8, 25 * 256 * 128),
        (16 * 16, 25 * 128 * 64),
        (32 * 32, 25 * 64 * 3),
    ]
    expected = 2 * sum(pixels * kernel for pixels, kernel in per_layer)
    assert models.count_conv_flops(models.dcgan_autoencoder(64, 64)) == expected
