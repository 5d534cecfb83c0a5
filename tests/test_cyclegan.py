"""Tests for course_lib.cyclegan: losses, history pool, the training step and resume."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from tiny import domain_arrays

from course_lib import cyclegan, datasets, learned_blur, models, patchgan, resnet, training, unet

SIZE = 32
FILTERS = 4
BATCH = 4
IMAGES = 8  # 2 steps an epoch


pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


@pytest.fixture
def batches() -> tf.data.Dataset:
    """(A, B) batches in the same order every epoch."""
    return tf.data.Dataset.from_tensor_slices(domain_arrays()).batch(BATCH)


def tiny_cyclegan(seed: int = 0, **settings) -> cyclegan.CycleGAN:
    options = {"receptive_field": 16, "total_steps": 4, "pool_size": 3, "seed": seed}
    return cyclegan.build_cyclegan(SIZE, FILTERS, 1, **{**options, **settings})


def copies(variables) -> list[np.ndarray]:
    return [np.array(variable) for variable in variables]


def changed(before: list[np.ndarray], variables) -> bool:
    return any(not np.array_equal(a, np.array(b)) for a, b in zip(before, variables, strict=True))


# --------------------------------------------------------------------------- generators


def unet_and_blur() -> tuple[keras.Model, keras.Model]:
    return unet.restoring_unet(SIZE, FILTERS, levels=2), learned_blur.blur_generator(SIZE)


def test_a_cyclegan_takes_any_pair_of_generators():
    model = cyclegan.build_cyclegan(
        SIZE, FILTERS, 0, receptive_field=16, identity_weight=0.0, make_generators=unet_and_blur
    )
    assert model.generator_ab.name.startswith("restoring_unet")
    assert model.generator_ba.name.startswith("learned_blur")
    real_a, real_b = domain_arrays()
    history = model.fit(
        cyclegan.unpaired_dataset(real_a, real_b, BATCH), epochs=1, steps_per_epoch=2, verbose=0
    )
    assert np.isfinite(history.history["cycle"]).all()


# --------------------------------------------------------------------------- pool, schedule


def test_history_pool_fills_then_returns_stored_images_half_the_time():
    pool = cyclegan.HistoryPool(50, (1, 1, 1), seed=3)
    first = np.arange(50, dtype=np.float32).reshape(50, 1, 1, 1)
    np.testing.assert_array_equal(np.asarray(pool(first[:30])), first[:30])  # filling: unchanged
    np.testing.assert_array_equal(np.asarray(pool(first[30:])), first[30:])
    assert int(pool.count.numpy()) == 50
    seen = set(range(50))
    returned_stored = 0
    total = 0
    for start in range(100, 100 + 40 * 50, 50):
        batch = np.arange(start, start + 50, dtype=np.float32).reshape(50, 1, 1, 1)
        out = np.asarray(pool(batch)).ravel()
        stored = out != batch.ravel()
        assert set(out[stored].tolist()) <= seen  # a swapped-in image was stored earlier
        returned_stored += int(stored.sum())
        total += len(out)
        seen |= set(batch.ravel().tolist())
    assert 0.45 < returned_stored / total < 0.55
    assert set(np.asarray(pool.images).ravel().tolist()) <= seen
    assert int(pool.count.numpy()) == 50


def test_history_pool_draws_are_reproducible_and_size_zero_passes_through():
    batch = np.arange(8, dtype=np.float32).reshape(8, 1, 1, 1)
    outputs = []
    for _ in range(2):
        pool = cyclegan.HistoryPool(4, (1, 1, 1), seed=7)
        outputs.append([np.asarray(pool(batch + 10 * step)) for step in range(3)])
    for got, expected in zip(*outputs, strict=True):
        np.testing.assert_array_equal(got, expected)
    empty = cyclegan.HistoryPool(0, (1, 1, 1))
    np.testing.assert_array_equal(np.asarray(empty(batch)), batch)
    with pytest.raises(ValueError, match="pool size"):
        cyclegan.HistoryPool(-1, (1, 1, 1))


def test_optimizers_follow_the_schedule_over_the_steps_they_take():
    model = tiny_cyclegan(total_steps=10)
    for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
        assert float(optimizer.beta_1) == pytest.approx(0.5)
        optimizer.iterations.assign(8)  # 3 of the 5 decaying steps done: 2/5 of the rate left
        assert float(optimizer.learning_rate) == pytest.approx(2e-4 * 2 / 5)


# --------------------------------------------------------------------------- losses, training


def identity_network() -> keras.Model:
    image = keras.Input((SIZE, SIZE, 3))
    return keras.Model(image, keras.layers.Identity()(image))


def halving_network() -> keras.Model:
    image = keras.Input((SIZE, SIZE, 3))
    return keras.Model(image, keras.layers.Rescaling(0.5)(image))


def losses_with(generator_ab: keras.Model, generator_ba: keras.Model) -> dict:
    critics = [
        patchgan.patch_discriminator(SIZE, FILTERS, 16, normalization=resnet.instance_norm)
        for _ in range(2)
    ]
    model = cyclegan.CycleGAN(generator_ab, generator_ba, *critics)
    model.compile()
    return model.generator_losses(*domain_arrays())


def test_identity_loss_asks_g_to_return_images_of_b_unchanged():
    domain_a, domain_b = domain_arrays()
    # G is the identity map, F halves: only F's term |F(a) - a| is left.
    losses = losses_with(identity_network(), halving_network())
    assert float(losses["identity"]) == pytest.approx(np.abs(0.5 * domain_a).mean(), rel=1e-5)
    # G halves, F is the identity map: only G's term |G(b) - b| is left.
    losses = losses_with(halving_network(), identity_network())
    assert float(losses["identity"]) == pytest.approx(np.abs(0.5 * domain_b).mean(), rel=1e-5)
    # Both identity maps: perfect cycles and no identity loss.
    losses = losses_with(identity_network(), identity_network())
    assert float(losses["identity"]) == float(losses["cycle"]) == 0.0


def test_one_train_step_updates_all_four_networks():
    model = tiny_cyclegan()
    networks = [*model.generators, *model.discriminators]
    before = [copies(network.trainable_variables) for network in networks]
    logs = model.train_on_batch(*(images[:BATCH] for images in domain_arrays()), return_dict=True)
    assert set(logs) == {"gen_total", "gan_g", "gan_f", "cycle", "identity", "disc_a", "disc_b"}
    assert all(np.isfinite(value) for value in logs.values())
    expected = logs["gan_g"] + logs["gan_f"] + 10 * logs["cycle"] + 5 * logs["identity"]
    assert logs["gen_total"] == pytest.approx(expected, rel=1e-5)
    for network, weights in zip(networks, before, strict=True):
        assert changed(weights, network.trainable_variables), network.name
    assert int(model.generator_optimizer.iterations) == 1
    assert int(model.discriminator_optimizer.iterations) == 1
    assert int(model.pool_a.count.numpy()) == int(model.pool_b.count.numpy()) == 3


def paper_step(model: cyclegan.CycleGAN, real_a, real_b) -> dict[str, float]:
    """The paper's step written out plainly: one Adam step for G and F on every generator
    term, then one for D_A and D_B on real images and the pools' fakes."""

    def l1(x, y):
        return tf.reduce_mean(tf.abs(x - y))

    def least_squares(scores, target):
        return tf.reduce_mean(tf.square(scores - target))

    g, f = model.generator_ab, model.generator_ba
    d_a, d_b = model.discriminator_a, model.discriminator_b
    with tf.GradientTape() as tape:
        fake_b, fake_a = g(real_a, training=True), f(real_b, training=True)
        losses = {
            "gan_g": least_squares(d_b(fake_b, training=True), 1.0),
            "gan_f": least_squares(d_a(fake_a, training=True), 1.0),
            "cycle": l1(f(fake_b, training=True), real_a) + l1(g(fake_a, training=True), real_b),
            "identity": l1(g(real_b, training=True), real_b) + l1(f(real_a, training=True), real_a),
        }
        losses["gen_total"] = (
            losses["gan_g"] + losses["gan_f"] + 10 * losses["cycle"] + 5 * losses["identity"]
        )
    variables = g.trainable_variables + f.trainable_variables
    model.generator_optimizer.apply(tape.gradient(losses["gen_total"], variables), variables)
    pooled_a, pooled_b = model.pool_a(fake_a), model.pool_b(fake_b)
    with tf.GradientTape() as tape:
        for name, critic, real, fake in (
            ("disc_a", d_a, real_a, pooled_a),
            ("disc_b", d_b, real_b, pooled_b),
        ):
            losses[name] = 0.5 * (
                least_squares(critic(real, training=True), 1.0)
                + least_squares(critic(fake, training=True), 0.0)
            )
        total = losses["disc_a"] + losses["disc_b"]
    variables = d_a.trainable_variables + d_b.trainable_variables
    model.discriminator_optimizer.apply(tape.gradient(total, variables), variables)
    return {name: float(value) for name, value in losses.items()}


