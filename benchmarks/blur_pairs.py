"""Time the per-image scikit-image loop against the batched course pipeline, in one run.

Usage: python benchmarks/blur_pairs.py [--count 1024] [--sigma 2] [--batch-size 256]
Prints a table, the largest difference between the two blurs (same work, same result),
and last `speedup X`: how many times faster the batched pipeline makes the same pairs.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from course_lib import timing  # noqa: E402
from course_lib.procedural import faces  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1024)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--sigma", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()

    sharp, _ = faces.make_faces(arguments.count, size=arguments.size, seed=0)
    difference = timing.max_difference_from_skimage(sharp[:64], arguments.sigma)
    table = timing.compare_pair_makers(
        sharp, arguments.sigma, arguments.batch_size, arguments.repeats
    )
    print(f"{arguments.count} faces at {arguments.size}x{arguments.size}, sigma {arguments.sigma}")
    print(table.round(4).to_string())
    print(f"max abs difference from scikit-image: {difference:.2e}")
    print(f"speedup {table['speedup'].iloc[-1]:.2f}")


if __name__ == "__main__":
    main()
