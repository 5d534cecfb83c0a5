"""Tests for course_lib.patchgan: receptive fields and the one PatchGAN builder."""

import keras
import numpy as np
import pytest

from course_lib import patchgan, resnet, unet

FILTERS = 4


def test_receptive_field_follows_the_recurrence():
    assert patchgan.receptive_field([]) == 1
    assert patchgan.receptive_field([(3, 1), (3, 1)]) == 5
    assert patchgan.receptive_field([(2, 2)] * 3) == 8
    assert patchgan.receptive_field([(4, 2), (4, 1), (4, 1)]) == 16
    with pytest.raises(ValueError):
        patchgan.receptive_field([(0, 1)])


def test_discriminator_spec_rejects_other_fields():
    with pytest.raises(ValueError, match="one of"):
        patchgan.discriminator_spec(34)


@pytest.mark.parametrize("field", patchgan.RECEPTIVE_FIELDS)
@pytest.mark.parametrize("target_channels", [None, 3])
def test_built_layers_see_the_field_of_their_spec(field, target_channels):
    assert patchgan.receptive_field(patchgan.discriminator_spec(field)) == field
    model = patchgan.patch_discriminator(64, FILTERS, field, target_channels=target_channels)
    layers = patchgan.conv_spec(model)
    assert layers == patchgan.discriminator_spec(field)
    assert patchgan.receptive_field(layers) == field


@pytest.mark.parametrize(
    "size, field, side",
    [(64, 70, 6), (128, 70, 14), (256, 70, 30), (64, 16, 30), (256, 16, 126), (64, 1, 64)],
)
def test_a_pair_gives_a_map_of_one_score_per_patch(size, field, side):
    model = patchgan.patch_discriminator(size, FILTERS, field, target_channels=3)
    assert [tuple(i.shape) for i in model.inputs] == [(None, size, size, 3)] * 2
    assert model.get_layer("pair").output.shape == (None, size, size, 6)
    assert (
        model.output.shape == (None, side, side, 1) and patchgan.score_map_side(size, field) == side
    )
    assert model.layers[-1].get_config()["activation"] == "linear"  # logits, not squashed


@pytest.mark.parametrize("size, field, side", [(64, 70, 6), (64, 16, 30), (64, 1, 64), (32, 70, 2)])
def test_one_image_gives_a_map_of_one_score_per_patch(size, field, side):
    model = patchgan.patch_discriminator(size, FILTERS, field, normalization=resnet.instance_norm)
    assert len(model.inputs) == 1 and model.input.shape == (None, size, size, 3)
    assert model.output.shape == (None, side, side, 1)
    images = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
    assert np.asarray(model(images)).shape == (2, side, side, 1)


def test_normalization_follows_the_first_block_only():
    for normalization, kind in [
        (None, keras.layers.BatchNormalization),
        (resnet.instance_norm, keras.layers.GroupNormalization),
    ]:
        model = patchgan.patch_discriminator(64, FILTERS, 70, normalization=normalization)
        norms = [layer for layer in model.layers if isinstance(layer, kind)]
        assert [layer.name for layer in norms] == ["norm2", "norm3", "norm4"]
        convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        assert [layer.use_bias for layer in convolutions] == [True, False, False, False, True]
    batch_norm = patchgan.patch_discriminator(64, FILTERS, 16).get_layer("norm2")
    assert (batch_norm.momentum, batch_norm.epsilon) == (0.9, 1e-5)  # pix2pix's, by default


def test_the_same_seed_builds_the_same_weights_for_a_pair_and_an_image():
    # Only the first kernel differs in shape (6 channels in against 3): every initializer
    # is drawn in the same order, whichever the discriminator judges.
    built = []
    for target_channels in (3, None):
        keras.utils.set_random_seed(0)
        built.append(patchgan.patch_discriminator(32, FILTERS, 70, target_channels=target_channels))
    pair, image = (model.get_weights() for model in built)
    assert pair[0].shape == (4, 4, 6, FILTERS) and image[0].shape == (4, 4, 3, FILTERS)
    for got, expected in zip(pair[1:], image[1:], strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("size", [16, 0, 64.0, True])
def test_sizes_without_a_whole_patch_are_rejected(size):
    with pytest.raises(ValueError, match="image_size"):
        patchgan.patch_discriminator(size, FILTERS, 70)
    with pytest.raises(ValueError, match="base_filters"):
        patchgan.patch_discriminator(64, 0)
    assert unet.level_filters(FILTERS, 5) == 8 * FILTERS


def test_scores_come_out_in_float32_under_mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        discriminator = patchgan.patch_discriminator(32, 8, 16, target_channels=3)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert discriminator.get_layer("conv1").compute_dtype == "bfloat16"
    images = np.zeros((1, 32, 32, 3), np.float32)
    assert discriminator([images, images]).dtype == "float32"
