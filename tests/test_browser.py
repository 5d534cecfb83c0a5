"""A real browser: JupyterLab runs notebook 01's blur explorer and notebook 04's playground.

Starts JupyterLab on 127.0.0.1, drives Debian's Chromium (never a downloaded browser)
with Playwright, runs every cell of notebook 01 with the smoke profile, moves the sigma
slider of the blur explorer and checks that the figure is redrawn differently. Then it runs
the playground on small faces, changes the loss, presses Train, and checks that training
finishes, draws, and draws again differently after the blur changes.
"""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_blur_pairs.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_VARIABLE = "IMG2IMG_REQUIRE_BROWSER"  # set in CI: a missing browser fails, not skips
SCREENSHOT_VARIABLE = "IMG2IMG_BROWSER_SCREENSHOT"  # a PNG path, to see what the test saw
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 60
RUN_ALL_SECONDS = 40  # notebook 01 under the smoke profile takes well under a minute
REDRAW_SECONDS = 30
TRAIN_SECONDS = 90  # 20 steps of a tiny network, and TensorFlow's first tracing
FIGURE = ".jp-Notebook .widget-output img"  # the explorer's figure: the last widget image
PLAYGROUND_IMAGES = ".jp-Notebook .widget-image"  # its loss curve, then its faces


def _browser_or_skip():
    """Playwright's sync API, or a skip (a failure when IMG2IMG_REQUIRE_BROWSER is set)."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (install it with `apt-get install chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append('the playwright package (install it with `pip install -e ".[dev]"`)')
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get(REQUIRE_VARIABLE):
            pytest.fail(f"{message}; {REQUIRE_VARIABLE} is set, so it may not be skipped.")
        pytest.skip(message)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()}")


PLAYGROUND = "playground.ipynb"
PLAYGROUND_CELLS = [  # notebook 04's playground on small faces, so that training takes seconds
    "import course_lib\nprofile = course_lib.setup_notebook(seed=0)",
    "from course_lib import widgets\nfrom course_lib.procedural import faces\n"
    "widgets.playground(faces.make_faces(64, 32, seed=1)[0], faces.make_faces(3, 32, seed=3)[0],"
    " base_filters=4, steps=20)",
]


def _write_playground(path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in PLAYGROUND_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)


@pytest.fixture
def jupyter_lab(tmp_path):
    """A JupyterLab on loopback serving notebook 01 and the playground; yields a URL maker."""
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    _write_playground(root / PLAYGROUND)
    port, token = _free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "IMG2IMG_PROFILE": "smoke",
        "IMG2IMG_DATA": str(tmp_path / "data"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        # Fresh Jupyter settings, so a learner's own configuration cannot change the test.
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    environment.pop("IMG2IMG_FIGURES", None)  # write no figures into the repo
    log = tmp_path / "jupyter.log"
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",  # no queries to PyPI for extensions
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    with log.open("w") as output:
        server = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", server, log)
        yield lambda notebook: f"{base}/lab/tree/{notebook}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextlib.contextmanager
def _notebook_page(url: str, tmp_path: Path):
    """A Chromium page at ``url``, its kernel idle, every cell run; a screenshot on failure."""
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(url)
            # The status bar reads "No Kernel | Initializing" until the kernel is connected.
            page.locator("#jp-main-statusbar", has_text="ipykernel) | Idle").wait_for(
                timeout=SERVER_START_SECONDS * 1000
            )
            page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
            page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
            yield page
            if os.environ.get(SCREENSHOT_VARIABLE):
                page.screenshot(path=os.environ[SCREENSHOT_VARIABLE])
        except Exception:
            shot = os.environ.get(SCREENSHOT_VARIABLE) or str(tmp_path / "failure.png")
            page.screenshot(path=shot, full_page=True)
            print(f"What the browser showed: {shot}")
            raise
        finally:
            context.close()


def _wait_past_kernel_dialog(page, widget) -> None:
    dialog = page.locator(".jp-Dialog")  # "Select Kernel", if the kernel was not ready
    widget.or_(dialog).first.wait_for(timeout=RUN_ALL_SECONDS * 1000)
    if dialog.is_visible():
        dialog.locator(".jp-mod-accept").click()
    widget.wait_for(timeout=RUN_ALL_SECONDS * 1000)


def test_blur_explorer_redraws_its_figure_when_the_sigma_slider_moves(jupyter_lab, tmp_path):
    with _notebook_page(jupyter_lab(NOTEBOOK), tmp_path) as page:
        slider = page.locator(".widget-hslider", has_text="sigma")
        _wait_past_kernel_dialog(page, slider)
        figure = page.locator(FIGURE).last
        figure.wait_for(timeout=REDRAW_SECONDS * 1000)
        figure.scroll_into_view_if_needed()
        before = figure.get_attribute("src")
        readout = slider.locator(".widget-readout")
        sigma_before = readout.inner_text()
        handle = slider.locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowRight")  # one step of 0.25: sigma 2 -> 2.25, one redraw
        page.wait_for_function(
            "([selector, old]) => { const images = document.querySelectorAll(selector);"
            " const last = images[images.length - 1];"
            " return last && last.getAttribute('src') !== old; }",
            arg=[FIGURE, before],
            timeout=REDRAW_SECONDS * 1000,
        )
        sigma_after = readout.inner_text()
        after = figure.get_attribute("src")
    assert float(sigma_after) == pytest.approx(float(sigma_before) + 0.25)
    assert before.startswith("data:image/png") and after.startswith("data:image/png")
    assert after != before


def _image_widget_png(page, index: int) -> str:
    """The PNG that the playground's image widget ``index`` shows, as a data URL."""
    return page.evaluate(
        "async ([selector, index]) => {"
        " const blob = await (await fetch(document.querySelectorAll(selector)[index].src)).blob();"
        " return await new Promise((resolve) => { const reader = new FileReader();"
        " reader.onload = () => resolve(reader.result); reader.readAsDataURL(blob); }); }",
        [PLAYGROUND_IMAGES, index],
    )


