"""Interactive explorers: each a pure, tested function plus a thin ipywidgets wrapper."""

from __future__ import annotations

import numpy as np

from course_lib.blur import RESIZE_METHODS, BlurSpec, blur_batch
from course_lib.metrics import psnr


def blur_view(
    sharp: np.ndarray,
    kind: str = "gaussian",
    sigma: float = 2.0,
    factor: int = 4,
    method: str = "bilinear",
    quantize: bool = True,
) -> tuple[np.ndarray, float]:
    """Blur one sharp image as the explorer does; return the blurred image and its PSNR."""
    spec = BlurSpec(kind=kind, sigma=sigma, factor=factor, method=method, quantize=quantize)
    blurred = blur_batch(np.asarray(sharp, np.float32)[np.newaxis], spec).numpy()[0]
    return blurred, float(psnr(sharp, blurred))


def blur_explorer(images: np.ndarray, names: list[str] | None = None):
    """A widget to pick an image, a blur type and its strength, and see the result (notebook 01)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.viz import show_images

    names = names or [f"image {index}" for index in range(len(images))]
    index = widgets.IntSlider(0, 0, len(images) - 1, description="image")
    kind = widgets.ToggleButtons(options=["gaussian", "resize"], description="blur")
    sigma = widgets.FloatSlider(2.0, min=0.5, max=6.0, step=0.25, description="sigma")
    factor = widgets.IntSlider(4, min=2, max=8, description="factor")
    method = widgets.Dropdown(options=list(RESIZE_METHODS), value="bilinear", description="method")
    quantize = widgets.Checkbox(True, description="8-bit (PNG) rounding")

    def draw(index: int, kind: str, sigma: float, factor: int, method: str, quantize: bool) -> None:
        sharp = images[index]
        blurred, score = blur_view(sharp, kind, sigma, factor, method, quantize)
        strength = f"sigma {sigma:g}" if kind == "gaussian" else f"factor {factor}, {method}"
        difference = np.clip(0.5 + 2.0 * (blurred - sharp), 0, 1)
        show_images(
            [sharp, blurred, difference],
            titles=[
                f"sharp: {names[index]}",
                f"blurred ({kind}, {strength}): PSNR {score:.1f} dB",
                "difference x2 (grey = none)",
            ],
            ncols=3,
            cell_inches=2.8,
        )
        plt.show()

    output = widgets.interactive_output(
        draw,
        {"index": index, "kind": kind, "sigma": sigma, "factor": factor, "method": method,
         "quantize": quantize},
    )  # fmt: skip
    controls = widgets.VBox([index, kind, widgets.HBox([sigma, factor, method]), quantize])
    return widgets.VBox([controls, output])


def restoration_view(
    sharp: np.ndarray,
    sigma: float,
    model,
    iterations: int,
    balance: float | None = None,
) -> dict[str, tuple[np.ndarray, float]]:
    """Blur one face, restore it with each oracle and model, and score each (notebook 02).

    ``model`` is one network or {name: network}; Wiener joins when given its ``balance``.
    Returns {panel name: (image, PSNR in dB)} in display order, the truth last.
    """
    from course_lib.baselines import richardson_lucy_deblur, wiener_deblur
    from course_lib.models import restore

    sharp = np.asarray(sharp, np.float32)
    blurred = blur_batch(sharp[np.newaxis], BlurSpec(sigma=sigma)).numpy()
    panels = {
        f"blurred, sigma {sigma:g}": blurred[0],
        "Richardson-Lucy (true kernel)": richardson_lucy_deblur(blurred, sigma, iterations)[0],
    }
    if balance is not None:
        panels["Wiener (true kernel)"] = wiener_deblur(blurred, sigma, balance)[0]
    networks = model if isinstance(model, dict) else {"autoencoder": model}
    panels.update({name: restore(network, blurred)[0] for name, network in networks.items()})
    views = {name: (image, float(psnr(sharp, image))) for name, image in panels.items()}
    views["sharp (truth)"] = (sharp, float("inf"))
    return views


def restoration_explorer(
    sharp_images: np.ndarray, model, iterations: int, balance: float | None = None
):
    """A widget to pick a held-out face, a blur strength and a restorer to compare.

    The blurred face and the truth are always shown; "method" switches between every
    oracle and model (``model``: one network or {name: network}), or shows them all.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.viz import show_images

    index = widgets.IntSlider(0, 0, len(sharp_images) - 1, description="face")
    sigma = widgets.FloatSlider(2.0, min=0.5, max=4.0, step=0.25, description="sigma")
    names = list(restoration_view(sharp_images[0], 2.0, model, 1, balance))[1:-1]
    method = widgets.Dropdown(options=["all", *names], value="all", description="method")

    def draw(index: int, sigma: float, method: str) -> None:
        views = restoration_view(sharp_images[index], sigma, model, iterations, balance)
        blurred, *restorers, truth = views
        shown = [blurred, *(restorers if method == "all" else [method]), truth]
        titles = [
            name if views[name][1] == float("inf") else f"{name}\n{views[name][1]:.1f} dB"
            for name in shown
        ]
        images = [views[name][0] for name in shown]
        show_images(images, titles, ncols=len(shown), cell_inches=2.4)
        plt.show()

    output = widgets.interactive_output(draw, {"index": index, "sigma": sigma, "method": method})
    return widgets.VBox([widgets.HBox([index, sigma, method]), output])


