"""Offline tests of course_lib.datasets: UTKFace, wiki_crop, LFW and CMP facades, in tmp_path."""

from __future__ import annotations

import hashlib
import tarfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from course_lib import downloads
from course_lib.datasets import load_cmp_facades, load_lfw, load_utkface, load_wiki_crop
from course_lib.procedural import facades


def _rgb(path: Path, size: tuple[int, int] = (40, 40), colour=(200, 100, 50)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def test_utkface_and_wiki_crop_skip_small_images_too(tmp_path: Path) -> None:
    folder = tmp_path / "UTKFace"
    _rgb(folder / "25_0_2_20170116174525125.jpg.chip.jpg", size=(200, 200))
    _rgb(folder / "30_1_0_20170116174525126.jpg.chip.jpg", size=(24, 24))
    data = load_utkface(folder, size=64)
    assert len(data) == 1
    assert dict(data.skipped)["30_1_0_20170116174525126.jpg.chip.jpg"].startswith("smaller")
    assert len(load_utkface(folder, size=64, upscale=True)) == 2


# --------------------------------------------------------------------------- UTKFace


def test_utkface_labels_are_parsed_from_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "UTKFace"
    _rgb(folder / "25_0_2_20170116174525125.jpg.chip.jpg", size=(200, 200))
    _rgb(folder / "61_1_3_20170109142408075.jpg", size=(200, 200))
    _rgb(folder / "100_1_4_20170112213500903.jpg.chip.jpg", size=(200, 200))
    _rgb(folder / "39_1_20170116174525125.jpg.chip.jpg")  # race missing, as in the real data
    _rgb(folder / "portrait.jpg")
    (folder / "notes.txt").write_text("x")
    data = load_utkface(folder, size=32)
    assert data.images.shape == (3, 32, 32, 3)
    assert data.labels.to_dict("records") == [
        {
            "file": "100_1_4_20170112213500903.jpg.chip.jpg",
            "age": 100,
            "gender": "female",
            "race": "Others",
        },
        {
            "file": "25_0_2_20170116174525125.jpg.chip.jpg",
            "age": 25,
            "gender": "male",
            "race": "Asian",
        },
        {"file": "61_1_3_20170109142408075.jpg", "age": 61, "gender": "female", "race": "Indian"},
    ]
    reasons = dict(data.skipped)
    assert "does not match" in reasons["39_1_20170116174525125.jpg.chip.jpg"]
    assert "does not match" in reasons["portrait.jpg"]
    assert reasons["notes.txt"] == "not an image"


def test_utkface_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="UTKFace"):
        load_utkface(tmp_path / "UTKFace")


# --------------------------------------------------------------------------- wiki_crop


def _datenum(day: date) -> float:
    return float(day.toordinal() + 366)  # MATLAB day 1 is 1 January of year 0


def _cell(values: list) -> np.ndarray:
    cell = np.empty((1, len(values)), dtype=object)
    for i, value in enumerate(values):
        cell[0, i] = value
    return cell


@pytest.fixture
def wiki_crop(tmp_path: Path) -> Path:
    """A wiki_crop folder with a wiki.mat laid out like the real one (1 x N fields, cells)."""
    nan, inf = np.nan, np.inf
    rows = [  # full_path, dob, photo_taken, gender, face_score, second_face_score
        ("17/10000217_1981-05-05_2009.jpg", date(1981, 5, 5), 2009, 1.0, 4.3, nan),  # kept
        ("48/10000548_1925-04-04_1964.jpg", date(1925, 4, 4), 1964, 1.0, -inf, nan),  # no face
        ("12/100012_1948-07-03_2008.jpg", date(1948, 7, 3), 2008, nan, 3.1, nan),  # no gender
        ("65/10001965_1930-05-23_1961.jpg", date(1930, 5, 23), 1961, 0.0, 2.5, 1.9),  # 2 faces
        ("16/10002116_1971-05-31_2012.jpg", date(1971, 5, 31), 2012, 0.0, 1.5, nan),  # kept
        ("02/10002702_1960-11-09_2012.jpg", date(1960, 11, 9), 2012, 1.0, 0.6, nan),  # low score
        ("41/10003541_1937-09-27_1971.jpg", date(1937, 9, 27), 1971, 1.0, 3.0, nan),  # no file
    ]
    folder = tmp_path / "wiki_crop"
    for i, (path, *_rest) in enumerate(rows[:6]):
        _rgb(folder / path, size=(60 + i, 60 + i), colour=(40 * i, 100, 100))
    row = np.array
    wiki = {
        "dob": row([[_datenum(r[1]) for r in rows]]),
        "photo_taken": row([[r[2] for r in rows]], dtype=np.uint16),
        "full_path": _cell([r[0] for r in rows]),
        "gender": row([[r[3] for r in rows]]),
        "name": _cell([f"Person {i}" for i in range(len(rows))]),
        "face_location": _cell([row([[10.0, 10.0, 50.0, 50.0]]) for _ in rows]),
        "face_score": row([[r[4] for r in rows]]),
        "second_face_score": row([[r[5] for r in rows]]),
    }
    scipy.io.savemat(folder / "wiki.mat", {"wiki": wiki})
    return folder


