"""What every GAN here shares: two optimizers, distributed losses, trackers and exact resumes.

A GAN trains generators and discriminators with an optimizer each. Under tf.distribute each
replica sees part of every batch and the optimizers sum the replicas' gradients, so each
loss is a replica's share of the mean over the global batch. Subclasses (``pix2pix.Pix2Pix``,
``cyclegan.CycleGAN``) hold their networks and a train_step. Introduced in notebook 04.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import tensorflow as tf

from course_lib import training

_RANDOM_STATE = "random_state"  # key prefix of the dropout states in a backup


def share_of_global_mean(values: tf.Tensor) -> tf.Tensor:
    """This replica's part of the mean of ``values`` over the whole (global) batch (notebook 04).

    Each example's values are averaged, then summed over this replica's examples and
    divided by the number of examples on all replicas; with one device, a plain mean.
    """
    values = tf.cast(values, tf.float32)
    per_example = tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)
    count = tf.cast(tf.shape(per_example)[0], tf.float32)
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        count = context.all_reduce(tf.distribute.ReduceOp.SUM, count)
    return tf.reduce_sum(per_example) / count


def whole_loss(share: tf.Tensor) -> tf.Tensor:
    """The whole loss to report from a replica's share; Mean trackers average them (nb 04)."""
    return share * tf.distribute.get_strategy().num_replicas_in_sync


def loss_scaled(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """Wrap an optimizer in a LossScaleOptimizer for mixed precision, unless it is one (nb 04)."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


class GAN(keras.Model):
    """Generators and discriminators trained together with fit() (notebook 04).

    A subclass names its networks in ``generators`` and ``discriminators`` and the values it
    reports in ``TRACKERS``, and writes train_step. Calling the model runs the first
    generator. After compile, ``model.optimizer`` is the generators' optimizer.
    """

    TRACKERS: tuple[str, ...] = ()

    def __init__(self, name: str, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.generator_optimizer = None
        self.discriminator_optimizer = None
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.TRACKERS}

    @property
    def generators(self) -> list[keras.Model]:
        raise NotImplementedError("A GAN names its generators.")

    @property
    def discriminators(self) -> list[keras.Model]:
        raise NotImplementedError("A GAN names its discriminators.")

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        """What fit() reports, each a mean over the epoch's steps."""
        return list(self.trackers.values())

    def compile(
        self,
        generator_optimizer: keras.optimizers.Optimizer | None = None,
        discriminator_optimizer: keras.optimizers.Optimizer | None = None,
    ) -> None:
        """Give the generators and the discriminators an optimizer each (notebook 04).

        DCGAN's Adam (``training.adam``) unless given; loss-scaled under mixed_float16.
        """
        generator_optimizer = generator_optimizer or training.adam()
        discriminator_optimizer = discriminator_optimizer or training.adam()
        if generator_optimizer is discriminator_optimizer:
            raise ValueError("Give the generators and the discriminators an optimizer each.")
        self.generator_optimizer = self._ready(generator_optimizer, self.generators)
        self.discriminator_optimizer = self._ready(discriminator_optimizer, self.discriminators)
        super().compile(optimizer=self.generator_optimizer, auto_scale_loss=False)

    def _ready(self, optimizer: keras.optimizers.Optimizer, networks: list[keras.Model]):
        """Loss-scaled for float16, and built on the networks' variables so a backup restores it.

        Keras skips, with a warning, the state of an optimizer that is not built yet.
        """
        if self.dtype_policy.name == "mixed_float16":  # float16 gradients need loss scaling
            optimizer = loss_scaled(optimizer)
        if not optimizer.built:
            optimizer.build([v for network in networks for v in network.trainable_variables])
        return optimizer

    def descend(self, tape: tf.GradientTape, loss: tf.Tensor, networks: list[keras.Model]) -> None:
        """One step of the networks' optimizer down the gradient of ``loss``, taped by ``tape``.

        Under mixed_float16 the loss is scaled up first, so small float16 gradients survive.
        """
        generators = any(network is networks[0] for network in self.generators)
        optimizer = self.generator_optimizer if generators else self.discriminator_optimizer
        with tape:  # the scaling is part of what the gradient goes back through
            scaled = optimizer.scale_loss(loss)
        variables = [v for network in networks for v in network.trainable_variables]
        optimizer.apply(tape.gradient(scaled, variables), variables)

    def record(self, losses: Mapping[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        """Add each replica's share of a loss, made whole, to its tracker; return the means."""
        for name, share in losses.items():
            self.trackers[name].update_state(whole_loss(share))
        return {name: self.trackers[name].result() for name in losses}

    def call(self, inputs, training: bool = False):
        """Run the first generator: input images in [-1, 1] to output images in [-1, 1]."""
        return self.generators[0](inputs, training=training)

    def _random_states(self) -> list[keras.Variable]:
        """The dropout layers' random-number states, which save_weights leaves out."""
        states = []
        for network in [*self.generators, *self.discriminators]:
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
