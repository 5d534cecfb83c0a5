import numpy as np
import pytest

from course_lib import timing


def test_compare_pair_makers_times_three_methods_against_the_loop(random_images):
    table = timing.compare_pair_makers(random_images, sigma=1.0, batch_size=4, repeats=1)
    assert len(table) == 3
    assert table["speedup"].iloc[0] == pytest.approx(1.0)
    assert (table["seconds"] > 0).all()
    np.testing.assert_allclose(table["images_per_s"] * table["seconds"], len(random_images))


def test_the_timed_methods_make_the_same_blur(random_images):
    assert timing.max_difference_from_skimage(random_images, sigma=2.0) < 1e-4


def test_best_seconds_returns_the_fastest_run():
    calls = []
    seconds = timing.best_seconds(lambda: calls.append(1), repeats=4)
    assert len(calls) == 5 and seconds >= 0


def test_normalised_seconds_scale_with_the_matmul_peak():
    assert timing.normalised_seconds(100.0, peak_gflops=400.0) == pytest.approx(200.0)
    assert timing.normalised_seconds(100.0, peak_gflops=100.0) == pytest.approx(50.0)
