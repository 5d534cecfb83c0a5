"""Offline tests of course_lib.downloads: every URL is a file:// URL or an unreachable address."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import tarfile
import threading
import urllib.request
import zipfile
from pathlib import Path

import pytest

from course_lib import downloads
from course_lib.downloads import (
    ChecksumError,
    DownloadError,
    UnverifiedDownloadError,
    data_dir,
    download,
    extract_archive,
    fetch_known,
    sha256_of,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("IMG2IMG_DATA", str(folder))
    return folder


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "remote" / "payload.bin"
    path.parent.mkdir()
    path.write_bytes(b"img2img " * 1000)
    return path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _forbid_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was used")

    monkeypatch.setattr(urllib.request, "urlopen", fail)


def _make_tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def _tar_with_link(path: Path, name: str, target: str, kind: bytes) -> Path:
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = target
        tf.addfile(info)
    return path


# --------------------------------------------------------------------------- data_dir


def test_data_dir_uses_env_var_and_creates_it_on_demand(cache: Path) -> None:
    assert not cache.exists()
    assert data_dir() == cache
    assert cache.is_dir()


def test_data_dir_defaults_to_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("IMG2IMG_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "img2img"


def test_data_dir_defaults_to_home_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("IMG2IMG_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir() == tmp_path / ".cache" / "img2img"


def test_sha256_of_matches_hashlib(source: Path) -> None:
    assert sha256_of(source) == _digest(source.read_bytes())


# --------------------------------------------------------------------------- download


def test_download_file_url_with_right_hash_lands_in_data_dir(cache: Path, source: Path) -> None:
    path = download(source.as_uri(), _digest(source.read_bytes()))
    assert path == cache / "payload.bin"
    assert path.read_bytes() == source.read_bytes()
    assert [p.name for p in cache.iterdir()] == ["payload.bin"]  # no temporary file left


def test_download_honours_filename(cache: Path, source: Path) -> None:
    path = download(source.as_uri(), _digest(source.read_bytes()), filename="other.bin")
    assert path == cache / "other.bin"


def test_second_download_reuses_file_without_network(
    cache: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = _digest(source.read_bytes())
    first = download(source.as_uri(), digest)
    source.unlink()
    _forbid_network(monkeypatch)
    assert download(source.as_uri(), digest) == first


def test_wrong_hash_raises_checksum_error_and_leaves_nothing(cache: Path, source: Path) -> None:
    actual = _digest(source.read_bytes())
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as info:
        download(source.as_uri(), wrong)
    message = str(info.value)
    assert wrong in message and actual in message
    assert "check the URL" in message
    assert list(cache.iterdir()) == []
    assert isinstance(info.value, ValueError)


def test_present_file_with_wrong_hash_is_reported_not_overwritten(
    cache: Path, source: Path
) -> None:
    cache.mkdir()
    (cache / "payload.bin").write_bytes(b"something else")
    with pytest.raises(ChecksumError, match="Delete the file"):
        download(source.as_uri(), _digest(source.read_bytes()))
    assert (cache / "payload.bin").read_bytes() == b"something else"


def test_unreachable_file_url_says_which_url_and_where_to_put_the_file(
    cache: Path, tmp_path: Path
) -> None:
    url = (tmp_path / "does-not-exist.zip").as_uri()
    with pytest.raises(DownloadError) as info:
        download(url, "a" * 64)
    message = str(info.value)
    assert url in message
    assert str(cache / "does-not-exist.zip") in message
    assert "by hand" in message
    assert list(cache.iterdir()) == []


def test_refused_connection_gives_download_error(cache: Path) -> None:
    with pytest.raises(DownloadError, match="127.0.0.1"):
        download("http://127.0.0.1:9/data.zip", "a" * 64)
    assert list(cache.iterdir()) == []


@pytest.fixture
def http_root(tmp_path: Path):
    """A throw-away HTTP server on 127.0.0.1 serving tmp_path/www (no internet needed)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_over_http_and_404_is_explained(cache: Path, http_root, capsys) -> None:
    root, base = http_root
    data = b"x" * 300_000
    (root / "blob.bin").write_bytes(data)
    assert download(f"{base}/blob.bin", _digest(data)).read_bytes() == data
    assert "100% of" in capsys.readouterr().out
    with pytest.raises(DownloadError, match="HTTP Error 404") as info:
        download(f"{base}/missing.bin", _digest(data))
    assert f"{base}/missing.bin" in str(info.value)
    assert not (cache / "missing.bin").exists()


def test_download_filename_must_stay_in_data_dir(cache: Path, source: Path) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        download(source.as_uri(), _digest(source.read_bytes()), filename="../escape.bin")


def test_download_without_hash_is_refused(cache: Path, source: Path) -> None:
    with pytest.raises(ValueError, match="trust_first_download"):
        download(source.as_uri(), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="64 hexadecimal"):
        download(source.as_uri(), "abc")


# --------------------------------------------------------------------------- extract_archive


