"""Tests for course_lib.reference: shipped weights, checked by hash, and notebook 05's facades."""

import numpy as np
import pytest
from findings_setup import assert_claim

from course_lib import cyclegan, reference
from course_lib.experiments import notebook05
from course_lib.profiles import get_profile

NETWORK = {"image_size": 32, "base_filters": 4, "residual_blocks": 1, "upsampling": "resize"}


@pytest.fixture
def saved(tmp_path):
    """A tiny ResNet generator saved as the reference "tiny" in a fresh folder."""
    network = cyclegan.resnet_generator(**NETWORK)
    reference.save_reference("tiny", network, NETWORK, {"steps": 0}, folder=tmp_path)
    return network, tmp_path


def test_a_saved_reference_loads_as_the_same_network(saved):
    network, folder = saved
    loaded = reference.load_reference("tiny", cyclegan.resnet_generator, folder=folder)
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(loaded(images)), np.asarray(network(images)))
    assert reference.read_manifest(folder)["tiny"]["training"] == {"steps": 0}


def test_a_changed_weights_file_is_refused_with_the_remedy(saved):
    _, folder = saved
    path = reference.weights_path("tiny", folder)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # one flipped byte
    path.write_bytes(bytes(damaged))
    with pytest.raises(reference.ReferenceError, match="changed or damaged.*make reference"):
        reference.load_reference("tiny", cyclegan.resnet_generator, folder=folder)


def test_a_missing_reference_says_how_to_get_it_back(saved):
    _, folder = saved
    with pytest.raises(reference.ReferenceError, match="missing.*git checkout"):
        reference.reference_entry("absent", folder=folder)
    reference.weights_path("tiny", folder).unlink()
    with pytest.raises(reference.ReferenceError, match="no file"):
        reference.reference_entry("tiny", folder=folder)


def test_every_shipped_reference_matches_its_manifest():
    manifest = reference.read_manifest()
    assert set(notebook05.REFERENCE_NAMES) <= set(manifest)
    for name in manifest:
        assert reference.reference_entry(name)["sha256"] == manifest[name]["sha256"]
    sizes = [reference.weights_path(name).stat().st_size for name in manifest]
    assert sum(sizes) < 8e6  # small enough to commit


def test_shipped_facades_reference_is_the_laptop_run_trained_twelve_times_as_long():
    training = notebook05.facades_reference_training()
    laptop = notebook05.facades_budget(get_profile("laptop"))
    laptop_steps = laptop.epochs * (laptop.train_count // laptop.batch_size)
    assert training["steps"] == notebook05.REFERENCE_EPOCHS * laptop_steps
    assert training["photos_per_domain"] == laptop.train_count
    budget = notebook05.facades_reference_budget()
    assert reference.read_manifest()[notebook05.REFERENCE_NAMES[0]]["network"] == (
        notebook05.facades_reference_network(budget)
    )
    assert training["curve"]["step"][-1] == training["steps"]


@pytest.mark.findings
def test_05_facades_reference_beats_matching_channel_statistics_both_ways():
    profile = get_profile("laptop")
    budget = notebook05.facades_budget(profile)
    table, _ = notebook05.score_facades(profile, budget, *notebook05.load_facades_reference())
    for direction, output, grade in (
        ("G(day)", "night: G(day)", "night: match night's channel statistics"),
        ("F(night)", "day: F(night)", "day: match day's channel statistics"),
    ):
        gain = table.loc[output] - table.loc[grade]
        claim = f"05 facades reference {direction} over matching channel statistics"
        assert_claim(f"{claim}, PSNR (dB)", gain.psnr_mean, 0.5)
        assert_claim(f"{claim}, SSIM", gain.ssim_mean, 0.01)
