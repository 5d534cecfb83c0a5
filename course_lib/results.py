"""Record the numbers a notebook computes, for the results summary of ``make course``."""

from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS_VARIABLE = "IMG2IMG_RESULTS"


def record_result(notebook: str, name: str, value: float | str, unit: str = "") -> None:
    """Append one named result to ``$IMG2IMG_RESULTS/<notebook>.json`` when the variable is set."""
    folder = os.environ.get(RESULTS_VARIABLE)
    if not folder:
        return
    path = Path(folder) / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = json.loads(path.read_text()) if path.exists() else {}
    entries[name] = {"value": value if isinstance(value, str) else float(value), "unit": unit}
    path.write_text(json.dumps(entries, indent=2))


def results_markdown(folder: str | Path) -> str:
    """Render every recorded result in ``folder`` as one Markdown table per notebook."""
    lines = ["# Results computed by the notebooks", ""]
    for path in sorted(Path(folder).glob("*.json")):
        lines += [f"## {path.stem}", "", "| result | value |", "|---|---|"]
        for name, entry in json.loads(path.read_text()).items():
            value = entry["value"]
            shown = value if isinstance(value, str) else f"{value:,.4g}"
            lines.append(f"| {name} | {shown} {entry['unit']} |".replace("  |", " |"))
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Write ``results.md`` from the JSON files: ``python -m course_lib.results FOLDER OUT``."""
    import sys

    folder, output = sys.argv[1], sys.argv[2]
    Path(output).write_text(results_markdown(folder))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
