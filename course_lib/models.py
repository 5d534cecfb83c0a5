"""Models: the DCGAN autoencoder, value-range helpers, batched restoration and FLOP counts.

The DCGAN autoencoder is the original experiment's deblurring network: the DCGAN
discriminator's convolutions as the encoder and the DCGAN generator's transposed
convolutions as the decoder, with no skip connections. Introduced in notebook 02.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from course_lib import training

KERNEL_SIZE = 5  # DCGAN uses 5x5 kernels with stride 2 throughout
LEAKY_SLOPE = 0.2
BATCH_NORM_MOMENTUM = 0.9  # DCGAN's batch-norm settings, not Keras's defaults (0.99, 1e-3)
BATCH_NORM_EPSILON = 1e-5


def _check_sizes(image_size: int, base_filters: int) -> None:
    if not isinstance(image_size, int) or image_size < 32 or image_size % 16:
        raise ValueError(
            f"image_size must be a multiple of 16 and at least 32 (the encoder halves it four "
            f"times), got {image_size!r}."
        )
    if not isinstance(base_filters, int) or base_filters < 1:
        raise ValueError(f"base_filters must be a whole number >= 1, got {base_filters!r}.")


def _batch_norm(name: str) -> keras.layers.BatchNormalization:
    return keras.layers.BatchNormalization(
        momentum=BATCH_NORM_MOMENTUM, epsilon=BATCH_NORM_EPSILON, name=name
    )


def _encoder_block(
    x: keras.KerasTensor, filters: int, index: int, batch_norm: bool
) -> keras.KerasTensor:
    """One DCGAN discriminator step: 5x5 stride-2 convolution, batch norm, LeakyReLU(0.2)."""
    x = keras.layers.Conv2D(
        filters,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        kernel_initializer=training.kernel_initializer(),
        name=f"encoder_conv{index}",
    )(x)
    if batch_norm:
        x = _batch_norm(f"encoder_bn{index}")(x)
    name = "bottleneck" if index == 4 else f"encoder_lrelu{index}"
    return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=name)(x)


def _decoder_block(x: keras.KerasTensor, filters: int, index: int) -> keras.KerasTensor:
    """One DCGAN generator step: 5x5 stride-2 transposed convolution, batch norm, ReLU."""
    x = keras.layers.Conv2DTranspose(
        filters,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        kernel_initializer=training.kernel_initializer(),
        name=f"decoder_deconv{index}",
    )(x)
    x = _batch_norm(f"decoder_bn{index}")(x)
    return keras.layers.ReLU(name=f"decoder_relu{index}")(x)


def dcgan_autoencoder(image_size: int = 64, base_filters: int = 64) -> keras.Model:
    """The original experiment's encoder-decoder; images in and out in [-1, 1] (notebook 02).

    At 64x64 with base_filters=64 it has 8,617,987 parameters and a 4x4x512 bottleneck.
    """
    _check_sizes(image_size, base_filters)
    size, base = image_size, base_filters
    blurred = keras.Input((size, size, 3), name="blurred")  # (64, 64, 3)
    # Encoder: the DCGAN discriminator without its final dense layer. Every convolution
    # keeps its bias, as the original code did, even where batch norm follows.
    x = _encoder_block(blurred, base, 1, batch_norm=False)  # (32, 32, 64)
    x = _encoder_block(x, base * 2, 2, batch_norm=True)  # (16, 16, 128)
    x = _encoder_block(x, base * 4, 3, batch_norm=True)  # (8, 8, 256)
    x = _encoder_block(x, base * 8, 4, batch_norm=True)  # (4, 4, 512), layer "bottleneck"
    # Decoder: the DCGAN generator without its initial dense projection.
    x = _decoder_block(x, base * 4, 1)  # (8, 8, 256)
    x = _decoder_block(x, base * 2, 2)  # (16, 16, 128)
    x = _decoder_block(x, base, 3)  # (32, 32, 64)
    x = keras.layers.Conv2DTranspose(
        3,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        kernel_initializer=training.kernel_initializer(),
        name="decoder_deconv4",
    )(x)  # (64, 64, 3)
    # float32 output even under mixed precision, so losses and restorations stay exact.
    restored = keras.layers.Activation("tanh", dtype="float32", name="restored")(x)  # in [-1, 1]
    return keras.Model(blurred, restored, name=f"dcgan_autoencoder_{size}px_{base}f")


def bottleneck_model(model: keras.Model) -> keras.Model:
    """The encoder half of an autoencoder: input image to its "bottleneck" layer (notebook 02)."""
    return keras.Model(model.inputs, model.get_layer("bottleneck").output, name="encoder")


def to_model_range(images: np.ndarray | tf.Tensor) -> np.ndarray | tf.Tensor:
    """Map images from [0, 1] to the model's [-1, 1] (notebook 02)."""
    return images * 2.0 - 1.0


def to_image_range(outputs: np.ndarray | tf.Tensor) -> np.ndarray | tf.Tensor:
    """Map model outputs from [-1, 1] back to [0, 1], clipped (notebook 02)."""
    if isinstance(outputs, np.ndarray):
        return np.clip((outputs + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)
    return tf.clip_by_value((outputs + 1.0) / 2.0, 0.0, 1.0)


def model_pairs(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """Map a dataset of (blurred, sharp) pairs in [0, 1] to the model's [-1, 1] (notebook 02)."""

    def rescale(blurred: tf.Tensor, sharp: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return to_model_range(blurred), to_model_range(sharp)

    return dataset.map(rescale, num_parallel_calls=tf.data.AUTOTUNE)


def restore(model: keras.Model, blurred: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Deblur images in [0, 1] with a [-1, 1] model; returns float32 in [0, 1] (notebook 02).

    Runs in inference mode (batch norm uses its moving statistics). A single image
    shaped (H, W, 3) is accepted and returned with the same shape.
    """
    images = np.asarray(blurred, np.float32)
    single = images.ndim == 3
    if single:
        images = images[np.newaxis]
    outputs = model.predict(to_model_range(images), batch_size=batch_size, verbose=0)
    restored = to_image_range(np.asarray(outputs, np.float32))
    return restored[0] if single else restored


def _convolution_layers(model: keras.Model):
    """Every layer of a model, descending into nested models."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _convolution_layers(layer)
        else:
            yield layer


def count_conv_flops(model: keras.Model) -> int:
    """Multiply-add FLOPs (2 x MACs) of the convolutions for one image (notebook 02).

    A Conv2D does kernel-size MACs per output pixel; a Conv2DTranspose does as many per
    input pixel. Biases, batch norm and activations are not counted.
    """
    macs = 0
    for layer in _convolution_layers(model):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            height, width = layer.input.shape[1:3]  # one input pixel scatters a whole kernel
        elif isinstance(layer, keras.layers.Conv2D):
            height, width = layer.output.shape[1:3]  # one output pixel gathers a whole kernel
        else:
            continue
        macs += int(height) * int(width) * int(np.prod(layer.kernel.shape))
    return 2 * macs
