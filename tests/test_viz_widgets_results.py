import matplotlib
import numpy as np
import pytest
from matplotlib.text import Text

from course_lib import results, settings, viz, widgets
from course_lib.settings import FIGURES_VARIABLE

matplotlib.use("Agg")


def test_show_images_draws_one_axis_per_image_and_hides_spares(random_images):
    figure = viz.show_images(random_images[:5], titles=list("abcde"), ncols=3)
    visible = [axis for axis in figure.axes if axis.axison]
    assert len(figure.axes) == 6 and len(visible) == 5
    assert visible[0].get_title() == "a"


def test_show_rows_labels_each_row(random_images):
    figure = viz.show_rows({"sharp": random_images[:3], "blurred": random_images[3:6]})
    labels = [axis.get_ylabel() for axis in figure.axes if axis.get_ylabel()]
    assert labels == ["sharp", "blurred"]


def test_save_figure_writes_only_when_asked(tmp_path, monkeypatch, random_images):
    figure = viz.show_images(random_images[:2])
    monkeypatch.delenv(FIGURES_VARIABLE, raising=False)
    assert viz.save_figure(figure, "grid") is None
    monkeypatch.setenv(FIGURES_VARIABLE, str(tmp_path))
    settings.use(None)  # the settings were read once: read them again
    assert viz.save_figure(figure, "grid") == tmp_path / "grid.png"
    assert (tmp_path / "grid.png").stat().st_size > 1000


def test_blur_view_gets_worse_as_sigma_grows(random_images):
    _, mild = widgets.blur_view(random_images[0], "gaussian", sigma=0.5)
    _, strong = widgets.blur_view(random_images[0], "gaussian", sigma=4.0)
    blurred, _ = widgets.blur_view(random_images[0], "resize", factor=4)
    assert strong < mild
    assert blurred.shape == random_images[0].shape


def test_blur_explorer_builds_controls_for_every_parameter(random_images):
    explorer = widgets.blur_explorer(random_images[:4])
    controls = explorer.children[0]
    descriptions = set()
    stack = list(controls.children)
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        descriptions.add(getattr(widget, "description", ""))
    assert {"image", "blur", "sigma", "factor", "method"} <= descriptions


def test_blur_view_resize_methods_differ(random_images):
    nearest, _ = widgets.blur_view(random_images[0], "resize", factor=4, method="nearest")
    bilinear, _ = widgets.blur_view(random_images[0], "resize", factor=4, method="bilinear")
    assert np.abs(nearest - bilinear).mean() > 0.01


def _executed_notebook(path):
    """A small executed notebook: one tagged result cell, one untagged cell."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Make blur pairs\n\nIntro."),
        nbformat.v4.new_markdown_cell("## Time the pipeline"),
        nbformat.v4.new_code_cell("print(speedup); table", metadata={"tags": ["result"]}),
        nbformat.v4.new_code_cell("print('scratch')"),
    ]
    notebook.cells[2].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="speedup 4.25x\n"),
        nbformat.v4.new_output("execute_result", {"text/plain": "   psnr\n0  27.5"}),
        nbformat.v4.new_output(
            "display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 600x200>"}
        ),
    ]
    notebook.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="scratch")]
    nbformat.write(notebook, path)
    return path


def test_results_page_holds_the_tagged_cells_output_only(tmp_path):
    notebook = _executed_notebook(tmp_path / "01_blur_pairs.ipynb")
    markdown = "\n".join(results.notebook_sections([notebook]))
    assert "## 01_blur_pairs: Make blur pairs" in markdown
    assert "### Time the pipeline" in markdown
    assert "speedup 4.25x" in markdown and "27.5" in markdown
    assert "scratch" not in markdown and "<Figure" not in markdown


def _run_files(tmp_path):
    """A run's timings.json (peak 400 GFLOP/s) and scoreboard output, as make course writes them."""
    import json

    timings = {"01_blur_pairs": 30.0, "02_l2_autoencoder": 250.5}
    timings |= {"matmul_peak_gflops": 400.0, "precision": "mixed_bfloat16"}
    (tmp_path / "timings.json").write_text(json.dumps(timings))
    scoreboard = "# profile laptop, matmul peak 400 GFLOP/s\nblurred_psnr 24.268\nae_psnr 26.194\n"
    (tmp_path / "scoreboard.txt").write_text(scoreboard)
    return tmp_path / "timings.json", tmp_path / "scoreboard.txt"


