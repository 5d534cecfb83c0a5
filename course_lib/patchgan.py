"""The PatchGAN: a discriminator that scores every overlapping patch of an image.

Isola et al. (2017) judge (input, output) pairs with it in pix2pix; CycleGAN (Zhu et al.
2017) judges single images with the same (kernel, stride) stacks. Each score sees a
``receptive_field``-pixel patch. Introduced in notebook 04, reused in notebook 05.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np

from course_lib import training, unet
from course_lib.models import LEAKY_SLOPE

RECEPTIVE_FIELDS = (1, 16, 70)  # PixelGAN, a 16x16 PatchGAN and the paper's default 70x70

# The (kernel, stride) stacks, output convolution included.
_SPECS = {
    1: [(1, 1), (1, 1), (1, 1)],  # C64-C128, 1x1 convolutions: judges single pixels
    16: [(4, 2), (4, 1), (4, 1)],  # C64-C128
    70: [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)],  # C64-C128-C256-C512
}


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

    1 is the PixelGAN, 16 and 70 the paper's PatchGANs; the last entry is the score layer.
    """
    if field not in _SPECS:
        raise ValueError(f"receptive_field must be one of {RECEPTIVE_FIELDS}, got {field!r}.")
    return list(_SPECS[field])


def conv_spec(model: keras.Model) -> list[tuple[int, int]]:
    """The (kernel, stride) of each Conv2D of a model, in order (notebook 04)."""
    return [
        (int(layer.kernel_size[0]), int(layer.strides[0]))
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D)
        and not isinstance(layer, keras.layers.Conv2DTranspose)
    ]


def _padding(kernel: int) -> int:
    """The paper's padding: 1 pixel for 4x4 kernels, none for 1x1."""
    return (kernel - 1) // 2


def score_map_side(image_size: int, field: int = 70) -> int:
    """The side of the score map for ``image_size``-pixel images: 6 for 70 at 64 px (nb 04)."""
    side = image_size
    for kernel, stride in discriminator_spec(field):
        side = (side + 2 * _padding(kernel) - kernel) // stride + 1
    return side


def _check_image_size(image_size: int, field: int) -> None:
    whole = isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool)
    if not whole or image_size < 1 or score_map_side(image_size, field) < 1:
        raise ValueError(
            f"image_size must be a whole number large enough for one {field}-pixel patch "
            f"score, got {image_size!r}."
        )


def _block(
    x: keras.KerasTensor,
    filters: int,
    kernel: int,
    stride: int,
    index: int,
    normalization: Callable[[str], keras.layers.Layer] | None,
) -> keras.KerasTensor:
    """Pad, convolve, normalise (not in the first block), LeakyReLU(0.2)."""
    if _padding(kernel):
        x = keras.layers.ZeroPadding2D(_padding(kernel), name=f"pad{index}")(x)
    x = keras.layers.Conv2D(
        filters,
        kernel,
        strides=stride,
        use_bias=normalization is None,  # a normalisation has its own offset
        kernel_initializer=training.kernel_initializer(),
        name=f"conv{index}",
    )(x)
    if normalization is not None:
        x = normalization(f"norm{index}")(x)
    return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"lrelu{index}")(x)


def patch_discriminator(
    image_size: int = 64,
    base_filters: int = 64,
    receptive_field: int = 70,
    channels: int = 3,
    target_channels: int | None = None,
    normalization: Callable[[str], keras.layers.Layer] | None = None,
) -> keras.Model:
    """A PatchGAN: images to a map of scores, one per ``receptive_field``-pixel patch (nb 04).

    With ``target_channels`` it is conditional, as in pix2pix: it judges [input, target or
    output] pairs; without, one image, as in CycleGAN. ``normalization(name)`` makes each
    normalisation layer (default: pix2pix's batch norm). The scores are not squashed.
    """
    spec = discriminator_spec(receptive_field)
    _check_image_size(image_size, receptive_field)
    unet.check_filters(base_filters)
    normalization = normalization or unet.batch_norm
    if target_channels is None:
        inputs = keras.Input((image_size, image_size, channels), name="image")
        x = inputs
    else:
        source = keras.Input((image_size, image_size, channels), name="input_image")
        target = keras.Input((image_size, image_size, target_channels), name="target_image")
        inputs = [source, target]
        x = keras.layers.Concatenate(name="pair")(inputs)  # (64, 64, 6)
    # 70-pixel field at 64 px: (32, 32, 64) (16, 16, 128) (8, 8, 256) (7, 7, 512).
    for level, (kernel, stride) in enumerate(spec[:-1]):
        filters = unet.level_filters(base_filters, level)
        x = _block(x, filters, kernel, stride, level + 1, normalization if level else None)
    kernel, stride = spec[-1]
    if _padding(kernel):
        x = keras.layers.ZeroPadding2D(_padding(kernel), name=f"pad{len(spec)}")(x)
    scores = keras.layers.Conv2D(
        1,
        kernel,
        strides=stride,
        kernel_initializer=training.kernel_initializer(),
        # Scored in float32 under mixed precision, as Keras advises for a model's outputs: with
        # bfloat16 scores the laptop cGAN's texture (perception) moved to 0.77x the L1 U-Net's,
        # with float32 ones to 0.30x, as in float32 throughout (0.36x-0.40x, three seeds).
        dtype="float32",
        name="patch_scores",
    )(x)  # (6, 6, 1) at 64 px: one score per overlapping 70x70 patch
    judged = "image" if target_channels is None else "pair"
    name = f"patchgan{receptive_field}_{judged}_{image_size}px_{base_filters}f"
    return keras.Model(inputs, scores, name=name)
