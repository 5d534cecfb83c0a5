import numpy as np
import pandas as pd
import pytest

from course_lib.procedural import faces

LUMINANCE_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def pixel_centres(size: int) -> np.ndarray:
    """Image coordinates of pixel centres, -1 (top, left) to 1 (bottom, right)."""
    return (np.arange(size) + 0.5) * 2.0 / size - 1.0


def ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values))


@pytest.mark.parametrize("size", [32, 64, 97, 256])
def test_faces_have_requested_shape_dtype_and_range(size):
    images, attributes = faces.make_faces(3, size=size, seed=1)
    assert images.shape == (3, size, size, 3)
    assert images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert np.isfinite(images).all()
    assert len(attributes) == 3


def test_attribute_table_has_one_row_per_face_and_the_listed_columns():
    _, attributes = faces.make_faces(300, size=32, seed=2)
    assert isinstance(attributes, pd.DataFrame)
    assert list(attributes.columns) == list(faces.FACE_ATTRIBUTES)
    assert len(attributes) == 300
    assert set(attributes["glasses"]) == {"none", "glasses", "sunglasses"}
    assert attributes["beard"].dtype == bool
    assert attributes["skin_tone"].between(0.0, 1.0).all()
    for channel in ("skin_r", "skin_g", "skin_b"):
        assert attributes[channel].between(0.0, 1.0).all()


def test_same_seed_gives_identical_faces():
    first_images, first_attributes = faces.make_faces(40, seed=7)
    second_images, second_attributes = faces.make_faces(40, seed=7)
    np.testing.assert_array_equal(first_images, second_images)
    pd.testing.assert_frame_equal(first_attributes, second_attributes)


def test_different_seeds_give_different_faces():
    first_images, first_attributes = faces.make_faces(40, seed=7)
    second_images, second_attributes = faces.make_faces(40, seed=8)
    per_face_difference = np.abs(first_images - second_images).mean(axis=(1, 2, 3))
    assert (per_face_difference > 0.02).all()
    assert not first_attributes["skin_tone"].equals(second_attributes["skin_tone"])


def test_prefix_stability_across_counts_and_blocks():
    long_images, long_attributes = faces.make_faces(300, size=32, seed=5)
    for count in (5, 260):
        short_images, short_attributes = faces.make_faces(count, size=32, seed=5)
        np.testing.assert_array_equal(long_images[:count], short_images)
        pd.testing.assert_frame_equal(long_attributes.iloc[:count], short_attributes)


@pytest.mark.parametrize("group", [0, 1])
def test_group_filter_returns_only_that_group(group):
    images, attributes = faces.make_faces(64, size=32, seed=3, group=group)
    assert (attributes["group"] == group).all()
    assert images.shape == (64, 32, 32, 3)


def test_both_groups_present_by_default():
    _, attributes = faces.make_faces(400, size=32, seed=4)
    share_of_group_1 = attributes["group"].mean()
    assert 0.4 < share_of_group_1 < 0.6


def test_groups_differ_in_hair_and_beards_but_not_in_skin_tone():
    _, group_0 = faces.make_faces(512, size=32, seed=6, group=0)
    _, group_1 = faces.make_faces(512, size=32, seed=6, group=1)
    assert group_1["beard"].mean() > group_0["beard"].mean() + 0.2
    long_hair_0 = (group_0["hair_length"] == "long").mean()
    long_hair_1 = (group_1["hair_length"] == "long").mean()
    assert long_hair_0 > long_hair_1 + 0.2
    assert (group_1["face_shape"] == "square").mean() > (group_0["face_shape"] == "square").mean()
    assert abs(group_0["skin_tone"].mean() - group_1["skin_tone"].mean()) < 0.06


def test_skin_tones_span_light_to_dark():
    size = 64
    images, attributes = faces.make_faces(200, size=size, seed=0)
    # Cheeks, left and right of the nose and below the eyes, in every pose.
    centres = pixel_centres(size)
    rows = slice(np.argmin(np.abs(centres - 0.1)) - 1, np.argmin(np.abs(centres - 0.1)) + 2)
    cheeks = [np.argmin(np.abs(centres - x)) for x in (-0.19, 0.19)]
    patches = np.concatenate([images[:, rows, c - 1 : c + 2] for c in cheeks], axis=2)
    cheek_luminance = np.median((patches @ LUMINANCE_WEIGHTS).reshape(len(images), -1), axis=1)
    bare = (~attributes["beard"] & (attributes["glasses"] == "none")).to_numpy()

    assert cheek_luminance[bare].min() < 0.25
    assert cheek_luminance[bare].max() > 0.75
    darker_tone_darker_cheek = np.corrcoef(
        ranks(cheek_luminance[bare]), ranks(-attributes["skin_tone"].to_numpy()[bare])
    )[0, 1]
    assert darker_tone_darker_cheek > 0.9


