"""Does the deblurring CycleGAN add colour speckles, or is it trained less than the L1 U-Net?

Usage: python benchmarks/colour_artefact_budget.py [--profile laptop]
           [--budgets 512:5e-4 768:5e-4 512:1e-3 768:1e-3]   (about 4 minutes a budget)
For each budget (training steps : peak Adam rate, decayed as each notebook decays it), trains
notebook 04's L1 U-Net on true (blurred, sharp) pairs and notebook 05's deblurring CycleGAN
on unpaired faces, with that rate for G and F, both at the course's seeds. Prints each one's
PSNR and colour artefact (``metrics.colour_artefact``) on the profile's test faces, and the
CycleGAN's minus the paired U-Net's. The course trains the CycleGAN at 512:5e-4 and the L1
U-Net at 768:1e-3; what each loads or trains goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pandas as pd  # noqa: E402

from course_lib import metrics, models  # noqa: E402
from course_lib.experiments import notebook04, notebook05, splits  # noqa: E402
from course_lib.experiments.runs import Run  # noqa: E402
from course_lib.profiles import Profile, setup_notebook  # noqa: E402


def with_budget(run: Run, steps: int, rate_key: str, rate: float) -> Run:
    """``run`` trained for ``steps`` (its epochs kept, its images per epoch scaled) at ``rate``."""
    budget = run.budget
    count = max(budget.batch_size, steps * budget.batch_size // budget.epochs)
    return dataclasses.replace(run, budget=dataclasses.replace(budget, train_count=count)).changed(
        **{rate_key: rate}
    )


def scores(profile: Profile, steps: int, rate: float, sharp, blurred) -> dict[str, float]:
    """PSNR and colour artefact of the paired L1 U-Net and the CycleGAN's G at one budget."""
    paired = with_budget(notebook04.runs(profile)["unet_l1"], steps, "lr", rate)
    unpaired = notebook05.runs(profile)["cyclegan_deblur"]
    epochs = max(1, steps // max(1, unpaired.steps // unpaired.budget.epochs))
    unpaired = dataclasses.replace(
        unpaired, budget=dataclasses.replace(unpaired.budget, epochs=epochs)
    ).changed(glr=rate)
    restored = {
        "paired L1 U-Net": models.restore(notebook04.train(paired, 0)[0], blurred),
        "CycleGAN's G": models.restore(notebook05.train(unpaired, 0)[0], blurred),
    }
    row = {"steps": steps, "rate": f"{rate:g}", "CycleGAN steps": unpaired.steps}
    for name, images in restored.items():
        row[f"{name} PSNR"] = float(metrics.psnr(sharp, images).mean())
        row[f"{name} colour"] = metrics.colour_artefact(sharp, images)
    row["colour, CycleGAN minus paired"] = (
        row["CycleGAN's G colour"] - row["paired L1 U-Net colour"]
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="smoke, laptop (default) or full")
    parser.add_argument(
        "--budgets", nargs="+", default=["512:5e-4", "768:5e-4", "512:1e-3", "768:1e-3"]
    )
    arguments = parser.parse_args()
    budgets = [
        (int(steps), float(rate)) for steps, rate in (b.split(":") for b in arguments.budgets)
    ]
    with contextlib.redirect_stdout(sys.stderr):  # what it loads or trains
        profile = setup_notebook(profile=arguments.profile, verbose=False)
        sharp = splits.face_split(profile, "test")
        blurred = splits.blurred_copy(sharp)
        rows = [scores(profile, steps, rate, sharp, blurred) for steps, rate in budgets]
    print(f"blurred input: PSNR {metrics.psnr(sharp, blurred).mean():.3f}, colour artefact "
          f"{metrics.colour_artefact(sharp, blurred):.3f}")  # fmt: skip
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