def test_playground_trains_when_a_control_changes_and_train_is_pressed(jupyter_lab, tmp_path):
    with _notebook_page(jupyter_lab(PLAYGROUND), tmp_path) as page:
        button = page.locator(".jupyter-button", has_text="Train")
        _wait_past_kernel_dialog(page, button)
        loss = page.locator(".widget-dropdown", has_text="loss").locator("select")
        loss.select_option("L1")
        button.click()
        status = page.locator(".widget-label", has_text="Done: 20 steps")
        status.wait_for(timeout=TRAIN_SECONDS * 1000)
        page.wait_for_function(  # the loss curve and the faces, each decoded and drawn
            "(selector) => { const images = [...document.querySelectorAll(selector)];"
            " return images.length === 2 && images.every((image) => image.naturalWidth > 0); }",
            arg=PLAYGROUND_IMAGES,
            timeout=REDRAW_SECONDS * 1000,
        )
        first_source = page.locator(PLAYGROUND_IMAGES).last.get_attribute("src")
        first = _image_widget_png(page, 1)
        page.locator(".widget-hslider", has_text="sigma").locator(".noUi-handle").press(
            "ArrowRight"
        )
        button.click()
        page.wait_for_function(  # the first redraw of the faces: the label now reads Training
            "([selector, old]) => document.querySelectorAll(selector)[1].src !== old",
            arg=[PLAYGROUND_IMAGES, first_source],
            timeout=TRAIN_SECONDS * 1000,
        )
        status.wait_for(timeout=TRAIN_SECONDS * 1000)
        after = _image_widget_png(page, 1)
    assert first.startswith("data:image/png") and after.startswith("data:image/png")
    assert after != first  # the faces restored from the new blur, and their captions
