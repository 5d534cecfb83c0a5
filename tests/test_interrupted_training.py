"""A training process killed mid-epoch resumes from its last backup and loses no step.

tests/interrupted_run.py trains a tiny model with cache.train_or_load; the test kills it
with SIGKILL in the middle of its second epoch and runs the same command again. For the DCGAN
autoencoder, pix2pix and CycleGAN alike, the resumed process starts from exactly the state
the first one backed up (step counts, learning rate, history pools, every weight) and ends
where an uninterrupted run ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupted_run import EPOCHS, KEEP, NAME, STEPS_PER_EPOCH

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("interrupted_run.py")
PAUSE_AT = STEPS_PER_EPOCH + 2  # the second batch of the second epoch
TIMEOUT_S = 300  # generous: the machine may be busy; a normal run takes seconds

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _log_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _wait_for_pause(process: subprocess.Popen, log: Path, output: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while "pause" not in _log_lines(log):
        if process.poll() is not None:
            pytest.fail(f"the run ended before the pause:\n{output.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no pause within {TIMEOUT_S} s; log: {_log_lines(log)}")
        time.sleep(0.05)


def _environment(data: Path) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "IMG2IMG_DATA": str(data)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _events(lines: list[str], event: str) -> list[dict[str, str]]:
    """The STATE fields of every ``event`` line, as {field: value}."""
    return [
        dict(part.split("=", 1) for part in line.split()[1:])
        for line in lines
        if line.split()[0] == event
    ]


def _same_state(got: dict[str, str], expected: dict[str, str]) -> None:
    checksums = float(got.pop("checksum")), float(expected.pop("checksum"))
    assert got == expected
    assert checksums[0] == pytest.approx(checksums[1], rel=1e-6)


def _run(kind: str, log: Path, data: Path, pause_at: int) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), kind, str(log), str(pause_at)]
    return subprocess.run(
        command, cwd=ROOT, env=_environment(data), capture_output=True, text=True,
        timeout=TIMEOUT_S,
    )  # fmt: skip


@pytest.mark.parametrize("kind", list(KEEP))
def test_a_killed_run_resumes_exactly_where_its_backup_left_it_and_trains_every_step_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from course_lib import cache, training

    data = tmp_path / "data"
    monkeypatch.setenv("IMG2IMG_DATA", str(data))  # where this test looks for the run
    log, output = tmp_path / "steps.log", tmp_path / "output.txt"
    command = [sys.executable, str(SCRIPT), kind, str(log), str(PAUSE_AT)]
    with open(output, "w") as sink:
        first = subprocess.Popen(
            command, cwd=ROOT, env=_environment(data), stdout=sink, stderr=sink
        )
        try:
            _wait_for_pause(first, log, output)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    killed = _log_lines(log)
    assert [line.split()[0] for line in killed] == [
        "first_batch",
        *(["step"] * STEPS_PER_EPOCH),
        "epoch_end",
        *(["step"] * (PAUSE_AT - STEPS_PER_EPOCH)),
        "pause",
    ]
    run_dir = cache.run_dir_for(NAME)
    assert training.completed_epochs(run_dir) == 1  # the second epoch was cut off mid-way
    assert not any(cache.model_path(kept).exists() for kept in KEEP[kind])

    log.write_text("")
    second = _run(kind, log, data, PAUSE_AT)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming" in second.stdout  # train() tells the learner it resumed
    resumed = _log_lines(log)
    done, total = STEPS_PER_EPOCH, EPOCHS * STEPS_PER_EPOCH  # one epoch was backed up
    steps = [line for line in resumed if line.startswith("step")]
    assert steps == [f"step {n}" for n in range(done + 1, total + 1)]
    # The second process starts from the first one's backed-up state, to the last bit.
    _same_state(_events(resumed, "first_batch")[0], _events(killed, "epoch_end")[0])

    uninterrupted = tmp_path / "uninterrupted.log"
    reference = _run(kind, uninterrupted, tmp_path / "reference-data", pause_at=-1)
    assert reference.returncode == 0, reference.stderr[-3000:]
    expected = _events(_log_lines(uninterrupted), "done")[0]
    assert expected["iterations"] == "/".join([str(total)] * len(expected["iterations"].split("/")))
    _same_state(_events(resumed, "done")[0], expected)  # and ends where a whole run ends

    history = training.load_history(cache.history_path(NAME))
    assert list(history["epoch"]) == list(range(1, EPOCHS + 1))
    assert all(cache.model_path(kept).exists() for kept in KEEP[kind])
