"""pix2pix: a U-Net generator, a conditional PatchGAN discriminator and their joint training.

Isola et al. (2017), "Image-to-Image Translation with Conditional Adversarial Networks".
The generator is trained with lambda * L1 plus an adversarial term from a discriminator
that judges overlapping patches of (input, output) pairs. Training resumes exactly after
an interruption, with both optimizers' step counts. Introduced in notebook 04.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from course_lib import gan, training
from course_lib.models import (
    BATCH_NORM_EPSILON,
    BATCH_NORM_MOMENTUM,
    LEAKY_SLOPE,
    to_image_range,
    to_model_range,
)

KERNEL_SIZE = 4  # pix2pix uses 4x4 kernels throughout
IMAGE_SIZES = (32, 64, 128, 256)  # powers of two; the U-Net halves down to a 1x1 bottleneck
MAX_FILTER_MULTIPLE = 8  # filters double per level up to 8 x base_filters (C512 for base 64)
DROPOUT_BLOCKS = 3  # dropout 0.5 in the first three decoder blocks, the generator's noise
DROPOUT_RATE = 0.5
RECEPTIVE_FIELDS = (1, 16, 70)  # PixelGAN, a 16x16 PatchGAN and the paper's default 70x70
L1_WEIGHT = 100.0  # the paper's lambda; its Adam settings are DCGAN's (training.adam)
_RANDOM_STATE = "random_state"  # key prefix of the dropout states in a backup

# The discriminator's (kernel, stride) stacks, output convolution included.
_DISCRIMINATOR_SPECS = {
    1: [(1, 1), (1, 1), (1, 1)],  # C64-C128, 1x1 convolutions: judges single pixels
    16: [(4, 2), (4, 1), (4, 1)],  # C64-C128
    70: [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)],  # C64-C128-C256-C512
}


def _batch_norm(name: str) -> keras.layers.BatchNormalization:
    return keras.layers.BatchNormalization(
        momentum=BATCH_NORM_MOMENTUM, epsilon=BATCH_NORM_EPSILON, name=name
    )


def _check_image_size(image_size: int) -> None:
    whole = isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool)
    if not whole or image_size not in IMAGE_SIZES:
        raise ValueError(
            f"image_size must be a power of two from 32 to 256, one of {IMAGE_SIZES} (the "
            f"U-Net halves it down to a 1x1 bottleneck), got {image_size!r}."
        )


def _check_filters(base_filters: int) -> None:
    if isinstance(base_filters, bool) or not isinstance(base_filters, int) or base_filters < 1:
        raise ValueError(f"base_filters must be a whole number >= 1, got {base_filters!r}.")


def unet_depth(image_size: int) -> int:
    """How many stride-2 convolutions take ``image_size`` down to 1x1: log2 (notebook 04)."""
    _check_image_size(image_size)
    return int(image_size).bit_length() - 1


def _level_filters(base_filters: int, level: int) -> int:
    """C64-C128-C256-C512-C512-...: doubling per level, capped at 8 x base."""
    return base_filters * min(2**level, MAX_FILTER_MULTIPLE)


def _encoder_block(x: keras.KerasTensor, filters: int, index: int, last: bool) -> keras.KerasTensor:
    """4x4 stride-2 convolution, batch norm (not on the first or the 1x1 bottleneck), LeakyReLU."""
    batch_norm = index > 1 and not last
    x = keras.layers.Conv2D(
        filters,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        use_bias=not batch_norm,
        kernel_initializer=training.kernel_initializer(),
        name=f"encoder_conv{index}",
    )(x)
    if batch_norm:
        x = _batch_norm(f"encoder_bn{index}")(x)
    name = "bottleneck" if last else f"encoder_lrelu{index}"
    return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=name)(x)


def _decoder_block(
    x: keras.KerasTensor, skip: keras.KerasTensor, filters: int, index: int
) -> keras.KerasTensor:
    """4x4 stride-2 transposed convolution, batch norm, dropout, ReLU, then the skip joins."""
    x = keras.layers.Conv2DTranspose(
        filters,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        use_bias=False,
        kernel_initializer=training.kernel_initializer(),
        name=f"decoder_deconv{index}",
    )(x)
    x = _batch_norm(f"decoder_bn{index}")(x)
    if index <= DROPOUT_BLOCKS:
        x = keras.layers.Dropout(DROPOUT_RATE, name=f"decoder_dropout{index}")(x)
    x = keras.layers.ReLU(name=f"decoder_relu{index}")(x)
    return keras.layers.Concatenate(name=f"skip{index}")([x, skip])  # channels: filters * 2


def unet_generator(
    image_size: int = 64, base_filters: int = 64, channels_in: int = 3, channels_out: int = 3
) -> keras.Model:
    """The pix2pix U-Net: images in [-1, 1] in, images in [-1, 1] out (notebook 04).

    One 4x4 stride-2 convolution per halving down to a 1x1 bottleneck (6 at 64 px, 8 at
    256 px); the decoder mirrors it and concatenates each encoder output of the same size.
    """
    _check_image_size(image_size)
    _check_filters(base_filters)
    depth = unet_depth(image_size)
    inputs = keras.Input((image_size, image_size, channels_in), name="input_image")  # (64, 64, 3)
    # Encoder, at 64 px and base 64: (32, 32, 64) (16, 16, 128) (8, 8, 256) (4, 4, 512)
    # (2, 2, 512) and the bottleneck (1, 1, 512). Level i has size / 2**(i + 1) pixels.
    skips = []
    x = inputs
    for level in range(depth):
        filters = _level_filters(base_filters, level)
        x = _encoder_block(x, filters, level + 1, last=level == depth - 1)
        skips.append(x)
    # Decoder: block j doubles the size and joins encoder level depth - 1 - j, at 64 px:
    # (2, 2, 512+512) (4, 4, 512+512) (8, 8, 256+256) (16, 16, 128+128) (32, 32, 64+64).
    for index, level in enumerate(range(depth - 2, -1, -1), start=1):
        x = _decoder_block(x, skips[level], _level_filters(base_filters, level), index)
    x = keras.layers.Conv2DTranspose(
        channels_out,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        kernel_initializer=training.kernel_initializer(),
        name=f"decoder_deconv{depth}",
    )(x)  # (64, 64, 3)
    # float32 output even under mixed precision (notebook 02's models do the same).
    outputs = keras.layers.Activation("tanh", dtype="float32", name="output_image")(x)  # [-1, 1]
    return keras.Model(inputs, outputs, name=f"unet_{image_size}px_{base_filters}f")


RESTORING_LEVELS = 3  # halvings of the restoring U-Net: 64 px down to 8 px


def _conv3(x: keras.KerasTensor, filters: int, name: str, strides: int = 1) -> keras.KerasTensor:
    """A convolution (3x3, or 4x4 when it halves) and LeakyReLU(0.2), Keras's default init."""
    kernel = KERNEL_SIZE if strides == 2 else 3
    x = keras.layers.Conv2D(filters, kernel, strides, padding="same", name=name)(x)
    return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"{name}_lrelu")(x)