def test_results_page_holds_the_runs_numbers(tmp_path):
    import pandas as pd

    timings, scoreboard = _run_files(tmp_path)
    notebook = _executed_notebook(tmp_path / "01_blur_pairs.ipynb")
    budget = pd.DataFrame({"notebook": ["02", "all"], "model": ["autoencoder", "total"],
                           "steps": [1024, 1024], "expected_s": [207.94, 207.94]})  # fmt: skip
    page = results.results_page(
        date="2027-01-05", profile="laptop", faces="procedural", timings=timings,
        budget=budget, scoreboard=scoreboard.read_text(), notebooks=[notebook],
    )  # fmt: skip
    for line in ("- date: 2027-01-05", "- profile: laptop", "- faces: procedural",
                 "- matmul peak: 400 GFLOP/s (fp32)", "- precision: mixed_bfloat16"):  # fmt: skip
        assert line in page
    assert "| 01_blur_pairs | 30.0 | 60.0 |" in page  # x 400 / 200
    assert "| 02_l2_autoencoder | 250.5 | 501.0 |" in page
    assert "| total | 280.5 | 561.0 |" in page
    assert "| 02 | autoencoder | 1,024 | 207.9 |" in page
    assert "| blurred_psnr | 24.268 |" in page and "| ae_psnr | 26.194 |" in page
    assert "# profile" not in page  # the scoreboard's comment line
    assert "speedup 4.25x" in page and "### Time the pipeline" in page


def test_results_reads_the_timings_the_runner_writes(tmp_path, monkeypatch):
    from pathlib import Path

    from course_lib import runner

    notebooks = [Path("notebooks/01_blur_pairs.ipynb"), Path("notebooks/02_l2_autoencoder.ipynb")]
    monkeypatch.setattr(runner, "notebook_paths", lambda only: notebooks)
    monkeypatch.setattr(runner, "matmul_peak_gflops", lambda: 300.0)
    monkeypatch.setattr(runner, "execute_notebook", lambda path, *_: len(path.stem) * 1.0)
    monkeypatch.setattr(runner, "write_html", lambda path: path)
    for variable, value in [("IMG2IMG_PRECISION", "float32"), ("IMG2IMG_PROFILE", "smoke"),
                            ("IMG2IMG_FACES", "procedural")]:  # fmt: skip
        monkeypatch.setenv(variable, value)  # run_course sets the last two; undone after
    runner.run_course("smoke", tmp_path, faces="procedural")
    seconds, run = results.read_timings(tmp_path / "timings.json")
    assert seconds == {"01_blur_pairs": 13.0, "02_l2_autoencoder": 17.0}
    assert run == {"matmul_peak_gflops": 300.0, "precision": "float32"}


def test_results_main_writes_the_page_with_the_profiles_budget(tmp_path):
    timings, scoreboard = _run_files(tmp_path)
    notebook = _executed_notebook(tmp_path / "01_blur_pairs.ipynb")
    page = tmp_path / "docs" / "RESULTS.md"
    results.main([str(page), "--profile", "smoke", "--faces", "procedural", "--timings",
                  str(timings), "--scoreboard", str(scoreboard), str(notebook)])  # fmt: skip
    text = page.read_text()
    assert "- profile: smoke" in text and "speedup 4.25x" in text
    assert "| all | total |" in text  # the budget table's last row
    with pytest.raises(SystemExit):
        results.main([str(page), "--profile", "smoke", str(notebook)])  # no timings


def test_results_refuses_timings_without_the_run(tmp_path):
    (tmp_path / "timings.json").write_text('{"01_blur_pairs": 3.0}')
    with pytest.raises(ValueError, match="matmul_peak_gflops, precision"):
        results.read_timings(tmp_path / "timings.json")