def test_wiki_mat_fixture_has_the_real_layout(wiki_crop: Path) -> None:
    meta = scipy.io.loadmat(wiki_crop / "wiki.mat")["wiki"][0, 0]
    assert meta.dtype.names == (
        "dob",
        "photo_taken",
        "full_path",
        "gender",
        "name",
        "face_location",
        "face_score",
        "second_face_score",
    )
    assert meta["full_path"][0][0][0] == "17/10000217_1981-05-05_2009.jpg"


def test_wiki_crop_keeps_one_clear_face_with_known_gender(wiki_crop: Path) -> None:
    data = load_wiki_crop(wiki_crop, size=32)
    assert data.images.shape == (2, 32, 32, 3)
    assert data.labels.to_dict("records") == [
        {"file": "17/10000217_1981-05-05_2009.jpg", "gender": "male", "face_score": 4.3, "age": 28},
        {
            "file": "16/10002116_1971-05-31_2012.jpg",
            "gender": "female",
            "face_score": 1.5,
            "age": 41,
        },
    ]
    assert data.skipped == [("41/10003541_1937-09-27_1971.jpg", "missing file")]
    assert "kept 3 of 7 wiki.mat entries" in data.summary()


def test_wiki_crop_min_face_score_is_respected(wiki_crop: Path) -> None:
    data = load_wiki_crop(wiki_crop, size=16, min_face_score=0.5)
    assert "02/10002702_1960-11-09_2012.jpg" in set(data.labels["file"])
    assert load_wiki_crop(wiki_crop, size=16, limit=1).labels["age"].tolist() == [28]


def test_wiki_crop_without_wiki_mat_explains_the_expected_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="wiki.mat"):
        load_wiki_crop(tmp_path)
    with pytest.raises(FileNotFoundError, match="fetch_known"):
        load_wiki_crop(tmp_path / "missing")


# --------------------------------------------------------------------------- LFW

LFW_PEOPLE = {"Ada_Lovelace": (255, 0, 0), "Alan_Turing": (0, 255, 0), "Grace_Hopper": (0, 0, 255)}


@pytest.fixture
def lfw_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data_dir()/lfw_home laid out as sklearn's fetch_lfw_people expects (see its test_lfw.py)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("IMG2IMG_DATA", str(cache))
    lfw_home = cache / "lfw_home"
    for n_faces, (person, colour) in enumerate(LFW_PEOPLE.items(), start=1):
        for i in range(n_faces):
            _rgb(
                lfw_home / "lfw_funneled" / person / f"{person}_{i + 1:04d}.jpg", (250, 250), colour
            )
    for name in ("pairsDevTrain.txt", "pairsDevTest.txt", "pairs.txt"):
        (lfw_home / name).write_text("placeholder\n")
    return cache


def test_lfw_loads_from_data_dir_without_downloading(lfw_cache: Path) -> None:
    data = load_lfw(size=32)
    assert data.images.shape == (6, 32, 32, 3)
    assert data.images.dtype == np.float32
    assert sorted(data.labels["name"]) == [
        "Ada Lovelace",
        "Alan Turing",
        "Alan Turing",
        "Grace Hopper",
        "Grace Hopper",
        "Grace Hopper",
    ]
    for image, name, file in zip(
        data.images, data.labels["name"], data.labels["file"], strict=True
    ):
        colour = np.array(LFW_PEOPLE[name.replace(" ", "_")]) / 255
        np.testing.assert_allclose(image.mean(axis=(0, 1)), colour, atol=0.05)
        assert file.split("/")[0] == name.replace(" ", "_")


def test_lfw_min_faces_and_limit(lfw_cache: Path) -> None:
    data = load_lfw(size=16, min_faces_per_person=2, limit=3)
    assert len(data) == 3
    assert set(data.labels["name"]) <= {"Alan Turing", "Grace Hopper"}


def test_lfw_missing_explains_how_to_get_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path / "empty-cache"))
    with pytest.raises(FileNotFoundError) as info:
        load_lfw(size=32)
    assert "download_if_missing=True" in str(info.value)
    assert str(tmp_path / "empty-cache" / "lfw_home") in str(info.value)


