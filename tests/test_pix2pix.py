"""Tests for course_lib.pix2pix: the paper's training step, L1-only mode, resume, cache."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from course_lib import cache, models, patchgan, pix2pix, training, unet

SIZE = 32
FILTERS = 4
BATCH = 4
IMAGES = 8  # 2 steps an epoch


pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


def pair_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(blurred, sharp) images in [-1, 1]; the blurred one is a mix of shifted sharp ones."""
    rng = np.random.default_rng(1)
    sharp = rng.uniform(-1, 1, (IMAGES, SIZE, SIZE, 3)).astype(np.float32)
    return (sharp + np.roll(sharp, 1, axis=1)) / 2, sharp


@pytest.fixture
def pairs() -> tf.data.Dataset:
    """Fixed pairs in the same order every epoch."""
    return tf.data.Dataset.from_tensor_slices(pair_arrays()).batch(BATCH)


def tiny_generator(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return unet.unet_generator(SIZE, FILTERS)


def tiny_pix2pix(seed: int = 0, adversarial: bool = True) -> pix2pix.Pix2Pix:
    generator = tiny_generator(seed)
    return pix2pix.build_pix2pix(generator, 70, FILTERS, adversarial=adversarial)


def steps_done(optimizer: keras.optimizers.Optimizer) -> int:
    return int(optimizer.iterations.numpy())


def copies(variables) -> list[np.ndarray]:
    return [np.array(variable) for variable in variables]


def changed(before: list[np.ndarray], variables) -> bool:
    return any(not np.array_equal(a, np.array(b)) for a, b in zip(before, variables, strict=True))


def test_compile_defaults_to_two_dcgan_adams():
    model = tiny_pix2pix()
    optimizers = (model.generator_optimizer, model.discriminator_optimizer)
    assert optimizers[0] is not optimizers[1] and model.optimizer is optimizers[0]
    for optimizer in optimizers:
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert float(optimizer.beta_1) == pytest.approx(0.5)
        assert optimizer.built  # so a backup restores its state
    assert model.l1_weight == 100.0 and model.adversarial


def test_one_train_step_moves_both_networks_with_finite_losses():
    model = tiny_pix2pix()
    inputs, sharp = pair_arrays()
    generator_before = copies(model.generator.trainable_variables)
    discriminator_before = copies(model.discriminator.trainable_variables)
    logs = model.train_on_batch(inputs[:BATCH], sharp[:BATCH], return_dict=True)
    assert set(logs) == {"gen_total", "gen_gan", "gen_l1", "disc"}
    assert all(np.isfinite(value) for value in logs.values())
    assert logs["gen_total"] == pytest.approx(logs["gen_gan"] + 100 * logs["gen_l1"], rel=1e-5)
    assert changed(generator_before, model.generator.trainable_variables)
    assert changed(discriminator_before, model.discriminator.trainable_variables)
    assert steps_done(model.generator_optimizer) == steps_done(model.discriminator_optimizer) == 1


def test_l1_only_leaves_the_discriminator_untouched():
    model = tiny_pix2pix(adversarial=False)
    inputs, sharp = pair_arrays()
    generator_before = copies(model.generator.trainable_variables)
    discriminator_before = copies(model.discriminator.variables)
    logs = model.train_on_batch(inputs[:BATCH], sharp[:BATCH], return_dict=True)
    assert set(logs) == {"gen_total", "gen_l1"}  # no gen_gan, no disc
    assert logs["gen_total"] == pytest.approx(100 * logs["gen_l1"], rel=1e-5)
    assert changed(generator_before, model.generator.trainable_variables)
    assert not changed(discriminator_before, model.discriminator.variables)
    assert steps_done(model.discriminator_optimizer) == 0


def test_training_needs_a_compiled_pix2pix_model(pairs, tmp_path):
    discriminator = patchgan.patch_discriminator(SIZE, FILTERS, target_channels=3)
    model = pix2pix.Pix2Pix(tiny_generator(), discriminator)
    with pytest.raises(ValueError, match="Compile"):
        training.train(model, pairs, 1, tmp_path / "run")


def test_resume_continues_exactly_with_both_optimizers(pairs, tmp_path):
    run_dir = tmp_path / "run"
    first = tiny_pix2pix()
    training.train(first, pairs, 1, run_dir, verbose=0)
    assert training.completed_epochs(run_dir) == 1
    # A fresh process: new networks with other initial weights, new optimizers, same folder.
    resumed = tiny_pix2pix(seed=1)
    history = training.train(resumed, pairs, 2, run_dir, verbose=0)
    assert history.epoch == [1]  # only the missing epoch ran
    steps = IMAGES // BATCH
    assert steps_done(resumed.generator_optimizer) == 2 * steps
    assert steps_done(resumed.discriminator_optimizer) == 2 * steps
    assert list(training.load_history(run_dir)["epoch"]) == [1, 2]
    # An uninterrupted run: the first model trained on in memory. Dropout's random state is
    # backed up too, so even the dropout masks match.
    first.fit(pairs, epochs=1, shuffle=False, verbose=0)
    for got, expected in zip(resumed.variables, first.variables, strict=True):
        np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-5, atol=1e-6)


