"""CycleGAN's ResNet generator, with its mirrored padding and instance normalisation.

Zhu et al. (2017) take the generator of Johnson et al. (2016): a 7x7 convolution, two
halvings, residual blocks at a quarter of the size, two doublings and a 7x7 convolution.
Introduced in notebook 05.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from course_lib import training

UPSAMPLINGS = ("transpose", "resize")  # stride-2 transposed conv, or nearest resize + conv
INSTANCE_NORM_EPSILON = 1e-5


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


def instance_norm(name: str) -> keras.layers.GroupNormalization:
    """Instance norm: a group per channel, so each image is normalised alone (notebook 05)."""
    return keras.layers.GroupNormalization(groups=-1, epsilon=INSTANCE_NORM_EPSILON, name=name)


def _keras_batch_norm(name: str) -> keras.layers.BatchNormalization:
    return keras.layers.BatchNormalization(name=name)


NORMALIZATIONS = {"instance": instance_norm, "batch": _keras_batch_norm}


def normalization(kind: str) -> Callable[[str], keras.layers.Layer]:
    """The maker of ``kind``'s layers, instance or (Keras's) batch norm, given a name (nb 05)."""
    if kind not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {tuple(NORMALIZATIONS)}, got {kind!r}.")
    return NORMALIZATIONS[kind]


def _check_settings(
    image_size: int, base_filters: int, residual_blocks: int, kind: str, upsampling: str
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
    normalization(kind)
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
    x: keras.KerasTensor, filters: int, index: int, norm: Callable[[str], keras.layers.Layer]
) -> keras.KerasTensor:
    """Two mirrored-padded 3x3 convolutions whose output is added to the block's input."""
    y = ReflectionPadding2D(1, name=f"res{index}_pad1")(x)
    y = _convolution(y, filters, 3, f"res{index}_conv1")
    y = norm(f"res{index}_norm1")(y)
    y = keras.layers.ReLU(name=f"res{index}_relu")(y)
    y = ReflectionPadding2D(1, name=f"res{index}_pad2")(y)
    y = _convolution(y, filters, 3, f"res{index}_conv2")
    y = norm(f"res{index}_norm2")(y)
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
    _check_settings(image_size, base_filters, residual_blocks, normalization, upsampling)
    norm = NORMALIZATIONS[normalization]
    inputs = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    x = ReflectionPadding2D(3, name="stem_pad")(inputs)  # (70, 70, 3)
    x = _convolution(x, base_filters, 7, "stem_conv")  # (64, 64, b)
    x = norm("stem_norm")(x)
    x = keras.layers.ReLU(name="stem_relu")(x)
    for index, filters in enumerate((2 * base_filters, 4 * base_filters), start=1):
        x = _convolution(x, filters, 3, f"down{index}_conv", strides=2, padding="same")
        x = norm(f"down{index}_norm")(x)
        x = keras.layers.ReLU(name=f"down{index}")(x)  # (32, 32, 2b), then (16, 16, 4b)
    for index in range(1, residual_blocks + 1):
        x = _residual_block(x, 4 * base_filters, index, norm)  # (16, 16, 4b)
    for index, filters in enumerate((2 * base_filters, base_filters), start=1):
        x = _upsample(x, filters, index, upsampling)
        x = norm(f"up{index}_norm")(x)
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
