"""Profiles: one parameter that scales the whole course from CI to a GPU.

A profile is plain frozen data. Notebooks read sizes, counts and epochs from it and
never from scattered literals. Choose one with the ``IMG2IMG_PROFILE`` environment
variable (``smoke``, ``laptop`` or ``full``); ``laptop`` is the default.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from course_lib import settings

if TYPE_CHECKING:
    from course_lib.face_source import FaceSource

MINIMUM_VERSIONS = {"python": (3, 10), "tensorflow": (2, 16), "keras": (3, 0)}


@dataclass(frozen=True)
class Profile:
    """Sizes, counts and budgets for one way of running the course (notebook 01)."""

    name: str
    purpose: str
    image_size: int
    train_count: int
    test_count: int
    batch_size: int
    epochs: int
    base_filters: int
    timing_count: int

    def describe(self) -> str:
        """One line per field, for printing at the top of a notebook."""
        width = max(len(key) for key in asdict(self))
        return "\n".join(f"{key:<{width}} : {value}" for key, value in asdict(self).items())


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="CI and nbval: every code path runs, a notebook in well under a minute",
        image_size=64,
        train_count=256,
        test_count=64,
        batch_size=32,
        epochs=1,
        base_filters=8,
        timing_count=256,
    ),
    "laptop": Profile(
        name="laptop",
        purpose="a learner on a 2-core CPU: the whole course within 30 minutes, findings visible",
        image_size=64,
        train_count=8192,
        test_count=512,
        batch_size=64,
        epochs=8,
        base_filters=32,
        timing_count=1024,
    ),
    "full": Profile(
        name="full",
        purpose="a GPU and real data at the original experiment's scale",
        image_size=64,
        train_count=40000,
        test_count=2000,
        batch_size=64,
        epochs=50,
        base_filters=64,
        timing_count=4096,
    ),
}


def get_profile(name: str | None = None) -> Profile:
    """Return the named profile, or the one the settings in force name (notebook 01)."""
    chosen = (name if name is not None else settings.current().profile).strip().lower()
    if chosen not in PROFILES:
        variable = settings.PROFILE_VARIABLE
        raise ValueError(
            f"Unknown profile {chosen!r}. Set {variable} to one of "
            f"{', '.join(PROFILES)} (for example: export {variable}=laptop)."
        )
    return PROFILES[chosen]


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(character for character in piece if character.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_versions() -> dict[str, str]:
    """Check Python, TensorFlow and Keras against the course minimums (notebook 01)."""
    import keras
    import tensorflow as tf

    found = {
        "python": ".".join(map(str, sys.version_info[:3])),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    for package, minimum in MINIMUM_VERSIONS.items():
        if _version_tuple(found[package]) < minimum:
            raise RuntimeError(
                f"{package} {found[package]} is too old; the course needs "
                f"{'.'.join(map(str, minimum))} or newer. Run `make test` or "
                "`pip install -e .[dev]` to install the right versions."
            )
    return found


def check_settings(chosen: settings.Settings) -> tuple[Profile, FaceSource]:
    """The profile and the faces ``chosen`` names; a bad one says what to set (notebook 01)."""
    from course_lib.face_source import parse_face_source

    return get_profile(chosen.profile), parse_face_source(chosen.faces)


def setup_notebook(seed: int = 42, profile: str | None = None, verbose: bool = True) -> Profile:
    """Seed Python, NumPy and TensorFlow, quiet TF logs, set plot defaults (notebook 01).

    Also sets Keras's precision (``devices.chosen_policy``): mixed float16 for the full profile
    on a GPU, mixed bfloat16 for laptop and full on a CPU with native bfloat16, else float32.
    Returns the active profile and prints it with the library versions and the faces in use
    (``IMG2IMG_FACES``). The settings are read from the environment here, once, and kept
    (``settings.current()``); ``profile`` overrides the one they name.
    """
    settings.quiet_tensorflow()
    from course_lib.face_source import describe_faces

    chosen = settings.from_environment()
    chosen = replace(chosen, profile=profile or chosen.profile)
    _, faces = check_settings(chosen)  # a wrong choice stops here, saying what to set
    settings.use(chosen)
    import keras
    import matplotlib as mpl
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (8, 4),
            "axes.grid": False,
            "image.interpolation": "nearest",
            "font.size": 10,
            "axes.titlesize": 10,
        }
    )
    active = get_profile(chosen.profile)
    versions = check_versions()
    from course_lib.devices import chosen_policy

    policy = chosen_policy(active.name, chosen.precision)
    keras.mixed_precision.set_global_policy(policy)
    if verbose:
        print("Versions: " + ", ".join(f"{key} {value}" for key, value in versions.items()))
        devices = [device.device_type for device in tf.config.list_physical_devices()]
        print(f"Devices: {', '.join(devices)}; precision: {policy}")
        print(f"Profile '{active.name}' ({active.purpose}):")
        print(active.describe())
        print(describe_faces(faces, active.image_size))
    return active
