"""Tests for course_lib.runner: progress while notebooks run, trimmed outputs, the timing table."""

import nbformat
import pytest

from course_lib import runner, settings


def test_trim_text_keeps_what_a_terminal_shows_of_redrawn_lines():
    assert runner.trim_text("epoch 1\r[==  ] 50%\r[====] 100%\ndone") == "[====] 100%\ndone"


def test_trim_text_keeps_head_and_tail_and_says_how_much_it_cut():
    text = "\n".join(f"line {n}" for n in range(1000))
    trimmed = runner.trim_text(text, max_lines=200).split("\n")
    assert len(trimmed) == 200
    assert trimmed[0] == "line 0" and trimmed[-1] == "line 999"
    assert "[... 801 lines cut by course_lib.runner ...]" in trimmed


def test_trim_outputs_cuts_only_long_printed_outputs():
    notebook = nbformat.v4.new_notebook()
    long_output = nbformat.v4.new_output("stream", name="stdout", text="x\n" * 500)
    short_output = nbformat.v4.new_output("stream", name="stdout", text="a\nb\n")
    cell = nbformat.v4.new_code_cell("print()", outputs=[long_output, short_output])
    notebook.cells.append(cell)
    assert runner.trim_outputs(notebook, max_lines=50) == 1
    assert cell.outputs[0]["text"].count("\n") == 49
    assert cell.outputs[1]["text"] == "a\nb\n"


def test_trim_outputs_drops_tensorflows_start_up_lines_but_not_real_warnings():
    noise = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796080218.458339   13559 port.cc:153] oneDNN custom operations are on.\n"
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild "
        "TensorFlow with the appropriate compiler flags.\n"
    )
    notebook = nbformat.v4.new_notebook()
    only_noise = nbformat.v4.new_output("stream", name="stderr", text=noise)
    mixed = nbformat.v4.new_output("stream", name="stderr", text=noise + "UserWarning: real\n")
    notebook.cells.append(nbformat.v4.new_code_cell("", outputs=[only_noise, mixed]))
    runner.trim_outputs(notebook)
    assert [output["text"] for output in notebook.cells[0].outputs] == ["UserWarning: real\n"]


def test_timing_table_normalises_each_notebook_and_the_total():
    table = runner.timing_table({"01_a": 10.0, "02_b": 30.0}, peak=400.0).splitlines()
    assert table[1].split() == ["01_a", "10.0", "20.0"]
    assert table[-1].split() == ["total", "40.0", "80.0"]


def test_trained_seconds_reads_every_training_time_a_notebook_printed():
    notebook = nbformat.v4.new_notebook()
    log = "Epoch 1/2\nEstimate: 9 s\nTrained 8 steps in 12 s.\nTrained 4 steps in 3 s.\n"
    printed = nbformat.v4.new_output("stream", name="stdout", text=log)
    shown = {"text/plain": "Trained 1 steps in 9 s."}  # a value, not a training log
    result = nbformat.v4.new_output("execute_result", data=shown)
    notebook.cells.append(nbformat.v4.new_code_cell("", outputs=[printed, result]))
    notebook.cells.append(nbformat.v4.new_markdown_cell("Trained 2 steps in 5 s."))
    assert runner.trained_seconds(notebook) == [12.0, 3.0]


def test_notebook_paths_refuses_a_prefix_that_matches_nothing():
    names = [path.name[:2] for path in runner.notebook_paths()]
    assert names == ["01", "02", "03", "04", "05", "06"]
    with pytest.raises(SystemExit, match="No notebooks"):
        runner.notebook_paths(["99"])


HEADLESS_CELL = "from course_lib import settings\nprint(settings.current().headless)"


def test_execute_notebook_reports_each_cell_and_long_cells_while_they_run(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "HEARTBEAT_S", 1.0)
    monkeypatch.setattr(runner, "_BEAT_CHECK_S", 0.2)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A notebook"),
        nbformat.v4.new_code_cell(HEADLESS_CELL),
        nbformat.v4.new_code_cell("import time; time.sleep(2.5); print('\\n'.join(['x'] * 400))"),
    ]
    path = tmp_path / "07_tiny.ipynb"
    nbformat.write(notebook, path)
    said = []
    seconds = runner.execute_notebook(path, tmp_path / "out", timeout=120, say=said.append)
    assert seconds > 2.5
    # A slow kernel start is reported as such (under load it can outlast the 1-s heartbeat).
    lines = [line for line in said if "its kernel still starting" not in line]
    assert lines[0].startswith("07_tiny: cell 2 of 3")
    assert lines[1].startswith("07_tiny: cell 3 of 3")
    assert any("still running" in line for line in lines[2:])
    assert not any("cell 0" in line for line in said)
    executed = nbformat.read(tmp_path / "out" / path.name, as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "True\n"  # kernels know they run headless
    assert executed.cells[2].outputs[0]["text"].count("\n") <= runner.MAX_OUTPUT_LINES


def test_run_course_checks_the_settings_before_any_notebook(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "execute_notebook", pytest.fail)  # must never be reached
    monkeypatch.setenv(settings.PROFILE_VARIABLE, "smoke")  # run_course sets both: restore them
    monkeypatch.setenv(settings.FACES_VARIABLE, "procedural")
    with pytest.raises(ValueError, match="Set IMG2IMG_PROFILE to one of"):
        runner.run_course("huge", tmp_path)
    monkeypatch.setenv(settings.PRECISION_VARIABLE, "bf16")
    with pytest.raises(ValueError, match="export IMG2IMG_PRECISION=float32"):
        runner.run_course("smoke", tmp_path)


def test_a_cells_reply_is_asked_for_again_until_it_comes_or_its_time_is_up():
    import asyncio
    from queue import Empty

    calls = []

    async def get_msg(timeout=None):
        calls.append(timeout)
        if len(calls) < 3:
            raise Empty  # the reply was missed: nbclient issue 312
        return {"msg_type": "execute_reply"}

    polling = runner._polling(get_msg, every=0.01)
    assert asyncio.run(polling(timeout=None)) == {"msg_type": "execute_reply"}
    assert calls == [0.01, 0.01, 0.01]  # never an endless wait

    async def silent(timeout=None):
        await asyncio.sleep(timeout)
        raise Empty

    with pytest.raises(Empty):
        asyncio.run(runner._polling(silent, every=0.01)(timeout=0.05))
