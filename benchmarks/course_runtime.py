"""Execute every notebook in order and time each one: the course's runtime on this machine.

Usage: python benchmarks/course_runtime.py --profile smoke|laptop [--data DIR] [--fresh]
           [--only 02 ...] [--output-dir DIR] [--timeout 1800]
Runs notebooks/NN_*.ipynb with nbclient in a kernel of the Python that runs this script (use
.venv/bin/python), with IMG2IMG_PROFILE set. --data sets the data and model cache folder
(IMG2IMG_DATA); --fresh uses a new, empty temporary one, so no cached model is reused.
Measures this machine's fp32 matmul peak first, then prints seconds per notebook (kernel start
included) and the same normalised to a 200-GFLOP/s machine (seconds x peak / 200), then
`total_s X` and last `normalised_total_s Y`: machines of one kind differ by 4x in speed.
The precision the notebooks train in is printed first (course_lib.devices.chosen_policy).
Before that (laptop and full profiles), `training_speed S` divides the budget table's expected
training seconds by the training times the notebooks printed (a machine whose matmul peak
outruns its training speed shows it), and `training_normalised_total_s` is total_s x S.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from course_lib import settings
from course_lib.devices import chosen_policy
from course_lib.downloads import data_dir
from course_lib.experiments.budget import speed_against_budget
from course_lib.profiles import get_profile
from course_lib.runner import execute_notebook, notebook_paths, trained_seconds
from course_lib.timing import matmul_peak_gflops, normalised_seconds


def run(profile: str, data: Path, paths: list[Path], timeout: int, output_dir: Path | None):
    """Execute the notebooks with the profile and data folder set; print one row each."""
    os.environ["IMG2IMG_PROFILE"] = profile
    os.environ["IMG2IMG_DATA"] = str(data)
    os.environ.pop("IMG2IMG_FIGURES", None)  # a benchmark changes no assets
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    peak = matmul_peak_gflops()  # measured first, on an idle machine, in this same run
    print(f"profile {profile}, data {data}, python {sys.executable}")
    precision = chosen_policy(profile, settings.from_environment().precision)
    print(f"precision {precision}")  # bfloat16 on a CPU that computes it
    print(f"matmul_peak_gflops {peak:.0f}")
    print(f"{'notebook':<28} {'seconds':>9} {'normalised':>11}", flush=True)
    total, trained = 0.0, []
    with tempfile.TemporaryDirectory(prefix="img2img-executed-") as scratch:
        folder = output_dir or Path(scratch)
        for path in paths:
            try:
                seconds = execute_notebook(path, folder, timeout, say=None)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
                print(f"{path.stem:<28} {'FAILED':>9}", flush=True)
                raise SystemExit(
                    f"{path.name} failed; fix it before timing the course:\n{error}"
                ) from None
            total += seconds
            trained += trained_seconds(nbformat.read(folder / path.name, as_version=4))
            normalised = normalised_seconds(seconds, peak)
            print(f"{path.stem:<28} {seconds:9.1f} {normalised:11.1f}", flush=True)
    print(f"total_s {total:.1f}")
    print_training_speed(profile, trained, total, len(paths) == len(notebook_paths()))
    print(f"normalised_total_s {normalised_seconds(total, peak):.1f}")


def print_training_speed(profile: str, trained: list[float], total: float, whole: bool) -> None:
    """This machine's training speed against the budget table's, from the runs it timed."""
    if not whole or profile == "smoke":  # the smoke runs' seconds are mostly start-up
        print("training_speed: time every notebook with the laptop or full profile to compare")
        return
    try:
        speed = speed_against_budget(get_profile(profile), trained)
    except ValueError as error:
        print(f"training_speed: {error}")
        return
    print(
        f"training_speed {speed:.2f} (x the budget table's 200-GFLOP/s machine, "
        f"{len(trained)} runs, {sum(trained):.0f} s)"
    )
    print(f"training_normalised_total_s {total * speed:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["smoke", "laptop", "full"], required=True)
    parser.add_argument("--data", type=Path, help="data and model cache (IMG2IMG_DATA)")
    parser.add_argument("--fresh", action="store_true", help="use a new, empty data folder")
    parser.add_argument("--only", nargs="+", help="notebook name prefixes, for example 02 03")
    parser.add_argument("--output-dir", type=Path, help="save the executed notebooks here")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    arguments = parser.parse_args()
    if arguments.fresh and arguments.data is not None:
        parser.error("give --data DIR or --fresh, not both")
    paths = notebook_paths(arguments.only)
    if arguments.fresh:
        with tempfile.TemporaryDirectory(prefix="img2img-runtime-") as folder:
            run(arguments.profile, Path(folder), paths, arguments.timeout, arguments.output_dir)
    else:
        data = arguments.data.expanduser() if arguments.data else data_dir()  # the default cache
        run(arguments.profile, data, paths, arguments.timeout, arguments.output_dir)


if __name__ == "__main__":
    main()
