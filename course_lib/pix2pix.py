"""pix2pix: a U-Net generator and a conditional PatchGAN trained together.

Isola et al. (2017), "Image-to-Image Translation with Conditional Adversarial Networks".
The generator is trained with lambda * L1 plus an adversarial term from a discriminator
that judges overlapping patches of (input, output) pairs. The networks are built in
``unet`` and ``patchgan``; what every GAN shares is in ``gan``. Introduced in notebook 04.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from course_lib import gan, patchgan, unet
from course_lib.models import to_image_range, to_model_range

L1_WEIGHT = 100.0  # the paper's lambda; its Adam settings are DCGAN's (training.adam)
ADVERSARIAL_LOSSES = ("gen_total", "gen_gan", "gen_l1", "disc")
L1_LOSSES = ("gen_total", "gen_l1")


def _cross_entropy(logits: tf.Tensor, label: float) -> tf.Tensor:
    """This replica's share of the mean binary cross-entropy of logits against a 0/1 label."""
    logits = tf.cast(logits, tf.float32)  # float16 under mixed precision
    labels = tf.ones_like(logits) if label else tf.zeros_like(logits)
    losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return gan.share_of_global_mean(losses)


def _l1(targets: tf.Tensor, outputs: tf.Tensor) -> tf.Tensor:
    """This replica's share of the mean absolute difference."""
    return gan.share_of_global_mean(tf.abs(targets - outputs))


class Pix2Pix(gan.GAN):
    """A generator and a conditional discriminator trained together with fit() (notebook 04).

    Calling it runs the generator, so ``models.restore(pix2pix, blurred)`` works. After
    compile, ``model.optimizer`` is the generator's optimizer.
    """

    TRACKERS = (*ADVERSARIAL_LOSSES, "psnr")  # psnr on validation only: val_psnr

    def __init__(
        self, generator: keras.Model, discriminator: keras.Model, name: str = "pix2pix", **kwargs
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = L1_WEIGHT
        self.adversarial = True
        self.built = True  # both networks are built already

    @property
    def generators(self) -> list[keras.Model]:
        return [self.generator]

    @property
    def discriminators(self) -> list[keras.Model]:
        return [self.discriminator]

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
        self.l1_weight = float(l1_weight)
        self.adversarial = bool(adversarial)
        super().compile(generator_optimizer, discriminator_optimizer)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        """What fit() reports; gen_gan and disc only when adversarial, psnr on validation."""
        names = ADVERSARIAL_LOSSES if self.adversarial else L1_LOSSES
        return [self.trackers[name] for name in (*names, "psnr")]

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """One step on an (input, target) batch: update both networks from the same outputs."""
        inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not self.adversarial:
            return self._l1_step(inputs, targets)
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            outputs = self.generator(inputs, training=True)
            # L1: stay close to the target, pixel by pixel
            gen_l1 = _l1(targets, outputs)
            # D scores real and generated pairs in one batch, so its batch norm normalises
            # them together (notebook 04 measured why)
            scores = self.discriminator(
                [tf.concat([inputs, inputs], 0), tf.concat([targets, outputs], 0)], training=True
            )
            real, fake = tf.split(scores, 2)
            # GAN: make the discriminator take (input, output) for a real pair
            gen_gan = _cross_entropy(fake, 1.0)
            # the generator's objective: lambda * L1 + GAN
            gen_total = self.l1_weight * gen_l1 + gen_gan
            # D: call real pairs real (1) and generated pairs fake (0), halved as in the paper
            disc = 0.5 * (_cross_entropy(real, 1.0) + _cross_entropy(fake, 0.0))
        self.descend(generator_tape, gen_total, self.generators)
        self.descend(discriminator_tape, disc, self.discriminators)
        return self.record(
            {"gen_total": gen_total, "gen_gan": gen_gan, "gen_l1": gen_l1, "disc": disc}
        )

    def _l1_step(self, inputs: tf.Tensor, targets: tf.Tensor) -> dict[str, tf.Tensor]:
        """adversarial=False: the generator learns lambda * L1 alone; the discriminator rests."""
        with tf.GradientTape() as tape:
            # L1: stay close to the target, pixel by pixel
            gen_l1 = _l1(targets, self.generator(inputs, training=True))
            gen_total = self.l1_weight * gen_l1
        self.descend(tape, gen_total, self.generators)
        return self.record({"gen_total": gen_total, "gen_l1": gen_l1})

    def test_step(self, data) -> dict[str, tf.Tensor]:
        """Mean |target - output| in [-1, 1] (val_gen_l1) and PSNR in dB (val_psnr)."""
        inputs, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        generated = tf.cast(self.generator(inputs, training=False), tf.float32)
        self.trackers["gen_l1"].update_state(tf.reduce_mean(tf.abs(targets - generated)))
        images = [to_image_range(tf.cast(x, tf.float32)) for x in (targets, generated)]
        self.trackers["psnr"].update_state(tf.image.psnr(*images, max_val=1.0))
        return {name: self.trackers[name].result() for name in ("gen_l1", "psnr")}


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
    discriminator = patchgan.patch_discriminator(
        size,
        discriminator_filters,
        receptive_field,
        channels_in,
        target_channels=channels_out,  # conditional: it judges (input, output) pairs
        normalization=unet.batch_norm,
    )
    model = Pix2Pix(generator, discriminator)
    model.compile(generator_optimizer, l1_weight=l1_weight, adversarial=adversarial)
    return model
