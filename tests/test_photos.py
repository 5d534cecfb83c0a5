import numpy as np
import pytest

from course_lib import photos


def test_every_bundled_photo_loads_offline_as_rgb():
    for name in photos.photo_names():
        photo = photos.load_photo(name)
        assert photo.ndim == 3 and photo.shape[-1] == 3, name
        assert photo.dtype == np.float32 and 0.0 <= photo.min() and photo.max() <= 1.0
        assert photo.std() > 0.05, name


def test_astronaut_is_not_among_the_non_face_photos():
    assert "astronaut" not in photos.photo_names()


def test_photo_crops_are_deterministic_and_sized():
    first = photos.load_photo_crops(size=32, crops_per_photo=2, seed=1)
    second = photos.load_photo_crops(size=32, crops_per_photo=2, seed=1)
    other = photos.load_photo_crops(size=32, crops_per_photo=2, seed=2)
    assert first.images.shape == (2 * len(photos.photo_names()), 32, 32, 3)
    np.testing.assert_array_equal(first.images, second.images)
    assert not np.array_equal(first.images, other.images)
    assert list(first.labels["photo"][:2]) == [photos.photo_names()[0]] * 2


def test_unknown_photo_name_lists_the_choices():
    with pytest.raises(ValueError, match="coffee"):
        photos.load_photo("mona_lisa")