def colour_shift_explorer(
    sharp: np.ndarray, blurred: np.ndarray, restored: np.ndarray, names: list[str]
):
    """A widget to pick an image, toggle colour or grey and read its colour shift (notebook 03)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.colour import colour_view
    from course_lib.viz import show_images

    choice = widgets.Dropdown(
        options=[(name, index) for index, name in enumerate(names)], description="image"
    )
    grey = widgets.ToggleButtons(options=[("colour", False), ("grey", True)], description="view")

    def draw(index: int, grey: bool) -> None:
        view = colour_view(sharp[index], blurred[index], restored[index], grey)
        numbers = view["numbers"]
        show_images(view["panels"], view["titles"], ncols=3, cell_inches=2.6)
        plt.show()
        print(
            f"colour shift of the restored image: a* {numbers['delta_a']:+.2f}, "
            f"b* {numbers['delta_b']:+.2f} (distance {numbers['chroma_shift']:.2f}); "
            f"PSNR {numbers['psnr_rgb']:.1f} dB in colour, "
            f"{numbers['psnr_luminance']:.1f} dB on luminance alone"
        )

    output = widgets.interactive_output(draw, {"index": choice, "grey": grey})
    return widgets.VBox([widgets.HBox([choice, grey]), output])


def compare_view(
    sharp: np.ndarray, panels: dict[str, np.ndarray], index: int
) -> dict[str, tuple[np.ndarray, float, float]]:
    """Image ``index`` of every panel, scored against the sharp image (notebook 04).

    Returns {name: (image, PSNR in dB, spectral distance in dB)} in panel order, then
    "sharp" with (inf, 0.0). See ``metrics.spectral_distance``: 0 is the sharp spectrum.
    """
    from course_lib.metrics import spectral_distance

    sharp_image = np.asarray(sharp[index], np.float32)
    views = {}
    for name, images in panels.items():
        image = np.asarray(images[index], np.float32)
        views[name] = (
            image,
            float(psnr(sharp_image, image)),
            spectral_distance(sharp_image, image),
        )
    views["sharp"] = (sharp_image, float("inf"), 0.0)
    return views


def _compare_titles(views: dict[str, tuple[np.ndarray, float, float]]) -> list[str]:
    return [
        name if score == float("inf") else f"{name}\n{score:.1f} dB, spectrum {distance:.1f} dB"
        for name, (_, score, distance) in views.items()
    ]


def ladder_explorer(sharp: np.ndarray, panels: dict[str, np.ndarray]):
    """A widget to pick a test image and compare every rung's output on it (notebook 04)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.viz import show_images

    index = widgets.IntSlider(0, 0, len(sharp) - 1, description="image")

    def draw(index: int) -> None:
        views = compare_view(sharp, panels, index)
        images = [image for image, _, _ in views.values()]
        show_images(images, _compare_titles(views), ncols=len(images), cell_inches=2.2)
        plt.show()

    output = widgets.interactive_output(draw, {"index": index})
    return widgets.VBox([index, output])


