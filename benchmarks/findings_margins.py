"""Measure each findings claim's margin over three training seeds; write tests/FINDINGS.md.

Usage: python benchmarks/findings_margins.py [--seeds 1 11 21] [--output tests/FINDINGS.md]
           [--records FILE [--select PYTEST_K]]
Runs `pytest -m findings tests/test_findings_*.py` once per training seed (the seed sets the
initial weights and the order of the pairs; 1 is the course's own), each with an empty model
cache, and collects the margins that ``findings_setup.assert_claim`` records.
A claim's spread is the largest minus the smallest value over the seeds; the table gives each
claim's margin at the course's seed, its worst margin and how many spreads the margin is.
--records reuses a file of recorded margins instead of training (to rewrite the table);
with --select, only the selected tests are measured again and appended to it.
About 15 minutes per seed on a 200-GFLOP/s machine; each runs in two pytest-xdist workers,
as make test runs the findings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COURSE_SEED = 1
REQUIRED_SPREADS = 3.0


def record_margins(seeds: list[int], records: Path, select: str | None = None) -> None:
    """Run the findings tests once per seed, appending each claim's margin to ``records``.

    ``select`` is a pytest -k expression, to re-measure some claims after changing them.
    """
    files = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("tests/test_findings_*.py"))
    for seed in seeds:
        with tempfile.TemporaryDirectory(prefix="findings-margins-") as data:
            env = dict(
                os.environ,
                IMG2IMG_FINDINGS_SEED=str(seed),
                IMG2IMG_MARGINS=str(records),
                IMG2IMG_DATA=data,
                TF_CPP_MIN_LOG_LEVEL="2",
            )
            command = [sys.executable, "-m", "pytest", "-q", "-m", "findings"]
            command += ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]  # as make test
            command += ["-k", select] if select else []
            print(f"seed {seed}: {' '.join(command)}", flush=True)
            subprocess.run([*command, *files], cwd=ROOT, env=env, check=False)


def margins_table(records: Path) -> pd.DataFrame:
    """One row per claim: its bound, value per seed, spread and margins in units of spread."""
    frame = pd.DataFrame([json.loads(line) for line in records.read_text().splitlines()])
    frame = frame.drop_duplicates(["claim", "seed"], keep="last")
    values = frame.pivot(index="claim", columns="seed", values="value")
    margins = frame.pivot(index="claim", columns="seed", values="margin")
    table = values.rename(columns=lambda seed: f"seed {seed}")
    table.insert(0, "bound", frame.groupby("claim").bound.first())
    table["spread"] = values.max(axis=1) - values.min(axis=1)
    table["margin"] = margins[COURSE_SEED]
    table["worst margin"] = margins.min(axis=1)
    table["margin / spread"] = table["margin"] / table["spread"]
    return table


def _markdown_rows(table: pd.DataFrame) -> list[str]:
    """The table as Markdown rows, numbers to three decimals (no tabulate dependency)."""
    rows = [["claim", *table.columns]]
    rows += [[claim, *(f"{value:.3f}" for value in row)] for claim, row in table.iterrows()]
    lines = ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return [lines[0], "|" + "---|" * len(rows[0]), *lines[1:]]


def markdown(table: pd.DataFrame) -> str:
    """tests/FINDINGS.md: the table and what it means."""
    failing = table.index[~(table["margin / spread"] >= REQUIRED_SPREADS)].tolist()
    verdict = (
        f"Every claim's margin is at least {REQUIRED_SPREADS:g} spreads."
        if not failing
        else f"Claims below {REQUIRED_SPREADS:g} spreads: {', '.join(failing)}."
    )
    return "\n".join(
        [
            "# Findings tests: margins over three training seeds",
            "",
            "Written by `benchmarks/findings_margins.py`. Each claim that tests/test_findings_*.py",
            "asserts, measured with the course's training seed (1) and two others (each seed",
            "sets the initial weights and the order of the pairs). *spread* is",
            "the largest minus the smallest value; *margin* is how far the course's seed clears",
            "the bound; *worst margin* is the smallest over the seeds. The colour-shift claims",
            "and the resize gap are averaged over two models, trained from the seed and the",
            "next one (`REPLICAS` in tests/test_findings_autoencoders.py): one model's drift on",
            "data it never saw varies between seeds by a third of its size.",
            "",
            *_markdown_rows(table),
            "",
            verdict,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[COURSE_SEED, 11, 21])
    parser.add_argument("--output", type=Path, default=ROOT / "tests" / "FINDINGS.md")
    parser.add_argument("--records", type=Path, help="recorded margins to table, not re-measure")
    parser.add_argument("--select", help="re-measure only these tests (pytest -k), appending "
                        "to --records; later records of a claim replace earlier ones")  # fmt: skip
    arguments = parser.parse_args()
    records = arguments.records
    if records is None:
        records = Path(tempfile.mkstemp(prefix="findings-margins-", suffix=".jsonl")[1])
    if arguments.records is None or arguments.select:
        record_margins(arguments.seeds, records, arguments.select)
        print(f"margins recorded in {records}")
    table = margins_table(records)
    arguments.output.write_text(markdown(table))
    print(table.to_string(float_format="{:.3f}".format))


if __name__ == "__main__":
    main()
