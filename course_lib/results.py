"""Collect the numbers the notebooks computed into one page, for ``make course``.

A notebook marks a cell whose output states results with the cell tag ``result``; its
learner-facing code holds no bookkeeping. After ``make course`` has executed the notebooks,
``python -m course_lib.results build/results.md build/*.ipynb`` gathers every tagged cell's
printed text and tables under the notebook's title and the section they belong to.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULT_TAG = "result"


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


def results_markdown(paths: list[str | Path]) -> str:
    """One Markdown page with every notebook's results, in the order given."""
    lines = ["# Results computed by the notebooks", ""]
    for path in paths:
        title, found = notebook_results(path)
        lines += [f"## {Path(path).stem}: {title}", ""]
        if not found:
            lines += ["(no results: was this notebook executed?)", ""]
        for section, text in found:
            lines += [f"### {section}", "", "```text", text, "```", ""]
    return "\n".join(lines)


def main(arguments: list[str] | None = None) -> None:
    """``python -m course_lib.results OUT.md NOTEBOOK.ipynb ...``: write the results page."""
    arguments = sys.argv[1:] if arguments is None else arguments
    if len(arguments) < 2:
        raise SystemExit("usage: python -m course_lib.results OUT.md EXECUTED.ipynb ...")
    output, notebooks = Path(arguments[0]), arguments[1:]
    output.write_text(results_markdown(notebooks))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