def variant_explorer(
    sharp: np.ndarray, inputs: np.ndarray, variants: dict[str, np.ndarray], table=None
):
    """A widget to switch between trained variants (lambda, patch size) on one image (nb 04).

    ``variants`` maps a name to that model's outputs for ``inputs``; ``table`` (optional) is
    a ladder table whose row for the chosen variant is printed under the images.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.viz import show_images

    choice = widgets.Dropdown(options=list(variants), description="model")
    index = widgets.IntSlider(0, 0, len(sharp) - 1, description="image")

    def draw(name: str, index: int) -> None:
        views = compare_view(sharp, {"input": inputs, name: variants[name]}, index)
        images = [image for image, _, _ in views.values()]
        show_images(images, _compare_titles(views), ncols=len(images), cell_inches=2.6)
        plt.show()
        if table is not None and name in table.index:
            row = table.loc[name]
            print(
                f"on all test images: PSNR {row.psnr_mean:.2f} dB, SSIM {row.ssim_mean:.3f}, "
                f"spectral distance {row.spectral_distance:.2f} dB, "
                f"checkerboard ratio {row.checkerboard_ratio:.2f}"
            )

    output = widgets.interactive_output(draw, {"name": choice, "index": index})
    return widgets.VBox([widgets.HBox([choice, index]), output])


def own_photo_view(sharp: np.ndarray, sigma: float, model) -> dict[str, tuple[np.ndarray, float]]:
    """Blur one photo with a Gaussian, restore it with the model, score both (notebook 02).

    Returns {panel name: (image, PSNR in dB against the photo)}, the photo first (inf).
    """
    from course_lib.models import restore

    sharp = np.asarray(sharp, np.float32)
    blurred = blur_batch(sharp[np.newaxis], BlurSpec(sigma=sigma)).numpy()[0]
    restored = restore(model, blurred)
    return {
        "sharp (your photo)": (sharp, float("inf")),
        f"blurred, sigma {sigma:g}": (blurred, float(psnr(sharp, blurred))),
        "restored": (restored, float(psnr(sharp, restored))),
    }


def photo_from_upload(
    value, image_size: int, max_pixels: int | None = None
) -> tuple[np.ndarray, str] | None:
    """The last file of a FileUpload value, checked by prepare_photo; None if none (notebook 02).

    Accepts ipywidgets 8 values (a tuple of dicts) and 7 values (a dict by file name).
    Raises ValueError, saying what to do, for a file that is not a usable photo.
    """
    from course_lib.images import prepare_photo

    if isinstance(value, dict):  # ipywidgets 7: {file name: {"content": ..., "metadata": ...}}
        files = [{"name": name, **item} for name, item in value.items()]
    else:
        files = list(value or ())
    if not files:
        return None
    chosen = files[-1]
    return prepare_photo(chosen["content"], image_size, max_pixels), str(chosen["name"])


def _sample_photo(image_size: int) -> np.ndarray:
    """The bundled 'chelsea' photo, through the same checks as an upload."""
    import io

    from PIL import Image

    from course_lib.images import prepare_photo
    from course_lib.photos import load_photo

    buffer = io.BytesIO()
    Image.fromarray(np.round(load_photo("chelsea") * 255).astype(np.uint8)).save(buffer, "PNG")
    return prepare_photo(buffer.getvalue(), image_size)


def own_photo_explorer(
    model, image_size: int, sample: np.ndarray | None = None, max_pixels: int | None = None
):
    """A widget to upload a photo, pick a blur strength and see it blurred and restored.

    Until you upload, it shows ``sample`` (default: a bundled photo). Notebook 02.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.viz import show_images

    default = _sample_photo(image_size) if sample is None else np.asarray(sample, np.float32)
    upload = widgets.FileUpload(accept="image/*", multiple=False, description="your photo")
    sigma = widgets.FloatSlider(2.0, min=0.5, max=4.0, step=0.25, description="sigma")

    def draw(value, sigma: float) -> None:
        photo, label = default, "course sample (upload a photo to use yours)"
        try:
            uploaded = photo_from_upload(value, image_size, max_pixels)
        except ValueError as err:
            print(f"{err}\nShowing the course sample instead.")
            uploaded = None
        if uploaded is not None:
            photo, label = uploaded
        views = own_photo_view(photo, sigma, model)
        titles = [
            name if score == float("inf") else f"{name}\n{score:.1f} dB"
            for name, (_, score) in views.items()
        ]
        show_images([image for image, _ in views.values()], titles, ncols=3, cell_inches=2.8)
        plt.show()
        print(f"{label}: centre-cropped and resized to {image_size}x{image_size} px")

    output = widgets.interactive_output(draw, {"value": upload, "sigma": sigma})
    return widgets.VBox([widgets.HBox([upload, sigma]), output])


