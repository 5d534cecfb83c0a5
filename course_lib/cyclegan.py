"""CycleGAN: unpaired translation with two generators, two discriminators and a cycle loss.

Zhu et al. (2017), "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
Networks". G turns domain A into domain B, F turns B back into A, and each domain has a
PatchGAN that judges single images. The losses are least-squares GAN losses, a cycle loss
(F(G(a)) = a, G(F(b)) = b) and an identity loss (G(b) = b, F(a) = a). Training resumes
exactly after an interruption, history pools and learning-rate schedule included.
Introduced in notebook 05; nothing runs on import.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_lib import blur, experiments, facades, pix2pix, training
from course_lib.devices import training_strategy
from course_lib.models import LEAKY_SLOPE, WEIGHT_STDDEV, to_model_range
from course_lib.profiles import Profile

CYCLE_WEIGHT = 10.0  # the paper's lambda
IDENTITY_WEIGHT = 0.5  # times the cycle weight: 0.5 x 10 = 5, as in the paper's code
POOL_SIZE = 50  # generated images each discriminator may be shown again
LEARNING_RATE = 2e-4  # the paper's Adam settings
BETA_1 = 0.5
NORMALIZATIONS = ("instance", "batch")
UPSAMPLINGS = ("transpose", "resize")  # stride-2 transposed conv, or nearest resize + conv
INSTANCE_NORM_EPSILON = 1e-5
RESIDUAL_BLOCKS = {"smoke": 1, "laptop": 3, "full": 6}  # the paper: 6 at 128 px, 9 at 256 px
FACADE_STYLES = ("day", "night")  # domain A, domain B of the second unpaired pair
STEPS_FILE = "steps.csv"
BATCH_SIZE = 16  # CycleGAN trains on single images; small batches give more steps per image


# --------------------------------------------------------------------------- networks


@keras.saving.register_keras_serializable(package="course_lib")
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by mirroring the image at its edges (notebook 05).

    Zero padding draws a dark frame that the next convolution sees; a mirror does not.
    """

    def __init__(self, padding: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 1:
            raise ValueError(f"padding must be a whole number >= 1, got {padding!r}.")
        self.padding = padding

    def call(self, inputs):
        pad = self.padding
        return keras.ops.pad(inputs, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (
            batch,
            None if height is None else height + grow,
            None if width is None else width + grow,
            channels,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="course_lib")
class ClippedSum(keras.layers.Layer):
    """The input image plus a learned correction, clipped to [-1, 1] (notebook 05).

    Always float32, so the sum is exact even under mixed precision.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**{**kwargs, "dtype": "float32"})

    def call(self, inputs):
        image, correction = (keras.ops.cast(x, "float32") for x in inputs)
        return keras.ops.clip(image + correction, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def _kernel_initializer() -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(stddev=WEIGHT_STDDEV)


def _normalization(kind: str, name: str) -> keras.layers.Layer:
    """Instance norm (a group per channel: each image normalised alone) or batch norm."""
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=INSTANCE_NORM_EPSILON, name=name)
    return keras.layers.BatchNormalization(name=name)


def _check_generator_settings(
    image_size: int,
    base_filters: int,
    residual_blocks: int,
    normalization: str,
    upsampling: str = "transpose",
) -> None:
    whole = isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool)
    if not whole or image_size < 16 or image_size % 4:
        raise ValueError(
            f"image_size must be a multiple of 4 from 16 up (the generator halves it twice), "
            f"got {image_size!r}."
        )
    for label, value, low in (
        ("base_filters", base_filters, 1),
        ("residual_blocks", residual_blocks, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{label} must be a whole number >= {low}, got {value!r}.")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}.")
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"upsampling must be one of {UPSAMPLINGS}, got {upsampling!r}.")


def _convolution(
    x: keras.KerasTensor, filters: int, kernel: int, name: str, strides: int = 1, padding="valid"
) -> keras.KerasTensor:
    return keras.layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding=padding,
        use_bias=False,  # the normalisation that follows has its own offset
        kernel_initializer=_kernel_initializer(),
        name=name,
    )(x)


def _residual_block(
    x: keras.KerasTensor, filters: int, index: int, normalization: str
) -> keras.KerasTensor:
    """Two mirrored-padded 3x3 convolutions whose output is added to the block's input."""
    y = ReflectionPadding2D(1, name=f"res{index}_pad1")(x)
    y = _convolution(y, filters, 3, f"res{index}_conv1")
    y = _normalization(normalization, f"res{index}_norm1")(y)
    y = keras.layers.ReLU(name=f"res{index}_relu")(y)
    y = ReflectionPadding2D(1, name=f"res{index}_pad2")(y)
    y = _convolution(y, filters, 3, f"res{index}_conv2")
    y = _normalization(normalization, f"res{index}_norm2")(y)
    return keras.layers.Add(name=f"res{index}")([x, y])


def _upsample(x: keras.KerasTensor, filters: int, index: int, upsampling: str) -> keras.KerasTensor:
    """Double the height and width: a stride-2 transposed conv, or nearest resize + 3x3 conv."""
    if upsampling == "transpose":
        return keras.layers.Conv2DTranspose(
            filters,
            3,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_kernel_initializer(),
            name=f"up{index}_deconv",
        )(x)
    # A 3x3 kernel at stride 2 overlaps some output pixels twice and others once, which draws
    # a checkerboard; resizing first and then convolving spreads every input pixel evenly
    # (Odena, Dumoulin and Olah 2016, "Deconvolution and Checkerboard Artifacts").
    x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{index}_resize")(x)
    x = ReflectionPadding2D(1, name=f"up{index}_pad")(x)
    return _convolution(x, filters, 3, f"up{index}_conv")


def resnet_generator(
    image_size: int = 64,
    base_filters: int = 64,
    residual_blocks: int = 6,
    channels: int = 3,
    normalization: str = "instance",
    residual: bool = False,
    upsampling: str = "transpose",
) -> keras.Model:
    """CycleGAN's ResNet generator: images in [-1, 1] to images in [-1, 1] (notebook 05).

    A 7x7 convolution, two stride-2 halvings, ``residual_blocks`` residual blocks at a
    quarter of the size, two doublings (``upsampling``) and a 7x7 convolution to ``channels``.
    ``residual=True`` adds that last convolution, zero at the start, to the input image and
    clips: the untrained generator returns its input, for tasks that change an image a little.
    """
    _check_generator_settings(image_size, base_filters, residual_blocks, normalization, upsampling)
    inputs = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    x = ReflectionPadding2D(3, name="stem_pad")(inputs)  # (70, 70, 3)
    x = _convolution(x, base_filters, 7, "stem_conv")  # (64, 64, b)
    x = _normalization(normalization, "stem_norm")(x)
    x = keras.layers.ReLU(name="stem_relu")(x)
    for index, filters in enumerate((2 * base_filters, 4 * base_filters), start=1):
        x = _convolution(x, filters, 3, f"down{index}_conv", strides=2, padding="same")
        x = _normalization(normalization, f"down{index}_norm")(x)
        x = keras.layers.ReLU(name=f"down{index}")(x)  # (32, 32, 2b), then (16, 16, 4b)
    for index in range(1, residual_blocks + 1):
        x = _residual_block(x, 4 * base_filters, index, normalization)  # (16, 16, 4b)
    for index, filters in enumerate((2 * base_filters, base_filters), start=1):
        x = _upsample(x, filters, index, upsampling)
        x = _normalization(normalization, f"up{index}_norm")(x)
        x = keras.layers.ReLU(name=f"up{index}")(x)  # (32, 32, 2b), then (64, 64, b)
    x = ReflectionPadding2D(3, name="head_pad")(x)
    # The correction starts at zero (the generator returns its input); its gradient does not.
    head_initializer = "zeros" if residual else _kernel_initializer()
    x = keras.layers.Conv2D(channels, 7, kernel_initializer=head_initializer, name="head_conv")(
        x
    )  # (64, 64, 3)
    if residual:
        outputs = ClippedSum(name="output_image")([inputs, x])
    else:
        # float32 output even under mixed precision, like notebooks 02 and 04's models.
        outputs = keras.layers.Activation("tanh", dtype="float32", name="output_image")(x)
    name = f"resnet_{image_size}px_{base_filters}f_{residual_blocks}blocks"
    name += "" if normalization == "instance" else "_bn"
    name += "_residual" if residual else ""
    name += "" if upsampling == "transpose" else f"_{upsampling}"
    return keras.Model(inputs, outputs, name=name)


def patch_discriminator(
    image_size: int = 64,
    base_filters: int = 64,
    receptive_field: int = 70,
    channels: int = 3,
    normalization: str = "instance",
) -> keras.Model:
    """Notebook 04's PatchGAN judging one image, not a pair: an image to a map of scores.

    The same (kernel, stride) stacks as ``pix2pix.discriminator_spec``, with instance norm.
    The scores are not squashed: the least-squares loss wants 1 for real, 0 for fake.
    """
    _check_generator_settings(image_size, base_filters, 0, normalization)
    spec = pix2pix.discriminator_spec(receptive_field)
    image = keras.Input((image_size, image_size, channels), name="image")
    x = image
    for level, (kernel, stride) in enumerate(spec[:-1]):
        index = level + 1
        if (kernel - 1) // 2:
            x = keras.layers.ZeroPadding2D((kernel - 1) // 2, name=f"pad{index}")(x)
        filters = base_filters * min(2**level, pix2pix.MAX_FILTER_MULTIPLE)
        x = keras.layers.Conv2D(
            filters,
            kernel,
            strides=stride,
            use_bias=level == 0,
            kernel_initializer=_kernel_initializer(),
            name=f"conv{index}",
        )(x)
        if level > 0:
            x = _normalization(normalization, f"norm{index}")(x)
        x = keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"lrelu{index}")(x)
    kernel, stride = spec[-1]
    if (kernel - 1) // 2:
        x = keras.layers.ZeroPadding2D((kernel - 1) // 2, name=f"pad{len(spec)}")(x)
    scores = keras.layers.Conv2D(
        1, kernel, strides=stride, kernel_initializer=_kernel_initializer(), name="patch_scores"
    )(x)
    name = f"critic{receptive_field}_{image_size}px_{base_filters}f"
    return keras.Model(image, scores, name=name)


# --------------------------------------------------------------------------- pool, schedule


class HistoryPool(keras.layers.Layer):
    """The last ``size`` generated images, so a discriminator also sees older fakes (notebook 05).

    Until the pool is full every image goes in and comes back out. Then each image, with
    probability one half, is swapped for a random stored one (which it replaces). The images,
    the fill count and the random stream (seed, position) are variables: a backup keeps them.
    """

    def __init__(
        self,
        size: int = POOL_SIZE,
        image_shape: Sequence[int] = (64, 64, 3),
        seed: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**{"dtype": "float32", **kwargs})  # float32 even under mixed precision
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"The pool size must be a whole number >= 0, got {size!r}.")
        self.size = size
        # One copy per replica under MirroredStrategy: each GPU keeps its own pool.
        options = {
            "trainable": False,
            "synchronization": "on_read",
            "aggregation": "only_first_replica",
        }
        self.images = keras.Variable(
            np.zeros((size, *image_shape), np.float32), name="images", **options
        )
        self.count = keras.Variable(0, dtype="int32", name="count", **options)
        # The random stream: a seed and a position, both restored with a backup.
        self.seed = keras.Variable(int(seed), dtype="int32", name="seed", **options)
        self.draws = keras.Variable(0, dtype="int32", name="draws", **options)
        self.built = True

    def _seeds(self) -> tf.Tensor:
        """Two stateless seeds from (seed, replica, draws so far): a resumed run draws the same."""
        context = tf.distribute.get_replica_context()
        replica = 0 if context is None else context.replica_id_in_sync_group
        key = tf.stack(
            [
                self.seed.value + 1_000 * tf.cast(replica, tf.int32),
                self.draws.value,
            ]
        )
        return tf.random.experimental.stateless_split(key, 2)

    def call(self, images):
        """Images for the discriminator: these or stored ones; stores these for later."""
        images = tf.convert_to_tensor(images, tf.float32)
        if self.size == 0:
            return images
        count = tf.shape(images)[0]
        stored = tf.convert_to_tensor(self.count.value)
        position = stored + tf.range(count)
        filling = position < self.size  # free slots: store the image, return it unchanged
        pool = tf.tensor_scatter_nd_update(
            self.images.value,
            tf.boolean_mask(position, filling)[:, None],
            tf.boolean_mask(images, filling),
        )
        coin_seed, slot_seed = tf.unstack(self._seeds())
        swap = tf.logical_and(
            tf.logical_not(filling), tf.random.stateless_uniform([count], coin_seed) < 0.5
        )
        slots = tf.random.stateless_uniform(
            [count], slot_seed, minval=0, maxval=self.size, dtype=tf.int32
        )
        returned = tf.where(swap[:, None, None, None], tf.gather(pool, slots), images)
        pool = tf.tensor_scatter_nd_update(
            pool, tf.boolean_mask(slots, swap)[:, None], tf.boolean_mask(images, swap)
        )
        self.images.assign(pool)
        self.count.assign(tf.minimum(stored + count, self.size))
        self.draws.assign_add(1)
        return returned

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="course_lib")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate held for the first ``constant_fraction`` of the steps, then linear to 0.

    CycleGAN trains 100 epochs at 2e-4 and 100 more decaying to zero (notebook 05).
    """

    def __init__(
        self, initial_learning_rate: float, total_steps: int, constant_fraction: float = 0.5
    ) -> None:
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"total_steps must be a whole number >= 1, got {total_steps!r}.")
        if not 0.0 <= constant_fraction <= 1.0:
            raise ValueError(f"constant_fraction must be in [0, 1], got {constant_fraction!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = total_steps
        self.constant_fraction = float(constant_fraction)

    @property
    def decay_start(self) -> int:
        """The first step whose rate is below the initial one."""
        return int(round(self.total_steps * self.constant_fraction))

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        start = float(self.decay_start)
        decaying = float(max(self.total_steps - self.decay_start, 1))
        left = tf.clip_by_value((self.total_steps - step) / decaying, 0.0, 1.0)
        return self.initial_learning_rate * tf.where(step < start, 1.0, left)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "total_steps": self.total_steps,
            "constant_fraction": self.constant_fraction,
        }


def adam(
    total_steps: int | None = None, learning_rate: float = LEARNING_RATE
) -> keras.optimizers.Adam:
    """Adam(beta_1=0.5), constant or with ``LinearDecay`` over ``total_steps`` (notebook 05)."""
    rate = learning_rate if total_steps is None else LinearDecay(learning_rate, total_steps)
    return keras.optimizers.Adam(learning_rate=rate, beta_1=BETA_1)


# --------------------------------------------------------------------------- the model


def _least_squares(scores: tf.Tensor, target: float) -> tf.Tensor:
    """This replica's share of the mean squared distance of the scores from 1 or 0."""
    return pix2pix._share_of_global_mean(tf.square(tf.cast(scores, tf.float32) - target))


def _l1(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean absolute difference over the global batch."""
    return pix2pix._share_of_global_mean(tf.abs(tf.cast(x, tf.float32) - tf.cast(y, tf.float32)))


class CycleGAN(keras.Model):
    """G: A -> B and F: B -> A with discriminators D_A and D_B, trained with fit() (notebook 05).

    fit() takes batches of (images of A, images of B), in [-1, 1] and not paired. Calling the
    model runs G, so ``models.restore(cyclegan, images_of_a)`` works.
    """

    def __init__(
        self,
        generator_ab: keras.Model,
        generator_ba: keras.Model,
        discriminator_a: keras.Model,
        discriminator_b: keras.Model,
        pool_size: int = POOL_SIZE,
        seed: int = 0,
        name: str = "cyclegan",
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.generator_ab = generator_ab  # G
        self.generator_ba = generator_ba  # F
        self.discriminator_a = discriminator_a  # D_A: real A against F's outputs
        self.discriminator_b = discriminator_b  # D_B: real B against G's outputs
        self.pool_a = HistoryPool(pool_size, generator_ba.outputs[0].shape[1:], seed, name="pool_a")
        self.pool_b = HistoryPool(
            pool_size, generator_ab.outputs[0].shape[1:], seed + 1, name="pool_b"
        )
        self.cycle_weight = CYCLE_WEIGHT
        self.identity_weight = IDENTITY_WEIGHT
        self.generator_optimizer = None
        self.discriminator_optimizer = None
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("gen_total", "gan_g", "gan_f", "cycle", "identity", "disc_a", "disc_b")
        }
        self.built = True  # every network is built already

    @property
    def generators(self) -> list[keras.Model]:
        return [self.generator_ab, self.generator_ba]

    @property
    def discriminators(self) -> list[keras.Model]:
        return [self.discriminator_a, self.discriminator_b]

    def compile(
        self,
        generator_optimizer: keras.optimizers.Optimizer | None = None,
        discriminator_optimizer: keras.optimizers.Optimizer | None = None,
        cycle_weight: float = CYCLE_WEIGHT,
        identity_weight: float = IDENTITY_WEIGHT,
        total_steps: int | None = None,
    ) -> None:
        """Set an Adam for both generators and one for both discriminators, and the weights.

        ``total_steps`` gives the default Adams the constant-then-linear schedule. The identity
        loss weighs ``identity_weight * cycle_weight``; 0 switches it off. Notebook 05.
        """
        if cycle_weight < 0 or identity_weight < 0:
            raise ValueError(
                f"The loss weights must be >= 0, got cycle_weight={cycle_weight!r}, "
                f"identity_weight={identity_weight!r}."
            )
        self.generator_optimizer = generator_optimizer or adam(total_steps)
        self.discriminator_optimizer = discriminator_optimizer or adam(total_steps)
        if self.generator_optimizer is self.discriminator_optimizer:
            raise ValueError("Give the generators and the discriminators an optimizer each.")
        if self.dtype_policy.name == "mixed_float16":  # float16 gradients need loss scaling
            self.generator_optimizer = pix2pix._loss_scaled(self.generator_optimizer)
            self.discriminator_optimizer = pix2pix._loss_scaled(self.discriminator_optimizer)
        # Build the optimizer state now, so a backup restores into it.
        for optimizer, networks in (
            (self.generator_optimizer, self.generators),
            (self.discriminator_optimizer, self.discriminators),
        ):
            if not optimizer.built:
                optimizer.build([v for network in networks for v in network.trainable_variables])
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        super().compile(optimizer=self.generator_optimizer, auto_scale_loss=False)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        """The losses fit() reports, each a mean over the epoch's steps."""
        return list(self.trackers.values())

    def call(self, inputs, training: bool = False):
        """Run G: images of A in [-1, 1] to images of B in [-1, 1]."""
        return self.generator_ab(inputs, training=training)

    def generator_losses(self, real_a, real_b, training: bool = True) -> dict[str, tf.Tensor]:
        """Every generator loss term for one batch, and the fakes (notebook 05).

        identity is |G(b) - b| + |F(a) - a|: a generator given an image already in its
        target domain should hand it back unchanged.
        """
        generator_ab, generator_ba = self.generators
        fake_b = generator_ab(real_a, training=training)
        fake_a = generator_ba(real_b, training=training)
        cycle = _l1(generator_ba(fake_b, training=training), real_a) + _l1(
            generator_ab(fake_a, training=training), real_b
        )
        identity = _l1(generator_ab(real_b, training=training), real_b) + _l1(
            generator_ba(real_a, training=training), real_a
        )
        gan_g = _least_squares(self.discriminator_b(fake_b, training=training), 1.0)
        gan_f = _least_squares(self.discriminator_a(fake_a, training=training), 1.0)
        total = gan_g + gan_f + self.cycle_weight * cycle
        if self.identity_weight:
            total = total + self.identity_weight * self.cycle_weight * identity
        return {
            "gen_total": total,
            "gan_g": gan_g,
            "gan_f": gan_f,
            "cycle": cycle,
            "identity": identity,
            "fake_a": fake_a,
            "fake_b": fake_b,
        }

    def _discriminator_loss(self, discriminator: keras.Model, real, fake) -> tf.Tensor:
        """Half the least-squares loss on real images (target 1) plus on fakes (target 0)."""
        real_loss = _least_squares(discriminator(real, training=True), 1.0)
        fake_loss = _least_squares(discriminator(fake, training=True), 0.0)
        return 0.5 * (real_loss + fake_loss)

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """Update G and F on one (A, B) batch, then D_A and D_B on real images and pooled fakes."""
        real_a, real_b, _ = keras.utils.unpack_x_y_sample_weight(data)
        if real_b is None:
            raise ValueError("CycleGAN trains on (images of A, images of B) batches.")
        # Under tf.distribute each loss is this replica's share of the global batch's mean
        # (the optimizers sum the replicas' gradients); the trackers report whole losses.
        generator_variables = [v for g in self.generators for v in g.trainable_variables]
        with tf.GradientTape() as tape:
            losses = self.generator_losses(real_a, real_b)
            scaled = self.generator_optimizer.scale_loss(losses["gen_total"])
        self.generator_optimizer.apply(
            tape.gradient(scaled, generator_variables), generator_variables
        )
        fake_a = self.pool_a(tf.stop_gradient(losses["fake_a"]))
        fake_b = self.pool_b(tf.stop_gradient(losses["fake_b"]))
        discriminator_variables = [v for d in self.discriminators for v in d.trainable_variables]
        with tf.GradientTape() as tape:
            disc_a = self._discriminator_loss(self.discriminator_a, real_a, fake_a)
            disc_b = self._discriminator_loss(self.discriminator_b, real_b, fake_b)
            scaled = self.discriminator_optimizer.scale_loss(disc_a + disc_b)
        self.discriminator_optimizer.apply(
            tape.gradient(scaled, discriminator_variables), discriminator_variables
        )
        values = {**losses, "disc_a": disc_a, "disc_b": disc_b}
        for name, tracker in self.trackers.items():
            tracker.update_state(pix2pix._whole(values[name]))
        return {name: tracker.result() for name, tracker in self.trackers.items()}


def build_cyclegan(
    image_size: int,
    base_filters: int,
    residual_blocks: int,
    receptive_field: int = 70,
    total_steps: int | None = None,
    identity_weight: float = IDENTITY_WEIGHT,
    discriminator_learning_rate: float = LEARNING_RATE,
    normalization: str = "instance",
    pool_size: int = POOL_SIZE,
    seed: int = 0,
    residual: bool = False,
    upsampling: str = "transpose",
) -> CycleGAN:
    """A compiled CycleGAN of four fresh networks, built in the training strategy's scope.

    ``residual`` and ``upsampling`` go to both generators. The same seed gives the same
    starting weights (notebook 05).
    """
    keras.utils.set_random_seed(seed)
    with training_strategy().scope():
        generators = [
            resnet_generator(
                image_size,
                base_filters,
                residual_blocks,
                normalization=normalization,
                residual=residual,
                upsampling=upsampling,
            )
            for _ in range(2)
        ]
        discriminators = [
            patch_discriminator(
                image_size, base_filters, receptive_field, normalization=normalization
            )
            for _ in range(2)
        ]
        model = CycleGAN(*generators, *discriminators, pool_size=pool_size, seed=seed)
        model.compile(
            discriminator_optimizer=adam(total_steps, discriminator_learning_rate),
            generator_optimizer=adam(total_steps),
            identity_weight=identity_weight,
        )
    return model


# --------------------------------------------------------------------------- data, training


def unpaired_dataset(
    domain_a: np.ndarray, domain_b: np.ndarray, batch_size: int, seed: int = 0
) -> tf.data.Dataset:
    """(A, B) batches in [-1, 1]: each domain shuffled on its own, repeating (notebook 05).

    Nothing pairs an image of A with one of B; the two sets may differ in size.
    """
    for label, images in (("domain_a", domain_a), ("domain_b", domain_b)):
        if len(images) < batch_size:
            raise ValueError(
                f"{label} holds {len(images)} images, fewer than one batch of {batch_size}: "
                "give more images or a smaller batch_size."
            )

    def stream(images: np.ndarray, stream_seed: int) -> tf.data.Dataset:
        dataset = tf.data.Dataset.from_tensor_slices(to_model_range(np.asarray(images, np.float32)))
        dataset = dataset.shuffle(min(len(images), 10_000), seed=stream_seed)
        return dataset.repeat().batch(batch_size, drop_remainder=True)

    zipped = tf.data.Dataset.zip((stream(domain_a, seed), stream(domain_b, seed + 1)))
    return zipped.prefetch(tf.data.AUTOTUNE)


def inverse_name(name: str) -> str:
    """The cache name of F, kept beside G's (notebook 05)."""
    return f"{name}-inverse"


def steps_path(name: str) -> Path:
    """Where the per-step losses of a finished run are kept, beside its G (notebook 05)."""
    return training.model_path(name).with_suffix(".steps.csv")


def load_steps(source: str | Path) -> pd.DataFrame:
    """Per-step losses of a run: a finished run's name or a steps CSV file (notebook 05).

    A step repeated after a crash keeps its last row; ``step`` counts every step from 1.
    """
    path = Path(source) if Path(source).suffix == ".csv" else steps_path(str(source))
    if not path.exists():
        raise FileNotFoundError(f"No per-step losses at {path}; has this run finished?")
    table = pd.read_csv(path).drop_duplicates(["epoch", "batch"], keep="last")
    table = table.sort_values(["epoch", "batch"]).reset_index(drop=True)
    table.insert(0, "step", np.arange(1, len(table) + 1))
    return table


def train_cyclegan(
    name: str,
    build: Callable[[], CycleGAN],
    domain_a: np.ndarray,
    domain_b: np.ndarray,
    epochs: int,
    batch_size: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: str | int = 0,
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load the finished G and F called ``name``, or train them (notebook 05).

    ``build()`` returns a compiled CycleGAN. An epoch is one pass over ``domain_a``; a crashed
    run resumes from ``training.run_dir_for(name)``. Returns (G, F, history DataFrame).
    """
    inverse_path = training.model_path(inverse_name(name))
    if training.model_path(name).exists() and inverse_path.exists():
        generator_ab, history = training.load_finished(name)
        return generator_ab, keras.models.load_model(inverse_path), history
    run_dir = training.run_dir_for(name)
    print(f"Training {name} for {epochs} epochs in {run_dir}, then saving G and F.")
    model = build()
    pairs = unpaired_dataset(domain_a, domain_b, batch_size)
    steps = max(1, len(domain_a) // batch_size)
    recorder = StepLosses(run_dir / STEPS_FILE)
    training.train(model, pairs, epochs, run_dir, None, steps, verbose, [*callbacks, recorder])
    training.save_model_atomically(model.generator_ba, inverse_path)
    shutil.copyfile(run_dir / STEPS_FILE, steps_path(name))
    history = training.finish_run(name, run_dir, model.generator_ab)  # G last: marks the end
    return model.generator_ab, model.generator_ba, history


class StepLosses(keras.callbacks.Callback):
    """Every training step's own losses, for plotting the adversarial game (notebook 05).

    Keras reports running means within an epoch; step k's own value is recovered as
    k * mean_k - (k - 1) * mean_(k-1). With a ``path``, each epoch's rows are appended there.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__()
        self.path = None if path is None else Path(path)
        self.rows: list[dict[str, float]] = []
        self._epoch_rows: list[dict[str, float]] = []
        self._previous: dict[str, float] = {}
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._previous, self._epoch_rows, self._epoch = {}, [], epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        count = batch + 1
        row = {"epoch": self._epoch, "batch": count}
        for key, value in (logs or {}).items():
            mean = float(value)
            row[key] = count * mean - (count - 1) * self._previous.get(key, 0.0)
            self._previous[key] = mean
        self.rows.append(row)
        self._epoch_rows.append(row)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.path is None or not self._epoch_rows:
            return
        table = pd.DataFrame(self._epoch_rows)
        table.to_csv(self.path, mode="a", header=not self.path.exists(), index=False)

    def table(self) -> pd.DataFrame:
        """This callback's rows, one per step, ``step`` counted from 1."""
        table = pd.DataFrame(self.rows)
        table.insert(0, "step", np.arange(1, len(table) + 1))
        return table


def checkerboard_ratio(truth: np.ndarray, outputs: np.ndarray) -> float:
    """The outputs' power at a period of 2 pixels over the truth's, in grey (notebook 05).

    That is the Nyquist row and column of each image's spectrum, where a checkerboard lives:
    1.0 is as much as the truth has, well above 1 a checkerboard pattern.
    """
    truth, outputs = (np.asarray(x, np.float64) for x in (truth, outputs))
    if truth.shape != outputs.shape or truth.ndim != 4 or min(truth.shape[1:3]) < 2:
        raise ValueError(
            f"Give truth and outputs as equal (count, height, width, channels) arrays, got "
            f"{truth.shape} and {outputs.shape}."
        )

    def nyquist_power(images: np.ndarray) -> float:
        grey = images.mean(axis=-1)
        grey = grey - grey.mean(axis=(1, 2), keepdims=True)
        power = np.abs(np.fft.fft2(grey)) ** 2
        row, column = grey.shape[1] // 2, grey.shape[2] // 2
        return float(
            power[:, row, :].sum() + power[:, :, column].sum() - power[:, row, column].sum()
        )

    return nyquist_power(outputs) / max(nyquist_power(truth), 1e-12)


# --------------------------------------------------------------------------- notebook 05's runs


def residual_blocks(profile: Profile) -> int:
    """The generators' residual blocks for a profile: few on a CPU, the paper's 6 on a GPU."""
    return RESIDUAL_BLOCKS.get(profile.name, RESIDUAL_BLOCKS["full"])


def cyclegan_budget(profile: Profile) -> Profile:
    """Notebook 05's deblurring budget: images per domain, epochs, filters and batch size.

    An eighth of the profile's faces per domain for half its epochs, half its base filters
    and batches of 16: on 2 CPU cores the four networks train about 15 image pairs a second.
    """
    batch_size = min(BATCH_SIZE, profile.batch_size)
    return dataclasses.replace(
        profile,
        train_count=max(batch_size, profile.train_count // 8),
        epochs=max(1, profile.epochs // 2),
        base_filters=max(4, profile.base_filters // 2),
        batch_size=batch_size,
    )


def facades_budget(profile: Profile) -> Profile:
    """A quarter of the deblurring budget's images, as day and night facade photos (notebook 05)."""
    budget = cyclegan_budget(profile)
    return dataclasses.replace(budget, train_count=max(budget.batch_size, budget.train_count // 4))


def pitfall_budget(profile: Profile) -> Profile:
    """The pitfall runs: an eighth of the deblurring images, half its filters (notebook 05)."""
    budget = cyclegan_budget(profile)
    return dataclasses.replace(
        budget,
        train_count=max(budget.batch_size, budget.train_count // 8),
        base_filters=max(4, budget.base_filters // 2),
    )


def _blocks(budget: Profile, pitfall: bool) -> int:
    return 1 if pitfall else residual_blocks(budget)


def cyclegan_name(
    task: str,
    budget: Profile,
    blocks: int,
    identity_weight: float = IDENTITY_WEIGHT,
    discriminator_learning_rate: float = LEARNING_RATE,
    normalization: str = "instance",
    residual: bool = False,
    upsampling: str = "transpose",
    **data,
) -> str:
    """The cache name of a CycleGAN run with these settings (notebook 05).

    A residual or resize-upsampling generator is spelled out, so no other run's model loads.
    """
    return training.run_name(
        model=f"cyclegan_{task}",
        image_size=budget.image_size,
        base_filters=budget.base_filters,
        train_count=budget.train_count,
        epochs=budget.epochs,
        batch_size=budget.batch_size,
        seed=experiments.SPLIT_SEEDS["train"],
        blocks=blocks,
        identity=float(identity_weight),
        disc_lr=float(discriminator_learning_rate),
        norm=None if normalization == "instance" else normalization,
        gen=_generator_slug(residual, upsampling),
        **data,
    )


def _generator_slug(residual: bool, upsampling: str) -> str | None:
    """None for the paper's generator, else e.g. "residual_resize"."""
    parts = (["residual"] if residual else []) + ([] if upsampling == "transpose" else [upsampling])
    return "_".join(parts) or None


def deblur_domains(
    budget: Profile, spec: blur.BlurSpec = experiments.DEFAULT_BLUR
) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired domains from 2 x ``train_count`` training faces, in [0, 1] (notebook 05).

    A: the first half, blurred. B: the second half, sharp. No face is in both.
    """
    sharp = experiments.face_split(budget, "train", count=2 * budget.train_count)
    half = budget.train_count
    return experiments.blurred_copy(sharp[:half], spec), sharp[half:]


def facade_domains(budget: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Unpaired day (A) and night (B) photos of different procedural buildings (notebook 05)."""
    count, half = 2 * budget.train_count, budget.train_count
    seed = experiments.SPLIT_SEEDS["train"]
    day = facades.make_facades(count, budget.image_size, seed, "day")[1][:half]
    night = facades.make_facades(count, budget.image_size, seed, "night")[1][half:]
    return day, night


def facade_test_pairs(profile: Profile, count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Held-out day and night photos of the same buildings, for scoring (notebook 05)."""
    count = profile.test_count if count is None else count
    seed = experiments.SPLIT_SEEDS["test"]
    return tuple(
        facades.make_facades(count, profile.image_size, seed, style)[1] for style in FACADE_STYLES
    )


def _run(
    task: str,
    budget: Profile,
    domains: tuple[np.ndarray, np.ndarray],
    pitfall: bool,
    identity_weight: float,
    discriminator_learning_rate: float,
    normalization: str,
    verbose: str | int,
    residual: bool = False,
    upsampling: str = "transpose",
    **data,
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    blocks = _blocks(budget, pitfall)
    generator = {"residual": residual, "upsampling": upsampling}
    name = cyclegan_name(
        task,
        budget,
        blocks,
        identity_weight,
        discriminator_learning_rate,
        normalization,
        **generator,
        **data,
    )
    steps = budget.epochs * max(1, budget.train_count // budget.batch_size)

    def build() -> CycleGAN:
        return build_cyclegan(
            budget.image_size,
            budget.base_filters,
            blocks,
            total_steps=steps,
            identity_weight=identity_weight,
            discriminator_learning_rate=discriminator_learning_rate,
            normalization=normalization,
            seed=experiments.SPLIT_SEEDS["train"],
            **generator,
        )

    return train_cyclegan(name, build, *domains, budget.epochs, budget.batch_size, verbose=verbose)


def train_deblur_cyclegan(
    budget: Profile,
    spec: blur.BlurSpec = experiments.DEFAULT_BLUR,
    pitfall: bool = False,
    identity_weight: float = IDENTITY_WEIGHT,
    discriminator_learning_rate: float = LEARNING_RATE,
    normalization: str = "instance",
    verbose: str | int = 0,
    residual: bool = True,
    upsampling: str = "resize",
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load or train G: blurred -> sharp and F: sharp -> blurred on unpaired faces (notebook 05).

    The generators start as the identity and upsample by resizing (see ``resnet_generator``);
    ``pitfall=True`` uses one residual block, for the short pitfall runs. Returns (G, F, history).
    """
    domains = deblur_domains(budget, spec)
    return _run(
        "deblur",
        budget,
        domains,
        pitfall,
        identity_weight,
        discriminator_learning_rate,
        normalization,
        verbose,
        residual,
        upsampling,
        blur=spec,
    )


def deblur_name(
    budget: Profile,
    pitfall: bool = False,
    spec: blur.BlurSpec = experiments.DEFAULT_BLUR,
    identity_weight: float = IDENTITY_WEIGHT,
    discriminator_learning_rate: float = LEARNING_RATE,
    normalization: str = "instance",
    residual: bool = True,
    upsampling: str = "resize",
) -> str:
    """The cache name ``train_deblur_cyclegan`` uses for the same arguments (notebook 05)."""
    return cyclegan_name(
        "deblur",
        budget,
        _blocks(budget, pitfall),
        identity_weight,
        discriminator_learning_rate,
        normalization,
        residual,
        upsampling,
        blur=spec,
    )


def train_facades_cyclegan(
    budget: Profile, verbose: str | int = 0
) -> tuple[keras.Model, keras.Model, pd.DataFrame]:
    """Load or train G: day -> night and F: night -> day on unpaired facades (notebook 05).

    The generators are the paper's, except that they upsample by resizing (no checkerboard);
    they do not start as the identity, since night is far from day.
    """
    return _run(
        "facades",
        budget,
        facade_domains(budget),
        False,
        IDENTITY_WEIGHT,
        LEARNING_RATE,
        "instance",
        verbose,
        upsampling="resize",
        style="daytonight",
    )
