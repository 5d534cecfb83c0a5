"""Time the procedural facade generator, course_lib.procedural.facades.make_facades.

Usage: python benchmarks/facades.py [--count 1024] [--size 64] [--style day] [--repeats 3]
Warms up, then times make_facades (label maps and photos together) several times; prints the
median and best runs and last `facades_per_s X`: facades per second of the best run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from course_lib.procedural import facades

_WARM_UP_COUNT = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1024)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--style", choices=facades.STYLES, default="day")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()

    facades.make_facades(
        min(arguments.count, _WARM_UP_COUNT),
        size=arguments.size,
        seed=arguments.seed,
        style=arguments.style,
    )
    seconds = []
    for repeat in range(arguments.repeats):
        start = time.perf_counter()
        labels, photos, layouts = facades.make_facades(
            arguments.count,
            size=arguments.size,
            seed=arguments.seed + repeat,
            style=arguments.style,
        )
        seconds.append(time.perf_counter() - start)

    megabytes = (labels.nbytes + photos.nbytes) / 2**20
    print(
        f"{arguments.count} {arguments.style} facades at {arguments.size}x{arguments.size}, "
        f"label maps and photos ({megabytes:.0f} MiB of float32), {arguments.repeats} runs"
    )
    print(
        f"median {statistics.median(seconds):.3f} s "
        f"({arguments.count / statistics.median(seconds):,.0f} facades/s), "
        f"best {min(seconds):.3f} s, {len(layouts.columns)} layout attributes per facade"
    )
    print(f"facades_per_s {arguments.count / min(seconds):.0f}")


if __name__ == "__main__":
    main()
