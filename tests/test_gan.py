"""Tests for course_lib.gan: what pix2pix and CycleGAN share in their train_step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import gan, training


def tiny_network() -> keras.Model:
    image = keras.Input((4, 4, 1))
    return keras.Model(image, keras.layers.Conv2D(1, 3, padding="same")(image))


def test_share_of_global_mean_is_the_plain_mean_on_one_device():
    values = np.random.default_rng(0).random((3, 4, 4, 2)).astype(np.float32)
    share = gan.share_of_global_mean(tf.constant(values))
    assert float(share) == pytest.approx(values.mean(), rel=1e-6)
    assert float(gan.whole_loss(share)) == pytest.approx(float(share))


def test_loss_scaled_wraps_an_optimizer_once():
    scaled = gan.loss_scaled(training.adam())
    assert isinstance(scaled, keras.optimizers.LossScaleOptimizer)
    assert gan.loss_scaled(scaled) is scaled


def test_ready_optimizers_builds_both_and_wants_one_each():
    generators, discriminators = [tiny_network(), tiny_network()], [tiny_network()]
    model = keras.Model()
    first, second = gan.ready_optimizers(
        model, training.adam(), training.adam(), generators, discriminators
    )
    assert first.built and second.built
    assert not isinstance(first, keras.optimizers.LossScaleOptimizer)  # float32: no scaling
    assert len(first.variables) > len(second.variables)  # two networks' moments against one
    shared = training.adam()
    with pytest.raises(ValueError, match="an optimizer each"):
        gan.ready_optimizers(model, shared, shared, generators, discriminators)


def test_ready_optimizers_scale_the_losses_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Model()
        networks = [tiny_network()]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    first, second = gan.ready_optimizers(
        model, training.adam(), training.adam(), networks, networks
    )
    assert isinstance(first, keras.optimizers.LossScaleOptimizer)
    assert isinstance(second, keras.optimizers.LossScaleOptimizer)
