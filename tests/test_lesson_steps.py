"""The plain training steps that notebooks 04 and 05 show take the library's step."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib import cyclegan, iterative, models, pix2pix, training, unet

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SIZE = 32
FILTERS = 4
BATCH = 4

pytestmark = pytest.mark.usefixtures("data_folder")  # nothing is written outside a fresh folder


def lesson_step(notebook: str, tag: str = "lesson-step", function: str = "train_step"):
    """The function (train_step by default) that the notebook's cell tagged ``tag`` defines.

    A cell tagged otherwise runs after the lesson-step cell, whose imports it may use.
    """
    cells = json.loads((NOTEBOOKS / notebook).read_text())["cells"]
    namespace = {"np": np}  # every notebook's setup cell imports NumPy as np
    for each in dict.fromkeys(("lesson-step", tag)):
        tagged = [cell for cell in cells if each in cell["metadata"].get("tags", [])]
        assert len(tagged) == 1, f"{notebook} has {len(tagged)} cells tagged {each}"
        exec("".join(tagged[0]["source"]), namespace)
    return namespace[function]


def images(seed: int) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, (BATCH, SIZE, SIZE, 3)).astype(np.float32))


def assert_same_update(model, plain, logs, expected) -> None:
    assert logs.keys() == expected.keys()
    for name, value in expected.items():
        assert logs[name] == pytest.approx(float(value), rel=1e-5), name
    # The library averages each example first, so its sums round differently in the last
    # bits; Adam can turn that into ~1e-6 on a weight whose gradient is near 0. One Adam step
    # moves a weight by up to 2e-4, so atol 1e-5 still catches a step that differs.
    for got, want in zip(model.variables, plain.variables, strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-5)


def test_notebook04_step_is_the_library_step():
    train_step = lesson_step("04_pix2pix.ipynb")

    def build() -> pix2pix.Pix2Pix:
        keras.utils.set_random_seed(0)
        generator = unet.restoring_unet(SIZE, FILTERS)  # no dropout: the same outputs twice
        return pix2pix.build_pix2pix(generator, 16, FILTERS)

    model, plain = build(), build()
    sharp = images(1)
    blurred = (sharp + tf.roll(sharp, 1, axis=1)) / 2
    for _ in range(2):
        logs = model.train_on_batch(blurred, sharp, return_dict=True)
        expected = train_step(
            plain.generator,
            plain.discriminator,
            plain.generator_optimizer,
            plain.discriminator_optimizer,
            blurred,
            sharp,
        )
        assert_same_update(model, plain, logs, expected)


def test_notebook05_step_is_the_library_step_without_a_pool():
    train_step = lesson_step("05_cyclegan.ipynb")

    def build() -> cyclegan.CycleGAN:
        return cyclegan.build_cyclegan(SIZE, FILTERS, 1, receptive_field=16, pool_size=0)

    model, plain = build(), build()
    blurred, sharp = images(1), images(2)
    for _ in range(2):
        logs = model.train_on_batch(blurred, sharp, return_dict=True)
        expected = train_step(
            plain.generator_ab,
            plain.generator_ba,
            plain.discriminator_a,
            plain.discriminator_b,
            plain.generator_optimizer,
            plain.discriminator_optimizer,
            blurred,
            sharp,
        )
        assert_same_update(model, plain, logs, expected)


def stepping_restorer() -> iterative.IterativeRestorer:
    keras.utils.set_random_seed(0)
    network = iterative.stepping_unet(unet.restoring_unet(SIZE, FILTERS))
    model = iterative.IterativeRestorer(network, seed=3)
    model.compile(optimizer=training.adam(5e-4, 8, 0.0, beta_1=0.9))
    return model


def test_notebook06_step_is_the_library_step():
    train_step = lesson_step("06_iterative.ipynb")
    model, plain = stepping_restorer(), stepping_restorer()
    sharp = images(1)
    blurred = (sharp + tf.roll(sharp, 1, axis=1)) / 2
    for step in range(2):
        t, noise = model.draw(tf.shape(sharp), step)  # what the library draws at this step
        logs = model.train_on_batch(blurred, sharp, return_dict=True)
        expected = train_step(plain.network, plain.optimizer, blurred, sharp, t, noise)
        assert_same_update(model, plain, logs, expected)


def test_notebook06_sampler_is_the_library_sampler():
    restore_in_steps = lesson_step("06_iterative.ipynb", "lesson-sampler", "restore_in_steps")
    network = stepping_restorer().network
    network.get_layer("full_conv").set_weights(  # make the state matter
        [w + 0.05 for w in network.get_layer("full_conv").get_weights()]
    )
    blurred = models.to_image_range(images(4).numpy())
    for steps, temperature in ((1, 0.0), (4, 1.0), (3, 0.5)):
        plain = restore_in_steps(
            network, models.to_model_range(blurred), steps, temperature, seed=7
        )
        library = iterative.sample(network, blurred, steps, temperature, seed=7)
        np.testing.assert_allclose(
            library, np.clip(models.to_image_range(np.asarray(plain)), 0, 1), atol=1e-5
        )
