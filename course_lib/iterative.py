"""Restore in small steps: InDI, conditional flow matching from the blurred face to the sharp one.

Delbracio and Milanfar (2023), "Inversion by Direct Iteration" (InDI); Lipman et al. (2023),
"Flow Matching"; Liu et al. (2023), "Rectified Flow". A network sees the blurred face and a
point ``current = (1 - t) * sharp + t * (blurred + noise)`` on the straight walk between them,
and learns (L2) the sharp face. One step from t = 1 gives the posterior mean, what L2 and L1
regressors estimate; many small steps draw one plausible sharp face. Notebook 06.
"""

from __future__ import annotations

import re
import weakref

import keras
import numpy as np
import tensorflow as tf

from course_lib import gan, unet
from course_lib.models import to_image_range, to_model_range

NOISE = 0.3  # std of the noise added to the blurred start, in the model range [-1, 1]: at 0.2
# the draws kept a grain of it, at 0.5 and 1.0 the network learned to ignore it (a spread of a
# fifth and a tenth of 0.3's) and 16 steps drew less (perception 27 and 47 against 18, after
# 1,536 fine-tuning steps)
STATE_CHANNELS = 4  # the current image (3) and its time t as a constant map (1)
STEP_COUNTS = (1, 2, 4, 8, 16, 32)  # 32 still drew nearer sharp texture than 16 (laptop:
# perception 20.9 against 26.0); each doubling costs as much sampling as all before it
TRACKERS = ("loss", "psnr")  # psnr on validation only: val_psnr, one step


def interpolate(sharp: tf.Tensor, start: tf.Tensor, t: tf.Tensor) -> tf.Tensor:
    """The point a fraction ``t`` of the way from ``sharp`` (t = 0) to ``start`` (t = 1)."""
    return (1.0 - t) * sharp + t * start


def network_state(current: tf.Tensor, t: tf.Tensor) -> tf.Tensor:
    """The network's second input: the current images and their time as a constant map."""
    current = tf.convert_to_tensor(current, tf.float32)
    t_map = tf.ones_like(current[..., :1]) * tf.reshape(tf.cast(t, tf.float32), [-1, 1, 1, 1])
    return tf.concat([current, t_map], axis=-1)  # (batch, H, W, 4)


def step(
    network: keras.Model, blurred: tf.Tensor, current: tf.Tensor, t: float, next_t: float
) -> tf.Tensor:
    """Move ``current`` from time ``t`` to ``next_t`` toward the network's sharp estimate.

    A fraction (t - next_t) / t of the way: the last step (next_t = 0) lands on the estimate.
    """
    times = tf.fill([tf.shape(current)[0]], float(t))
    estimate = tf.cast(_estimator(network)(blurred, network_state(current, times)), tf.float32)
    return current + (t - next_t) / t * (estimate - current)


_ESTIMATORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _estimator(network: keras.Model):
    """``network``'s inference call as one traced graph, kept while the network lives.

    A sampler calls it once per step, and a graph runs 1.2x (float32) to 2x (bfloat16) faster
    than eager calls on a CPU (benchmarks/sampling_speed.py).
    """
    if network not in _ESTIMATORS:
        held = weakref.ref(network)  # the graph must not keep the network alive

        def estimate(blurred: tf.Tensor, state: tf.Tensor) -> tf.Tensor:
            return held()([blurred, state], training=False)

        _ESTIMATORS[network] = tf.function(estimate, reduce_retracing=True)
    return _ESTIMATORS[network]


def _check_sampling(steps: int, temperature: float) -> None:
    if not (isinstance(steps, int | np.integer) and steps >= 1):
        raise ValueError(f"steps must be a whole number of 1 or more, got {steps!r}.")
    if not 0.0 <= temperature <= 1.0:
        raise ValueError(f"temperature must be from 0 to 1, got {temperature!r}.")


def sample(
    network: keras.Model,
    blurred: np.ndarray,
    steps: int = 1,
    temperature: float = 1.0,
    seed: int = 0,
    noise: float = NOISE,
    batch_size: int = 256,
) -> np.ndarray:
    """Restore images in [0, 1] in ``steps`` equal steps from t = 1 to 0 (notebook 06).

    The walk starts at blurred + temperature * noise * a Gaussian draw (``seed``): 1 step is
    the posterior mean; more steps at temperature 1 draw a sample; 0 starts from the blur.
    """
    _check_sampling(steps, temperature)
    blurred = to_model_range(np.asarray(blurred, np.float32))
    draws = np.random.default_rng(seed).standard_normal(blurred.shape).astype(np.float32)
    times = np.linspace(1.0, 0.0, steps + 1)
    restored = []
    for first in range(0, len(blurred), batch_size):
        inputs = tf.constant(blurred[first : first + batch_size])
        current = inputs + temperature * noise * draws[first : first + batch_size]
        for t, next_t in zip(times[:-1], times[1:], strict=True):
            current = step(network, inputs, current, t, next_t)
        restored.append(np.clip(to_image_range(current.numpy()), 0.0, 1.0))
    return np.concatenate(restored)


