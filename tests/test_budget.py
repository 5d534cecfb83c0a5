"""Tests for course_lib.experiments.budget: the table of every model the course trains."""

import dataclasses

import pytest

from course_lib.experiments import (
    budget,
    notebook02,
    notebook03,
    notebook04,
    notebook05,
    notebook06,
)
from course_lib.profiles import PROFILES

NOTEBOOKS = {
    "02": notebook02,
    "03": notebook03,
    "04": notebook04,
    "05": notebook05,
    "06": notebook06,
}


@pytest.fixture(scope="module")
def laptop_table():
    return budget.budget_table(PROFILES["laptop"])


def test_the_table_lists_every_notebooks_models_with_a_total_row(laptop_table):
    models = laptop_table.iloc[:-1]
    assert models.notebook.value_counts().to_dict() == {"02": 1, "03": 4, "04": 7, "05": 2, "06": 2}
    total = laptop_table.iloc[-1]
    assert total.model == "total"
    assert total.steps == models.steps.sum()
    assert total.expected_s == pytest.approx(models.expected_s.sum())


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_described_run_has_one_row_and_its_own_cache_name(name):
    profile = PROFILES[name]
    described = [run for module in NOTEBOOKS.values() for run in module.runs(profile).values()]
    assert budget.course_runs(profile) == described  # joined in the notebooks' order
    names = [run.name for run in described]
    assert len(set(names)) == len(names), "two runs would share one cached model"
    rows = budget.budget_table(profile).iloc[:-1]
    assert list(zip(rows.notebook, rows.model, strict=True)) == [
        (run.notebook, run.title) for run in described
    ]
    assert list(rows.steps) == [run.steps for run in described]
    for number, module in NOTEBOOKS.items():
        assert {run.notebook for run in module.runs(profile).values()} == {number}
    assert set(run.kind for run in described) <= set(budget.EFFICIENCY)


def test_steps_and_batches_come_from_each_notebooks_runs(laptop_table):
    rows = laptop_table.set_index("model")
    ladder = notebook04.runs(PROFILES["laptop"])["unet_l1"].budget
    assert rows.loc["U-Net, L1", "steps"] == ladder.epochs * ladder.train_count // 16 == 768
    assert rows.loc["U-Net for blur of unknown strength (fine-tuning)", "steps"] == 192
    deblur = notebook05.runs(PROFILES["laptop"])["cyclegan_deblur"].budget
    assert rows.loc["CycleGAN, blurred <-> sharp", "batch"] == deblur.batch_size
    assert rows.loc["CycleGAN, blurred <-> sharp", "steps"] == 512
    assert rows.loc["DCGAN autoencoder, L2", "steps"] == 1024


def test_expected_time_grows_with_steps_and_network_size():
    run = budget.course_runs(PROFILES["laptop"])[0]
    longer = dataclasses.replace(run, budget=dataclasses.replace(run.budget, epochs=16))
    assert run.budget.epochs == 8
    assert budget.expected_seconds(longer) == pytest.approx(2 * budget.expected_seconds(run))
    laptop = budget.budget_table(PROFILES["laptop"]).iloc[-1].expected_s
    assert budget.budget_table(PROFILES["full"]).iloc[-1].expected_s > 10 * laptop


def test_one_notebooks_rows_and_a_clear_error_for_a_notebook_that_trains_nothing():
    table = budget.budget_table(PROFILES["smoke"], notebook="05")
    assert set(table.notebook) == {"05", "all"}
    with pytest.raises(ValueError, match="'02' to '06'"):
        budget.budget_table(PROFILES["smoke"], notebook="01")
    with pytest.raises(ValueError, match="Unknown kind"):
        budget.forward_flops("transformer", 64, 8)


def test_speed_against_budget_is_expected_over_measured_training_time():
    runs = budget.course_runs(PROFILES["laptop"])
    twice_as_fast = [budget.expected_seconds(run) / 2 for run in runs]
    assert budget.speed_against_budget(PROFILES["laptop"], twice_as_fast) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="model cache starts empty"):
        budget.speed_against_budget(PROFILES["laptop"], twice_as_fast[:-1])  # one loaded