def restoring_unet(
    image_size: int = 64,
    base_filters: int = 16,
    levels: int = RESTORING_LEVELS,
    residual: bool = True,
    channels: int = 3,
) -> keras.Model:
    """A U-Net that learns in minutes on a CPU: [-1, 1] in, [-1, 1] out (notebook 04).

    Three halvings instead of one per power of two, two 3x3 convolutions per level, no batch
    norm or dropout, upsampling by resizing then convolving, and with ``residual`` the
    output is the input plus a learned correction: it learns only what blur took away.
    """
    _check_image_size(image_size)
    _check_filters(base_filters)
    if not 1 <= levels < unet_depth(image_size):
        raise ValueError(f"levels must be from 1 to {unet_depth(image_size) - 1}, got {levels!r}.")
    inputs = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    x = _conv3(inputs, base_filters, "full_conv")  # (64, 64, b)
    skips = []
    for level in range(1, levels + 1):  # (32, 32, 2b) (16, 16, 4b) (8, 8, 8b) at 64 px
        skips.append(x)
        filters = base_filters * 2**level
        x = _conv3(x, filters, f"down{level}", strides=2)
        x = _conv3(x, filters, f"encoder_conv{level}")
    for level in range(levels, 0, -1):  # back up: (16, 16, 4b) (32, 32, 2b) (64, 64, b)
        filters = base_filters * 2 ** (level - 1)
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"resize{level}")(x)
        x = _conv3(x, filters, f"up{level}")  # every output pixel mixes its 3x3 neighbours
        x = keras.layers.Concatenate(name=f"skip{level}")([x, skips[level - 1]])
        x = _conv3(x, filters, f"decoder_conv{level}")
    x = keras.layers.Conv2D(channels, 3, padding="same", name="correction")(x)  # (64, 64, 3)
    if residual:
        x = keras.layers.Add(name="input_plus_correction")([inputs, x])
        outputs = keras.layers.Activation("linear", dtype="float32", name="output_image")(x)
    else:
        outputs = keras.layers.Activation("tanh", dtype="float32", name="output_image")(x)
    name = f"restoring_unet_{image_size}px_{base_filters}f{'_residual' if residual else ''}"
    return keras.Model(inputs, outputs, name=name)


def receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    """Pixels of the input that one output pixel of a (kernel, stride) stack sees (notebook 04).

    Walks back from one output pixel: r = stride * r + (kernel - stride), starting at r = 1.
    """
    field = 1
    for kernel, stride in reversed(list(layers)):
        if kernel < 1 or stride < 1:
            raise ValueError(f"Kernel and stride must be >= 1, got ({kernel}, {stride}).")
        field = stride * field + (kernel - stride)
    return field


def discriminator_spec(field: int = 70) -> list[tuple[int, int]]:
    """The (kernel, stride) stack of the PatchGAN that sees ``field`` pixels (notebook 04).

    1 is the PixelGAN, 16 and 70 the paper's PatchGANs; the last entry is the logit layer.
    """
    if field not in _DISCRIMINATOR_SPECS:
        raise ValueError(f"receptive_field must be one of {RECEPTIVE_FIELDS}, got {field!r}.")
    return list(_DISCRIMINATOR_SPECS[field])


def conv_spec(model: keras.Model) -> list[tuple[int, int]]:
    """The (kernel, stride) of each Conv2D of a model, in order (notebook 04)."""
    return [
        (int(layer.kernel_size[0]), int(layer.strides[0]))
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D)
        and not isinstance(layer, keras.layers.Conv2DTranspose)
    ]


def _discriminator_block(
    x: keras.KerasTensor, filters: int, kernel: int, stride: int, index: int, batch_norm: bool
) -> keras.KerasTensor:
    """Pad (kernel - 1) // 2 pixels, convolve, batch norm, LeakyReLU(0.2)."""
    padding = (kernel - 1) // 2  # the paper's padding of 1 for 4x4 kernels, none for 1x1
    if padding:
        x = keras.layers.ZeroPadding2D(padding, name=f"pad{index}")(x)
    x = keras.layers.Conv2D(
        filters,
        kernel,
        strides=stride,
        use_bias=not batch_norm,
        kernel_initializer=training.kernel_initializer(),
        name=f"conv{index}",
    )(x)
    if batch_norm:
        x = _batch_norm(f"bn{index}")(x)
    return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"lrelu{index}")(x)


