"""Tiny generated fixtures that several test modules share: random images and a small model."""

import keras
import numpy as np
import tensorflow as tf

from course_lib import models


def autoencoder_pairs(images: int = 24, batch: int = 8) -> tf.data.Dataset:
    """Fixed (blurred, sharp) 32 px pairs in model range, in the same order every epoch."""
    rng = np.random.default_rng(1)
    sharp = rng.uniform(-1, 1, (images, 32, 32, 3)).astype(np.float32)
    blurred = (sharp + np.roll(sharp, 1, axis=1)) / 2
    return tf.data.Dataset.from_tensor_slices((blurred, sharp)).batch(batch)


def tiny_model(seed: int = 0) -> keras.Model:
    """A 32 px DCGAN autoencoder with 4 base filters, the same weights for the same seed."""
    keras.utils.set_random_seed(seed)
    return models.dcgan_autoencoder(32, 4)


def steps_done(model: keras.Model) -> int:
    return int(model.optimizer.iterations.numpy())


def domain_arrays(count: int = 8, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Images of A in [-1, 1] and of B in [-0.5, 1], unrelated, the same every call."""
    rng = np.random.default_rng(1)
    domain_a = rng.uniform(-1, 1, (count, size, size, 3)).astype(np.float32)
    domain_b = rng.uniform(-0.5, 1, (count, size, size, 3)).astype(np.float32)
    return domain_a, domain_b
