"""The course's results page: what one ``make course`` run measured and computed.

``make course`` executes the notebooks (``course_lib.runner`` writes ``timings.json``), scores
their models with ``benchmarks/scoreboard.py``, then runs ``python -m course_lib.results`` to
write one page, docs/RESULTS.md (build/faces/RESULTS.md for real faces): the run, seconds per
notebook, the budget table, the scoreboard and the output of every cell a notebook tagged
``result``. Every number on it comes from the run, none is typed by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import numbers
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from course_lib.timing import normalised_seconds

RESULT_TAG = "result"
REFERENCE_GFLOPS = 200.0  # per-notebook times are also given on a machine of this matmul peak
RUN_KEYS = ("matmul_peak_gflops", "precision")  # timings.json's entries that are no notebook


def _text(output: dict) -> str:
    """The plain text of one cell output: printed lines, or a table's text form."""
    if output.get("output_type") == "stream" and output.get("name") == "stdout":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    if output.get("output_type") in ("execute_result", "display_data") and "image/png" not in data:
        return "".join(data.get("text/plain", ""))  # a table; a figure's text is only its size
    return ""


def _heading(markdown: str) -> str | None:
    """The last heading line of a markdown cell, without its hashes."""
    headings = [line.lstrip("#").strip() for line in markdown.splitlines() if line.startswith("#")]
    return headings[-1] if headings else None


def notebook_results(path: str | Path) -> tuple[str, list[tuple[str, str]]]:
    """(title, [(section, text), ...]) of the ``result``-tagged cells of an executed notebook."""
    notebook = json.loads(Path(path).read_text())
    title, section, found = Path(path).stem, "", []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            if source.startswith("# "):
                title = source.splitlines()[0][2:].strip()
            section = _heading(source) or section
        elif RESULT_TAG in cell.get("metadata", {}).get("tags", []):
            text = "\n".join(_text(output).rstrip() for output in cell.get("outputs", []))
            if text.strip():
                found.append((section, text.strip("\n")))
    return title, found


def read_timings(path: str | Path) -> tuple[dict[str, float], dict[str, object]]:
    """(seconds per notebook, {matmul_peak_gflops, precision}) from the runner's timings.json."""
    timings = json.loads(Path(path).read_text())
    missing = [key for key in RUN_KEYS if key not in timings]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}; run `make course` again.")
    seconds = {name: float(value) for name, value in timings.items() if name not in RUN_KEYS}
    return seconds, {key: timings[key] for key in RUN_KEYS}


def parse_scoreboard(text: str) -> dict[str, float]:
    """The ``name value`` lines benchmarks/scoreboard.py prints; ``#`` lines are comments."""
    scores = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, value = line.split()
        scores[name] = float(value)
    return scores


def _cell(value: object) -> str:
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        return f"{value:,.1f}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> list[str]:
    """The lines of a Markdown table of ``frame``'s columns (its index left out)."""
    lines = ["| " + " | ".join(str(column) for column in frame.columns) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    return lines


def run_section(date: str, profile: str, faces: str, run: dict[str, object]) -> list[str]:
    """What was run, where: the date, profile, faces, matmul peak and precision."""
    return [
        "## The run",
        "",
        f"- date: {date}",
        f"- profile: {profile}",
        f"- faces: {faces}",
        f"- matmul peak: {float(run['matmul_peak_gflops']):.0f} GFLOP/s (fp32)",
        f"- precision: {run['precision']}",
        "",
    ]


def timings_section(seconds: dict[str, float], peak: float) -> list[str]:
    """Seconds per notebook, and the same on a machine whose matmul peak is 200 GFLOP/s."""
    rows = [(name, value, normalised_seconds(value, peak)) for name, value in seconds.items()]
    total = sum(seconds.values())
    rows.append(("total", total, normalised_seconds(total, peak)))
    frame = pd.DataFrame(rows, columns=["notebook", "seconds", "normalised s"])
    intro = (
        f"Wall-clock seconds per notebook (kernel start included), and the same normalised to "
        f"a machine whose fp32 matmul peaks at {REFERENCE_GFLOPS:.0f} GFLOP/s "
        "(seconds x peak / 200)."
    )
    return ["## Time per notebook", "", intro, "", *markdown_table(frame), ""]


def budget_section(budget: pd.DataFrame) -> list[str]:
    """The budget table: every model the profile trains and its expected seconds."""
    intro = (
        "Every model the profile trains (`experiments.budget.budget_table`), with the seconds "
        f"it is expected to train for on a {REFERENCE_GFLOPS:.0f}-GFLOP/s machine."
    )
    return ["## The budget", "", intro, "", *markdown_table(budget), ""]


def scoreboard_section(scores: dict[str, float]) -> list[str]:
    """The scoreboard's ``name value`` lines as a table."""
    intro = (
        "`benchmarks/scoreboard.py` on the models this run trained, scored on held-out data "
        "(its docstring says what each name measures)."
    )
    lines = ["## The scoreboard", "", intro, "", "| name | value |", "|---|---|"]
    lines += [f"| {name} | {value:.3f} |" for name, value in scores.items()]
    return [*lines, ""]


def notebook_sections(paths: Sequence[str | Path]) -> list[str]:
    """Every executed notebook's ``result``-tagged output, under its title and section."""
    lines = []
    for path in paths:
        title, found = notebook_results(path)
        lines += [f"## {Path(path).stem}: {title}", ""]
        if not found:
            lines += ["(no results: was this notebook executed?)", ""]
        for section, text in found:
            lines += [f"### {section}", "", "```text", text, "```", ""]
    return lines


def results_page(
    *,
    date: str,
    profile: str,
    faces: str,
    timings: str | Path,
    budget: pd.DataFrame,
    scoreboard: str,
    notebooks: Sequence[str | Path],
) -> str:
    """The whole page from a run's timings.json, budget table, scoreboard text and notebooks."""
    seconds, run = read_timings(timings)
    lines = [
        "# Results of the last course run",
        "",
        "Written by `make course` (`course_lib.results`); run it again to refresh this page.",
        "",
        *run_section(date, profile, faces, run),
        *timings_section(seconds, float(run["matmul_peak_gflops"])),
        *budget_section(budget),
        *scoreboard_section(parse_scoreboard(scoreboard)),
        *notebook_sections(notebooks),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(arguments: list[str] | None = None) -> None:
    """``python -m course_lib.results OUT.md --timings ... --scoreboard ... NOTEBOOK.ipynb ...``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="the page to write, e.g. docs/RESULTS.md")
    parser.add_argument("notebooks", type=Path, nargs="+", help="the executed notebooks")
    parser.add_argument("--timings", type=Path, required=True, help="the runner's timings.json")
    parser.add_argument("--scoreboard", type=Path, required=True, help="scoreboard.py's output")
    parser.add_argument("--profile", required=True, help="smoke, laptop or full")
    parser.add_argument("--faces", default="procedural", help="what IMG2IMG_FACES chose")
    options = parser.parse_args(arguments)
    from course_lib.experiments.budget import budget_table  # builds the networks to count FLOPs
    from course_lib.profiles import get_profile

    page = results_page(
        date=datetime.date.today().isoformat(),
        profile=options.profile,
        faces=options.faces,
        timings=options.timings,
        budget=budget_table(get_profile(options.profile)),
        scoreboard=options.scoreboard.read_text(),
        notebooks=options.notebooks,
    )
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(page)
    print(f"wrote {options.output}")


if __name__ == "__main__":
    main()
