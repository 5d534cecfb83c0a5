"""Shared fixtures: small generated images, so tests need no data files."""

import contextlib
import dataclasses
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.pop("IMG2IMG_FACES", None)  # tests use the procedural faces whatever a learner chose

import numpy as np
import pytest

from course_lib import settings


def pytest_collection_modifyitems(items):
    """Put the findings tests first: they train for minutes, so under make test's
    ``--dist loadfile --no-loadscope-reorder`` each findings file starts at once on a worker
    of its own, and the short tests fill in around them."""
    items.sort(key=lambda item: item.get_closest_marker("findings") is None)


@pytest.fixture(autouse=True)
def settings_of_each_test():
    """Each test reads the settings from its own (monkeypatched) environment when first asked."""
    settings.use(None)
    yield
    settings.use(None)


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """An empty course data folder (models, runs, downloads) for one test."""
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def random_images() -> np.ndarray:
    """Eight 32x32 RGB images of uniform noise in [0, 1]: the hardest case for a blur."""
    return np.random.default_rng(0).random((8, 32, 32, 3), dtype=np.float32)


@contextlib.contextmanager
def _data_dir(folder):
    """Point course_lib's data and model cache at ``folder`` for the block."""
    previous = settings.use(dataclasses.replace(settings.current(), data=folder))
    try:
        yield
    finally:
        settings.use(previous)


@contextlib.contextmanager
def _trained_once(folder, name):
    """``_data_dir(folder)``, held by one pytest-xdist worker at a time for the model ``name``.

    The workers share the findings models: the first to ask trains one, the others wait for
    it and load it from the cache.
    """
    from filelock import FileLock

    with FileLock(folder / f"{name}.lock"), _data_dir(folder):
        yield


@pytest.fixture(scope="session")
def findings_data(tmp_path_factory):
    """One data folder for every model the findings tests train in a session, shared by its workers.

    Its models use the training seed of ``findings_setup.TRAINING_SEED`` (the course's, 1,
    unless IMG2IMG_FINDINGS_SEED says otherwise): it sets the initial weights and the order
    of the pairs; the training, validation and test faces never change.
    """
    from findings_setup import TRAINING_SEED

    from course_lib.experiments import notebook02, notebook04, notebook05, notebook06

    modules = notebook02, notebook04, notebook05, notebook06
    course_seeds = [module.TRAINING_SEED for module in modules]
    for module, seed in zip(modules, course_seeds, strict=True):
        module.TRAINING_SEED = seed + TRAINING_SEED - course_seeds[0]
    if os.environ.get("PYTEST_XDIST_WORKER"):  # one folder for every worker of this session
        folder = tmp_path_factory.getbasetemp().parent / "findings-data"
        folder.mkdir(exist_ok=True)
    else:
        folder = tmp_path_factory.mktemp("findings-data")
    yield folder
    for module, seed in zip(modules, course_seeds, strict=True):
        module.TRAINING_SEED = seed


@pytest.fixture(scope="session")
def gaussian_test_pairs():
    """The findings' 256 held-out faces and their default-blurred copies: (sharp, blurred)."""
    from findings_setup import NOTEBOOK02

    from course_lib import experiments

    sharp = experiments.face_split(NOTEBOOK02, "test")
    return sharp, experiments.blurred_copy(sharp)


@pytest.fixture(scope="session")
def reduced_models(findings_data):
    """Train (once per session) notebook 03's muted autoencoders at REDUCED; returns a getter.

    ``replica`` 1 trains the same model from the next training seed, for claims that are
    averaged over two seeds (tests/FINDINGS.md).
    """
    from findings_setup import REDUCED

    from course_lib import experiments
    from course_lib.experiments import notebook02

    trained = {}

    def get(spec=experiments.DEFAULT_BLUR, group=1, replica=0):
        if (spec, group, replica) not in trained:
            course_seed = notebook02.TRAINING_SEED
            notebook02.TRAINING_SEED = course_seed + replica
            try:
                with _trained_once(findings_data, "notebook03"):
                    run = notebook02.autoencoder_run(REDUCED, spec, group, muted=True)
                    trained[spec, group, replica] = notebook02.train(run, verbose=0)[0]
            finally:
                notebook02.TRAINING_SEED = course_seed
        return trained[spec, group, replica]

    return get


@pytest.fixture(scope="session")
def notebook02_model(findings_data):
    """Notebook 02's autoencoder on all faces at NOTEBOOK02 (notebooks 03 and 04 reuse it)."""
    from findings_setup import NOTEBOOK02

    from course_lib.experiments import notebook02

    with _trained_once(findings_data, "notebook02"):
        return notebook02.train(notebook02.runs(NOTEBOOK02)["autoencoder"], verbose=0)[0]


@pytest.fixture(scope="session")
def reduced_unets(findings_data):
    """Notebook 04's L1 U-Net and its cGAN fine-tuning at its laptop budget, trained once."""
    from findings_setup import LADDER_PROFILE

    from course_lib.experiments import notebook04

    runs = notebook04.runs(LADDER_PROFILE)
    with _trained_once(findings_data, "notebook04"):
        gan = notebook04.train(runs["unet_cgan"])[0]  # trains the L1 U-Net first
        return notebook04.train(runs["unet_l1"])[0], gan


@pytest.fixture(scope="session")
def deblur_cyclegan(findings_data):
    """Notebook 05's deblurring CycleGAN (U-Net G, learned-blur F), ``cyclegan_run()``: (G, F)."""
    from findings_setup import cyclegan_run

    from course_lib.experiments import notebook05

    with _trained_once(findings_data, "notebook05"):
        return notebook05.train(cyclegan_run(), verbose=0)[:2]


@pytest.fixture(scope="session")
def unknown_blur_unet(findings_data, reduced_unets):
    """Notebook 04's L1 U-Net fine-tuned for blur of unknown strength, at its laptop budget."""
    from findings_setup import LADDER_PROFILE

    from course_lib.experiments import notebook04

    run = notebook04.runs(LADDER_PROFILE)["unet_unknown_blur"]
    with _trained_once(findings_data, "notebook04"):
        return notebook04.train(run, verbose=0)[0]


@pytest.fixture(scope="session")
def iterative_unets(findings_data, reduced_unets, unknown_blur_unet):
    """Notebook 06's iterative U-Nets at their laptop budget: (sigma 2, unknown strength)."""
    from findings_setup import LADDER_PROFILE

    from course_lib.experiments import notebook06

    runs = notebook06.runs(LADDER_PROFILE)
    with _trained_once(findings_data, "notebook06"):
        return tuple(notebook06.train(run, verbose=0)[0] for run in runs.values())
