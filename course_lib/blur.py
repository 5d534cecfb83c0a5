"""Blur: Gaussian and resize blur as batched separable matrices, and blur-pair pipelines.

Every blur in the course is linear and separable: ``blurred = A @ sharp @ A.T`` for each
image and channel, where ``A`` is a (size x size) matrix. A Gaussian blur with reflect
padding is a banded matrix; a downscale-then-upscale is a low-rank one. Writing both as
matrices lets one batched matrix product blur a whole batch, with a different blur per
image. Introduced in notebook 01.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

TRUNCATE = 4.0  # kernel radius in standard deviations, as scipy.ndimage uses
RESIZE_METHODS = ("bilinear", "bicubic", "area", "lanczos3", "nearest")
BLUR_KINDS = ("gaussian", "resize", "mixed")
NOISE_STREAM = 1  # folded into a batch's seed to draw its sensor noise


def gaussian_radius(sigma: float, truncate: float = TRUNCATE) -> int:
    """Kernel half-width that scipy.ndimage.gaussian_filter uses (notebook 01)."""
    return int(truncate * float(sigma) + 0.5)


def gaussian_kernel(sigma: float, truncate: float = TRUNCATE) -> np.ndarray:
    """The normalised 1-D Gaussian kernel of width ``2 * radius + 1`` (notebook 01)."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}.")
    radius = gaussian_radius(sigma, truncate)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    return (weights / weights.sum()).astype(np.float32)


