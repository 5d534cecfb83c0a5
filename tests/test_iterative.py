"""Tests for course_lib.iterative and notebook 06's helpers: restoring in small steps."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import iterative, models, settings, training, unet, widgets
from course_lib.experiments import notebook06

SIZE, FILTERS = 32, 4


@pytest.fixture(scope="module")
def regressor() -> keras.Model:
    keras.utils.set_random_seed(1)
    return unet.restoring_unet(SIZE, FILTERS)


@pytest.fixture(scope="module")
def network(regressor) -> keras.Model:
    network = iterative.stepping_unet(regressor)
    kernel, bias = network.get_layer("full_conv").get_weights()
    kernel[:, :, 3:] = np.random.default_rng(2).normal(0, 0.1, kernel[:, :, 3:].shape)
    network.get_layer("full_conv").set_weights([kernel, bias])  # the state now matters
    return network


def test_the_walk_runs_from_the_sharp_image_to_the_start():
    sharp, start = tf.zeros((2, 4, 4, 3)), tf.ones((2, 4, 4, 3))
    assert float(tf.reduce_max(iterative.interpolate(sharp, start, 0.0))) == 0.0
    assert float(tf.reduce_min(iterative.interpolate(sharp, start, 1.0))) == 1.0
    np.testing.assert_allclose(iterative.interpolate(sharp, start, 0.25), 0.25)


def test_the_state_stacks_the_current_image_and_its_time():
    state = iterative.network_state(tf.zeros((2, 4, 4, 3)), tf.constant([0.2, 0.7]))
    assert state.shape == (2, 4, 4, iterative.STATE_CHANNELS)
    np.testing.assert_allclose(state[0, ..., 3], 0.2)
    np.testing.assert_allclose(state[1, ..., 3], 0.7)


def test_a_stepping_unet_starts_as_the_regressor_whatever_its_state(regressor, random_images):
    stepping = iterative.stepping_unet(regressor)
    blurred = models.to_model_range(random_images[:4])
    state = np.random.default_rng(0).normal(size=(4, SIZE, SIZE, iterative.STATE_CHANNELS))
    np.testing.assert_allclose(
        stepping([blurred, state.astype(np.float32)]), regressor(blurred), atol=1e-5
    )
    assert stepping.name.endswith(f"_state{iterative.STATE_CHANNELS}")


def test_a_stepping_unet_needs_a_restoring_unet_without_a_state(network):
    with pytest.raises(ValueError, match="restoring U-Net"):
        iterative.stepping_unet(models.dcgan_autoencoder(SIZE, FILTERS))
    with pytest.raises(ValueError, match="restoring U-Net"):
        iterative.stepping_unet(network)


def test_the_last_step_lands_on_the_networks_estimate(network, random_images):
    blurred = tf.constant(models.to_model_range(random_images[:2]))
    current = blurred + 0.3
    landed = iterative.step(network, blurred, current, 0.25, 0.0)
    times = tf.fill([2], 0.25)
    estimate = network([blurred, iterative.network_state(current, times)])
    np.testing.assert_allclose(landed, estimate, atol=1e-6)


def test_sampling_sees_new_weights_and_does_not_keep_the_network_alive(regressor, random_images):
    import gc
    import weakref

    stepping = iterative.stepping_unet(regressor)
    before = iterative.sample(stepping, random_images[:2], 2, 0.0)
    kernel, bias = stepping.get_layer("full_conv").get_weights()
    stepping.get_layer("full_conv").set_weights([kernel, bias + 0.5])
    after = iterative.sample(stepping, random_images[:2], 2, 0.0)
    assert np.abs(after - before).max() > 1e-2  # the traced graph reads the weights as they are
    held = weakref.ref(stepping)
    del stepping
    gc.collect()
    assert held() is None


def test_one_step_from_the_blur_is_the_models_call(network, random_images):
    model = iterative.IterativeRestorer(network)
    expected = np.clip(models.restore(model, random_images[:4]), 0, 1)
    np.testing.assert_allclose(
        iterative.sample(network, random_images[:4], 1, temperature=0.0), expected, atol=1e-5
    )


def test_samples_differ_by_seed_only_with_noise(network, random_images):
    first = iterative.sample(network, random_images[:2], 4, 1.0, seed=0)
    again = iterative.sample(network, random_images[:2], 4, 1.0, seed=0, batch_size=1)
    other = iterative.sample(network, random_images[:2], 4, 1.0, seed=1)
    np.testing.assert_allclose(first, again, atol=1e-6)  # batching does not change a draw
    assert np.abs(first - other).max() > 1e-3
    cold = [iterative.sample(network, random_images[:2], 4, 0.0, seed=seed) for seed in (0, 1)]
    np.testing.assert_allclose(*cold)
    assert first.min() >= 0 and first.max() <= 1


@pytest.mark.parametrize("steps, temperature", [(0, 1.0), (2.5, 1.0), (4, -0.1), (4, 1.5)])
def test_sampling_rejects_bad_steps_and_temperatures(network, random_images, steps, temperature):
    with pytest.raises(ValueError, match="steps|temperature"):
        iterative.sample(network, random_images[:1], steps, temperature)


def test_spread_is_zero_for_identical_draws_and_needs_two(random_images):
    same = np.stack([random_images[:3]] * 4)
    assert iterative.spread(same).shape == (3, 32, 32)
    assert iterative.spread(same).max() == 0
    assert iterative.spread(np.stack([random_images[:3], 1 - random_images[:3]])).min() >= 0
    with pytest.raises(ValueError, match="draws >= 2"):
        iterative.spread(random_images[None, :3])


def test_draws_repeat_for_a_step_and_change_between_steps(network):
    model = iterative.IterativeRestorer(network, seed=5)
    t, noise = model.draw(tf.TensorShape([16, SIZE, SIZE, 3]), 3)
    t_again, noise_again = model.draw(tf.TensorShape([16, SIZE, SIZE, 3]), 3)
    t_next, _ = model.draw(tf.TensorShape([16, SIZE, SIZE, 3]), 4)
    np.testing.assert_array_equal(t, t_again)
    np.testing.assert_array_equal(noise, noise_again)
    assert np.abs(np.asarray(t) - np.asarray(t_next)).max() > 0
    assert float(tf.reduce_min(t)) > 0 and float(tf.reduce_max(t)) <= 1
    assert t.shape == (16, 1, 1, 1) and noise.shape == (16, SIZE, SIZE, 3)


def test_training_lowers_the_loss_on_one_batch(regressor, random_images):
    keras.utils.set_random_seed(0)
    model = iterative.IterativeRestorer(iterative.stepping_unet(regressor), seed=1)
    model.compile(optimizer=training.adam(1e-3, beta_1=0.9))
    sharp = models.to_model_range(random_images)
    blurred = (sharp + np.roll(sharp, 1, axis=1)) / 2
    first = model.evaluate(blurred, sharp, verbose=0, return_dict=True)["loss"]
    model.fit(blurred, sharp, epochs=30, batch_size=8, verbose=0)
    assert model.evaluate(blurred, sharp, verbose=0, return_dict=True)["loss"] < first


def test_spread_by_region_finds_the_eyes():
    spread = np.full((2, 64, 64), 0.01, np.float32)
    spread[:, notebook06.region_mask(64, [notebook06.FEATURE_BOXES["eyes"]])] = 0.05
    by_region = notebook06.spread_by_region(spread)
    assert by_region.idxmax() == "eyes"
    assert by_region["rest of the image"] == pytest.approx(0.01)


def test_photos_have_their_own_feature_boxes(tmp_path, monkeypatch):
    assert notebook06.feature_boxes() == notebook06.FEATURE_BOXES  # the procedural faces
    monkeypatch.setenv("IMG2IMG_FACES", str(tmp_path))
    settings.use(None)  # read the environment again
    assert notebook06.feature_boxes() == notebook06.PHOTO_FEATURE_BOXES
    spread = np.full((1, 64, 64), 0.01, np.float32)
    spread[:, notebook06.region_mask(64, [notebook06.PHOTO_FEATURE_BOXES["mouth"]])] = 0.05
    assert notebook06.spread_by_region(spread).idxmax() == "mouth"


def test_steps_view_shows_each_draw_and_the_truth(network, random_images):
    views = widgets.steps_view(network, random_images[1], random_images[0], 2, 1.0)
    assert list(views) == ["blurred", "draw 1", "draw 2", "draw 3", "sharp (truth)"]
    assert views["draw 1"][0].shape == (SIZE, SIZE, 3)
    assert views["sharp (truth)"][1] == float("inf")


def test_notebook06_runs_start_from_notebook04s_unets():
    from course_lib.experiments import notebook04
    from course_lib.profiles import PROFILES

    base = notebook04.runs(PROFILES["laptop"])
    runs = notebook06.runs(PROFILES["laptop"])
    assert runs["iterative"].start == base["unet_l1"]
    assert runs["iterative_unknown_blur"].start == base["unet_unknown_blur"]
    assert runs["iterative"].steps == notebook06.EPOCHS_FACTOR * base["unet_l1"].steps
