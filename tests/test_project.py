"""Checks on the project itself: notebooks stored clean, conda file in line with pyproject,
a README that stays a front door and an architecture map that names every module."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = ROOT / "notebooks" / "solutions"


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize(
    "path", [*NOTEBOOKS, *sorted(SOLUTIONS.glob("*.ipynb"))], ids=lambda path: path.name
)
def test_notebooks_are_stored_without_outputs_and_with_cell_ids(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: run `nbstripout {path}`"
            assert cell["execution_count"] is None, f"{path.name}: run `nbstripout {path}`"
    # nbformat 4.5 wants an id on every cell (a warning today, an error in later versions)
    unnamed = [index for index, cell in enumerate(notebook["cells"]) if "id" not in cell]
    assert not unnamed, f"{path.name}: cells {unnamed} have no id; run nbformat.validator.normalize"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebooks_follow_the_course_layout(path):
    cells = json.loads(path.read_text())["cells"]
    markdown = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    code = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert markdown[0].startswith("# "), "the first cell is the H1 title"
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Setup"
    assert headings[-2:] == ["## Summary", "## Exercises"]
    assert "setup_notebook(" in code


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_installs_the_package_with_its_dev_extra():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item for item in environment["dependencies"] if isinstance(item, dict))
    assert pip_section["pip"] == ["-e .[dev]"]
    assert "dev" in _pyproject()["project"]["optional-dependencies"]


def test_environment_yml_python_is_allowed_by_pyproject():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in environment["dependencies"] if str(d).startswith("python="))
    major, minor = map(int, python.split("=")[1].split(".")[:2])
    low, high = re.findall(r"(\d+)\.(\d+)", _pyproject()["project"]["requires-python"])
    assert (int(low[0]), int(low[1])) <= (major, minor) < (int(high[0]), int(high[1]))


def test_environment_yml_adds_no_package_that_pyproject_lacks():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_packages = {
        re.split(r"[=<>]", item)[0] for item in environment["dependencies"] if isinstance(item, str)
    }
    assert conda_packages == {"python", "pip"}, "put Python packages in pyproject.toml instead"


def test_every_environment_yml_line_says_what_uses_it():
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.strip().startswith("- ") and not line.strip().endswith(":"):
            assert "#" in line, f"environment.yml line needs a comment: {line!r}"


def test_gpu_extra_asks_for_cuda_and_default_install_does_not():
    project = _pyproject()["project"]
    assert not any("and-cuda" in dependency for dependency in project["dependencies"])
    assert any("and-cuda" in dependency for dependency in project["optional-dependencies"]["gpu"])


README = (ROOT / "README.md").read_text()
GENERATED = {"docs/RESULTS.md"}  # written by `make course`, not kept by hand


def test_readme_is_a_short_front_door_that_starts_with_make_lab():
    lines = README.splitlines()
    assert len(lines) <= 150, "keep README.md a front door; details go in docs/"
    assert any("make lab" in line for line in lines[:30]), "say `make lab` in the first 30 lines"


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\b", README, re.MULTILINE), "README's code block gives make test"
    assert re.search(r"^make test$", ci, re.MULTILINE)
    assert re.search(r"^test:", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_readme_shows_restored_faces_that_a_notebook_draws():
    figures = re.findall(r"!\[[^\]]*\]\((assets/[\w.]+\.png)\)", README)
    assert figures, "README shows a figure of restored faces"
    code = "".join(path.read_text() for path in NOTEBOOKS)
    for figure in figures:
        assert (ROOT / figure).is_file(), f"{figure} is missing"
        assert f'name=\\"{Path(figure).stem}\\"' in code, f"no notebook draws {figure}"


def test_readme_course_map_has_a_line_for_every_notebook():
    for path in NOTEBOOKS:
        title = json.loads(path.read_text())["cells"][0]["source"][0].removeprefix("# ").strip()
        assert f"| `{path.stem}`: {title} |" in README, f"add {path.stem} to the course map"


def test_readme_links_to_files_that_exist():
    for link in re.findall(r"\]\(([^)#:]+)\)", README):
        assert link in GENERATED or (ROOT / link).exists(), f"README links to missing {link}"


def test_readme_keeps_no_measurement_log():
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", README), "dated results go in docs/RESULTS.md"
    assert not re.search(r"\btook [\d,.]+ s\b", README), "timings go in docs/RESULTS.md"


def _library_modules() -> set[str]:
    """course_lib's modules and packages, as paths below course_lib without .py."""
    package = ROOT / "course_lib"
    modules = {f"{path.name}/" for path in package.iterdir() if (path / "__init__.py").exists()}
    for path in package.rglob("*.py"):
        if path.stem != "__init__":
            modules.add(path.relative_to(package).with_suffix("").as_posix())
    return modules


def test_architecture_names_every_module_of_the_library():
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`([\w/]+)`", architecture))
    missing = _library_modules() - named
    assert not missing, f"docs/ARCHITECTURE.md does not name {sorted(missing)}"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("faces", "page"), [("procedural", "docs/RESULTS.md"), ("lfw", "build/faces/RESULTS.md")]
)
def test_make_course_writes_real_faces_results_apart_from_the_default_course(faces, page):
    commands = subprocess.run(
        ["make", "-n", "course", f"FACES={faces}"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    results = next(line for line in commands.splitlines() if "course_lib.results" in line)
    assert f"course_lib.results {page} " in results
    assert "scoreboard.py" in commands and "timings.json" in commands


def _exercise_count(path: Path) -> int:
    """How many numbered exercises the notebook's last cell, "## Exercises", sets."""
    last = "".join(json.loads(path.read_text())["cells"][-1]["source"])
    assert last.startswith("## Exercises"), f"{path.name} does not end with its exercises"
    return len(re.findall(r"^\d+\. ", last, flags=re.MULTILINE))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_exercise_has_a_worked_solution(path):
    solutions = SOLUTIONS / f"{path.name[:2]}_solutions.ipynb"
    assert solutions.exists(), f"write {solutions.relative_to(ROOT)}"
    cells = json.loads(solutions.read_text())["cells"]
    markdown = "".join("".join(cell["source"]) + "\n" for cell in cells
                       if cell["cell_type"] == "markdown")  # fmt: skip
    headings = re.findall(r"^## Exercise (\d+)\b", markdown, flags=re.MULTILINE)
    assert [int(number) for number in headings] == list(range(1, _exercise_count(path) + 1))
    assert "## Setup" in markdown
    code = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert "setup_notebook(" in code
