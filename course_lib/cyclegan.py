"""CycleGAN: unpaired translation with two generators, two discriminators and a cycle loss.

Zhu et al. (2017), "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
Networks". G turns domain A into domain B, F turns B back into A, and each domain has a
PatchGAN that judges single images. The losses are least-squares GAN losses, a cycle loss
(F(G(a)) = a, G(F(b)) = b) and an identity loss (G(b) = b, F(a) = a). The networks are
built in ``resnet``, ``learned_blur``, ``unet`` and ``patchgan``; what every GAN shares is in
``gan``. Introduced in notebook 05; nothing runs on import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from course_lib import gan, patchgan, resnet, training
from course_lib.models import to_model_range

CYCLE_WEIGHT = 10.0  # the paper's lambda; its Adam settings are DCGAN's (training.adam)
IDENTITY_WEIGHT = 0.5  # times the cycle weight: 0.5 x 10 = 5, as in the paper's code
POOL_SIZE = 50  # generated images each discriminator may be shown again


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


class CycleGAN(gan.GAN):
    """G: A -> B and F: B -> A with discriminators D_A and D_B, trained with fit() (notebook 05).

    fit() takes batches of (images of A, images of B), in [-1, 1] and not paired. Calling the
    model runs G, so ``models.restore(cyclegan, images_of_a)`` works.
    """

    TRACKERS = ("gen_total", "gan_g", "gan_f", "cycle", "identity", "disc_a", "disc_b")

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
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.gan_g_weight = float(gan_g_weight)
        super().compile(
            generator_optimizer or training.adam(total_steps=total_steps),
            discriminator_optimizer or training.adam(total_steps=total_steps),
        )

    def generator_losses(self, real_a, real_b, training: bool = True) -> dict[str, tf.Tensor]:
        """Every generator loss term for one batch, and the fakes (notebook 05).

        identity is |G(b) - b| + |F(a) - a|: a generator given an image already in its
        target domain should hand it back unchanged.
        """
        generator_ab, generator_ba = self.generators
        fake_b = generator_ab(real_a, training=training)
        fake_a = generator_ba(real_b, training=training)
        # cycle: F(G(a)) comes back to a and G(F(b)) to b
        cycle = _l1(generator_ba(fake_b, training=training), real_a) + _l1(
            generator_ab(fake_a, training=training), real_b
        )
        # identity: G(b) stays b and F(a) stays a
        identity = _l1(generator_ab(real_b, training=training), real_b) + _l1(
            generator_ba(real_a, training=training), real_a
        )
        # GAN: D_B takes G's fakes for real images of B (score 1), D_A takes F's for real A
        gan_g = _least_squares(self.discriminator_b(fake_b, training=training), 1.0)
        gan_f = _least_squares(self.discriminator_a(fake_a, training=training), 1.0)
        # the generators' objective: both GAN terms, lambda * cycle, and the identity term
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
        with tf.GradientTape() as tape:
            losses = self.generator_losses(real_a, real_b)
        self.descend(tape, losses["gen_total"], self.generators)
        # The discriminators see fakes from the history pools: these and older ones.
        fake_a = self.pool_a(tf.stop_gradient(losses.pop("fake_a")))
        fake_b = self.pool_b(tf.stop_gradient(losses.pop("fake_b")))
        with tf.GradientTape() as tape:
            # D_A: real images of A are real (1), F's outputs fake (0)
            disc_a = self._discriminator_loss(self.discriminator_a, real_a, fake_a)
            # D_B: real images of B are real (1), G's outputs fake (0)
            disc_b = self._discriminator_loss(self.discriminator_b, real_b, fake_b)
            disc = disc_a + disc_b
        self.descend(tape, disc, self.discriminators)
        return self.record({**losses, "disc_a": disc_a, "disc_b": disc_b})


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
    (G, F) to use instead. ``cache.train_or_load`` builds it in the training strategy's
    scope, so that several GPUs each hold a copy.
    """
    keras.utils.set_random_seed(seed)
    if make_generators is None:
        generators = [
            resnet.resnet_generator(
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
        patchgan.patch_discriminator(
            image_size,
            base_filters,
            receptive_field,
            normalization=resnet.normalization(normalization),
        )  # unconditional: each judges single images of its domain
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
