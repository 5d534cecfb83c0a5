import numpy as np
import pandas as pd
import pytest

from course_lib.procedural import facades

LUMINANCE_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
CLASS = {name: index for index, name in enumerate(facades.CLASS_NAMES)}


@pytest.fixture(scope="module")
def batch():
    """120 facades at 64 x 64 by day and by night, with their classes."""
    labels, day, layouts = facades.make_facades(120, size=64, seed=3)
    night_labels, night, night_layouts = facades.make_facades(120, size=64, seed=3, style="night")
    return {
        "labels": labels,
        "classes": facades.labels_to_classes(labels),
        "day": day,
        "night": night,
        "layouts": layouts,
        "night_labels": night_labels,
        "night_layouts": night_layouts,
    }


def test_palette_is_the_cmp_jet_colormap_in_class_order():
    assert facades.CLASS_NAMES == (
        "background",
        "facade",
        "window",
        "door",
        "cornice",
        "sill",
        "balcony",
        "blind",
        "deco",
        "molding",
        "pillar",
        "shop",
    )
    assert facades.PALETTE["background"] == (0, 0, 170)
    assert facades.PALETTE["facade"] == (0, 0, 255)
    assert facades.PALETTE["window"] == (0, 85, 255)
    assert facades.PALETTE["shop"] == (170, 0, 0)
    assert len(set(facades.PALETTE.values())) == 12


@pytest.mark.parametrize(("size", "count"), [(64, 3), (128, 2), (256, 2)])
def test_facades_have_requested_shape_dtype_and_range(size, count):
    labels, photos, layouts = facades.make_facades(count, size=size, seed=1)
    for images in (labels, photos):
        assert images.shape == (count, size, size, 3)
        assert images.dtype == np.float32
        assert np.isfinite(images).all()
        assert images.min() >= 0.0 and images.max() <= 1.0
    assert isinstance(layouts, pd.DataFrame)
    assert list(layouts.columns) == list(facades.FACADE_ATTRIBUTES)
    assert len(layouts) == count


@pytest.mark.parametrize("size", [32, 63, 257, 512, 64.0, True, "64"])
def test_invalid_size_is_rejected(size):
    with pytest.raises(ValueError, match="size"):
        facades.make_facades(2, size=size)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"count": 0}, "count"),
        ({"count": 2, "seed": -1}, "seed"),
        ({"count": 2, "style": "dusk"}, "style"),
    ],
)
def test_invalid_arguments_are_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        facades.make_facades(**arguments)


def test_same_seed_gives_identical_facades():
    first = facades.make_facades(20, seed=7)
    second = facades.make_facades(20, seed=7)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    pd.testing.assert_frame_equal(first[2], second[2])


def test_different_seeds_give_different_facades():
    labels_a, photos_a, layouts_a = facades.make_facades(20, seed=7)
    labels_b, photos_b, layouts_b = facades.make_facades(20, seed=8)
    label_difference = (np.abs(labels_a - labels_b).sum(axis=-1) > 0).mean(axis=(1, 2))
    assert (label_difference > 0.05).all()
    assert (np.abs(photos_a - photos_b).mean(axis=(1, 2, 3)) > 0.02).all()
    assert not layouts_a["light_x"].equals(layouts_b["light_x"])


def test_facade_i_depends_only_on_seed_and_i_across_blocks_and_chunks():
    long_labels, long_photos, long_layouts = facades.make_facades(260, seed=5)
    for count in (3, 40):
        labels, photos, layouts = facades.make_facades(count, seed=5)
        np.testing.assert_array_equal(long_labels[:count], labels)
        np.testing.assert_array_equal(long_photos[:count], photos)
        pd.testing.assert_frame_equal(long_layouts.iloc[:count], layouts)
    assert not np.array_equal(long_labels[256:258], long_labels[0:2])


@pytest.mark.parametrize("size", [64, 256])
def test_label_maps_use_exactly_the_palette_colours(size):
    labels, _, _ = facades.make_facades(3, size=size, seed=11)
    colours = np.unique((labels * 255.0).reshape(-1, 3), axis=0)
    np.testing.assert_array_equal(colours, np.round(colours))  # no blended edge colours
    palette = {tuple(colour) for colour in facades.PALETTE.values()}
    assert {tuple(int(v) for v in colour) for colour in colours} <= palette
    expected = np.array(list(facades.PALETTE.values()), dtype=np.float32) / 255.0
    np.testing.assert_array_equal(labels, expected[facades.labels_to_classes(labels)])


def test_labels_to_classes_snaps_noisy_colours_to_the_nearest_class():
    colours = np.array(list(facades.PALETTE.values()), dtype=np.float32) / 255.0
    noisy = np.clip(colours + np.random.default_rng(0).uniform(-0.1, 0.1, colours.shape), 0, 1)
    np.testing.assert_array_equal(facades.labels_to_classes(noisy), np.arange(12))
    with pytest.raises(ValueError, match="channels"):
        facades.labels_to_classes(np.zeros((4, 4)))