# ------------------------------------------------------------------------------ real CMP data


@pytest.fixture(scope="module")
def label_maps():
    """Three 256 x 256 label maps to put in the fixture archives."""
    return facades.make_facades(3, size=256, seed=21)[0]


def _write_pairs(split_folder, names, labels, size=256):
    """pix2pix-style pairs: a flat photo colour per file on the left, a label map on the right."""
    split_folder.mkdir(parents=True)
    colours = {}
    for index, name in enumerate(names):
        colour = np.array([40 + 60 * index, 200 - 50 * index, 90], dtype=np.uint8)
        photo = np.broadcast_to(colour, (size, size, 3))
        label = (labels[index] * 255.0).round().astype(np.uint8)
        pair = np.concatenate([photo, label], axis=1)
        # Full-resolution colour (no 4:2:0 chroma subsampling) keeps label colours close.
        Image.fromarray(pair).save(split_folder / name, quality=95, subsampling=0)
        colours[name] = (colour / 255.0, labels[index])
    return colours


@pytest.fixture
def cmp_folder(tmp_path, label_maps):
    root = tmp_path / "facades"
    expected = _write_pairs(root / "train", ["2.jpg", "10.jpg", "1.jpg"], label_maps)
    _write_pairs(root / "val", ["1.jpg"], label_maps)
    return root, expected


def test_cmp_loader_splits_photo_left_and_labels_right_in_numeric_order(cmp_folder):
    root, expected = cmp_folder
    labels, photos = load_cmp_facades(size=256, folder=root)
    assert labels.shape == photos.shape == (3, 256, 256, 3)
    assert labels.dtype == photos.dtype == np.float32
    for index, name in enumerate(["1.jpg", "2.jpg", "10.jpg"]):
        colour, label_map = expected[name]
        assert np.abs(photos[index] - colour).mean() < 0.02
        agreement = facades.labels_to_classes(labels[index]) == facades.labels_to_classes(label_map)
        assert agreement.mean() > 0.97


def test_cmp_loader_resizes_limits_and_finds_the_split_below_a_parent_folder(cmp_folder):
    root, expected = cmp_folder
    labels, photos = load_cmp_facades(size=64, limit=2, folder=root.parent)
    assert labels.shape == photos.shape == (2, 64, 64, 3)
    assert np.abs(photos[1] - expected["2.jpg"][0]).mean() < 0.02
    snapped = facades.labels_to_classes(labels[0])
    reference = facades.labels_to_classes(expected["1.jpg"][1])[2::4, 2::4]
    assert (snapped == reference).mean() > 0.85
    val_labels, _ = load_cmp_facades(size=64, split="val", folder=root)
    assert len(val_labels) == 1


def test_cmp_loader_errors_say_how_to_download(cmp_folder, tmp_path):
    root, _ = cmp_folder
    with pytest.raises(FileNotFoundError, match="fetch_known"):
        load_cmp_facades(folder=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="test"):
        load_cmp_facades(split="test", folder=root)
    with pytest.raises(ValueError, match="split"):
        load_cmp_facades(split="training", folder=root)
    with pytest.raises(ValueError, match="size"):
        load_cmp_facades(size=16, folder=root)
    Image.new("RGB", (300, 256)).save(root / "val" / "2.jpg")
    with pytest.raises(ValueError, match="twice as wide"):
        load_cmp_facades(split="val", folder=root)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty data folder, and any attempt to use the network fails the test."""
    data = tmp_path / "data"
    monkeypatch.setenv("IMG2IMG_DATA", str(data))

    def no_network(*args, **kwargs):
        raise AssertionError("the test tried to download")

    monkeypatch.setattr(downloads.urllib.request, "urlopen", no_network)
    return data


def test_cmp_loader_without_data_raises_instead_of_downloading(offline):
    with pytest.raises(FileNotFoundError, match="fetch_known"):
        load_cmp_facades()


def test_cmp_loader_uses_an_accepted_archive_in_the_data_folder(offline, cmp_folder):
    root, expected = cmp_folder
    offline.mkdir(parents=True)
    archive = offline / "facades.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="facades")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (offline / "facades.tar.gz.sha256").write_text(f"{digest}  facades.tar.gz\n")  # accepted
    labels, photos = load_cmp_facades(size=64)
    assert labels.shape == (3, 64, 64, 3)
    assert np.abs(photos[0] - expected["1.jpg"][0]).mean() < 0.02
    assert (offline / "facades" / "facades" / "train").is_dir()
