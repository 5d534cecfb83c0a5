"""Tests for course_lib.playground and its widget: bounded training that visibly learns."""

import numpy as np
import pytest

from course_lib import playground, widgets
from course_lib.blur import BlurSpec
from course_lib.procedural import faces

SIZE = 32
PNG = b"\x89PNG"  # the signature every PNG file starts with


@pytest.fixture(scope="module")
def face_sets():
    train = faces.make_faces(256, SIZE, seed=1)[0]
    shown = faces.make_faces(4, SIZE, seed=3)[0]
    return train, shown


@pytest.mark.parametrize("network", playground.NETWORKS)
@pytest.mark.parametrize("loss", playground.LOSSES)
def test_every_network_and_loss_builds_a_compiled_restorer(network, loss):
    model = playground.build_restorer(network, loss, SIZE, 4, steps=10)
    assert model.optimizer is not None
    assert model(np.zeros((1, SIZE, SIZE, 3), np.float32)).shape == (1, SIZE, SIZE, 3)


def test_build_restorer_names_the_choices_it_accepts():
    with pytest.raises(ValueError, match="choose one of"):
        playground.build_restorer("VGG", "L2", SIZE, 4, 10)
    with pytest.raises(ValueError, match="choose one of"):
        playground.build_restorer("restoring U-Net", "L3", SIZE, 4, 10)


def test_a_short_run_reports_snapshots_as_it_learns(face_sets):
    train, shown = face_sets
    reported = []
    model = playground.build_restorer("restoring U-Net", "L1", SIZE, 8, steps=80)
    made = playground.train_restorer(
        model, train, shown, BlurSpec(sigma=1.5), 80, snapshots=4, report=reported.append
    )
    assert made == reported and [s.step for s in made] == [20, 40, 60, 80]
    uneven = playground.train_restorer(model, train, shown, BlurSpec(sigma=1.5), 10, snapshots=4)
    assert [s.step for s in uneven] == [3, 5, 8, 10]  # exactly the steps asked for
    assert list(made[-1].losses.step) == list(range(1, 81))
    assert made[-1].restored.shape == shown.shape
    assert made[-1].losses.loss.iloc[-10:].mean() < made[0].losses.loss.iloc[:10].mean()
    assert made[-1].psnr > made[0].psnr  # it learns while you watch


def test_the_oracle_is_wiener_with_the_true_kernel_and_absent_for_resize(face_sets):
    _, shown = face_sets
    gaussian = BlurSpec(sigma=2.0)
    from course_lib import blur, metrics

    blurred = blur.blur_batch(shown, gaussian, (0, 1)).numpy()
    restored = playground.oracle(blurred, shown, gaussian)
    assert metrics.psnr(shown, restored).mean() > metrics.psnr(shown, blurred).mean()
    assert playground.oracle(blurred, shown, BlurSpec(kind="resize")) is None


def test_the_playground_widget_trains_when_train_is_pressed(face_sets):
    train, shown = face_sets
    box = widgets.playground(train, shown, base_filters=4)
    blur_controls, model_controls, status, curve, faces = box.children
    steps, button = model_controls.children[2], model_controls.children[3]
    steps.min, steps.value = 1, 4
    assert curve.value == faces.value == b""
    button.click()
    assert status.value.startswith("Done: 4 steps") and not button.disabled
    assert bytes(curve.value).startswith(PNG) and bytes(faces.value).startswith(PNG)
    first = bytes(faces.value)
    blur_controls.children[1].value += 1.0  # sigma: a new blur, so new faces are drawn
    button.click()
    assert bytes(faces.value).startswith(PNG) and bytes(faces.value) != first
