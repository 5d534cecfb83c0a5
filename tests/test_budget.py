"""Tests for course_lib.experiments.budget: the table of every model the course trains."""

import dataclasses

import pytest

from course_lib.experiments import budget, notebook04, notebook05
from course_lib.profiles import PROFILES


@pytest.fixture(scope="module")
def laptop_table():
    return budget.budget_table(PROFILES["laptop"])


def test_the_table_lists_every_notebooks_models_with_a_total_row(laptop_table):
    models = laptop_table.iloc[:-1]
    assert models.notebook.value_counts().to_dict() == {"02": 1, "03": 4, "04": 7, "05": 2}
    total = laptop_table.iloc[-1]
    assert total.model == "total"
    assert total.steps == models.steps.sum()
    assert total.expected_s == pytest.approx(models.expected_s.sum())


def test_steps_and_batches_come_from_each_notebooks_budget(laptop_table):
    rows = laptop_table.set_index("model")
    ladder = notebook04.ladder_budget(PROFILES["laptop"])
    assert rows.loc["U-Net, L1", "steps"] == ladder.epochs * ladder.train_count // 16 == 768
    assert rows.loc["U-Net for blur of unknown strength (fine-tuning)", "steps"] == 192
    deblur = notebook05.deblur_budget(PROFILES["laptop"])
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
    with pytest.raises(ValueError, match="'02' to '05'"):
        budget.budget_table(PROFILES["smoke"], notebook="01")
    with pytest.raises(ValueError, match="Unknown kind"):
        budget.forward_flops("transformer", 64, 8)


def test_speed_against_budget_is_expected_over_measured_training_time():
    runs = budget.course_runs(PROFILES["laptop"])
    twice_as_fast = [budget.expected_seconds(run) / 2 for run in runs]
    assert budget.speed_against_budget(PROFILES["laptop"], twice_as_fast) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="model cache starts empty"):
        budget.speed_against_budget(PROFILES["laptop"], twice_as_fast[:-1])  # one loaded


def test_the_readme_shows_the_laptop_table_as_the_library_computes_it(laptop_table):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| 0") and " x " in line]
    shown = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    expected = [
        [row.notebook, row.model, f"{row.steps:,} x {row.batch}", str(row.filters),
         f"{row.expected_s:,.0f}"]
        for row in laptop_table.iloc[:-1].itertuples()
    ]  # fmt: skip
    assert shown == expected, "update the budget table in README.md"
    total = f"| all | **total** | {laptop_table.steps.iloc[-1]:,} steps | | "
    assert f"{total}**{laptop_table.expected_s.iloc[-1]:,.0f}** |" in readme
