"""IMG2IMG_FACES: parsing the choice, hash splits, populations, cache names, a smoke run."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_datasets import lfw_cache, wiki_crop  # noqa: F401  (fixtures)

from course_lib import face_source, profiles, settings
from course_lib.experiments import notebook02, notebook03, notebook04, notebook05, splits
from course_lib.procedural import faces

SMOKE = profiles.get_profile("smoke")


def _write_faces(folder: Path, count: int, start: int = 0, labels: bool = True) -> Path:
    """``count`` procedural faces saved as PNGs, with a labels.csv of their gender."""
    folder.mkdir(parents=True, exist_ok=True)
    images, attributes = faces.make_faces(count, size=64, seed=start + 7)
    rows = []
    for index, (image, group) in enumerate(zip(images, attributes["group"], strict=True)):
        name = f"face_{start + index:03d}.png"
        Image.fromarray((image * 255).round().astype(np.uint8)).save(folder / name)
        rows.append({"file": name, "gender": "male" if group == 1 else "female"})
    if labels:
        existing = folder / "labels.csv"
        table = pd.DataFrame(rows)
        if existing.exists():
            table = pd.concat([pd.read_csv(existing), table])
        table.to_csv(existing, index=False)
    return folder


@pytest.fixture
def face_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Eighty face-like photos with genders, chosen through IMG2IMG_FACES."""
    folder = _write_faces(tmp_path / "my faces", 80)
    monkeypatch.setenv(settings.FACES_VARIABLE, str(folder))
    monkeypatch.setenv("IMG2IMG_DATA", str(tmp_path / "data"))
    face_source.load_real_faces.cache_clear()
    yield folder
    face_source.load_real_faces.cache_clear()


def test_the_default_faces_are_procedural(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(settings.FACES_VARIABLE, raising=False)
    assert face_source.get_face_source().procedural
    assert face_source.parse_face_source(" procedural ").procedural
    assert face_source.parse_face_source("").procedural


def test_each_kind_of_choice_is_parsed(tmp_path: Path) -> None:
    assert face_source.parse_face_source(str(tmp_path)) == face_source.FaceSource(
        "folder", tmp_path.resolve()
    )
    assert face_source.parse_face_source(f"utkface:{tmp_path}").kind == "utkface"
    assert face_source.parse_face_source(f"wiki_crop:{tmp_path}").path == tmp_path.resolve()
    assert face_source.parse_face_source("wiki_crop") == face_source.FaceSource("wiki_crop")
    assert face_source.parse_face_source("lfw").kind == "lfw"
    choice = face_source.FaceSource("folder", tmp_path.resolve())
    assert face_source.parse_face_source(str(choice)) == choice  # what the runner passes on


def test_a_missing_folder_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="IMG2IMG_FACES.*procedural"):
        face_source.parse_face_source(str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="is not a folder"):
        face_source.parse_face_source("utkface:/no/such/folder")


def test_splits_do_not_move_when_files_are_added(face_folder: Path) -> None:
    before = face_source.load_real_faces(face_source.get_face_source(), 64)
    _write_faces(face_folder, 40, start=80)
    face_source.load_real_faces.cache_clear()
    after = face_source.load_real_faces(face_source.get_face_source(), 64)
    old = dict(zip(before.files, before.splits, strict=True))
    new = dict(zip(after.files, after.splits, strict=True))
    assert len(new) == 120 and all(new[name] == split for name, split in old.items())
    assert after.digest != before.digest
    assert {"train", "validation", "test"} <= set(old.values())


def test_face_split_serves_the_chosen_photos_without_overlap(face_folder: Path) -> None:
    train = splits.face_split(SMOKE, "train")
    test = splits.face_split(SMOKE, "test")
    real = face_source.load_real_faces(face_source.get_face_source(), 64)
    assert len(train) == (real.splits == "train").sum() < SMOKE.train_count  # all there is
    assert len(test) + len(train) + len(splits.face_split(SMOKE, "validation")) == 80
    flat = {image.tobytes() for image in train}
    assert not any(image.tobytes() in flat for image in test)
    assert len(splits.face_split(SMOKE, "test", count=3)) == 3


def test_populations_come_from_the_gender_column(face_folder: Path) -> None:
    real = face_source.load_real_faces(face_source.get_face_source(), 64)
    labels = pd.read_csv(face_folder / "labels.csv").set_index("file")["gender"]
    expected = [1 if labels[name] == "male" else 0 for name in real.files]
    assert real.has_groups and list(real.groups) == expected
    men = splits.face_split(SMOKE, "train", group=1)
    assert len(men) == ((real.splits == "train") & (real.groups == 1)).sum()
    assert splits.has_groups(SMOKE)


def test_photos_without_labels_explain_how_to_add_them(tmp_path, monkeypatch) -> None:
    folder = _write_faces(tmp_path / "unlabelled", 20, labels=False)
    monkeypatch.setenv(settings.FACES_VARIABLE, str(folder))
    face_source.load_real_faces.cache_clear()
    assert not splits.has_groups(SMOKE)
    assert len(splits.face_split(SMOKE, "train")) > 0
    with pytest.raises(ValueError, match="labels.csv.*gender"):
        splits.face_split(SMOKE, "train", group=1)
    face_source.load_real_faces.cache_clear()