def test_every_layout_has_wall_windows_and_a_door_or_a_shop(batch):
    classes = batch["classes"]
    present = {name: (classes == CLASS[name]).any(axis=(1, 2)) for name in CLASS}
    assert present["facade"].all()
    assert present["window"].all()
    assert (present["door"] | present["shop"]).all()
    assert present["background"].all()  # a little sky above the building
    # The facade fills most of the frame.
    assert ((classes != CLASS["background"]).mean(axis=(1, 2)) > 0.75).all()
    layouts = batch["layouts"]
    np.testing.assert_array_equal(present["door"], layouts["has_door"])
    np.testing.assert_array_equal(present["shop"], layouts["has_shop"])
    np.testing.assert_array_equal(present["balcony"], layouts["has_balconies"])
    assert layouts["floors"].between(3, 6).all() and layouts["bays"].between(3, 7).all()
    # Over many facades every class of the palette turns up.
    assert (classes[..., None] == np.arange(12)).any(axis=(0, 1, 2)).all()


def test_pillars_and_shops_in_the_table_match_the_label_maps():
    labels, _, layouts = facades.make_facades(40, size=128, seed=4)
    classes = facades.labels_to_classes(labels)
    for name, column in (("pillar", "has_pillars"), ("shop", "has_shop")):
        np.testing.assert_array_equal((classes == CLASS[name]).any(axis=(1, 2)), layouts[column])


def test_day_and_night_share_the_label_map_and_the_layout(batch):
    np.testing.assert_array_equal(batch["labels"], batch["night_labels"])
    pd.testing.assert_frame_equal(batch["layouts"], batch["night_layouts"])
    assert not np.allclose(batch["day"], batch["night"])


def test_night_photos_are_darker_but_lit_windows_outshine_the_walls(batch):
    day = batch["day"] @ LUMINANCE_WEIGHTS
    night = batch["night"] @ LUMINANCE_WEIGHTS
    assert (night.mean(axis=(1, 2)) < day.mean(axis=(1, 2)) - 0.05).all()
    classes = batch["classes"]
    assert (batch["layouts"]["lit_fraction"] > 0).all()
    for i in range(len(classes)):
        windows = night[i][classes[i] == CLASS["window"]]
        walls = night[i][classes[i] == CLASS["facade"]]
        assert np.percentile(windows, 99) > np.percentile(walls, 90) + 0.3
    # On average over facades, windows are darker than walls by day and brighter by night.
    window_minus_wall = {
        name: np.mean(
            [
                image[i][classes[i] == CLASS["window"]].mean()
                - image[i][classes[i] == CLASS["facade"]].mean()
                for i in range(len(classes))
            ]
        )
        for name, image in (("day", day), ("night", night))
    }
    assert window_minus_wall["day"] < -0.1
    assert window_minus_wall["night"] > 0.1


def test_photos_follow_their_label_maps(batch):
    classes, photos = batch["classes"], batch["day"]
    distances = {}
    for name in ("window", "door", "shop", "background"):
        distances[name] = np.array(
            [
                np.linalg.norm(
                    photos[i][classes[i] == CLASS[name]].mean(axis=0)
                    - photos[i][classes[i] == CLASS["facade"]].mean(axis=0)
                )
                for i in range(len(classes))
                if (classes[i] == CLASS[name]).any()
            ]
        )
    assert (distances["window"] > 0.03).all() and np.median(distances["window"]) > 0.15
    assert (distances["door"] > 0.1).all()
    assert np.median(distances["shop"]) > 0.1


def _explained_by_class(photo: np.ndarray, classes: np.ndarray) -> float:
    """Share of a photo's colour variance that the per-class mean colours explain (R^2)."""
    pixels, labels = photo.reshape(-1, 3), classes.ravel()
    means = np.zeros((12, 3), dtype=np.float32)
    for k in np.unique(labels):
        means[k] = pixels[labels == k].mean(axis=0)
    residual = np.square(pixels - means[labels]).sum()
    return 1.0 - residual / np.square(pixels - pixels.mean(axis=0)).sum()


def test_label_maps_explain_much_of_each_photo(batch):
    for style, least, typical in (("day", 0.3, 0.55), ("night", 0.03, 0.25)):
        explained = np.array(
            [_explained_by_class(p, c) for p, c in zip(batch[style], batch["classes"], strict=True)]
        )
        assert explained.min() > least and np.median(explained) > typical, style


def test_rendering_is_resolution_independent():
    small_labels, small_photos, _ = facades.make_facades(6, size=64, seed=9)
    big_labels, big_photos, _ = facades.make_facades(6, size=256, seed=9)
    small = facades.labels_to_classes(small_labels)
    big = facades.labels_to_classes(big_labels)[:, 2::4, 2::4]
    assert (small == big).mean() > 0.93
    shrunk = big_photos.reshape(6, 64, 4, 64, 4, 3).mean(axis=(2, 4))
    assert np.abs(shrunk - small_photos).mean() < 0.04