def spread(samples: np.ndarray) -> np.ndarray:
    """Per-pixel standard deviation over samples of the same faces, mean over colour.

    ``samples``: (draws, N, H, W, C) in [0, 1]; returns (N, H, W). Large where the blur
    left many sharp faces possible.
    """
    samples = np.asarray(samples, np.float32)
    if samples.ndim != 5 or len(samples) < 2:
        raise ValueError(f"samples must be (draws >= 2, N, H, W, C), got shape {samples.shape}.")
    return samples.std(axis=0).mean(axis=-1)


def stepping_unet(regressor: keras.Model) -> keras.Model:
    """Notebook 04's restoring U-Net with a state input, starting from ``regressor``'s weights.

    The state's weights in the first convolution start at zero, so the new network first
    restores exactly as the regressor, whatever the state: training teaches it to use it.
    """
    names = {layer.name for layer in regressor.layers}
    if "full_conv" not in names or "state" in names:
        raise ValueError(
            f"stepping_unet needs a restoring U-Net without a state input (unet.restoring_unet, "
            f"as notebook 04 trains it), got {regressor.name!r}."
        )
    size, filters = int(regressor.inputs[0].shape[1]), int(regressor.get_layer("full_conv").filters)
    levels = sum(re.fullmatch(r"down\d+", layer.name) is not None for layer in regressor.layers)
    network = unet.restoring_unet(size, filters, levels, state_channels=STATE_CHANNELS)
    for layer in regressor.layers:
        if not layer.weights:
            continue
        weights = layer.get_weights()
        if layer.name == "full_conv":  # (3, 3, 3, b) -> (3, 3, 3 + 4, b): zeros for the state
            kernel = weights[0]
            extra = np.zeros((*kernel.shape[:2], STATE_CHANNELS, kernel.shape[3]), kernel.dtype)
            weights[0] = np.concatenate([kernel, extra], axis=2)
        network.get_layer(layer.name).set_weights(weights)
    return network


class IterativeRestorer(keras.Model):
    """A stepping network trained with fit() on (blurred, sharp) pairs in [-1, 1] (notebook 06).

    Each step draws, per pair, a time t in (0, 1] and a noise image from the optimizer's step
    count, so a resumed run draws what the uninterrupted one would have. Calling it restores
    in one step (the posterior mean), so ``models.restore`` works.
    """

    def __init__(
        self,
        network: keras.Model,
        noise: float = NOISE,
        seed: int = 0,
        name: str = "indi",
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.network = network
        self.noise = float(noise)
        self.seed = int(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in TRACKERS}
        self.built = True  # the network is built already

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    def draw(
        self, shape: tf.TensorShape | tf.Tensor, step: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """(t, noise) for a batch of ``shape`` at optimizer step ``step``: t is (batch, 1, 1, 1)."""
        replica = tf.distribute.get_replica_context()
        replica_id = 0 if replica is None else replica.replica_id_in_sync_group
        seed = tf.stack(
            [
                tf.cast(self.seed, tf.int64),
                tf.cast(step, tf.int64) * 64 + tf.cast(replica_id, tf.int64),
            ]
        )
        t = 1.0 - tf.random.stateless_uniform([shape[0], 1, 1, 1], seed, maxval=0.999)
        noise = tf.random.stateless_normal(shape, seed + 1)
        return t, noise

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """One step on a (blurred, sharp) batch: L2 between the sharp faces and the estimate."""
        blurred, sharp, _ = keras.utils.unpack_x_y_sample_weight(data)
        blurred, sharp = tf.cast(blurred, tf.float32), tf.cast(sharp, tf.float32)
        t, noise = self.draw(tf.shape(sharp), self.optimizer.iterations)
        with tf.GradientTape() as tape:
            # a point on the walk from the sharp face (t = 0) to the noisy blurred one (t = 1)
            current = interpolate(sharp, blurred + self.noise * noise, t)
            estimate = self.network([blurred, network_state(current, t)], training=True)
            # L2: the estimate of the sharp face, pixel by pixel (its mean over pairs)
            loss = gan.share_of_global_mean(tf.square(sharp - tf.cast(estimate, tf.float32)))
            scaled = self.optimizer.scale_loss(loss)  # mixed_float16 scales it; else as is
        variables = self.network.trainable_variables
        self.optimizer.apply(tape.gradient(scaled, variables), variables)
        self.trackers["loss"].update_state(gan.whole_loss(loss))
        return {"loss": self.trackers["loss"].result()}

    def call(self, blurred, training: bool = False):
        """One step from t = 1 at the noisy start's mean, the blur: the posterior mean."""
        blurred = tf.cast(blurred, tf.float32)
        ones = tf.ones([tf.shape(blurred)[0]])
        return self.network([blurred, network_state(blurred, ones)], training=training)

    def test_step(self, data) -> dict[str, tf.Tensor]:
        """Mean squared error (val_loss) and PSNR in dB (val_psnr) of one step."""
        blurred, sharp, _ = keras.utils.unpack_x_y_sample_weight(data)
        sharp = tf.cast(sharp, tf.float32)
        restored = tf.cast(self(blurred), tf.float32)
        self.trackers["loss"].update_state(tf.reduce_mean(tf.square(sharp - restored)))
        images = [to_image_range(x) for x in (sharp, restored)]
        self.trackers["psnr"].update_state(tf.image.psnr(*images, max_val=1.0))
        return {name: tracker.result() for name, tracker in self.trackers.items()}
