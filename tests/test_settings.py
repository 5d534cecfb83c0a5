"""course_lib.settings: every variable resolved from a mapping, checked once, kept."""

import dataclasses
import json
import os
import re
from pathlib import Path

import pytest

import course_lib
from course_lib import profiles, settings
from course_lib.face_source import FaceSource


def test_an_empty_environment_gives_the_course_defaults(monkeypatch):
    monkeypatch.setenv("HOME", "/home/learner")
    chosen = settings.from_environment({})
    assert chosen.profile == "laptop"
    assert chosen.faces == "" and profiles.check_settings(chosen)[1] == FaceSource()
    assert chosen.data == Path("/home/learner/.cache/img2img")
    assert chosen.precision is None  # devices.chosen_policy picks one for the hardware
    assert chosen.figures is None and chosen.headless is False


def test_every_variable_is_read_from_the_mapping(tmp_path):
    chosen = settings.from_environment(
        {
            "IMG2IMG_PROFILE": " Smoke ",
            "IMG2IMG_FACES": f"utkface:{tmp_path}",
            "IMG2IMG_DATA": str(tmp_path / "data"),
            "IMG2IMG_PRECISION": "mixed_bfloat16 ",
            "IMG2IMG_FIGURES": str(tmp_path / "figures"),
            "IMG2IMG_HEADLESS": "1",
        }
    )
    assert chosen == settings.Settings(
        profile="smoke",
        faces=f"utkface:{tmp_path}",
        data=tmp_path / "data",
        precision="mixed_bfloat16",
        figures=tmp_path / "figures",
        headless=True,
    )


def test_the_data_folder_falls_back_to_xdg_cache_home(tmp_path):
    chosen = settings.from_environment({"XDG_CACHE_HOME": str(tmp_path)})
    assert chosen.data == tmp_path / "img2img"
    both = {"XDG_CACHE_HOME": str(tmp_path), "IMG2IMG_DATA": str(tmp_path / "mine")}
    assert settings.from_environment(both).data == tmp_path / "mine"


def test_empty_values_mean_unset():
    empty = ("IMG2IMG_FACES", "IMG2IMG_PRECISION", "IMG2IMG_FIGURES", "IMG2IMG_HEADLESS")
    chosen = settings.from_environment(dict.fromkeys(empty, ""))
    assert profiles.check_settings(chosen)[1].procedural and chosen.precision is None
    assert chosen.figures is None and not chosen.headless


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("IMG2IMG_PROFILE", "huge", r"Set IMG2IMG_PROFILE to one of smoke, laptop, full"),
        ("IMG2IMG_FACES", "/no/such/photos", r"Set IMG2IMG_FACES to one of: procedural"),
        ("IMG2IMG_FACES", "utkface:/no/such/photos", r"is not a folder.*Set IMG2IMG_FACES"),
        ("IMG2IMG_PRECISION", "bf16", r"export IMG2IMG_PRECISION=float32\), or unset it"),
    ],
)
def test_a_bad_value_says_what_to_set(variable, value, says):
    with pytest.raises(ValueError, match=says):
        profiles.check_settings(settings.from_environment({variable: value}))


def test_settings_are_frozen():
    chosen = settings.from_environment({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        chosen.profile = "full"


def test_current_reads_the_environment_once_and_use_replaces_it(monkeypatch):
    monkeypatch.setenv("IMG2IMG_PROFILE", "smoke")
    first = settings.current()
    monkeypatch.setenv("IMG2IMG_PROFILE", "full")
    assert settings.current() is first and first.profile == "smoke"
    chosen = dataclasses.replace(first, profile="laptop")
    assert settings.use(chosen) is first
    assert settings.current() is chosen
    assert settings.use(None) is chosen
    assert settings.current().profile == "full"  # forgotten: read from the environment again


def test_quiet_tensorflow_keeps_a_level_already_set(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    settings.quiet_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    settings.quiet_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"


def test_only_settings_and_the_runner_read_the_environment():
    package = Path(course_lib.__file__).parent
    allowed = {package / "settings.py", package / "runner.py"}
    pattern = re.compile(r"os\.environ|getenv")
    readers = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path not in allowed and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == [], f"read the settings (course_lib.settings.current()) instead: {readers}"


def test_every_variable_is_documented_in_the_module_docstring():
    names = [
        value
        for name, value in vars(settings).items()
        if name.endswith("_VARIABLE") and isinstance(value, str)
    ]
    assert len(names) == 6
    for name in [*names, "XDG_CACHE_HOME", "TF_CPP_MIN_LOG_LEVEL"]:
        assert f"``{name}``:" in settings.__doc__


def test_the_notebooks_choose_nothing_through_the_environment():
    notebooks = sorted((Path(course_lib.__file__).parents[1] / "notebooks").glob("[0-9]*.ipynb"))
    assert len(notebooks) == 6
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "".join(
            line for cell in cells if cell["cell_type"] == "code" for line in cell["source"]
        )
        assert "os.environ" not in code, f"{path.name} sets the environment; use the settings"
