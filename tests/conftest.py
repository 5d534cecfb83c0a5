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


@pytest.fixture(scope="session")
def reduced_models(tmp_path_factory):
    """Train (once per session) seed models at the findings scale; returns a getter."""
    import keras
    from findings_setup import REDUCED

    from course_lib import experiments

    folder = tmp_path_factory.mktemp("findings-data")
    trained = {}

    def get(spec=experiments.DEFAULT_BLUR, group=None, muted=False):
        if (spec, group, muted) not in trained:
            previous = os.environ.get("IMG2IMG_DATA")
            os.environ["IMG2IMG_DATA"] = str(folder)
            try:
                keras.utils.set_random_seed(0)
                trained[spec, group, muted] = experiments.train_seed_model(
                    REDUCED, spec, group=group, verbose=0, muted=muted
                )[0]
            finally:
                if previous is None:
                    os.environ.pop("IMG2IMG_DATA", None)
                else:
                    os.environ["IMG2IMG_DATA"] = previous
        return trained[spec, group, muted]

    return get
