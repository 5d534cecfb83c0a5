"""Settings: what the environment chooses for a run, read once and checked in one place.

``setup_notebook`` (notebook 01) resolves them; the library asks :func:`current` and never
reads the environment itself. The variables, each optional:

- ``IMG2IMG_PROFILE``: the profile, ``smoke``, ``laptop`` (the default) or ``full``.
- ``IMG2IMG_FACES``: the faces, ``procedural`` (the default), a folder, ``utkface:PATH``, ...
- ``IMG2IMG_DATA``: the data, model and run cache folder.
- ``XDG_CACHE_HOME``: without ``IMG2IMG_DATA``, the cache is its ``img2img`` folder.
- ``IMG2IMG_PRECISION``: ``float32``, ``mixed_bfloat16`` or ``mixed_float16`` (unset: chosen).
- ``IMG2IMG_FIGURES``: a folder where named figures are saved as PNG (unset: none saved).
- ``IMG2IMG_HEADLESS``: set by the runner: no browser, training prints a line per epoch.
- ``TF_CPP_MIN_LOG_LEVEL``: TensorFlow's C++ log level, 3 (errors only) unless already set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROFILE_VARIABLE = "IMG2IMG_PROFILE"
FACES_VARIABLE = "IMG2IMG_FACES"
DATA_VARIABLE = "IMG2IMG_DATA"
PRECISION_VARIABLE = "IMG2IMG_PRECISION"
FIGURES_VARIABLE = "IMG2IMG_FIGURES"
HEADLESS_VARIABLE = "IMG2IMG_HEADLESS"
DEFAULT_PROFILE = "laptop"
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")  # Keras policy names
_current: Settings | None = None


@dataclass(frozen=True)
class Settings:
    """What a run uses: profile, faces, data folder, precision, figures, headless (notebook 01)."""

    profile: str  # profiles.get_profile checks the name
    faces: str  # face_source.parse_face_source checks it; "" is the procedural faces
    data: Path  # downloads.data_dir() creates it when first needed
    precision: str | None  # None: the one this hardware suits (devices.chosen_policy)
    figures: Path | None  # None: figures are not saved
    headless: bool


def from_environment(environ: Mapping[str, str] = os.environ) -> Settings:
    """Resolve the settings from ``environ``; a bad precision says what to set.

    The profile and the faces are checked by ``profiles`` and ``face_source``, which
    ``setup_notebook`` and the runner call at once, so settings import no other module.
    """
    figures = environ.get(FIGURES_VARIABLE)
    return Settings(
        profile=environ.get(PROFILE_VARIABLE, DEFAULT_PROFILE).strip().lower(),
        faces=environ.get(FACES_VARIABLE, "").strip(),
        data=_data_folder(environ),
        precision=_precision(environ.get(PRECISION_VARIABLE, "")),
        figures=Path(figures) if figures else None,
        headless=bool(environ.get(HEADLESS_VARIABLE)),
    )


def _data_folder(environ: Mapping[str, str]) -> Path:
    """``$IMG2IMG_DATA`` if set, else ``$XDG_CACHE_HOME/img2img``, else ``~/.cache/img2img``."""
    chosen = environ.get(DATA_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "img2img"


def _precision(text: str) -> str | None:
    chosen = text.strip()
    if not chosen:
        return None
    if chosen not in PRECISIONS:
        raise ValueError(
            f"{PRECISION_VARIABLE}={chosen!r} is not a precision policy; choose one of "
            f"{', '.join(PRECISIONS)} (for example: export {PRECISION_VARIABLE}=float32), or "
            "unset it to let the course choose."
        )
    return chosen


def current() -> Settings:
    """The settings in force: those :func:`use` set, else the environment's, read once."""
    global _current
    if _current is None:
        _current = from_environment()
    return _current


def use(chosen: Settings | None) -> Settings | None:
    """Put ``chosen`` in force and return the settings it replaces (None if none were).

    None forgets them, so the next :func:`current` reads the environment again (tests).
    """
    global _current
    previous, _current = _current, chosen
    return previous


def quiet_tensorflow() -> None:
    """Hide TensorFlow's C++ start-up logs (such as "no CUDA") unless a level is already set."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
