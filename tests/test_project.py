"""Checks on the project itself: notebooks stored clean, conda file in line with pyproject."""

import json
import re
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


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebooks_are_stored_without_outputs(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: run `nbstripout {path}`"
            assert cell["execution_count"] is None, f"{path.name}: run `nbstripout {path}`"


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


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and re.search(r"^make test$", ci, re.MULTILINE)


def test_readme_module_list_names_every_module_of_the_library():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("The helper library `course_lib/`")
    listed = set(re.findall(r"`(\w+)`", readme[start : readme.index("\n\n", start)]))
    package = ROOT / "course_lib"
    modules = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    modules |= {path.name for path in package.iterdir() if (path / "__init__.py").exists()}
    assert modules <= listed, f"README does not list {sorted(modules - listed)}"
