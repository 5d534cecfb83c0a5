"""The reduced but honest scale at which tests re-check the notebooks' findings."""

import dataclasses

from course_lib.experiments import notebook04
from course_lib.profiles import PROFILES

# Half the laptop profile's faces at its model size: enough for the claims to hold with a
# margin, small enough that every findings test together trains in minutes on 2 cores.
REDUCED = dataclasses.replace(
    PROFILES["laptop"], name="reduced", train_count=4096, test_count=256, epochs=8
)

# Notebook 04's restoring U-Net budget at the laptop profile (512 steps, then 256 with a GAN).
LADDER = notebook04.ladder_budget(PROFILES["laptop"])