def kernel_sigma(kernel: np.ndarray) -> float:
    """The spread of a 2-D kernel along one axis: sigma for a Gaussian (notebook 05)."""
    kernel = np.asarray(kernel, np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.sum() <= 0:
        raise ValueError(f"Expected a square 2-D kernel with a positive sum, got {kernel.shape}.")
    weights = kernel / kernel.sum()
    offsets = np.arange(len(kernel)) - (len(kernel) - 1) / 2
    variance = 0.5 * (weights.sum(1) @ offsets**2 + weights.sum(0) @ offsets**2)
    return float(np.sqrt(variance))


def reflect_index(index: np.ndarray, size: int) -> np.ndarray:
    """Map any integer index into [0, size) by half-sample reflection (d c b a | a b c d)."""
    period = np.mod(index, 2 * size)
    return np.where(period >= size, 2 * size - 1 - period, period)


def _tap_matrices(size: int, radius: int) -> np.ndarray:
    """0/1 matrices P[t] with P[t][i, j] = 1 where reflect(i + t - radius) == j."""
    taps = np.zeros((2 * radius + 1, size, size), np.float32)
    rows = np.arange(size)
    for tap, offset in enumerate(range(-radius, radius + 1)):
        np.add.at(taps[tap], (rows, reflect_index(rows + offset, size)), 1.0)
    return taps


def gaussian_matrix(size: int, sigma: float, truncate: float = TRUNCATE) -> np.ndarray:
    """The (size x size) matrix of a 1-D Gaussian blur with reflect padding (notebook 01)."""
    kernel = gaussian_kernel(sigma, truncate)
    taps = _tap_matrices(size, len(kernel) // 2)
    return np.tensordot(kernel, taps, axes=1).astype(np.float32)


def gaussian_matrices(size: int, sigmas: tf.Tensor, max_sigma: float) -> tf.Tensor:
    """One Gaussian blur matrix per image for a batch of sigmas, shaped (B, size, size)."""
    radius = gaussian_radius(max_sigma)
    sigmas = tf.reshape(tf.cast(sigmas, tf.float32), [-1, 1])
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)[tf.newaxis, :]
    radii = tf.floor(TRUNCATE * sigmas + 0.5)
    weights = tf.exp(-0.5 * tf.square(offsets / sigmas))
    weights = tf.where(tf.abs(offsets) <= radii, weights, 0.0)
    weights = weights / tf.reduce_sum(weights, axis=1, keepdims=True)
    taps = tf.constant(_tap_matrices(size, radius))
    return tf.einsum("bt,tij->bij", weights, taps)


@functools.lru_cache(maxsize=64)
def resize_matrix(size: int, factor: int = 4, method: str = "bilinear") -> np.ndarray:
    """The (size x size) matrix of downscaling by ``factor`` and upscaling back (notebook 01).

    Built by pushing the identity through ``tf.image.resize``, so it is exactly the
    operator that ``resize_blur`` applies along one axis.
    """
    _check_resize(size, factor, method)
    with tf.init_scope():  # evaluate eagerly, even when called while tracing a pipeline
        basis = tf.eye(size)[:, :, tf.newaxis, tf.newaxis]  # (size images, size, 1, 1)
        small = tf.image.resize(basis, (size // factor, 1), method=method, antialias=True)
        back = tf.image.resize(small, (size, 1), method=method)
        matrix = tf.transpose(back[:, :, 0, 0]).numpy()
    matrix.setflags(write=False)
    return matrix


def _check_resize(size: int, factor: int, method: str) -> None:
    if method not in RESIZE_METHODS:
        raise ValueError(f"Unknown resize method {method!r}; choose one of {RESIZE_METHODS}.")
    if factor < 1 or size // factor < 1:
        raise ValueError(f"factor must be between 1 and {size} for {size}-pixel images.")


def apply_separable(images: tf.Tensor, matrices: tf.Tensor) -> tf.Tensor:
    """Blur (B, H, W, C) images with ``A @ image @ A.T``; ``matrices`` is (H, H) or (B, H, H)."""
    images = tf.convert_to_tensor(images, tf.float32)
    matrices = tf.convert_to_tensor(matrices, tf.float32)
    if matrices.shape.rank == 2:
        matrices = matrices[tf.newaxis]
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    columns = tf.reshape(images, [batch, height, width * channels])
    along_height = tf.reshape(tf.matmul(matrices, columns), [batch, height, width, channels])
    transposed = tf.reshape(
        tf.transpose(along_height, [0, 2, 1, 3]), [batch, width, height * channels]
    )
    along_width = tf.reshape(tf.matmul(matrices, transposed), [batch, width, height, channels])
    return tf.transpose(along_width, [0, 2, 1, 3])


def _check_square(images: tf.Tensor) -> int:
    height, width = images.shape[1], images.shape[2]
    if images.shape.rank != 4 or height is None or height != width:
        raise ValueError(
            f"Expected a batch of square images shaped (B, size, size, C), got {images.shape}. "
            "Crop or resize your images to squares first (see course_lib.images)."
        )
    return int(height)


def gaussian_blur(images: tf.Tensor, sigma: float) -> tf.Tensor:
    """Gaussian-blur a batch of square images with reflect padding, like scipy (notebook 01)."""
    images = tf.convert_to_tensor(images, tf.float32)
    size = _check_square(images)
    return apply_separable(images, gaussian_matrix(size, sigma))


def resize_blur(images: tf.Tensor, factor: int = 4, method: str = "bilinear") -> tf.Tensor:
    """Downscale by ``factor`` per side (1/factor**2 of the area) and upscale back (notebook 01)."""
    images = tf.convert_to_tensor(images, tf.float32)
    size = _check_square(images)
    _check_resize(size, factor, method)
    small = tf.image.resize(images, (size // factor, size // factor), method, antialias=True)
    return tf.image.resize(small, (size, size), method=method)


def quantize_8bit(images: tf.Tensor) -> tf.Tensor:
    """Round to the 256 levels a saved PNG holds, as the original experiment did (notebook 01)."""
    return tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0) / 255.0


@dataclass(frozen=True)
class BlurSpec:
    """What blur a pair pipeline applies (notebook 01).

    ``kind`` is "gaussian", "resize" or "mixed". ``sigma`` is a value or a (low, high)
    range drawn per image; ``factor`` is a value or a tuple of choices drawn per image.
    A mixed spec draws Gaussian with probability ``gaussian_fraction``, else resize.
    ``noise`` is the standard deviation of Gaussian sensor noise added after blurring.
    """

    kind: str = "gaussian"
    sigma: float | tuple[float, float] = 2.0
    factor: int | tuple[int, ...] = 4
    method: str = "bilinear"
    gaussian_fraction: float = 0.5
    quantize: bool = True
    noise: float = 0.0
    _sigma_range: tuple[float, float] = field(init=False, repr=False)
    _factors: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in BLUR_KINDS:
            raise ValueError(f"Unknown blur kind {self.kind!r}; choose one of {BLUR_KINDS}.")
        low, high = self.sigma if isinstance(self.sigma, tuple) else (self.sigma, self.sigma)
        if not 0 < low <= high:
            raise ValueError(f"sigma must be positive with low <= high, got {self.sigma}.")
        factors = self.factor if isinstance(self.factor, tuple) else (self.factor,)
        if not factors or min(factors) < 1:
            raise ValueError(f"factor must be one or more whole numbers >= 1, got {self.factor}.")
        if not 0.0 <= self.gaussian_fraction <= 1.0:
            raise ValueError("gaussian_fraction must be between 0 and 1.")
        if self.method not in RESIZE_METHODS:
            raise ValueError(f"Unknown resize method {self.method!r}; use one of {RESIZE_METHODS}.")
        if not 0.0 <= self.noise < 1.0:
            raise ValueError(f"noise is a standard deviation in [0, 1), got {self.noise}.")
        object.__setattr__(self, "_sigma_range", (float(low), float(high)))
        object.__setattr__(self, "_factors", tuple(int(f) for f in factors))

    def describe(self) -> str:
        """A short label such as 'gaussian sigma 2' for tables and plot titles."""
        low, high = self._sigma_range
        sigma = f"sigma {low:g}" if low == high else f"sigma {low:g}-{high:g}"
        factor = "x" + "/".join(str(f) for f in self._factors)
        noise = f" + noise {self.noise:g}" if self.noise else ""
        if self.kind == "gaussian":
            return f"gaussian {sigma}{noise}"
        if self.kind == "resize":
            return f"resize {factor} {self.method}{noise}"
        return f"mixed ({sigma} | resize {factor}){noise}"

    def matrices(self, size: int, count: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """Draw one blur matrix per image, shaped (count, size, size), from a stateless seed."""
        sigma_seed, factor_seed, kind_seed = tf.unstack(
            tf.random.experimental.stateless_split(seed, num=3)
        )
        if self.kind == "gaussian":
            return self._gaussian_matrices(size, count, sigma_seed)
        if self.kind == "resize":
            return self._resize_matrices(size, count, factor_seed)
        is_gaussian = tf.random.stateless_uniform([count], kind_seed) < self.gaussian_fraction
        return tf.where(
            is_gaussian[:, tf.newaxis, tf.newaxis],
            self._gaussian_matrices(size, count, sigma_seed),
            self._resize_matrices(size, count, factor_seed),
        )

    def _gaussian_matrices(self, size: int, count: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        low, high = self._sigma_range
        if low == high:  # one shared matrix, broadcast over the batch
            return tf.constant(gaussian_matrix(size, low))[tf.newaxis]
        sigmas = tf.random.stateless_uniform([count], seed, low, high)
        return gaussian_matrices(size, sigmas, high)

    def _resize_matrices(self, size: int, count: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        matrices = np.stack([resize_matrix(size, f, self.method) for f in self._factors])
        if len(self._factors) == 1:
            return tf.constant(matrices)
        choice = tf.random.stateless_uniform([count], seed, 0, len(self._factors), tf.int32)
        return tf.gather(tf.constant(matrices), choice)


def blur_batch(sharp: tf.Tensor, spec: BlurSpec, seed: tf.Tensor | tuple[int, int] = (0, 0)):
    """Blur a batch with per-image draws from ``spec``; the same seed gives the same batch."""
    sharp = tf.convert_to_tensor(sharp, tf.float32)
    size = _check_square(sharp)
    seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)
    blurred = apply_separable(sharp, spec.matrices(size, tf.shape(sharp)[0], seed))
    if spec.noise:  # its own stream, so the blur draws stay those of a noiseless spec
        noise_seed = tf.random.experimental.stateless_fold_in(seed, NOISE_STREAM)
        blurred += tf.random.stateless_normal(tf.shape(blurred), noise_seed, stddev=spec.noise)
    return quantize_8bit(blurred) if spec.quantize else tf.clip_by_value(blurred, 0.0, 1.0)


def make_pairs_dataset(
    sharp: np.ndarray,
    spec: BlurSpec | None = None,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
    repeat: bool = False,
) -> tf.data.Dataset:
    """A tf.data pipeline of (blurred, sharp) batches, blurred on the fly (notebook 01).

    Blurring happens after batching, so one matrix product blurs the whole batch. With
    ``repeat=True`` every epoch draws fresh blur strengths; the stream is deterministic.
    """
    spec = spec or BlurSpec()
    sharp = np.asarray(sharp, np.float32)
    if sharp.ndim != 4 or sharp.shape[-1] != 3:
        raise ValueError(f"sharp must be shaped (N, size, size, 3), got {sharp.shape}.")
    dataset = tf.data.Dataset.from_tensor_slices(sharp)
    if repeat:
        dataset = dataset.repeat()
    if shuffle:
        dataset = dataset.shuffle(min(len(sharp), 10_000), seed=seed)
    dataset = dataset.batch(batch_size).enumerate()

    def to_pair(index: tf.Tensor, batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return blur_batch(batch, spec, tf.stack([tf.constant(seed, tf.int64), index])), batch

    return dataset.map(to_pair, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def frequency_response(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gain of a 1-D blur matrix at each frequency, in cycles per pixel (notebook 01).

    Measured on the orthonormal cosine (DCT-II) basis, which a reflect-padded Gaussian
    leaves unchanged in shape, so its gain there is exact.
    """
    size = matrix.shape[0]
    pixels = np.arange(size) + 0.5
    frequencies = np.arange(size) / (2.0 * size)
    basis = np.cos(2 * np.pi * frequencies[:, None] * pixels[None, :])
    basis /= np.linalg.norm(basis, axis=1, keepdims=True)
    gains = np.linalg.norm(basis @ np.asarray(matrix).T, axis=1)
    return frequencies, gains


def write_pairs(
    sharp: np.ndarray, folder: str | Path, spec: BlurSpec | None = None, seed: int = 0
) -> Path:
    """Save pairs as PNG files: ``folder/sharp/00000.png`` and ``folder/blurred/00000.png``."""
    from PIL import Image

    spec = spec or BlurSpec()
    folder = Path(folder)
    (folder / "sharp").mkdir(parents=True, exist_ok=True)
    (folder / "blurred").mkdir(parents=True, exist_ok=True)
    blurred = blur_batch(sharp, spec, (seed, 0)).numpy()
    for index, (sharp_image, blurred_image) in enumerate(zip(sharp, blurred, strict=True)):
        for name, image in (("sharp", sharp_image), ("blurred", blurred_image)):
            pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{index:05d}.png")
    return folder
