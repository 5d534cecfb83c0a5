"""A generator that can only blur: one learned kernel, CycleGAN's F for deblurring.

A blur is a convolution of every channel with one kernel, so F gets nothing else: it cannot
invent content or move colours, and its discriminator alone decides how wide the kernel
grows. KernelGAN (Bell-Kligler, Shocher and Irani 2019) learns a camera's downscaling kernel
the same way. Introduced in notebook 05.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

BLUR_KERNEL_SIZE = 15  # the learned blur's kernel: wide enough for a Gaussian of sigma 3
# Adam moves each weight by about its learning rate per step. The kernel's logits are stored
# divided by 50, so they move 50 times faster: unscaled, a kernel started at sigma 1 was
# still at sigma 1 after 128 laptop steps at 2e-4; scaled, it reached 2 in 384.
BLUR_LOGIT_SCALE = 50.0


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
    """F for a task whose degradation is a blur: one learned kernel, images in and out (nb 05)."""
    blur = LearnedBlur(kernel_size, initial_sigma, name="output_image")
    whole = isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool)
    if not whole or image_size <= kernel_size // 2:
        raise ValueError(
            f"image_size must be a whole number above {kernel_size // 2} (the kernel's "
            f"mirrored border), got {image_size!r}."
        )
    inputs = keras.Input((image_size, image_size, channels), name="input_image")  # (64, 64, 3)
    outputs = blur(inputs)  # (64, 64, 3)
    return keras.Model(inputs, outputs, name=f"learned_blur_{image_size}px_{kernel_size}tap")


def kernel_of(generator: keras.Model) -> np.ndarray:
    """The (size, size) kernel of a ``blur_generator``, as a NumPy array (notebook 05)."""
    layer = generator.get_layer("output_image")
    if not isinstance(layer, LearnedBlur):
        raise ValueError(f"{generator.name} is not a blur_generator: it has no learned kernel.")
    return np.asarray(layer.kernel())