def playground(
    train_sharp: np.ndarray, shown_sharp: np.ndarray, base_filters: int, steps: int = 200
):
    """Choose a blur, a network and a loss, press Train, and watch it learn (notebook 04).

    A thin wrapper around ``playground.train_restorer``: the loss curve and the restored
    faces redraw as it trains, beside the blurred faces and the Wiener oracle.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib import playground as play
    from course_lib.viz import figure_png, show_rows

    kind = widgets.ToggleButtons(options=["gaussian", "resize"], description="blur")
    sigma = widgets.FloatSlider(2.0, min=0.5, max=4.0, step=0.25, description="sigma")
    factor = widgets.IntSlider(4, min=2, max=8, description="factor")
    method = widgets.Dropdown(options=list(RESIZE_METHODS), value="nearest", description="method")
    network = widgets.Dropdown(options=list(play.NETWORKS), description="network")
    loss = widgets.Dropdown(options=list(play.LOSSES), description="loss")
    steps = widgets.IntSlider(steps, min=min(20, steps), max=600, step=20, description="steps")
    train = widgets.Button(description="Train", button_style="primary")
    status = widgets.Label("Choose, then press Train.")
    # Image widgets redraw in place: an Output widget cleared and refilled while training
    # could lose a figure in the browser when the kernel was busy.
    curve, faces = (widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))
                    for _ in range(2))  # fmt: skip
    size = shown_sharp.shape[1]

    def draw(snapshot: play.Snapshot, blurred, oracle, spec, total: int) -> None:
        figure, axis = plt.subplots(figsize=(5, 2.6))
        axis.plot(snapshot.losses.step, snapshot.losses.loss)
        axis.set(xlabel="step", ylabel="training loss", yscale="log", xlim=(0, total),
                 title=f"{network.value}, {loss.value}: step {snapshot.step}")  # fmt: skip
        curve.value = figure_png(figure)
        rows = {"sharp": shown_sharp, f"blurred\n{spec.describe()}": blurred,
                f"restored\n{snapshot.psnr:.1f} dB": snapshot.restored}  # fmt: skip
        if oracle is not None:
            oracle_psnr = float(psnr(shown_sharp, oracle).mean())
            rows[f"Wiener, true\nkernel {oracle_psnr:.1f} dB"] = oracle
        faces.value = figure_png(show_rows(rows, cell_inches=1.1))

    def on_train(_button) -> None:
        spec = BlurSpec(kind=kind.value, sigma=sigma.value, factor=factor.value,
                        method=method.value)  # fmt: skip
        blurred = blur_batch(shown_sharp, spec, (0, 1)).numpy()
        blurred_psnr = float(psnr(shown_sharp, blurred).mean())
        oracle = play.oracle(blurred, shown_sharp, spec)
        train.disabled = True
        status.value = f"Training {steps.value} steps (blurred input: {blurred_psnr:.1f} dB) ..."
        try:
            model = play.build_restorer(network.value, loss.value, size, base_filters, steps.value)
            play.train_restorer(
                model, train_sharp, shown_sharp, spec, steps.value,
                report=lambda snapshot: draw(snapshot, blurred, oracle, spec, steps.value),
            )  # fmt: skip
            status.value = f"Done: {steps.value} steps. Change something and train again."
        finally:
            train.disabled = False

    train.on_click(on_train)
    blur_controls = widgets.HBox([kind, sigma, factor, method])
    model_controls = widgets.HBox([network, loss, steps, train])
    return widgets.VBox([blur_controls, model_controls, status, curve, faces])


def steps_view(
    network, blurred: np.ndarray, sharp: np.ndarray, steps: int, temperature: float, draws: int = 3
) -> dict[str, tuple[np.ndarray, float]]:
    """Restore one blurred face in ``steps`` steps from several noise draws (notebook 06).

    Returns {panel name: (image, PSNR in dB)}: the blurred face, each draw, the truth last.
    """
    from course_lib.iterative import sample

    blurred, sharp = np.asarray(blurred, np.float32), np.asarray(sharp, np.float32)
    restored = [sample(network, blurred[np.newaxis], steps, temperature, seed)[0]
                for seed in range(draws)]  # fmt: skip
    views = {"blurred": (blurred, float(psnr(sharp, blurred)))}
    views.update({f"draw {seed + 1}": (image, float(psnr(sharp, image)))
                  for seed, image in enumerate(restored)})  # fmt: skip
    views["sharp (truth)"] = (sharp, float("inf"))
    return views


def steps_explorer(network, blurred_images: np.ndarray, sharp_images: np.ndarray):
    """A widget to restore a held-out face with a chosen number of steps and noise (notebook 06).

    Three draws of the starting noise show what the blur left open; temperature 0 starts from
    the blurred face itself.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_lib.iterative import STEP_COUNTS
    from course_lib.viz import show_images

    index = widgets.IntSlider(0, 0, len(sharp_images) - 1, description="face")
    steps = widgets.SelectionSlider(options=list(STEP_COUNTS), value=8, description="steps")
    temperature = widgets.FloatSlider(1.0, min=0.0, max=1.0, step=0.25, description="noise")

    def draw(index: int, steps: int, temperature: float) -> None:
        views = steps_view(network, blurred_images[index], sharp_images[index], steps, temperature)
        titles = [name if score == float("inf") else f"{name}\n{score:.1f} dB"
                  for name, (_, score) in views.items()]  # fmt: skip
        show_images([image for image, _ in views.values()], titles, ncols=len(views),
                    cell_inches=2.2)  # fmt: skip
        plt.show()

    output = widgets.interactive_output(
        draw, {"index": index, "steps": steps, "temperature": temperature}
    )
    return widgets.VBox([widgets.HBox([index, steps, temperature]), output])
