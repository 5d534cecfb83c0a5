"""What the two GAN models share: distributed losses and the optimizers of their train_step.

Under tf.distribute each replica sees part of every batch and the optimizers sum the
replicas' gradients, so each loss is a replica's share of the mean over the global batch.
A GAN has two optimizers, one for its generators and one for its discriminators, made ready
here for mixed precision and for exact resumption. Introduced in notebook 04, reused in 05.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf


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


def ready_optimizers(
    model: keras.Model,
    generator_optimizer: keras.optimizers.Optimizer,
    discriminator_optimizer: keras.optimizers.Optimizer,
    generators: Sequence[keras.Model],
    discriminators: Sequence[keras.Model],
) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
    """The two optimizers of a GAN's compile(), ready to train (notebook 04).

    Loss-scaled when ``model`` computes in float16, and built on their networks' variables,
    so that a backup restores their state (Keras skips, with a warning, an unbuilt one).
    """
    if generator_optimizer is discriminator_optimizer:
        raise ValueError("Give the generators and the discriminators an optimizer each.")
    if model.dtype_policy.name == "mixed_float16":  # float16 gradients need loss scaling
        generator_optimizer = loss_scaled(generator_optimizer)
        discriminator_optimizer = loss_scaled(discriminator_optimizer)
    for optimizer, networks in (
        (generator_optimizer, generators),
        (discriminator_optimizer, discriminators),
    ):
        if not optimizer.built:
            optimizer.build([v for network in networks for v in network.trainable_variables])
    return generator_optimizer, discriminator_optimizer
