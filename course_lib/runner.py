"""Run the course: execute every notebook in order, showing where it is, into build/.

``python -m course_lib.runner --profile laptop [--faces FACES]`` (what ``make course`` runs)
executes notebooks/NN_*.ipynb, each in a fresh kernel. It prints the notebook, cell n of N and the
elapsed time as each cell starts and at least once a minute while a long cell runs, keeps
training logs to one line per epoch, trims any output longer than ``MAX_OUTPUT_LINES``, writes
the executed notebook and its HTML, and ends with seconds per notebook, also normalised to a
200-GFLOP/s machine. See the README.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty

import nbformat
from nbclient import NotebookClient

from course_lib import settings
from course_lib.devices import chosen_policy
from course_lib.profiles import check_settings
from course_lib.timing import matmul_peak_gflops, normalised_seconds

ROOT = Path(__file__).resolve().parents[1]
MAX_OUTPUT_LINES = 200  # a longer output keeps its head and tail, and says what it cut
REPLY_POLL_S = 1.0  # how often a cell's reply is asked for again (see _polling)
HEARTBEAT_S = 60.0  # a long cell reports that it is still running this often
_BEAT_CHECK_S = 5.0
# What TensorFlow's C++ core writes to stderr as it starts, before its log level applies.
START_UP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWE]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "
    r"|To enable the following instructions: .*rebuild TensorFlow)"
)


def notebook_paths(only: list[str] | None = None, folder: Path = ROOT / "notebooks") -> list[Path]:
    """The course notebooks in order, optionally only those whose names start with a prefix."""
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [path for path in paths if path.name.startswith(tuple(only))]
    if not paths:
        raise SystemExit(f"No notebooks in {folder} match {only or 'NN_*.ipynb'}.")
    return paths


def _as_shown(text: str) -> list[str]:
    """Lines as a terminal shows them: of a line rewritten with carriage returns, the last."""
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n")]


def trim_text(text: str, max_lines: int = MAX_OUTPUT_LINES) -> str:
    """``text`` as shown, cut to at most ``max_lines`` lines: the head, a note, the tail."""
    lines = _as_shown(text)
    if len(lines) <= max_lines:
        return "\n".join(lines)
    head, tail = max_lines // 4, max_lines - max_lines // 4 - 1
    cut = len(lines) - head - tail
    return "\n".join(
        [*lines[:head], f"[... {cut} lines cut by course_lib.runner ...]", *lines[-tail:]]
    )


def _without_start_up_noise(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not START_UP_NOISE.match(line))


def trim_outputs(notebook: nbformat.NotebookNode, max_lines: int = MAX_OUTPUT_LINES) -> int:
    """Trim every printed output of ``notebook`` in place; return how many were cut.

    TensorFlow's start-up lines on stderr are dropped, and an output left empty with them.
    """
    trimmed = 0
    for cell in notebook.cells:
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = "".join(output["text"])
                if output.get("name") == "stderr":
                    text = _without_start_up_noise(text)
                    if not text.strip():
                        continue
                output["text"] = trim_text(text, max_lines)
                trimmed += output["text"].count("\n") < text.count("\n")
            outputs.append(output)
        if "outputs" in cell:
            cell["outputs"] = outputs
    return trimmed


class _Progress:
    """Prints when each cell starts and, from a thread, while a long cell runs."""

    def __init__(self, name: str, cells: int, say: Callable[[str], None]) -> None:
        self.name, self.cells, self.say = name, cells, say
        self.start = time.perf_counter()
        self.cell, self.cell_start = 0, self.start
        self.last_said = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _elapsed(self) -> str:
        seconds = int(time.perf_counter() - self.start)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def cell_started(self, cell_index: int, **_) -> None:
        self.cell, self.cell_start = cell_index + 1, time.perf_counter()
        self.last_said = self.cell_start
        self.say(f"{self.name}: cell {self.cell} of {self.cells}, {self._elapsed()} elapsed")

    def _beat(self) -> None:
        while not self._stop.wait(_BEAT_CHECK_S):
            now = time.perf_counter()
            if now - self.last_said >= HEARTBEAT_S:
                running = int(now - self.cell_start)
                doing = f"cell {self.cell} of {self.cells}" if self.cell else "its kernel"
                self.say(
                    f"{self.name}: {doing} still {'running' if self.cell else 'starting'} "
                    f"({running} s so far), {self._elapsed()} elapsed"
                )
                self.last_said = now

    def __enter__(self) -> _Progress:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


TRAINED_LINE = re.compile(r"^Trained \d+ steps in (\d+(?:\.\d+)?) s\.$", re.MULTILINE)


def trained_seconds(notebook: nbformat.NotebookNode) -> list[float]:
    """The seconds of each "Trained N steps in T s." line an executed notebook printed."""
    seconds = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                seconds += [float(match) for match in TRAINED_LINE.findall(output["text"])]
    return seconds


def _say(line: str) -> None:
    print(line, flush=True)


def _polling(get_msg: Callable, every: float = REPLY_POLL_S) -> Callable:
    """``get_msg`` that waits ``every`` seconds at a time, up to its own timeout.

    A cell with a widget can leave nbclient waiting forever for a reply the kernel has sent
    (nbclient issue 312); asking the channel again each second finds it.
    """

    async def polled(timeout: float | None = None, **kwargs):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = every if deadline is None else min(every, max(0.0, deadline - time.monotonic()))
            try:
                return await _get_msg_once(get_msg, left, kwargs)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return polled


async def _get_msg_once(get_msg: Callable, timeout: float, kwargs: dict):
    """One call of a channel's ``get_msg``, awaited when it is a coroutine."""
    message = get_msg(timeout=timeout, **kwargs)
    return await message if inspect.isawaitable(message) else message