def test_skin_colours_are_human_not_green_or_grey():
    _, attributes = faces.make_faces(300, size=32, seed=9)
    red, green, blue = (attributes[c].to_numpy() for c in ("skin_r", "skin_g", "skin_b"))
    assert (red > green).all() and (green > blue).all()
    assert ((red - blue) > 0.08).all()


@pytest.mark.parametrize(
    "arguments",
    [
        {"count": 4, "size": 31},
        {"count": 4, "size": 257},
        {"count": 0},
        {"count": -3},
        {"count": 4, "group": 2},
        {"count": 4, "group": -1},
        {"count": 4, "seed": -1},
    ],
)
def test_arguments_outside_range_are_rejected(arguments):
    with pytest.raises(ValueError):
        faces.make_faces(**arguments)


def test_sizes_outside_range_are_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="32 to 256"):
        faces.make_faces(2, size=16)


def test_faces_are_not_blank():
    images, _ = faces.make_faces(100, seed=10)
    per_image_std = images.std(axis=(1, 2, 3))
    assert per_image_std.min() > 0.05


def test_face_is_centred():
    size = 64
    images, attributes = faces.make_faces(200, size=size, seed=12)
    skin = attributes[["skin_r", "skin_g", "skin_b"]].to_numpy()[:, None, None, :]
    skin_coloured = np.abs(images - skin).max(axis=-1) < 0.08
    centres = pixel_centres(size)
    pixels = np.maximum(skin_coloured.sum(axis=(1, 2)), 1)
    centroid_x = (skin_coloured * centres[None, None, :]).sum(axis=(1, 2)) / pixels
    centroid_y = (skin_coloured * centres[None, :, None]).sum(axis=(1, 2)) / pixels

    assert np.median(np.abs(centroid_x)) < 0.08
    assert np.quantile(np.abs(centroid_x), 0.9) < 0.2
    assert -0.15 < np.median(centroid_y) < 0.2
    # The pose attributes say where the face is.
    assert np.corrcoef(centroid_x, attributes["offset_x"])[0, 1] > 0.4


def test_same_face_at_every_size():
    large, _ = faces.make_faces(16, size=256, seed=2)
    small, _ = faces.make_faces(16, size=32, seed=2)
    other, _ = faces.make_faces(16, size=32, seed=3)
    shrunk = large.reshape(16, 32, 8, 32, 8, 3).mean(axis=(2, 4))
    assert np.abs(shrunk - small).mean() < 0.02
    assert np.abs(other - small).mean() > 0.1


def test_faces_vary_in_every_attribute():
    _, attributes = faces.make_faces(400, size=32, seed=13)
    expected = {
        "face_shape": {"oval", "round", "long", "square"},
        "hair_colour": {"black", "brown", "blonde", "red", "grey", "dyed"},
        "hair_length": {"bald", "short", "medium", "long"},
        "glasses": {"none", "glasses", "sunglasses"},
        "background": {"plain", "gradient", "texture"},
        "light_direction": {"left", "front", "right"},
        "beard": {True, False},
    }
    for column, values in expected.items():
        assert set(attributes[column]) == values, column
    assert attributes["eye_colour"].nunique() >= 4
    assert attributes["brows"].nunique() == 3


def test_muted_faces_keep_the_face_but_grey_the_background():
    colourful, table = faces.make_faces(16, 64, seed=4)
    muted, muted_table = faces.make_faces(16, 64, seed=4, muted=True)
    pd.testing.assert_frame_equal(table, muted_table)
    centre = slice(24, 40)
    np.testing.assert_allclose(muted[:, centre, centre], colourful[:, centre, centre], atol=0.05)

    def corner_saturation(images):
        corner = images[:, :6, :6]
        return (corner.max(axis=-1) - corner.min(axis=-1)).mean()

    assert corner_saturation(muted) < 0.5 * corner_saturation(colourful)
