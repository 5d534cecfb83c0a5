import dataclasses

import numpy as np
import pytest

from course_lib import profiles, settings


def test_laptop_is_the_default_profile(monkeypatch):
    monkeypatch.delenv(settings.PROFILE_VARIABLE, raising=False)
    assert profiles.get_profile().name == "laptop"


def test_environment_variable_selects_the_profile(monkeypatch):
    monkeypatch.setenv(settings.PROFILE_VARIABLE, " Smoke ")
    assert profiles.get_profile().name == "smoke"


def test_unknown_profile_error_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv(settings.PROFILE_VARIABLE, "huge")
    with pytest.raises(ValueError, match="smoke, laptop, full"):
        profiles.get_profile()
    with pytest.raises(ValueError, match="Set IMG2IMG_PROFILE to one of"):
        profiles.get_profile("huge")


def test_profiles_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        profiles.PROFILES["laptop"].epochs = 99


def test_profiles_grow_from_smoke_to_full():
    smoke, laptop, full = (profiles.PROFILES[name] for name in ("smoke", "laptop", "full"))
    for field in ("train_count", "test_count", "epochs", "base_filters"):
        assert getattr(smoke, field) < getattr(laptop, field) < getattr(full, field)


def test_full_profile_is_the_original_experiments_scale():
    full = profiles.PROFILES["full"]
    assert (full.image_size, full.base_filters, full.epochs) == (64, 64, 50)


def test_setup_notebook_seeds_numpy_and_returns_the_profile(capsys):
    first = profiles.setup_notebook(seed=3, profile="smoke")
    draw = np.random.random()
    profiles.setup_notebook(seed=3, profile="smoke", verbose=False)
    assert np.random.random() == draw
    assert first.name == "smoke"
    assert "Profile 'smoke'" in capsys.readouterr().out


def test_setup_notebook_keeps_the_settings_it_read(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.PROFILE_VARIABLE, "smoke")
    monkeypatch.setenv(settings.FIGURES_VARIABLE, str(tmp_path))
    monkeypatch.setenv(settings.PRECISION_VARIABLE, "float32")  # no policy leaks to other tests
    assert profiles.setup_notebook(seed=0, verbose=False).name == "smoke"
    monkeypatch.setenv(settings.PROFILE_VARIABLE, "full")  # read once: a later change is ignored
    assert settings.current().profile == profiles.get_profile().name == "smoke"
    assert settings.current().figures == tmp_path
    profiles.setup_notebook(seed=0, profile="laptop", verbose=False)
    assert settings.current().profile == "laptop"  # the argument wins over the environment


def test_version_check_reports_installed_versions():
    found = profiles.check_versions()
    assert set(found) == {"python", "tensorflow", "keras"}
    assert found["keras"].startswith("3.")


def test_importing_course_lib_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, course_lib, course_lib.profiles; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"