def test_extract_zip(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data/x.txt", "x")
        zf.writestr("data/sub/y.txt", "y")
    out = extract_archive(archive, tmp_path / "out")
    assert (out / "data" / "x.txt").read_text() == "x"
    assert (out / "data" / "sub" / "y.txt").read_text() == "y"


def test_extract_tar_gz_and_tgz(tmp_path: Path) -> None:
    for name in ("a.tar.gz", "b.tgz", "c.tar"):
        archive = _make_tar_gz(tmp_path / name, {"d/z.txt": b"z"})
        out = extract_archive(archive, tmp_path / f"out-{name}")
        assert (out / "d" / "z.txt").read_bytes() == b"z"


def test_second_extract_is_a_no_op(tmp_path: Path) -> None:
    archive = _make_tar_gz(tmp_path / "a.tar.gz", {"d/z.txt": b"z"})
    out = extract_archive(archive, tmp_path / "out")
    (out / "d" / "z.txt").write_bytes(b"changed by the user")
    assert extract_archive(archive, tmp_path / "out") == out
    assert (out / "d" / "z.txt").read_bytes() == b"changed by the user"


@pytest.mark.parametrize(
    "evil", ["../evil.txt", "d/../../evil.txt", "/tmp/evil-abs.txt", "..\\evil.txt", "C:/evil.txt"]
)
def test_zip_member_escaping_destination_is_refused(tmp_path: Path, evil: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr(zipfile.ZipInfo(evil), "bad")
    with pytest.raises(ValueError, match="Refusing") as info:
        extract_archive(archive, tmp_path / "out")
    assert repr(evil) in str(info.value)
    assert "get it from a trusted source" in str(info.value)
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out" / "ok.txt").exists()  # nothing extracted at all


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/evil-abs.txt"])
def test_tar_member_escaping_destination_is_refused(tmp_path: Path, evil: str) -> None:
    archive = _make_tar_gz(tmp_path / "evil.tar.gz", {"ok.txt": b"fine", evil: b"bad"})
    with pytest.raises(ValueError, match="Refusing") as info:
        extract_archive(archive, tmp_path / "out")
    assert evil in str(info.value)
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("target", ["../../outside", "/etc/passwd"])
def test_symlink_escaping_destination_is_refused(tmp_path: Path, target: str) -> None:
    archive = _tar_with_link(tmp_path / "link.tar", "d/link", target, tarfile.SYMTYPE)
    with pytest.raises(ValueError, match="symbolic link") as info:
        extract_archive(archive, tmp_path / "out")
    assert "d/link" in str(info.value)
    assert not (tmp_path / "out" / "d" / "link").exists()


def test_hardlink_escaping_destination_is_refused(tmp_path: Path) -> None:
    archive = _tar_with_link(tmp_path / "link.tar", "h", "../secret", tarfile.LNKTYPE)
    with pytest.raises(ValueError, match="hard link"):
        extract_archive(archive, tmp_path / "out")


def test_symlink_inside_destination_is_allowed(tmp_path: Path) -> None:
    archive = tmp_path / "ok.tar"
    with tarfile.open(archive, "w") as tf:
        info = tarfile.TarInfo("d/z.txt")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"z"))
        link = tarfile.TarInfo("d/alias.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "z.txt"
        tf.addfile(link)
    out = extract_archive(archive, tmp_path / "out")
    assert (out / "d" / "alias.txt").read_bytes() == b"z"


def test_unknown_archive_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not an archive")
    with pytest.raises(ValueError, match="not a .zip"):
        extract_archive(path, tmp_path / "out")


# --------------------------------------------------------------------------- fetch_known


def test_fetch_known_downloads_verifies_and_extracts(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _make_tar_gz(tmp_path / "toy.tar.gz", {"toy/a.txt": b"a", "toy/b/c.txt": b"c"})
    entry = (archive.as_uri(), sha256_of(archive), "toy.tar.gz")
    monkeypatch.setattr(downloads, "KNOWN_DOWNLOADS", {"toy": entry})
    folder = fetch_known("toy")
    assert folder == cache / "toy" / "toy"
    assert (folder / "b" / "c.txt").read_bytes() == b"c"
    archive.unlink()
    _forbid_network(monkeypatch)
    assert fetch_known("toy") == folder  # cached: no network, no second extraction


def test_fetch_known_without_digest_needs_trust_then_pins_it(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    archive = tmp_path / "toy.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("toy/a.txt", "a")
    digest = sha256_of(archive)
    monkeypatch.setattr(downloads, "KNOWN_DOWNLOADS", {"toy": (archive.as_uri(), None, "toy.zip")})
    with pytest.raises(UnverifiedDownloadError, match="trust_first_download=True") as info:
        fetch_known("toy")
    assert digest in str(info.value)
    assert digest in capsys.readouterr().out
    assert not (cache / "toy").exists()  # nothing extracted from an unverified file
    _forbid_network(monkeypatch)  # the file is kept, so trusting it needs no new download
    folder = fetch_known("toy", trust_first_download=True)
    assert (folder / "a.txt").read_text() == "a"
    assert (cache / "toy.zip.sha256").read_text().split()[0] == digest
    (cache / "toy.zip").write_bytes(b"tampered")
    with pytest.raises(ChecksumError):
        fetch_known("toy")  # the pinned digest now guards the file


def test_fetch_known_with_a_wrong_digest_keeps_and_extracts_nothing(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _make_tar_gz(tmp_path / "toy.tar.gz", {"toy/a.txt": b"a"})
    monkeypatch.setattr(
        downloads, "KNOWN_DOWNLOADS", {"toy": (archive.as_uri(), "f" * 64, "toy.tar.gz")}
    )
    with pytest.raises(ChecksumError) as info:
        fetch_known("toy")
    assert sha256_of(archive) in str(info.value) and "try again" in str(info.value)
    assert list(cache.iterdir()) == []  # no archive, no partial file, no extracted folder


def test_fetch_known_unknown_name_lists_known_names() -> None:
    with pytest.raises(ValueError, match="horse2zebra"):
        fetch_known("no-such-dataset")


def test_registry_entries_are_well_formed() -> None:
    for name, (url, sha256, filename) in downloads.KNOWN_DOWNLOADS.items():
        assert url.startswith(("http://", "https://")), name
        assert url.rsplit("/", 1)[-1] == filename
        assert sha256 is None or (len(sha256) == 64 and int(sha256, 16) >= 0)
    assert downloads.KNOWN_DOWNLOADS["horse2zebra"][1] is not None