def test_named_figure_is_saved_at_once_outside_ipython(tmp_path, monkeypatch, random_images):
    monkeypatch.setenv(FIGURES_VARIABLE, str(tmp_path))
    monkeypatch.setattr(viz, "_ipython_shell", lambda: None)
    viz.show_rows({"sharp": random_images[:2]}, name="rows")
    assert (tmp_path / "rows.png").stat().st_size > 1000
    viz.show_rows({"sharp": random_images[:2]})  # no name: nothing more is written
    assert [path.name for path in tmp_path.iterdir()] == ["rows.png"]


def test_named_figure_waits_for_the_cell_to_end_in_ipython(tmp_path, monkeypatch):
    class Events:
        def __init__(self):
            self.callbacks = {"post_run_cell": []}

        def register(self, event, function):
            self.callbacks[event].append(function)

    class Shell:
        events = Events()

    monkeypatch.setenv(FIGURES_VARIABLE, str(tmp_path))
    monkeypatch.setattr(viz, "_ipython_shell", lambda: Shell)
    axis = viz.plot_curves({"a": ([0, 1], [0, 1])}, "x", "y", "title", name="curves")
    axis.axhline(0.5)  # drawn after the helper returned, still in the saved figure
    assert not (tmp_path / "curves.png").exists()
    for hook in Shell.events.callbacks["post_run_cell"]:
        hook(None)
    assert (tmp_path / "curves.png").stat().st_size > 1000
    viz.show_images(np.zeros((1, 4, 4, 3)), name="again")
    assert len(Shell.events.callbacks["post_run_cell"]) == 1  # the hook is registered once


@pytest.mark.parametrize("bad", [np.zeros((2, 8, 8, 3)), np.ones((1, 4, 4, 1))])
def test_show_images_accepts_constant_and_grey_images(bad):
    assert viz.show_images(bad) is not None


def test_restoration_view_scores_every_panel_against_the_truth():
    from course_lib import models

    sharp = np.random.default_rng(1).random((32, 32, 3), dtype=np.float32)
    model = models.dcgan_autoencoder(32, 2)
    views = widgets.restoration_view(sharp, sigma=1.5, model=model, iterations=5)
    names = list(views)
    assert names[-1] == "sharp (truth)" and views[names[-1]][1] == float("inf")
    assert len(names) == 4
    for image, score in list(views.values())[:3]:
        assert image.shape == sharp.shape and np.isfinite(score)


def test_restoration_explorer_switches_between_every_model_and_oracle():
    from course_lib import models

    sharp = np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32)
    networks = {"L2": models.dcgan_autoencoder(32, 2), "L1": models.dcgan_autoencoder(32, 2)}
    views = widgets.restoration_view(sharp[0], 1.5, networks, iterations=2, balance=0.01)
    assert list(views)[1:-1] == [
        "Richardson-Lucy (true kernel)",
        "Wiener (true kernel)",
        "L2",
        "L1",
    ]
    explorer = widgets.restoration_explorer(sharp, networks, iterations=2, balance=0.01)
    method = explorer.children[0].children[2]
    assert list(method.options) == ["all", *list(views)[1:-1]]


def test_plot_history_draws_training_and_validation_curves():
    import pandas as pd

    history = pd.DataFrame({"epoch": [1, 2], "loss": [0.3, 0.2], "val_loss": [0.35, 0.25]})
    axis = viz.plot_history(history, "title")
    assert [line.get_label() for line in axis.get_lines()] == ["training", "validation"]


def test_colour_shift_explorer_offers_every_image_and_both_views(random_images):
    explorer = widgets.colour_shift_explorer(
        random_images[:3], random_images[3:6], random_images[5:8], ["a", "b", "c"]
    )
    choice, view = explorer.children[0].children
    assert [label for label, _ in choice.options] == ["a", "b", "c"]
    assert [label for label, _ in view.options] == ["colour", "grey"]


def test_plot_heatmap_annotates_every_cell():
    import pandas as pd

    table = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=["x", "y"])
    axis = viz.plot_heatmap(table, "title")
    assert sorted(text.get_text() for text in axis.texts) == [
        "1.00 dB",
        "2.00 dB",
        "3.00 dB",
        "4.00 dB",
    ]


