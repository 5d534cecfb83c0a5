"""The reduced but honest scale at which tests re-check the notebooks' findings.

Every asserted claim goes through ``assert_claim``, which also records its margin when
``IMG2IMG_MARGINS`` names a file; ``benchmarks/findings_margins.py`` runs the findings tests
over three training seeds that way and writes the spread of each margin to tests/FINDINGS.md.
"""

import dataclasses
import json
import os

from course_lib.experiments import notebook05
from course_lib.experiments.runs import Run
from course_lib.profiles import PROFILES

# Notebook 02's network on half the laptop faces (512 steps): it beats its input by about
# 1 dB there. At half the base filters it stays below its input, so this one keeps them.
NOTEBOOK02 = dataclasses.replace(
    PROFILES["laptop"], name="reduced", train_count=4096, test_count=256, epochs=8
)
# Notebook 03's models (muted faces of one group, half the laptop faces) at half the base
# filters: every claim still holds with a margin (tests/FINDINGS.md), and each trains in
# about a third of the time.
REDUCED = dataclasses.replace(NOTEBOOK02, base_filters=NOTEBOOK02.base_filters // 2)

# Notebook 04's U-Nets at their laptop budget: 768 L1 steps in batches of 16, then 768 cGAN
# steps. With fewer L1 steps the U-Net's lead over Wiener shrank to about two seed spreads,
# and with fewer cGAN steps the cGAN drew less (notebook04.GAN_SHARE).
LADDER_PROFILE = PROFILES["laptop"]


def cyclegan_run() -> Run:
    """Notebook 05's deblurring CycleGAN at half its laptop steps (256), at its base filters.

    Built when called, so that it takes the training seed the findings fixtures set.
    """
    run = notebook05.runs(PROFILES["laptop"])["cyclegan_deblur"]
    half = dataclasses.replace(run.budget, epochs=run.budget.epochs // 2)
    return dataclasses.replace(run, budget=half)


# The training seed (initial weights and the order of the pairs) the findings models use;
# the course's own is 1, and benchmarks/findings_margins.py also tries others.
TRAINING_SEED = int(os.environ.get("IMG2IMG_FINDINGS_SEED", "1"))


def assert_claim(claim: str, value: float, bound: float, above: bool = True) -> None:
    """Assert that ``value`` is at least (``above``) or at most ``bound``; record the margin."""
    value, bound = float(value), float(bound)  # numpy's float32 is not JSON
    margin = value - bound if above else bound - value
    record = os.environ.get("IMG2IMG_MARGINS")
    if record:
        with open(record, "a") as file:
            line = dict(claim=claim, seed=TRAINING_SEED, value=value, bound=bound, margin=margin)
            file.write(json.dumps(line) + "\n")
    relation = ">=" if above else "<="
    assert margin >= 0, f"{claim}: {value:.3f} is not {relation} {bound:.3f}"
