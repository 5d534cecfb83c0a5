"""Tests for course_lib.gan: the GAN base class that pix2pix and CycleGAN share."""

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import gan, training


def tiny_network(dropout: bool = False) -> keras.Model:
    image = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(1, 3, padding="same")(image)
    if dropout:
        x = keras.layers.Dropout(0.5)(x)
    return keras.Model(image, x)


class TinyGAN(gan.GAN):
    """Two generators and one discriminator, the least a GAN names."""

    TRACKERS = ("gen", "disc")

    def __init__(self, dropout: bool = False) -> None:
        super().__init__(name="tiny_gan")
        self.first = tiny_network(dropout)
        self.second = tiny_network()
        self.critic = tiny_network()
        self.built = True

    @property
    def generators(self) -> list[keras.Model]:
        return [self.first, self.second]

    @property
    def discriminators(self) -> list[keras.Model]:
        return [self.critic]


def test_share_of_global_mean_is_the_plain_mean_on_one_device():
    values = np.random.default_rng(0).random((3, 4, 4, 2)).astype(np.float32)
    share = gan.share_of_global_mean(tf.constant(values))
    assert float(share) == pytest.approx(values.mean(), rel=1e-6)
    assert float(gan.whole_loss(share)) == pytest.approx(float(share))


def test_loss_scaled_wraps_an_optimizer_once():
    scaled = gan.loss_scaled(training.adam())
    assert isinstance(scaled, keras.optimizers.LossScaleOptimizer)
    assert gan.loss_scaled(scaled) is scaled


def test_compile_builds_an_adam_for_the_generators_and_one_for_the_discriminators():
    model = TinyGAN()
    model.compile()
    first, second = model.generator_optimizer, model.discriminator_optimizer
    assert isinstance(first, keras.optimizers.Adam) and float(first.beta_1) == 0.5
    assert first.built and second.built  # so a backup restores their state
    assert not isinstance(first, keras.optimizers.LossScaleOptimizer)  # float32: no scaling
    assert len(first.variables) > len(second.variables)  # two networks' moments against one
    assert model.optimizer is first


def test_compile_refuses_one_optimizer_shared_by_generators_and_discriminators():
    shared = training.adam()
    with pytest.raises(ValueError, match="an optimizer each"):
        TinyGAN().compile(shared, shared)


def test_compile_scales_the_losses_under_mixed_float16_only():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = TinyGAN()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.compile()
    assert isinstance(model.generator_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.discriminator_optimizer, keras.optimizers.LossScaleOptimizer)


def test_descend_steps_only_the_given_networks_with_their_optimizer():
    model = TinyGAN()
    model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    images = tf.ones((2, 4, 4, 1))
    before = [np.array(n.trainable_variables[0]) for n in (*model.generators, model.critic)]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model.first(images)) + tf.reduce_mean(model.second(images))
    expected = [np.array(g) for g in tape.gradient(loss, model.first.trainable_variables)]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model.first(images)) + tf.reduce_mean(model.second(images))
    model.descend(tape, loss, model.generators)
    assert int(model.generator_optimizer.iterations) == 1
    assert int(model.discriminator_optimizer.iterations) == 0
    np.testing.assert_allclose(
        np.array(model.first.trainable_variables[0]), before[0] - 0.1 * expected[0], rtol=1e-6
    )
    assert not np.array_equal(np.array(model.second.trainable_variables[0]), before[1])
    np.testing.assert_array_equal(np.array(model.critic.trainable_variables[0]), before[2])


def test_record_reports_the_running_mean_of_each_named_loss():
    model = TinyGAN()
    assert [metric.name for metric in model.metrics] == ["gen", "disc"]
    model.record({"gen": tf.constant(1.0), "disc": tf.constant(4.0)})
    logs = model.record({"gen": tf.constant(3.0)})
    assert list(logs) == ["gen"] and float(logs["gen"]) == 2.0
    assert float(model.trackers["disc"].result()) == 4.0


def test_calling_the_model_runs_the_first_generator():
    model = TinyGAN()
    images = np.random.default_rng(0).random((2, 4, 4, 1)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(model(images)), np.asarray(model.first(images)))


def test_a_backup_keeps_the_dropout_random_state_and_one_without_it_still_loads(tmp_path):
    path = tmp_path / "backup.weights.h5"
    saved = TinyGAN(dropout=True)
    saved.compile()
    (state,) = saved._random_states()
    state.assign(state + 7)
    saved.save_weights(path)
    restored = TinyGAN(dropout=True)
    restored.compile()
    restored.load_weights(path)
    np.testing.assert_array_equal(np.array(restored._random_states()[0]), np.array(state))
    with h5py.File(path, "r+") as backup:  # a backup written before random states were kept
        del backup["vars"]["random_state0"]
    older = TinyGAN(dropout=True)
    older.compile()
    untouched = np.array(older._random_states()[0])
    older.load_weights(path)
    np.testing.assert_array_equal(np.array(older._random_states()[0]), untouched)
    for got, expected in zip(older.first.weights, saved.first.weights, strict=True):
        np.testing.assert_array_equal(np.array(got), np.array(expected))
