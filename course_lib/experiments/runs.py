"""One model the course trains, described as data: notebook, budget, faces, blur and settings.

Each notebook module lists its runs once, in ``runs(profile)``, and trains any of them with
its ``train(run)``; the budget table and the model cache's names are derived from these
descriptions. Introduced in notebook 01 (the budget table) and notebook 02 (the cache).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from course_lib import cache
from course_lib.blur import BlurSpec
from course_lib.experiments.splits import faces_tag
from course_lib.profiles import Profile

FACES = ("faces", "muted faces", "facades")  # what a run trains on


@dataclasses.dataclass(frozen=True)
class Run:
    """One trained model: where it is taught, what it is, and everything that changes it.

    ``kind`` is its network's key in ``budget.EFFICIENCY``; ``model`` the first part of its
    cache name. ``settings`` hold every other setting that changes training, under the short
    key its cache name spells (lr: learning rate, glr: the generator's under a GAN, init and
    seed: seeds, patch: PatchGAN field, ...). ``start`` is the run it fine-tunes, if any.
    """

    notebook: str
    key: str
    title: str
    kind: str
    budget: Profile
    model: str
    faces: str = "faces"
    group: int | None = None
    blur: BlurSpec | None = None
    settings: Mapping[str, object] = dataclasses.field(default_factory=dict, hash=False)
    start: Run | None = None

    def __post_init__(self) -> None:
        if self.faces not in FACES:
            raise ValueError(f"Unknown faces {self.faces!r}; choose one of {FACES}.")

    @property
    def steps(self) -> int:
        """Training steps: epochs times the batches in ``train_count`` images."""
        return self.budget.epochs * max(1, self.budget.train_count // self.budget.batch_size)

    @property
    def name(self) -> str:
        """The cache name, spelling the budget, faces, blur, settings and the run it starts from."""
        budget = self.budget
        config = dict(
            model=self.model,
            image_size=budget.image_size,
            base_filters=budget.base_filters,
            train_count=budget.train_count,
            epochs=budget.epochs,
            batch_size=budget.batch_size,
            blur=self.blur,
            group=self.group,
        )
        if self.faces != "facades":
            config["faces"] = faces_tag(budget, muted=self.faces == "muted faces")
        if self.start is not None:
            config["start"] = cache.name_digest(self.start.name)
        return cache.run_name(**config, **self.settings)

    def changed(self, **settings: object) -> Run:
        """A variant with some settings changed (None removes one), under its own cache name.

        For example ``run.changed(loss="mae")`` in notebook 02's exercise.
        """
        merged = {**self.settings, **settings}
        return dataclasses.replace(
            self, settings={key: value for key, value in merged.items() if value is not None}
        )


def by_key(*runs: Run) -> dict[str, Run]:
    """The runs by their key, in the order given (the order a notebook trains them)."""
    table = {run.key: run for run in runs}
    if len(table) != len(runs):
        raise ValueError("Two runs share a key; give each run of a notebook its own.")
    return table
