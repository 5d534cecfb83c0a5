"""Tests for course_lib.unet: the paper's U-Net and the restoring U-Net."""

import keras
import numpy as np
import pytest

from course_lib import unet

SIZE = 32
FILTERS = 4


@pytest.mark.parametrize("size, depth", [(64, 6), (128, 7), (256, 8)])
def test_generator_maps_an_image_to_an_image_through_a_1x1_bottleneck(size, depth):
    generator = unet.unet_generator(size, FILTERS)
    assert unet.unet_depth(size) == depth
    assert generator.input.shape == generator.output.shape == (None, size, size, 3)
    assert generator.get_layer("bottleneck").output.shape == (None, 1, 1, 8 * FILTERS)
    convolutions = [layer for layer in generator.layers if type(layer) is keras.layers.Conv2D]
    assert len(convolutions) == depth and max(c.filters for c in convolutions) == 8 * FILTERS
    dropouts = [layer.name for layer in generator.layers if isinstance(layer, keras.layers.Dropout)]
    assert dropouts == ["decoder_dropout1", "decoder_dropout2", "decoder_dropout3"]
    batch_norms = {layer.name for layer in generator.layers if "bn" in layer.name}
    assert "encoder_bn1" not in batch_norms and f"encoder_bn{depth}" not in batch_norms
    images = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
    outputs = np.asarray(generator(images, training=False))
    assert outputs.shape == images.shape
    assert outputs.min() >= -1 and outputs.max() <= 1


def test_generator_channels_can_differ():
    generator = unet.unet_generator(SIZE, FILTERS, channels_in=1, channels_out=3)
    assert generator.input.shape[-1] == 1 and generator.output.shape[-1] == 3


@pytest.mark.parametrize("size", [16, 48, 100, 512, 64.0, True])
def test_invalid_image_sizes_are_rejected(size):
    with pytest.raises(ValueError, match="power of two"):
        unet.unet_generator(size, FILTERS)
    with pytest.raises(ValueError, match="power of two"):
        unet.restoring_unet(size, FILTERS)


def test_batch_norm_has_dcgans_settings():
    layer = unet.batch_norm("bn")
    assert (layer.momentum, layer.epsilon, layer.name) == (0.9, 1e-5, "bn")


def test_restoring_unet_adds_a_correction_to_its_input_at_every_size():
    for size in (32, 64):
        restoring = unet.restoring_unet(size, base_filters=4)
        assert restoring.output.shape[1:] == (size, size, 3)
        assert restoring.get_layer("down3").output.shape[1:3] == (size // 8, size // 8)
        assert restoring.get_layer("input_plus_correction") is not None
    drawn = unet.restoring_unet(64, base_filters=4, residual=False)
    assert "input_plus_correction" not in [layer.name for layer in drawn.layers]
    with pytest.raises(ValueError, match="levels"):
        unet.restoring_unet(32, base_filters=4, levels=5)


def test_restoring_unet_upsamples_by_resizing_not_transposed_convolutions():
    restoring = unet.restoring_unet(64, base_filters=4)
    kinds = {type(layer).__name__ for layer in restoring.layers}
    assert "UpSampling2D" in kinds and "Conv2DTranspose" not in kinds
