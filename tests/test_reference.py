"""Tests for course_lib.reference: shipped weights, checked by hash, and notebook 05's facades."""

import numpy as np
import pytest
from findings_setup import assert_claim

from course_lib import baselines, evaluation, reference, resnet
from course_lib.experiments import notebook05, reference_runs
from course_lib.profiles import get_profile

NETWORK = {"image_size": 32, "base_filters": 4, "residual_blocks": 1, "upsampling": "resize"}


@pytest.fixture
def saved(tmp_path):
    """A tiny ResNet generator saved as the reference "tiny" in a fresh folder."""
    network = resnet.resnet_generator(**NETWORK)
    reference.save_reference("tiny", network, NETWORK, {"steps": 0}, folder=tmp_path)
    return network, tmp_path


def test_a_saved_reference_loads_as_the_same_network(saved):
    network, folder = saved
    loaded = reference.load_reference("tiny", resnet.resnet_generator, folder=folder)
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
        reference.load_reference("tiny", resnet.resnet_generator, folder=folder)


def test_a_missing_reference_says_how_to_get_it_back(saved):
    _, folder = saved
    with pytest.raises(reference.ReferenceError, match="missing.*git checkout"):
        reference.reference_entry("absent", folder=folder)
    reference.weights_path("tiny", folder).unlink()
    with pytest.raises(reference.ReferenceError, match="no file"):
        reference.reference_entry("tiny", folder=folder)


def test_every_shipped_reference_matches_its_manifest():
    manifest = reference.read_manifest()
    assert set(reference_runs.REFERENCE_NAMES) <= set(manifest)
    for name in manifest:
        assert reference.reference_entry(name)["sha256"] == manifest[name]["sha256"]
    sizes = [reference.weights_path(name).stat().st_size for name in manifest]
    assert sum(sizes) < 8e6  # small enough to commit


def test_shipped_facades_reference_is_the_papers_laptop_run_trained_twelve_times_as_long():
    training = reference_runs.facades_reference_training()
    laptop = notebook05.paper_facades_run(get_profile("laptop"))
    assert training["steps"] == reference_runs.REFERENCE_EPOCHS * laptop.steps
    assert training["photos_per_domain"] == laptop.budget.train_count
    shipped = reference_runs.runs()["facades"]
    assert reference.read_manifest()[reference_runs.REFERENCE_NAMES[0]]["network"] == (
        notebook05.generator_network(shipped)
    )
    assert training["curve"]["step"][-1] == training["steps"]


def test_shipped_pitfall_runs_are_the_facades_run_trained_five_times_as_long_with_losses():
    manifest = reference.read_manifest()
    shipped = reference_runs.runs()
    for label, changes in reference_runs.PITFALL_RUNS.items():
        run = shipped[label]
        entry = manifest[reference_runs.pitfall_reference_name(label)]
        assert entry["network"] == notebook05.generator_network(run)
        training = entry["training"]
        assert training["steps"] == run.steps
        assert training["photos_per_domain"] == run.budget.train_count
        assert training["settings"] == reference_runs._manifest_settings(run, changes)
        assert changes.items() <= training["settings"].items()
        assert training["curve"]["step"][-1] == training["losses"]["step"][-1] == run.steps


@pytest.mark.findings
def test_05_facades_reference_beats_matching_channel_statistics_both_ways():
    profile = get_profile("laptop")
    budget = notebook05.runs(profile)["cyclegan_facades"].budget
    table, _ = notebook05.score_facades(profile, budget, *reference_runs.load_facades_reference())
    for direction, output, grade in (
        ("G(day)", "night: G(day)", "night: match night's channel statistics"),
        ("F(night)", "day: F(night)", "day: match day's channel statistics"),
    ):
        gain = table.loc[output] - table.loc[grade]
        claim = f"05 facades reference {direction} over matching channel statistics"
        assert_claim(f"{claim}, PSNR (dB)", gain.psnr_mean, 0.5)
        assert_claim(f"{claim}, SSIM", gain.ssim_mean, 0.01)


@pytest.mark.findings
def test_05_each_training_pitfall_moves_f_by_more_than_the_spread_between_two_seeds():
    profile = get_profile("laptop")
    table, _ = notebook05.score_pitfalls(profile, reference_runs.load_pitfall_references())
    test_day, test_night = notebook05.facade_test_pairs(profile)
    budget = notebook05.runs(profile)["cyclegan_facades"].budget
    train_day, train_night = notebook05.facade_domains(budget)
    graded = baselines.match_channel_statistics(test_night, train_night, train_day)
    grade = evaluation.evaluate(test_day, {"grade": graded}).loc["grade"]
    baseline, spread = table.loc["baseline"], table.loc[notebook05.PITFALL_SPREAD]
    # The baseline has learned: its F(night) beats the colour grade (measured +1.90 dB, +0.062).
    assert_claim("05 pitfall baseline F(night) over the grade, PSNR (dB)",
                 baseline["F(night) PSNR"] - grade.psnr_mean, 1.0)  # fmt: skip
    assert_claim("05 pitfall baseline F(night) over the grade, SSIM",
                 baseline["F(night) SSIM"] - grade.ssim_mean, 0.03)  # fmt: skip
    # Each change beyond the seeds' spread (measured 9.43 dB, 0.174, 0.072, 0.198, 0.033).
    for label, column, sign, bound in (
        ("no identity loss", "F(day) PSNR", -1, 5.0),
        ("no identity loss", "F(night) SSIM", -1, 0.1),
        ("10x discriminator learning rate", "discriminator loss, last quarter", -1, 0.04),
        ("10x discriminator learning rate", "generator GAN loss, last quarter", 1, 0.1),
        ("10x discriminator learning rate", "F(night) SSIM", -1, 0.015),
    ):
        change = sign * (table.loc[label, column] - baseline[column])
        assert_claim(f"05 {label}: {column} change beyond the seed spread",
                     change - spread[column], bound)  # fmt: skip
