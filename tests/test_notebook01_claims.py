"""The claims notebook 01's prose makes, re-computed on the same generated faces."""

import numpy as np
import pytest

from course_lib import blur
from course_lib.metrics import psnr
from course_lib.procedural import faces


@pytest.fixture(scope="module")
def sharp() -> np.ndarray:
    return faces.make_faces(64, size=64, seed=0)[0]


@pytest.fixture(scope="module")
def equivalent_sigma(sharp) -> float:
    resize_psnr = psnr(sharp, blur.resize_blur(sharp, 4).numpy()).mean()
    scan = np.arange(0.5, 4.01, 0.05)
    scan_psnr = [psnr(sharp, blur.gaussian_blur(sharp, s).numpy()).mean() for s in scan]
    return float(scan[np.abs(np.array(scan_psnr) - resize_psnr).argmin()])


def test_psnr_falls_as_sigma_grows(sharp):
    means = [psnr(sharp, blur.gaussian_blur(sharp, s).numpy()).mean() for s in (0.5, 1, 2, 4)]
    assert all(a > b for a, b in zip(means, means[1:], strict=False))


def test_a_gaussian_of_equal_psnr_removes_about_as_much_below_the_nyquist_limit(
    equivalent_sigma,
):
    frequencies, gaussian_gain = blur.frequency_response(blur.gaussian_matrix(64, equivalent_sigma))
    _, resize_gain = blur.frequency_response(blur.resize_matrix(64, 4, "bilinear"))
    below = frequencies < 1 / 8
    assert gaussian_gain[below].mean() == pytest.approx(resize_gain[below].mean(), rel=0.1)


def test_resize_blur_leaves_aliased_fine_frequencies_a_gaussian_removes(equivalent_sigma):
    frequencies, gaussian_gain = blur.frequency_response(blur.gaussian_matrix(64, equivalent_sigma))
    _, resize_gain = blur.frequency_response(blur.resize_matrix(64, 4, "bilinear"))
    above = frequencies > 1 / 4
    assert gaussian_gain[above].mean() < 1e-3
    assert resize_gain[above].mean() > 10 * gaussian_gain[above].mean()