def test_a_group_column_must_hold_zero_or_one(tmp_path, monkeypatch) -> None:
    folder = _write_faces(tmp_path / "odd", 10)
    table = pd.read_csv(folder / "labels.csv").drop(columns="gender").assign(group="x")
    table.to_csv(folder / "labels.csv", index=False)
    face_source.load_real_faces.cache_clear()
    with pytest.raises(ValueError, match="'group' column must hold 0 or 1"):
        face_source.load_real_faces(face_source.FaceSource("folder", folder), 64)
    face_source.load_real_faces.cache_clear()


def test_cache_names_carry_the_source_so_models_never_mix(face_folder, monkeypatch) -> None:
    autoencoder = notebook02.runs(SMOKE)["autoencoder"]
    deblur = notebook05.runs(SMOKE)["cyclegan_deblur"]
    runs = [autoencoder, notebook04.runs(SMOKE)["unet_l1"], deblur]
    real_names = [run.name for run in [*runs, notebook05.resnet_deblur_run(SMOKE)]]
    digest = face_source.load_real_faces(face_source.get_face_source(), 64).digest
    assert all(f"facesfolder_{digest}" in name for name in real_names)
    monkeypatch.delenv(settings.FACES_VARIABLE)
    settings.use(None)  # the settings were read once: read them again
    procedural_names = [autoencoder.name, deblur.name]
    assert not any("faces" in name for name in procedural_names)  # the default names stay
    assert "facesmuted" in notebook02.autoencoder_run(SMOKE, muted=True).name


def test_real_photos_train_notebook_03_in_smaller_batches_for_fewer_epochs(face_folder) -> None:
    laptop = profiles.get_profile("laptop")
    real = notebook03.runs(laptop)["gaussian"].budget
    assert (real.batch_size, real.epochs) == (16, 7)
    assert real.train_count == laptop.train_count // 2
    assert notebook03.runs(SMOKE)["gaussian"].budget.epochs >= 1


def test_setup_says_which_faces_are_in_use(face_folder: Path, capsys) -> None:
    profiles.setup_notebook(profile="smoke")
    said = capsys.readouterr().out
    assert "Faces: 80 real photos (folder)" in said and "group 1 " in said


def test_utkface_wiki_crop_and_lfw_sources_load(tmp_path, wiki_crop, lfw_cache) -> None:  # noqa: F811
    utk = tmp_path / "utk"
    utk.mkdir()
    for name in ("25_0_0_20170101.jpg", "31_1_2_20170102.jpg.chip.jpg"):
        Image.new("RGB", (40, 40), (120, 90, 70)).save(utk / name, format="JPEG")
    face_source.load_real_faces.cache_clear()
    sources = {
        "utkface": face_source.FaceSource("utkface", utk),
        "wiki_crop": face_source.FaceSource("wiki_crop", wiki_crop),
        "lfw": face_source.FaceSource("lfw"),
    }
    loaded = {kind: face_source.load_real_faces(source, 32) for kind, source in sources.items()}
    assert sorted(loaded["utkface"].groups) == [0, 1] and loaded["utkface"].has_groups
    assert len(loaded["wiki_crop"].files) == 2 and loaded["wiki_crop"].has_groups
    assert len(loaded["lfw"].files) == 6 and not loaded["lfw"].has_groups
    face_source.load_real_faces.cache_clear()


def test_notebook02_runs_on_a_folder_of_photos(face_folder: Path, monkeypatch) -> None:
    """The smoke profile runs notebook 02 end to end on the generated photos."""
    from course_lib import runner

    monkeypatch.setenv("IMG2IMG_PROFILE", "smoke")
    path = runner.ROOT / "notebooks" / "02_l2_autoencoder.ipynb"
    output = face_folder.parent / "executed"
    runner.execute_notebook(path, output, say=None)
    executed = (output / path.name).read_text()
    assert "Faces: 80 real photos (folder)" in executed
    assert "facesfolder_" in executed  # the model was cached under the photos' own name


def test_wiki_crop_not_downloaded_says_how_to_get_it(data_folder: Path) -> None:
    face_source.load_real_faces.cache_clear()
    with pytest.raises(FileNotFoundError, match=r'fetch_known\("wiki_crop"'):
        face_source.load_real_faces(face_source.FaceSource("wiki_crop"), 64)


def test_the_runner_refuses_a_wrong_choice_before_any_notebook(tmp_path, monkeypatch) -> None:
    from course_lib import runner

    monkeypatch.setattr(runner, "execute_notebook", pytest.fail)  # must never be reached
    monkeypatch.setenv("IMG2IMG_PROFILE", "smoke")  # run_course sets both: restore them after
    monkeypatch.setenv(settings.FACES_VARIABLE, "procedural")
    with pytest.raises(ValueError, match="is not a folder"):
        runner.run_course("smoke", tmp_path, faces=str(tmp_path / "no such photos"))
