"""Shared fixtures: small generated images, so tests need no data files."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest


@pytest.fixture
def random_images() -> np.ndarray:
    """Eight 32x32 RGB images of uniform noise in [0, 1]: the hardest case for a blur."""
    return np.random.default_rng(0).random((8, 32, 32, 3), dtype=np.float32)
