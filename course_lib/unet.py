"""U-Nets: pix2pix's paper U-Net and the small restoring U-Net that learns on a CPU.

An encoder halves the image, a decoder doubles it back, and skip connections hand each
decoder level the encoder output of its size, so fine detail need not squeeze through the
bottleneck. Introduced in notebook 04; notebook 05 uses the restoring one as CycleGAN's G.
"""

from __future__ import annotations

import keras
import numpy as np

from course_lib import training
from course_lib.models import BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM, LEAKY_SLOPE

KERNEL_SIZE = 4  # pix2pix uses 4x4 kernels throughout
IMAGE_SIZES = (32, 64, 128, 256)  # powers of two; the U-Net halves down to a 1x1 bottleneck
MAX_FILTER_MULTIPLE = 8  # filters double per level up to 8 x base_filters (C512 for base 64)
DROPOUT_BLOCKS = 3  # dropout 0.5 in the first three decoder blocks, the generator's noise
DROPOUT_RATE = 0.5
RESTORING_LEVELS = 3  # halvings of the restoring U-Net: 64 px down to 8 px


def batch_norm(name: str) -> keras.layers.BatchNormalization:
    """Batch norm with DCGAN's settings, as pix2pix's networks use it (notebook 04)."""
    return keras.layers.BatchNormalization(
        momentum=BATCH_NORM_MOMENTUM, epsilon=BATCH_NORM_EPSILON, name=name
    )


def check_image_size(image_size: int) -> None:
    """Refuse a size the paper's U-Net cannot halve down to 1x1 (notebook 04)."""
    whole = isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool)
    if not whole or image_size not in IMAGE_SIZES:
        raise ValueError(
            f"image_size must be a power of two from 32 to 256, one of {IMAGE_SIZES} (the "
            f"U-Net halves it down to a 1x1 bottleneck), got {image_size!r}."
        )


def check_filters(base_filters: int) -> None:
    """Refuse a base filter count that is not a whole number >= 1 (notebook 04)."""
    if isinstance(base_filters, bool) or not isinstance(base_filters, int) or base_filters < 1:
        raise ValueError(f"base_filters must be a whole number >= 1, got {base_filters!r}.")


def unet_depth(image_size: int) -> int:
    """How many stride-2 convolutions take ``image_size`` down to 1x1: log2 (notebook 04)."""
    check_image_size(image_size)
    return int(image_size).bit_length() - 1


def level_filters(base_filters: int, level: int) -> int:
    """C64-C128-C256-C512-C512-...: doubling per level, capped at 8 x base (notebook 04)."""
    return base_filters * min(2**level, MAX_FILTER_MULTIPLE)


def _encoder_block(x: keras.KerasTensor, filters: int, index: int, last: bool) -> keras.KerasTensor:
    """4x4 stride-2 convolution, batch norm (not on the first or the 1x1 bottleneck), LeakyReLU."""
    normalized = index > 1 and not last
    x = keras.layers.Conv2D(
        filters,
        KERNEL_SIZE,
        strides=2,
        padding="same",
        use_bias=not normalized,
        kernel_initializer=training.kernel_initializer(),
        name=f"encoder_conv{index}",
    )(x)
    if normalized:
        x = batch_norm(f"encoder_bn{index}")(x)
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
    x = batch_norm(f"decoder_bn{index}")(x)
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
    check_image_size(image_size)
    check_filters(base_filters)
    depth = unet_depth(image_size)
    inputs = keras.Input((image_size, image_size, channels_in), name="input_image")  # (64, 64, 3)
    # Encoder, at 64 px and base 64: (32, 32, 64) (16, 16, 128) (8, 8, 256) (4, 4, 512)
    # (2, 2, 512) and the bottleneck (1, 1, 512). Level i has size / 2**(i + 1) pixels.
    skips = []
    x = inputs
    for level in range(depth):
        filters = level_filters(base_filters, level)
        x = _encoder_block(x, filters, level + 1, last=level == depth - 1)
        skips.append(x)
    # Decoder: block j doubles the size and joins encoder level depth - 1 - j, at 64 px:
    # (2, 2, 512+512) (4, 4, 512+512) (8, 8, 256+256) (16, 16, 128+128) (32, 32, 64+64).
    for index, level in enumerate(range(depth - 2, -1, -1), start=1):
        x = _decoder_block(x, skips[level], level_filters(base_filters, level), index)
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
    state_channels: int = 0,
) -> keras.Model:
    """A U-Net that learns in minutes on a CPU: [-1, 1] in, [-1, 1] out (notebook 04).

    Three halvings instead of one per power of two, two 3x3 convolutions per level, no batch
    norm or dropout, upsampling by resizing then convolving, and with ``residual`` the
    output is the input plus a learned correction: it learns only what blur took away.
    With ``state_channels`` it takes a second input stacked on the image (notebook 06).
    """
    check_image_size(image_size)
    check_filters(base_filters)
    if not 1 <= levels < unet_depth(image_size):
        raise ValueError(f"levels must be from 1 to {unet_depth(image_size) - 1}, got {levels!r}.")
    if state_channels < 0:
        raise ValueError(f"state_channels must be 0 or more, got {state_channels!r}.")
    inputs = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    stacked, model_inputs = inputs, inputs
    if state_channels:  # (64, 64, state_channels): notebook 06's step and its current image
        state = keras.Input((image_size, image_size, state_channels), name="state")
        stacked = keras.layers.Concatenate(name="image_and_state")([inputs, state])
        model_inputs = [inputs, state]
    x = _conv3(stacked, base_filters, "full_conv")  # (64, 64, b)
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
    if state_channels:
        name += f"_state{state_channels}"
    return keras.Model(model_inputs, outputs, name=name)