class _Client(NotebookClient):
    """nbclient's NotebookClient whose shell channel is polled every second (see _polling)."""

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        client.shell_channel.get_msg = _polling(client.shell_channel.get_msg)
        return client


def execute_notebook(
    path: Path,
    output_dir: Path | None = None,
    timeout: int = 1800,
    say: Callable[[str], None] | None = _say,
) -> float:
    """Run one notebook top to bottom in a fresh kernel; return the wall-clock seconds.

    With ``output_dir``, the executed notebook (outputs trimmed) is written there, also
    when a cell fails. ``say`` receives the progress lines (None: silent).
    """
    notebook = nbformat.read(path, as_version=4)
    progress = _Progress(path.stem, len(notebook.cells), say or (lambda line: None))
    client = _Client(
        notebook,
        timeout=timeout,
        kernel_name="python3",  # jupyter_client starts it with this interpreter's Python
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # not its TCP notice per notebook
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_execute=progress.cell_started,
    )
    environment = {"TF_CPP_MIN_LOG_LEVEL": "3", settings.HEADLESS_VARIABLE: "1"}
    previous = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        with progress:
            client.execute()
    finally:
        seconds = time.perf_counter() - start
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if output_dir is not None:
            trim_outputs(notebook)
            output_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, output_dir / path.name)
    return seconds


def timing_table(seconds: dict[str, float], peak: float) -> str:
    """One row per notebook: seconds and seconds on a 200-GFLOP/s machine, then the total."""
    rows = [f"{'notebook':<28} {'seconds':>9} {'normalised':>11}"]
    for name, value in seconds.items():
        rows.append(f"{name:<28} {value:9.1f} {normalised_seconds(value, peak):11.1f}")
    total = sum(seconds.values())
    rows.append(f"{'total':<28} {total:9.1f} {normalised_seconds(total, peak):11.1f}")
    return "\n".join(rows)


def write_html(notebook_path: Path) -> Path:
    """Convert an executed notebook to HTML beside it."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(notebook_path))
    html = notebook_path.with_suffix(".html")
    html.write_text(body, encoding="utf-8")
    return html


def run_course(
    profile: str,
    output_dir: Path,
    only: list[str] | None = None,
    timeout: int = 1800,
    faces: str | None = None,
) -> dict[str, float]:
    """Execute the notebooks with ``profile`` into ``output_dir`` (with HTML); print timings.

    The seconds per notebook, the matmul peak and the precision go to ``timings.json`` there,
    for ``course_lib.results``.

    ``faces`` sets ``IMG2IMG_FACES`` for every notebook (None: leave it as it is).
    """
    os.environ[settings.PROFILE_VARIABLE] = profile
    if faces is not None:
        os.environ[settings.FACES_VARIABLE] = faces
    chosen = settings.from_environment()  # a wrong choice stops here, before any notebook runs
    _, source = check_settings(chosen)
    os.environ[settings.FACES_VARIABLE] = str(source)  # absolute: the kernels start in notebooks/
    peak = matmul_peak_gflops()  # measured before any kernel starts
    paths = notebook_paths(only)
    _say(f"Running {len(paths)} notebooks with profile {profile!r} and {source} faces into "
         f"{output_dir}/ (matmul peak {peak:.0f} GFLOP/s)")  # fmt: skip
    seconds = {}
    for path in paths:
        _say(f"== {path.name}")
        seconds[path.stem] = execute_notebook(path, output_dir, timeout)
        write_html(output_dir / path.name)
        _say(f"{path.stem} done in {seconds[path.stem]:.0f} s")
    _say(timing_table(seconds, peak))
    precision = chosen_policy(profile, chosen.precision)
    timings = {**seconds, "matmul_peak_gflops": peak, "precision": precision}
    (output_dir / "timings.json").write_text(json.dumps(timings, indent=1) + "\n")
    return seconds


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_profile = os.environ.get(settings.PROFILE_VARIABLE, settings.DEFAULT_PROFILE)
    parser.add_argument("--profile", default=default_profile)
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build")
    parser.add_argument("--faces", help="procedural, a folder, utkface:PATH, wiki_crop or lfw")
    parser.add_argument("--only", nargs="+", help="notebook name prefixes, for example 02 03")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    options = parser.parse_args(arguments)
    run_course(options.profile, options.output_dir, options.only, options.timeout, options.faces)


if __name__ == "__main__":
    sys.exit(main())
