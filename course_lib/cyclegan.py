"""CycleGAN: unpaired translation with two generators, two discriminators and a cycle loss.

Zhu et al. (2017), "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
Networks". G turns domain A into domain B, F turns B back into A, and each domain has a
PatchGAN that judges single images. The losses are least-squares GAN losses, a cycle loss
(F(G(a)) = a, G(F(b)) = b) and an identity loss (G(b) = b, F(a) = a). Training resumes
exactly after an interruption, history pools and learning-rate schedule included.
Introduced in notebook 05; nothing runs on import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from course_lib import gan, pix2pix, training
from course_lib.models import LEAKY_SLOPE, to_model_range

CYCLE_WEIGHT = 10.0  # the paper's lambda; its Adam settings are DCGAN's (training.adam)
IDENTITY_WEIGHT = 0.5  # times the cycle weight: 0.5 x 10 = 5, as in the paper's code
POOL_SIZE = 50  # generated images each discriminator may be shown again
NORMALIZATIONS = ("instance", "batch")
UPSAMPLINGS = ("transpose", "resize")  # stride-2 transposed conv, or nearest resize + conv
INSTANCE_NORM_EPSILON = 1e-5
BLUR_KERNEL_SIZE = 15  # the learned blur's kernel: wide enough for a Gaussian of sigma 3
# Adam moves each weight by about its learning rate per step. The kernel's logits are stored
# divided by 50, so they move 50 times faster: unscaled, a kernel started at sigma 1 was
# still at sigma 1.00 after 128 laptop steps at 2e-4; scaled, it reached 2.0 in 384.
BLUR_LOGIT_SCALE = 50.0


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


@keras.saving.register_keras_serializable(package="course_lib")
class LearnedBlur(keras.layers.Layer):
    """Blur every channel with one learned kernel, non-negative and summing to one (notebook 05).

    The kernel is a softmax of ``size x size`` logits, started as a Gaussian of
    ``initial_sigma``. Edges are mirrored as ``blur.gaussian_blur`` mirrors them (d c b a | a b).
    """

    def __init__(self, size: int = BLUR_KERNEL_SIZE, initial_sigma: float = 1.0, **kwargs) -> None:
        super().__init__(**{**kwargs, "dtype": "float32"})  # float32 even under mixed precision
        if isinstance(size, bool) or not isinstance(size, int) or size < 3 or size % 2 == 0:
            raise ValueError(f"size must be an odd whole number >= 3, got {size!r}.")
        if not initial_sigma > 0:
            raise ValueError(f"initial_sigma must be > 0, got {initial_sigma!r}.")
        self.size = size
        self.initial_sigma = float(initial_sigma)
        offsets = np.arange(size) - size // 2
        squared = offsets[:, None] ** 2 + offsets[None, :] ** 2
        logits = -squared / (2 * self.initial_sigma**2) / BLUR_LOGIT_SCALE
        self.logits = self.add_weight(
            shape=(size, size),
            initializer=keras.initializers.Constant(logits.astype(np.float32)),
            name="logits",
        )

    def kernel(self) -> tf.Tensor:
        """The (size, size) kernel: non-negative, summing to one."""
        flat = keras.ops.softmax(BLUR_LOGIT_SCALE * keras.ops.reshape(self.logits, (-1,)))
        return keras.ops.reshape(flat, (self.size, self.size))

    def call(self, inputs):
        images = keras.ops.cast(inputs, "float32")
        pad = self.size // 2
        images = keras.ops.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="symmetric")
        channels = images.shape[-1]
        kernel = keras.ops.tile(self.kernel()[:, :, None, None], (1, 1, channels, 1))
        return keras.ops.depthwise_conv(images, kernel, strides=1, padding="valid")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "initial_sigma": self.initial_sigma}


def blur_generator(
    image_size: int = 64,
    kernel_size: int = BLUR_KERNEL_SIZE,
    channels: int = 3,
    initial_sigma: float = 1.0,
) -> keras.Model:
    """F for a task whose degradation is a blur: one learned kernel, images in and out (nb 05).

    Nothing but a convolution, so F cannot invent content, move colours or keep the identity;
    its discriminator alone decides how wide the kernel grows. KernelGAN (Bell-Kligler, Shocher
    and Irani 2019) learns a camera's downscaling kernel the same way.
    """
    _check_generator_settings(image_size, 1, 0, "instance")
    inputs = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    outputs = LearnedBlur(kernel_size, initial_sigma, name="output_image")(inputs)  # (64, 64, 3)
    return keras.Model(inputs, outputs, name=f"learned_blur_{image_size}px_{kernel_size}tap")


def kernel_of(generator: keras.Model) -> np.ndarray:
    """The (size, size) kernel of a ``blur_generator``, as a NumPy array (notebook 05)."""
    layer = generator.get_layer("output_image")
    if not isinstance(layer, LearnedBlur):
        raise ValueError(f"{generator.name} is not a blur_generator: it has no learned kernel.")
    return np.asarray(layer.kernel())


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
        kernel_initializer=training.kernel_initializer(),
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
            kernel_initializer=training.kernel_initializer(),
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
    head_initializer = "zeros" if residual else training.kernel_initializer()
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
            kernel_initializer=training.kernel_initializer(),
            name=f"conv{index}",
        )(x)
        if level > 0:
            x = _normalization(normalization, f"norm{index}")(x)
        x = keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"lrelu{index}")(x)
    kernel, stride = spec[-1]
    if (kernel - 1) // 2:
        x = keras.layers.ZeroPadding2D((kernel - 1) // 2, name=f"pad{len(spec)}")(x)
    scores = keras.layers.Conv2D(
        1,
        kernel,
        strides=stride,
        kernel_initializer=training.kernel_initializer(),
        name="patch_scores",
    )(x)
    name = f"critic{receptive_field}_{image_size}px_{base_filters}f"
    return keras.Model(image, scores, name=name)


# --------------------------------------------------------------------------- history pool


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


# --------------------------------------------------------------------------- the model


def _least_squares(scores: tf.Tensor, target: float) -> tf.Tensor:
    """This replica's share of the mean squared distance of the scores from 1 or 0."""
    return gan.share_of_global_mean(tf.square(tf.cast(scores, tf.float32) - target))