def test_image_monitor_keeps_every_nth_epoch(monkeypatch):
    model = tiny_pix2pix()
    inputs, sharp = pair_arrays()
    inputs, sharp = models.to_image_range(inputs[:3]), models.to_image_range(sharp[:3])
    monitor = pix2pix.ImageMonitor(inputs, every=2, sharp=sharp, show=True)
    monitor.set_model(model)
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    for epoch in range(4):
        monitor.on_epoch_end(epoch)
    assert [epoch for epoch, _ in monitor.snapshots] == [2, 4]
    images = monitor.snapshots[0][1]
    assert images.shape == inputs.shape and images.min() >= 0 and images.max() <= 1
    np.testing.assert_allclose(images, models.restore(model, inputs), atol=1e-5)
    assert len(shown) == 2 and len(shown[0].axes) == 3 * 3  # input, output and sharp rows
    plt.close("all")
    with pytest.raises(ValueError):
        pix2pix.ImageMonitor(inputs, every=0)


def test_train_or_load_keeps_the_generator_of_a_pix2pix(pairs, data_folder, capsys):
    name = "tiny-pix2pix"
    monitor = pix2pix.ImageMonitor(models.to_image_range(pair_arrays()[0][:2]))
    networks, history = cache.train_or_load(
        name,
        lambda: pix2pix.build_pix2pix(tiny_generator(), 16, FILTERS),
        pairs,
        2,
        keep={name: "generator"},
        validation_pairs=pairs,
        callbacks=[monitor],
        verbose=0,
    )
    generator = networks[name]
    assert generator.name == "unet_32px_4f"
    assert "Training tiny-pix2pix" in capsys.readouterr().out
    assert list(history["epoch"]) == [1, 2]
    assert {"gen_total", "gen_gan", "gen_l1", "disc", "val_gen_l1"} <= set(history.columns)
    assert [epoch for epoch, _ in monitor.snapshots] == [1, 2]
    assert cache.model_path(name).exists()
    assert not (data_folder / "runs" / name / "backup").exists()

    def must_not_build() -> keras.Model:
        raise AssertionError("a finished generator must be loaded, not rebuilt")

    loaded, loaded_history = cache.train_or_load(
        name, must_not_build, pairs, 2, keep={name: "generator"}
    )
    loaded = loaded[name]
    assert "Loaded tiny-pix2pix (2 epochs)" in capsys.readouterr().out
    for got, expected in zip(loaded.get_weights(), generator.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    pd.testing.assert_frame_equal(loaded_history, history)
    blurred = models.to_image_range(pair_arrays()[0][:2])
    np.testing.assert_allclose(
        models.restore(loaded, blurred), models.restore(generator, blurred), atol=1e-6
    )


def test_pix2pix_reports_validation_psnr_in_db():
    restoring = unet.restoring_unet(32, base_filters=4)
    model = pix2pix.build_pix2pix(restoring, 16, 4, adversarial=False)
    sharp = np.random.default_rng(0).random((8, 32, 32, 3), dtype=np.float32) * 2 - 1
    scores = model.evaluate(sharp, sharp, batch_size=8, verbose=0, return_dict=True)
    expected = tf.image.psnr(
        (sharp + 1) / 2, np.clip((restoring.predict(sharp, verbose=0) + 1) / 2, 0, 1), 1.0
    )
    assert scores["psnr"] == pytest.approx(float(np.mean(expected)), rel=1e-4)


def paper_step(model: pix2pix.Pix2Pix, inputs, targets) -> dict[str, float]:
    """The paper's step written out plainly: both losses from one generator pass, one Adam
    step for each network (only the generator's without the adversarial term). D scores the
    real and the generated pairs in one batch, so its batch norm sees both (notebook 04)."""

    def cross_entropy(logits, label):
        labels = tf.fill(tf.shape(logits), label)
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))

    generator, discriminator = model.generator, model.discriminator
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        outputs = generator(inputs, training=True)
        losses = {"gen_l1": tf.reduce_mean(tf.abs(targets - outputs))}
        losses["gen_total"] = 100.0 * losses["gen_l1"]
        if model.adversarial:
            pairs = [tf.concat([inputs, inputs], 0), tf.concat([targets, outputs], 0)]
            real, fake = tf.split(discriminator(pairs, training=True), 2)
            losses["gen_gan"] = cross_entropy(fake, 1.0)
            losses["gen_total"] += losses["gen_gan"]
            losses["disc"] = 0.5 * (cross_entropy(real, 1.0) + cross_entropy(fake, 0.0))
    steps = [(generator_tape, "gen_total", generator, model.generator_optimizer)]
    if model.adversarial:
        steps.append((discriminator_tape, "disc", discriminator, model.discriminator_optimizer))
    for tape, loss, network, optimizer in steps:
        variables = network.trainable_variables
        optimizer.apply(tape.gradient(losses[loss], variables), variables)
    return {name: float(value) for name, value in losses.items()}


@pytest.mark.parametrize("adversarial", [True, False])
def test_train_step_takes_the_papers_step(adversarial):
    def build() -> pix2pix.Pix2Pix:
        keras.utils.set_random_seed(0)
        generator = unet.restoring_unet(SIZE, FILTERS)  # no dropout: the same outputs twice
        return pix2pix.build_pix2pix(generator, 16, FILTERS, adversarial=adversarial)

    model, plain = build(), build()
    inputs, sharp = (tf.constant(images[:BATCH]) for images in pair_arrays())
    for _ in range(2):
        logs = model.train_on_batch(inputs, sharp, return_dict=True)
        expected = paper_step(plain, inputs, sharp)
        assert logs.keys() == expected.keys()
        for name, value in expected.items():
            assert logs[name] == pytest.approx(value, rel=1e-5), name
    for got, want in zip(model.variables, plain.variables, strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)
