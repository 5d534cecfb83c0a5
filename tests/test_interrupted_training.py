"""A training process killed mid-epoch resumes from its last backup and loses no step.

tests/interrupted_run.py trains a tiny model with training.train_or_load; the test kills it
with SIGKILL in the middle of its second epoch and runs the same command again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupted_run import EPOCHS, NAME, STEPS_PER_EPOCH

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("interrupted_run.py")
PAUSE_AT = STEPS_PER_EPOCH + 2  # the second batch of the second epoch
TIMEOUT_S = 180  # generous: the machine may be busy; a normal run takes seconds

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


def test_a_killed_run_resumes_from_its_last_epoch_and_trains_every_step_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_lib import training

    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path / "data"))  # for the child and for training
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    log, output = tmp_path / "steps.log", tmp_path / "output.txt"
    command = [sys.executable, str(SCRIPT), str(log), str(PAUSE_AT)]

    with open(output, "w") as sink:
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        try:
            _wait_for_pause(first, log, output)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert _log_lines(log) == [
        "first_batch iterations=0",
        *(f"step {n}" for n in range(1, PAUSE_AT + 1)),
        "pause",
    ]
    run_dir = training.run_dir_for(NAME)
    assert training.completed_epochs(run_dir) == 1  # the second epoch was cut off mid-way
    assert not training.model_path(NAME).exists()

    log.write_text("")
    second = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming" in second.stdout  # train() tells the learner it resumed
    done, total = STEPS_PER_EPOCH, EPOCHS * STEPS_PER_EPOCH  # one epoch was backed up
    assert _log_lines(log) == [
        f"first_batch iterations={done}",
        *(f"step {n}" for n in range(done + 1, total + 1)),
        f"done iterations={total}",
    ]
    history = training.load_history(training.history_path(NAME))
    assert list(history["epoch"]) == list(range(1, EPOCHS + 1))
    finished = training.load_kept(NAME)
    assert int(finished.optimizer.iterations) == total