def _l1(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean absolute difference over the global batch."""
    return gan.share_of_global_mean(tf.abs(tf.cast(x, tf.float32) - tf.cast(y, tf.float32)))


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
        self.gan_g_weight = 1.0
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
        gan_g_weight: float = 1.0,
    ) -> None:
        """Set an Adam for both generators and one for both discriminators, and the weights.

        ``total_steps`` gives the default Adams the constant-then-linear schedule. The identity
        loss weighs ``identity_weight * cycle_weight``; 0 switches it off. ``gan_g_weight``
        scales G's GAN term (the paper: 1). Notebook 05.
        """
        if cycle_weight < 0 or identity_weight < 0 or gan_g_weight < 0:
            raise ValueError(
                f"The loss weights must be >= 0, got cycle_weight={cycle_weight!r}, "
                f"identity_weight={identity_weight!r}, gan_g_weight={gan_g_weight!r}."
            )
        self.generator_optimizer, self.discriminator_optimizer = gan.ready_optimizers(
            self,
            generator_optimizer or training.adam(total_steps=total_steps),
            discriminator_optimizer or training.adam(total_steps=total_steps),
            self.generators,
            self.discriminators,
        )
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.gan_g_weight = float(gan_g_weight)
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
        total = self.gan_g_weight * gan_g + gan_f + self.cycle_weight * cycle
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
            tracker.update_state(gan.whole_loss(values[name]))
        return {name: tracker.result() for name, tracker in self.trackers.items()}


def build_cyclegan(
    image_size: int,
    base_filters: int,
    residual_blocks: int,
    receptive_field: int = 70,
    total_steps: int | None = None,
    identity_weight: float = IDENTITY_WEIGHT,
    discriminator_learning_rate: float = training.LEARNING_RATE,
    normalization: str = "instance",
    pool_size: int = POOL_SIZE,
    seed: int = 0,
    residual: bool = False,
    upsampling: str = "transpose",
    make_generators: Callable[[], tuple[keras.Model, keras.Model]] | None = None,
    generator_learning_rate: float = training.LEARNING_RATE,
    cycle_weight: float = CYCLE_WEIGHT,
    gan_g_weight: float = 1.0,
) -> CycleGAN:
    """A compiled CycleGAN of four fresh networks; the same seed, the same start (notebook 05).

    ``residual`` and ``upsampling`` go to both ResNet generators; ``make_generators()`` returns
    (G, F) to use instead. ``training.train_or_load`` builds it in the training strategy's
    scope, so that several GPUs each hold a copy.
    """
    keras.utils.set_random_seed(seed)
    if make_generators is None:
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
    else:
        generators = list(make_generators())
    discriminators = [
        patch_discriminator(image_size, base_filters, receptive_field, normalization=normalization)
        for _ in range(2)
    ]
    model = CycleGAN(*generators, *discriminators, pool_size=pool_size, seed=seed)
    model.compile(
        discriminator_optimizer=training.adam(discriminator_learning_rate, total_steps),
        generator_optimizer=training.adam(generator_learning_rate, total_steps),
        cycle_weight=cycle_weight,
        identity_weight=identity_weight,
        gan_g_weight=gan_g_weight,
    )
    return model


# --------------------------------------------------------------------------- data


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
