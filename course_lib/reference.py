"""Reference weights: networks the course's own code trained far longer, shipped and hash-checked.

A run that cannot learn inside the laptop budget is shown beside reference weights for the
same network, as keras.io's CycleGAN example loads weights trained for 90 epochs. Each
reference is a Keras ``.weights.h5`` file in ``course_lib/reference_weights/`` and an entry
in its ``manifest.json``: the SHA-256 of the file, the arguments that rebuild the network,
and how it was trained. ``make reference`` retrains and rewrites them
(course_lib.experiments.reference_runs). Introduced in notebook 05.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import keras

REFERENCE_DIR = Path(__file__).with_name("reference_weights")
MANIFEST_FILE = "manifest.json"
REMEDY = (
    "Restore the shipped files with `git checkout course_lib/reference_weights`, or retrain "
    "them with `make reference`."
)


class ReferenceError(RuntimeError):
    """Reference weights that are missing, unlisted or not the file the manifest describes."""


def weights_path(name: str, folder: Path = REFERENCE_DIR) -> Path:
    """The weights file of the reference called ``name`` (notebook 05)."""
    return Path(folder) / f"{name}.weights.h5"


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path = REFERENCE_DIR) -> dict[str, dict]:
    """Every reference's entry: its SHA-256, its network's arguments and its training."""
    path = Path(folder) / MANIFEST_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def reference_entry(name: str, folder: Path = REFERENCE_DIR) -> dict:
    """The manifest entry of ``name``, after checking that its weights file matches its hash."""
    entry = read_manifest(folder).get(name)
    path = weights_path(name, folder)
    if entry is None or not path.exists():
        missing = "no manifest entry" if entry is None else f"no file {path}"
        raise ReferenceError(f"The reference weights {name!r} are missing ({missing}). {REMEDY}")
    found = file_sha256(path)
    if found != entry["sha256"]:
        raise ReferenceError(
            f"{path} is not the file the manifest lists (SHA-256 {found[:12]}..., expected "
            f"{entry['sha256'][:12]}...): it was changed or damaged. {REMEDY}"
        )
    return entry


def load_reference(
    name: str, build: Callable[..., keras.Model], folder: Path = REFERENCE_DIR
) -> keras.Model:
    """``build(**arguments)`` from the manifest, with the checked reference weights (nb 05)."""
    entry = reference_entry(name, folder)
    network = build(**entry["network"])
    network.load_weights(weights_path(name, folder))
    return network


def save_reference(
    name: str,
    network: keras.Model,
    arguments: Mapping[str, object],
    training: Mapping[str, object],
    folder: Path = REFERENCE_DIR,
) -> Path:
    """Write ``network``'s weights and its manifest entry, each file whole or not at all.

    ``arguments`` rebuild the network; ``training`` says how it was trained (shown in nb 05).
    """
    path = weights_path(name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{name}.partial.weights.h5")
    network.save_weights(temporary)
    os.replace(temporary, path)
    manifest = read_manifest(folder)
    manifest[name] = {
        "sha256": file_sha256(path),
        "network": dict(arguments),
        "training": dict(training),
    }
    manifest_path = Path(folder) / MANIFEST_FILE
    partial = manifest_path.with_name(f".{MANIFEST_FILE}.partial")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(partial, manifest_path)
    return path