def test_compare_view_scores_each_panel_and_puts_the_sharp_image_last(random_images):
    from course_lib.blur import gaussian_blur

    blurred = gaussian_blur(random_images, 2.0).numpy()
    views = widgets.compare_view(random_images, {"blurred": blurred, "copy": random_images}, 2)
    assert list(views) == ["blurred", "copy", "sharp"]
    image, score, distance = views["blurred"]
    np.testing.assert_array_equal(image, blurred[2])
    assert score < 30 and distance > 10  # blur removes the noise's fine detail
    assert views["copy"][2] == pytest.approx(0.0)
    assert views["sharp"][1:] == (float("inf"), 0.0)


def _descriptions_and_options(widget) -> tuple[set, list]:
    descriptions, options, stack = set(), [], [widget]
    while stack:
        item = stack.pop()
        stack.extend(getattr(item, "children", ()))
        descriptions.add(getattr(item, "description", ""))
        options += [str(option) for option in getattr(item, "options", ())]
    return descriptions, options


def test_ladder_and_variant_explorers_offer_every_image_and_model(random_images):
    panels = {"L2": random_images, "L1": random_images}
    descriptions, _ = _descriptions_and_options(widgets.ladder_explorer(random_images, panels))
    assert "image" in descriptions
    explorer = widgets.variant_explorer(random_images, random_images, panels)
    descriptions, options = _descriptions_and_options(explorer)
    assert {"image", "model"} <= descriptions
    assert options == ["L2", "L1"]


def test_plot_curves_leaves_out_x_zero_on_a_log_axis_unless_asked():
    curves = {"ratio": (np.array([0.0, 0.25, 0.5]), np.array([1e-5, 0.5, 0.2]))}
    ratio_line = viz.plot_curves(curves, "f", "ratio", "t", log_y=True).get_lines()[0]
    assert list(ratio_line.get_xdata()) == [0.25, 0.5]
    kept = viz.plot_curves(curves, "f", "ratio", "t", log_y=True, zero_x=True).get_lines()[0]
    assert list(kept.get_xdata()) == [0.0, 0.25, 0.5]
    linear = viz.plot_curves(curves, "f", "ratio", "t").get_lines()[0]
    assert list(linear.get_xdata()) == [0.0, 0.25, 0.5]


def test_one_point_curves_are_rings_whose_names_overlap_no_other_name():
    crowded = {
        f"model {index}": ([3.0 + 0.01 * index], [29.6 - 0.01 * index]) for index in range(4)
    }
    alone = {"blurred input": ([8.5], [24.3])}
    axis = viz.plot_curves({**crowded, **alone}, "distance", "PSNR", "t")
    assert all(line.get_markerfacecolor() == "none" for line in axis.get_lines())
    renderer = axis.figure.canvas.get_renderer()
    boxes = {  # each name's own box, without its line to the point
        text.get_text(): Text.get_window_extent(text, renderer) for text in axis.texts
    }
    assert set(boxes) == {*crowded, *alone}
    names = list(boxes)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            assert not boxes[first].overlaps(boxes[second]), (first, second)
    frame = axis.get_window_extent(renderer)
    assert all(frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
               for box in boxes.values())  # fmt: skip


def test_perception_distortion_plane_rings_every_restorer_and_dashes_the_frontier():
    import pandas as pd

    table = pd.DataFrame(
        {"psnr_mean": [24.0, 29.5, 29.6, 27.0], "perception": [320.0, 76.0, 42.0, 90.0]},
        index=["blurred input", "U-Net, L1", "U-Net, L1 + cGAN", "autoencoder"],
    )
    axis = viz.plot_perception_distortion(table, ["U-Net, L1 + cGAN"])
    rings = [line for line in axis.get_lines() if line.get_marker() == "o"]
    assert len(rings) == 4
    (frontier,) = [line for line in axis.get_lines() if line.get_label() == "frontier"]
    assert list(frontier.get_xdata()) == [29.6] and list(frontier.get_ydata()) == [42.0]
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert legend == ["frontier"]  # the rings are named beside them, not in a box over them
    matplotlib.pyplot.close(axis.figure)
