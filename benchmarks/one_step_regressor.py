"""Is notebook 06's one step the regressor? Against one trained as long as the iterative model.

Usage: python benchmarks/one_step_regressor.py [--profile laptop]   (about 3 minutes on the laptop)
Loads (or trains) notebook 04's L1 U-Net and notebook 06's iterative U-Net from the model
cache (IMG2IMG_DATA), then fine-tunes that L1 U-Net exactly as notebook 06 fine-tunes it
(L2, the same steps, rate schedule, pairs and seed) but with no state input and no noise.
Prints the PSNR of each on the profile's test faces at Gaussian sigma 2, and one step's lead
over each regressor in dB on stdout; what it loads or trains goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from course_lib import blur, metrics, models, training, unet  # noqa: E402
from course_lib.experiments import notebook04, notebook06, splits  # noqa: E402
from course_lib.profiles import setup_notebook  # noqa: E402


def regressor_trained_as_long(run) -> keras.Model:
    """The run's start U-Net fine-tuned with L2 for the run's steps, without a state input."""
    budget, settings = run.budget, run.settings
    start = notebook04.train(run.start, verbose=0)[0]
    keras.utils.set_random_seed(settings["seed"])
    network = unet.restoring_unet(budget.image_size, budget.base_filters)
    network.set_weights(start.get_weights())
    steps = max(1, budget.train_count // budget.batch_size)
    schedule = training.adam(settings["lr"], budget.epochs * steps, 0.0, beta_1=notebook06.BETA_1)
    network.compile(optimizer=schedule, loss="mse")
    sharp = splits.face_split(budget, "train")
    pairs = blur.make_pairs_dataset(
        sharp, run.blur, budget.batch_size, repeat=True, seed=settings["seed"]
    )
    network.fit(models.model_pairs(pairs), epochs=budget.epochs, steps_per_epoch=steps, verbose=0)
    return network


def scores(profile_name: str | None) -> dict[str, float]:
    """PSNR of the L1 U-Net, the regressor trained as long and one step; one step's leads."""
    profile = setup_notebook(profile=profile_name, verbose=False)  # the notebooks' precision
    run = notebook06.runs(profile)["iterative"]
    sharp = splits.face_split(profile, "test")
    blurred = splits.blurred_copy(sharp, run.blur)

    def psnr(images) -> float:
        return float(metrics.psnr(sharp, images).mean())

    iterative = notebook06.train(run, 0)[0]
    restored = notebook06.restorations_by_steps(iterative, blurred, (1,))[notebook06.ONE_STEP]
    one_step = psnr(restored)
    scores = {
        "l1_unet_psnr": psnr(models.restore(notebook04.train(run.start, 0)[0], blurred)),
        "regressor_trained_as_long_psnr": psnr(
            models.restore(regressor_trained_as_long(run), blurred)
        ),
        "iterative_1step_psnr": one_step,
    }
    scores["one_step_minus_l1_unet"] = one_step - scores["l1_unet_psnr"]
    scores["one_step_minus_regressor_trained_as_long"] = (
        one_step - scores["regressor_trained_as_long_psnr"]
    )
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="smoke, laptop (default) or full")
    profile_name = parser.parse_args().profile
    with contextlib.redirect_stdout(sys.stderr):  # what it loads or trains
        measured = scores(profile_name)
    for name, value in measured.items():
        print(f"{name} {value:.3f}")


if __name__ == "__main__":
    main()
