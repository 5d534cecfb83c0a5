"""Tests for course_lib.experiments.reference_runs: the runs behind notebook 05's weights."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from course_lib import cache, training
from course_lib.experiments import notebook05, reference_runs
from course_lib.profiles import get_profile

BATCH = 4

pytestmark = pytest.mark.usefixtures("data_folder")  # models go to a fresh folder


def test_the_facades_reference_is_the_papers_laptop_run_trained_twelve_times_as_long():
    laptop = notebook05.paper_facades_run(get_profile("laptop"))
    shipped = reference_runs.runs()["facades"]
    assert shipped.budget.epochs == reference_runs.REFERENCE_EPOCHS * laptop.budget.epochs
    assert dataclasses.replace(shipped.budget, epochs=laptop.budget.epochs) == laptop.budget
    assert shipped.settings == laptop.settings and shipped.name != laptop.name
    assert notebook05.generator_network(shipped)["residual_blocks"] == 3


def test_pitfall_runs_each_change_one_setting_of_the_facades_run():
    shipped = reference_runs.runs()
    pitfalls = {label: shipped[label] for label in reference_runs.PITFALL_RUNS}
    laptop = notebook05.paper_facades_run(get_profile("laptop"))
    for run in pitfalls.values():
        assert run.budget == dataclasses.replace(
            laptop.budget, epochs=reference_runs.PITFALL_EPOCHS * laptop.budget.epochs
        )
        assert run.steps == 960
        changed = {key for key in run.settings if run.settings[key] != laptop.settings[key]}
        assert len(changed) <= 1
    assert pitfalls["baseline"].settings == laptop.settings
    assert pitfalls["no identity loss"].settings["identity"] == 0.0
    assert pitfalls["10x discriminator learning rate"].settings["disc_lr"] == pytest.approx(2e-3)
    assert pitfalls["baseline, second seed"].settings["seed"] == 2
    names = {run.name for run in shipped.values()}
    assert len(names) == len(shipped) == 1 + len(pitfalls)
    references = {reference_runs.pitfall_reference_name(label) for label in pitfalls}
    assert len(references) == len(pitfalls)


def test_the_manifest_records_a_pitfalls_change_in_its_own_words():
    run = reference_runs.runs()["no identity loss"]
    settings = reference_runs._manifest_settings(run, {"identity_weight": 0.0})
    assert settings == {"identity_weight": 0.0, "discriminator_learning_rate": 2e-4,
                        "normalization": "instance", "upsampling": "resize",
                        "style": "daytonight"}  # fmt: skip


def test_the_facades_run_scores_itself_while_training():
    run = notebook05.runs(get_profile("smoke"))["cyclegan_facades"]
    budget = dataclasses.replace(run.budget, train_count=BATCH * 2, batch_size=BATCH)
    run = dataclasses.replace(run, budget=budget)
    profile = dataclasses.replace(get_profile("smoke"), test_count=4)
    curve_path = cache.run_dir_for(run.name) / "curve.csv"
    curve_path.parent.mkdir(parents=True)
    curve = reference_runs.FacadesScoreCurve(profile, budget, curve_path, every=1)
    notebook05.train(run, verbose=0, callbacks=[curve])
    assert cache.model_path(run.name).exists()
    rows = pd.read_csv(curve_path)
    assert list(rows.step) == [2 * (epoch + 1) for epoch in range(budget.epochs)]
    assert {"g_psnr", "g_ssim", "f_ssim", "night_baseline_psnr", "day_baseline_ssim"} <= set(rows)


def write_steps(name: str, steps: int) -> pd.DataFrame:
    """A finished run's per-step losses, step k's losses all equal to k."""
    values = np.arange(1.0, steps + 1)
    table = pd.DataFrame(
        {
            "epoch": 1,
            "batch": np.arange(1, steps + 1),
            "disc_a": values,
            "disc_b": values,
            "gan_g": 2 * values,
            "gan_f": 2 * values,
        }  # fmt: skip
    )
    path = cache.kept_file_path(name, training.STEPS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table


def test_step_loss_summary_averages_each_block_of_steps():
    write_steps("tiny-steps", 8)
    summary = reference_runs.step_loss_summary("tiny-steps", every=4)
    assert summary["step"] == [4, 8]
    assert summary["disc_a"] == [2.5, 6.5] and summary["gan_g"] == [5.0, 13.0]
    entry = {"steps": 8, "losses": reference_runs.step_loss_summary("tiny-steps", every=2)}
    late = notebook05.late_losses(entry)  # blocks ending at steps 7-8 only: (7 + 8) / 2
    assert late["discriminator loss, last quarter"] == 7.5