def test_train_step_takes_the_papers_step():
    model, plain = tiny_cyclegan(), tiny_cyclegan()
    real_a, real_b = (tf.constant(images[:BATCH]) for images in domain_arrays())
    for _ in range(2):
        logs = model.train_on_batch(real_a, real_b, return_dict=True)
        expected = paper_step(plain, real_a, real_b)
        assert logs.keys() == expected.keys()
        for name, value in expected.items():
            assert logs[name] == pytest.approx(value, rel=1e-5), name
    for got, want in zip(model.variables, plain.variables, strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)


def test_identity_weight_zero_leaves_the_identity_term_out():
    model = tiny_cyclegan(identity_weight=0.0)
    logs = model.train_on_batch(*(images[:BATCH] for images in domain_arrays()), return_dict=True)
    expected = logs["gan_g"] + logs["gan_f"] + 10 * logs["cycle"]
    assert logs["gen_total"] == pytest.approx(expected, rel=1e-5) and logs["identity"] > 0
    with pytest.raises(ValueError, match="weights"):
        model.compile(identity_weight=-1.0)


def test_gan_g_weight_scales_only_gs_gan_term():
    model = tiny_cyclegan(identity_weight=0.0)
    model.compile(identity_weight=0.0, gan_g_weight=0.1)
    logs = model.train_on_batch(*(images[:BATCH] for images in domain_arrays()), return_dict=True)
    expected = 0.1 * logs["gan_g"] + logs["gan_f"] + 10 * logs["cycle"]
    assert logs["gen_total"] == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="gan_g_weight"):
        model.compile(gan_g_weight=-0.5)


