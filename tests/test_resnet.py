"""Tests for course_lib.resnet: CycleGAN's ResNet generator and its layers."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from tiny import domain_arrays

from course_lib import resnet

SIZE = 32
FILTERS = 4
BATCH = 4


@pytest.mark.parametrize("size, blocks", [(32, 1), (64, 3)])
def test_generator_maps_an_image_to_an_image_of_the_same_shape(size, blocks):
    generator = resnet.resnet_generator(size, FILTERS, blocks)
    assert generator.input.shape == generator.output.shape == (None, size, size, 3)
    residual = [layer for layer in generator.layers if isinstance(layer, keras.layers.Add)]
    assert len(residual) == blocks
    assert residual[0].output.shape == (None, size // 4, size // 4, 4 * FILTERS)
    norms = [layer for layer in generator.layers if "norm" in layer.name]
    assert norms and all(isinstance(n, keras.layers.GroupNormalization) for n in norms)
    assert all(n.groups == n.output.shape[-1] for n in norms)  # a group per channel: instance norm
    images = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
    outputs = np.asarray(generator(images))
    assert outputs.shape == images.shape and outputs.min() >= -1 and outputs.max() <= 1


def test_reflection_padding_mirrors_the_edges():
    image = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    padded = np.asarray(resnet.ReflectionPadding2D(1)(image))[0, :, :, 0]
    np.testing.assert_array_equal(padded[0], [4, 3, 4, 5, 4])  # row 1 mirrored above row 0
    np.testing.assert_array_equal(padded[1:-1, 1:-1], image[0, :, :, 0])
    with pytest.raises(ValueError, match="padding"):
        resnet.ReflectionPadding2D(0)


def test_instance_norm_generator_treats_each_image_alone():
    generator = resnet.resnet_generator(SIZE, FILTERS, 1)
    images = np.random.default_rng(0).uniform(-1, 1, (4, SIZE, SIZE, 3)).astype(np.float32)
    alone = np.asarray(generator(images[:1], training=True))
    together = np.asarray(generator(images, training=True))[:1]
    np.testing.assert_allclose(alone, together, atol=1e-5)
    np.testing.assert_allclose(alone, np.asarray(generator(images[:1], training=False)), atol=1e-5)


@pytest.mark.parametrize("upsampling", resnet.UPSAMPLINGS)
def test_untrained_residual_generator_returns_its_input(upsampling):
    generator = resnet.resnet_generator(SIZE, FILTERS, 1, residual=True, upsampling=upsampling)
    images = np.random.default_rng(0).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(generator(images)), images, atol=1e-6)
    plain = resnet.resnet_generator(SIZE, FILTERS, 1, upsampling=upsampling)
    assert np.abs(np.asarray(plain(images)) - images).mean() > 0.1  # the plain one redraws


def test_residual_generator_output_stays_in_range_and_learns():
    generator = resnet.resnet_generator(SIZE, FILTERS, 1, residual=True, upsampling="resize")
    head = generator.get_layer("head_conv")
    assert not np.any(np.array(head.kernel))
    domain_a, domain_b = domain_arrays()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(generator(domain_a, training=True) - domain_b))
    gradient = tape.gradient(loss, head.kernel)
    assert np.any(np.array(gradient))  # the zero start still gets a gradient
    head.kernel.assign(head.kernel - 10.0 * gradient)
    outputs = np.asarray(generator(domain_a * 3))
    assert outputs.min() >= -1 and outputs.max() <= 1
    assert np.abs(outputs - np.clip(domain_a * 3, -1, 1)).max() > 0


def test_resize_upsampling_replaces_transposed_convolutions():
    resized = resnet.resnet_generator(SIZE, FILTERS, 1, upsampling="resize")
    transposed = resnet.resnet_generator(SIZE, FILTERS, 1)
    kinds = (keras.layers.Conv2DTranspose, keras.layers.UpSampling2D)
    assert [sum(isinstance(x, k) for x in resized.layers) for k in kinds] == [0, 2]
    assert [sum(isinstance(x, k) for x in transposed.layers) for k in kinds] == [2, 0]
    assert resized.get_layer("up2").output.shape == (None, SIZE, SIZE, FILTERS)


def test_residual_resize_generator_is_saved_and_reloaded(tmp_path):
    generator = resnet.resnet_generator(SIZE, FILTERS, 1, residual=True, upsampling="resize")
    head = generator.get_layer("head_conv")
    head.kernel.assign(np.random.default_rng(0).normal(0, 0.02, head.kernel.shape))
    path = tmp_path / "generator.keras"
    generator.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.name == generator.name == "resnet_32px_4f_1blocks_residual_resize"
    images = domain_arrays()[0][:2]
    np.testing.assert_allclose(loaded(images), generator(images), atol=1e-6)


@pytest.mark.parametrize(
    "arguments, message",
    [((30, FILTERS, 1), "multiple of 4"), ((32, 0, 1), "base_filters"), ((32, 4, -1), "residual")],
)
def test_invalid_generator_settings_are_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        resnet.resnet_generator(*arguments)
    with pytest.raises(ValueError, match="normalization"):
        resnet.resnet_generator(32, 4, 1, normalization="layer")
    with pytest.raises(ValueError, match="upsampling must be one of"):
        resnet.resnet_generator(32, 4, 1, upsampling="bilinear")