def patch_discriminator(
    image_size: int = 64,
    base_filters: int = 64,
    receptive_field: int = 70,
    channels: int = 3,
    target_channels: int | None = None,
) -> keras.Model:
    """The conditional PatchGAN: [input, target or output] to a map of logits (notebook 04).

    Each logit judges one ``receptive_field``-pixel patch of the pair; at 256 px the 70-pixel
    one gives a 30x30 map. ``target_channels`` defaults to ``channels``.
    """
    _check_image_size(image_size)
    _check_filters(base_filters)
    spec = discriminator_spec(receptive_field)
    target_channels = channels if target_channels is None else target_channels
    source = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    target = keras.Input((image_size, image_size, target_channels), name="target_image")
    x = keras.layers.Concatenate(name="pair")([source, target])  # (64, 64, 6)
    # 70-pixel field at 64 px: (32, 32, 64) (16, 16, 128) (8, 8, 256) (7, 7, 512).
    for level, (kernel, stride) in enumerate(spec[:-1]):
        filters = _level_filters(base_filters, level)
        x = _discriminator_block(x, filters, kernel, stride, level + 1, batch_norm=level > 0)
    kernel, stride = spec[-1]
    if (kernel - 1) // 2:
        x = keras.layers.ZeroPadding2D((kernel - 1) // 2, name=f"pad{len(spec)}")(x)
    logits = keras.layers.Conv2D(
        1,
        kernel,
        strides=stride,
        kernel_initializer=training.kernel_initializer(),
        name="patch_logits",
    )(x)  # (6, 6, 1) at 64 px: one logit per overlapping 70x70 patch, no sigmoid
    name = f"patchgan{receptive_field}_{image_size}px_{base_filters}f"
    return keras.Model([source, target], logits, name=name)


class Pix2Pix(keras.Model):
    """A generator and a conditional discriminator trained together with fit() (notebook 04).

    Calling it runs the generator, so ``models.restore(pix2pix, blurred)`` works. After
    compile, ``model.optimizer`` is the generator's optimizer.
    """

    def __init__(
        self, generator: keras.Model, discriminator: keras.Model, name: str = "pix2pix", **kwargs
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = L1_WEIGHT
        self.adversarial = True
        self.generator_optimizer = None
        self.discriminator_optimizer = None
        self.gen_total_tracker = keras.metrics.Mean(name="gen_total")
        self.gen_gan_tracker = keras.metrics.Mean(name="gen_gan")
        self.gen_l1_tracker = keras.metrics.Mean(name="gen_l1")
        self.disc_tracker = keras.metrics.Mean(name="disc")
        self.psnr_tracker = keras.metrics.Mean(name="psnr")  # validation only: val_psnr
        self.built = True  # both networks are built already

    def compile(
        self,
        generator_optimizer: keras.optimizers.Optimizer | None = None,
        discriminator_optimizer: keras.optimizers.Optimizer | None = None,
        l1_weight: float = L1_WEIGHT,
        adversarial: bool = True,
    ) -> None:
        """Set Adam(2e-4, beta_1=0.5) for each network unless given, and the loss (notebook 04).

        ``adversarial=False`` trains the U-Net on lambda * L1 alone; the discriminator rests.
        """
        self.generator_optimizer, self.discriminator_optimizer = gan.ready_optimizers(
            self,
            generator_optimizer or training.adam(),
            discriminator_optimizer or training.adam(),
            generators=[self.generator],
            discriminators=[self.discriminator],
        )
        self.l1_weight = float(l1_weight)
        self.adversarial = bool(adversarial)
        super().compile(optimizer=self.generator_optimizer, auto_scale_loss=False)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        """What fit() reports; gen_gan and disc only when adversarial, psnr on validation."""
        if self.adversarial:
            return [*self._loss_trackers(), self.psnr_tracker]
        return [self.gen_total_tracker, self.gen_l1_tracker, self.psnr_tracker]

    def _loss_trackers(self) -> list[keras.metrics.Metric]:
        """The trackers of the losses a training step reports."""
        if self.adversarial:
            return [
                self.gen_total_tracker,
                self.gen_gan_tracker,
                self.gen_l1_tracker,
                self.disc_tracker,
            ]
        return [self.gen_total_tracker, self.gen_l1_tracker]

    def _random_states(self) -> list[keras.Variable]:
        """The dropout layers' random-number states, which save_weights leaves out."""
        states = []
        for network in (self.generator, self.discriminator):
            weight_ids = {id(weight) for weight in network.weights}
            states += [variable for variable in network.variables if id(variable) not in weight_ids]
        return states

    def save_own_variables(self, store) -> None:
        """Back up the dropout random states too, so a resumed run draws the same masks."""
        super().save_own_variables(store)
        for index, state in enumerate(self._random_states()):
            store[f"{_RANDOM_STATE}{index}"] = state

    def load_own_variables(self, store) -> None:
        """Restore what save_own_variables wrote; a backup without random states still loads."""
        keys = list(store.keys())
        for index, state in enumerate(self._random_states()):
            if f"{_RANDOM_STATE}{index}" in keys:
                state.assign(store[f"{_RANDOM_STATE}{index}"])
        super().load_own_variables(
            {key: store[key] for key in keys if not key.startswith(_RANDOM_STATE)}
        )

    def call(self, inputs, training: bool = False):
        """Run the generator: input images in [-1, 1] to output images in [-1, 1]."""
        return self.generator(inputs, training=training)

    def _adversarial_losses(self, inputs, targets, generated) -> tuple[tf.Tensor, tf.Tensor]:
        """The generator's GAN loss and the discriminator's loss, both with logits."""
        # The logits are float16 under mixed precision; the losses are taken in float32.
        real_logits = tf.cast(self.discriminator([inputs, targets], training=True), tf.float32)
        fake_logits = tf.cast(self.discriminator([inputs, generated], training=True), tf.float32)
        real_loss = _cross_entropy(tf.ones_like(real_logits), real_logits)
        fake_loss = _cross_entropy(tf.zeros_like(fake_logits), fake_logits)
        generator_gan = _cross_entropy(tf.ones_like(fake_logits), fake_logits)
        return generator_gan, 0.5 * (real_loss + fake_loss)

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """One step on an (input, target) batch: update both networks from the same outputs."""
        inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        # Under tf.distribute each replica sees part of the batch, and the optimizers sum the
        # replicas' gradients; so every loss here is this replica's share of the mean over
        # the global batch, and the shares add up to that mean (see gan.share_of_global_mean).
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            generated = self.generator(inputs, training=True)
            generator_l1 = gan.share_of_global_mean(tf.abs(targets - generated))
            generator_total = self.l1_weight * generator_l1
            if self.adversarial:
                generator_gan, discriminator_loss = self._adversarial_losses(
                    inputs, targets, generated
                )
                generator_total = generator_total + generator_gan
            generator_scaled = self.generator_optimizer.scale_loss(generator_total)
            if self.adversarial:
                discriminator_scaled = self.discriminator_optimizer.scale_loss(discriminator_loss)
        generator_variables = self.generator.trainable_variables
        self.generator_optimizer.apply(
            generator_tape.gradient(generator_scaled, generator_variables), generator_variables
        )
        if self.adversarial:
            discriminator_variables = self.discriminator.trainable_variables
            self.discriminator_optimizer.apply(
                discriminator_tape.gradient(discriminator_scaled, discriminator_variables),
                discriminator_variables,
            )
            self.gen_gan_tracker.update_state(gan.whole_loss(generator_gan))
            self.disc_tracker.update_state(gan.whole_loss(discriminator_loss))
        self.gen_total_tracker.update_state(gan.whole_loss(generator_total))
        self.gen_l1_tracker.update_state(gan.whole_loss(generator_l1))
        return {metric.name: metric.result() for metric in self._loss_trackers()}

    def test_step(self, data) -> dict[str, tf.Tensor]:
        """Mean |target - output| in [-1, 1] (val_gen_l1) and PSNR in dB (val_psnr)."""
        inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        generated = tf.cast(self.generator(inputs, training=False), tf.float32)
        self.gen_l1_tracker.update_state(tf.reduce_mean(tf.abs(targets - generated)))
        images = [to_image_range(tf.cast(x, tf.float32)) for x in (targets, generated)]
        self.psnr_tracker.update_state(tf.image.psnr(*images, max_val=1.0))
        return {"gen_l1": self.gen_l1_tracker.result(), "psnr": self.psnr_tracker.result()}


def _cross_entropy(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean binary cross-entropy of logits against 0/1 labels."""
    losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return gan.share_of_global_mean(losses)


class ImageMonitor(keras.callbacks.Callback):
    """Every ``every`` epochs, restore a fixed batch and keep (epoch, images) (notebook 04).

    ``inputs`` (and optional ``sharp``, what they should become) are images in [0, 1]; the
    outputs in ``snapshots`` are too. With ``show=True`` each snapshot is also drawn as rows.
    """

    def __init__(
        self,
        inputs: np.ndarray,
        every: int = 1,
        sharp: np.ndarray | None = None,
        show: bool = False,
    ) -> None:
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}.")
        self.inputs = np.asarray(inputs, np.float32)
        self.sharp = None if sharp is None else np.asarray(sharp, np.float32)
        self.every = every
        self.show = show
        self.snapshots: list[tuple[int, np.ndarray]] = []

    def snapshot(self, epoch: int) -> np.ndarray:
        """Restore the fixed inputs with the model as it is now and record them for ``epoch``."""
        outputs = self.model(to_model_range(self.inputs), training=False)
        images = to_image_range(np.asarray(outputs, np.float32))
        self.snapshots.append((epoch, images))
        return images

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        done = epoch + 1  # Keras counts epochs from 0, its progress bar from 1
        if done % self.every:
            return
        images = self.snapshot(done)
        if self.show:
            self._show(done, images)

    def _show(self, epoch: int, images: np.ndarray) -> None:
        import matplotlib.pyplot as plt

        from course_lib.viz import show_rows

        rows = {"input": self.inputs, f"epoch {epoch}": images}
        if self.sharp is not None:
            rows["sharp"] = self.sharp
        show_rows(rows)
        plt.show()


def _image_shape(generator: keras.Model) -> tuple[int, int, int]:
    """(size, input channels, output channels) of a square image-to-image model."""
    _, height, width, channels_in = generator.inputs[0].shape
    if height != width:
        raise ValueError(f"pix2pix here needs square images, got {height}x{width}.")
    return int(height), int(channels_in), int(generator.outputs[0].shape[-1])


def build_pix2pix(
    generator: keras.Model,
    receptive_field: int = 70,
    discriminator_filters: int = 64,
    l1_weight: float = L1_WEIGHT,
    adversarial: bool = True,
    generator_optimizer: keras.optimizers.Optimizer | None = None,
) -> Pix2Pix:
    """A compiled Pix2Pix around ``generator`` with a fresh PatchGAN of its size (notebook 04).

    Both networks get the paper's Adam(2e-4, beta_1=0.5) unless ``generator_optimizer`` is given.
    """
    size, channels_in, channels_out = _image_shape(generator)
    discriminator = patch_discriminator(
        size, discriminator_filters, receptive_field, channels_in, channels_out
    )
    model = Pix2Pix(generator, discriminator)
    model.compile(generator_optimizer, l1_weight=l1_weight, adversarial=adversarial)
    return model