def test_resume_continues_exactly_with_pools_and_schedules(batches, tmp_path):
    run_dir = tmp_path / "run"
    first = tiny_cyclegan()
    training.train(first, batches, 1, run_dir, verbose=0)
    assert training.completed_epochs(run_dir) == 1
    # A fresh process: four new networks with other weights, new optimizers and pools.
    resumed = tiny_cyclegan(seed=1)
    history = training.train(resumed, batches, 2, run_dir, verbose=0)
    assert history.epoch == [1]
    for optimizer in (resumed.generator_optimizer, resumed.discriminator_optimizer):
        assert int(optimizer.iterations) == 4 and float(optimizer.learning_rate) == 0.0
    # The uninterrupted run: the first model trained on in memory.
    first.fit(batches, epochs=1, shuffle=False, verbose=0)
    assert int(resumed.pool_a.draws.numpy()) == 4  # the pools' state came back too
    for got, expected in zip(resumed.variables, first.variables, strict=True):
        np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-5, atol=1e-6)


def test_unpaired_dataset_batches_each_domain_and_refuses_too_few_images():
    domain_a, domain_b = (models.to_image_range(x) for x in domain_arrays())
    batch_a, batch_b = next(iter(cyclegan.unpaired_dataset(domain_a, domain_b[:5], BATCH)))
    assert batch_a.shape == batch_b.shape == (BATCH, SIZE, SIZE, 3)
    assert float(tf.reduce_min(batch_a)) >= -1 and float(tf.reduce_max(batch_a)) <= 1
    with pytest.raises(ValueError, match="fewer than one batch"):
        cyclegan.unpaired_dataset(domain_a[:2], domain_b, BATCH)


# --------------------------------------------------------------------------- horse2zebra


def write_horse2zebra(root, count: int = 3) -> None:
    """A tiny fake of horse2zebra.zip's layout: horse2zebra/trainA, trainB, testA, testB."""
    rng = np.random.default_rng(0)
    for part in ("trainA", "trainB", "testA", "testB"):
        folder = root / "horse2zebra" / part
        folder.mkdir(parents=True)
        for index in range(count):
            pixels = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"n{index:04d}_{part}.jpg")


def test_load_horse2zebra_reads_both_domains_offline(data_folder):
    write_horse2zebra(data_folder / "horse2zebra")  # where fetch_known unpacks it
    horses, zebras = datasets.load_horse2zebra(size=32, split="test", limit=2)
    assert horses.images.shape == zebras.images.shape == (2, 32, 32, 3)
    assert horses.images.min() >= 0 and horses.images.max() <= 1
    assert horses.labels["file"][0].endswith("testA.jpg")
    assert zebras.labels["file"][0].endswith("testB.jpg")


def test_load_horse2zebra_says_how_to_get_it(data_folder, tmp_path):
    with pytest.raises(FileNotFoundError, match='fetch_known\\("horse2zebra"\\)'):
        datasets.load_horse2zebra()
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="trainA"):
        datasets.load_horse2zebra(folder=tmp_path / "empty")
    with pytest.raises(ValueError, match="split"):
        datasets.load_horse2zebra(split="validation")
