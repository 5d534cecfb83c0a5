"""Time the procedural face generator, course_lib.procedural.faces.make_faces.

Usage: python benchmarks/faces.py [--count 2048] [--size 64] [--repeats 3]
Warms up, then times make_faces several times; prints the median and best runs and last
`faces_per_s X`: faces per second of the best run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from course_lib.procedural import faces

_WARM_UP_COUNT = 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2048)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()

    faces.make_faces(min(arguments.count, _WARM_UP_COUNT), size=arguments.size, seed=arguments.seed)
    seconds = []
    for repeat in range(arguments.repeats):
        start = time.perf_counter()
        images, attributes = faces.make_faces(
            arguments.count, size=arguments.size, seed=arguments.seed + repeat
        )
        seconds.append(time.perf_counter() - start)

    megabytes = images.nbytes / 2**20
    print(
        f"{arguments.count} faces at {arguments.size}x{arguments.size} "
        f"({megabytes:.0f} MiB of float32), {arguments.repeats} runs"
    )
    print(
        f"median {statistics.median(seconds):.3f} s "
        f"({arguments.count / statistics.median(seconds):,.0f} faces/s), "
        f"best {min(seconds):.3f} s, {len(attributes.columns)} attributes per face"
    )
    print(f"faces_per_s {arguments.count / min(seconds):.0f}")


if __name__ == "__main__":
    main()
