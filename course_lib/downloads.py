"""Downloading and unpacking the optional real datasets of the course.

Everything lands in one cache folder, :func:`data_dir`. Every download is checked against a
SHA-256 digest before it is used; nothing here runs on import.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from course_lib import settings

__all__ = [
    "KNOWN_DOWNLOADS",
    "ChecksumError",
    "DownloadError",
    "UnverifiedDownloadError",
    "data_dir",
    "download",
    "extract_archive",
    "fetch_known",
    "sha256_of",
]

_CHUNK = 1 << 20  # 1 MiB
_TIMEOUT_S = 60
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_HINT = "Nothing was extracted; delete the archive and get it from a trusted source."

# name -> (url, sha256 or None, file name in data_dir()).
# An entry whose sha256 is None has no digest published anywhere we could find; see
# fetch_known(..., trust_first_download=True) for how such a file is accepted.
KNOWN_DOWNLOADS: dict[str, tuple[str, str | None, str]] = {
    # CycleGAN horse2zebra (Zhu et al. 2017), 116,867,962 bytes.
    # SHA-256 from TensorFlow Datasets, tensorflow_datasets/url_checksums/cycle_gan.txt
    # (github.com/tensorflow/datasets), recorded there for the same file at its former address
    # https://people.eecs.berkeley.edu/~taesung_park/CycleGAN/datasets/horse2zebra.zip.
    "horse2zebra": (
        "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/horse2zebra.zip",
        "a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1",
        "horse2zebra.zip",
    ),
    # CMP Facades as repackaged for pix2pix (Isola et al. 2017; Tylecek & Sara 2013).
    # No public SHA-256 found. One public script lists the MD5 e2e25dd517e9d15828416ab329da2854
    # for this file: compare `hashlib.md5` of your copy with it before trusting the download.
    "facades": (
        "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz",
        None,
        "facades.tar.gz",
    ),
    # IMDB-WIKI, Wikipedia part, faces only (Rothe et al. 2015), about 811 MB.
    # No public SHA-256 or MD5 found.
    "wiki_crop": (
        "https://data.vision.ee.ethz.ch/cvl/rrothe/imdb-wiki/static/wiki_crop.tar",
        None,
        "wiki_crop.tar",
    ),
}


class ChecksumError(ValueError):
    """A file's SHA-256 digest is not the expected one. Introduced in notebook 01."""


class DownloadError(OSError):
    """A URL could not be read; the message says how to place the file by hand."""


class UnverifiedDownloadError(RuntimeError):
    """A download has no known digest and was not accepted with trust_first_download=True."""


def data_dir() -> Path:
    """Return the course's data cache folder, creating it if needed. Introduced in notebook 01.

    ``$IMG2IMG_DATA`` if set, else ``$XDG_CACHE_HOME/img2img``, else ``~/.cache/img2img``
    (``settings.current().data``).
    """
    folder = settings.current().data
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PermissionError(
            f"Cannot create the course's data folder {folder} ({error.strerror or error}). "
            "Point IMG2IMG_DATA at a folder you can write to, for example "
            "`export IMG2IMG_DATA=$HOME/img2img-data`, and try again."
        ) from error
    return folder


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file, read in chunks. Introduced in notebook 01."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_digest_arg(sha256: object) -> str:
    if sha256 is None:
        raise ValueError(
            "download() needs the expected SHA-256 digest of the file; it never downloads "
            "unverified. For a registry entry without a published digest use "
            "fetch_known(name, trust_first_download=True)."
        )
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256.strip().lower()):
        raise ValueError(f"sha256 must be 64 hexadecimal characters, got {sha256!r}")
    return sha256.strip().lower()


def _filename_from_url(url: str) -> str:
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlparse(url).path)).name
    if not name:
        raise ValueError(f"Cannot tell a file name from the URL {url!r}; pass filename=...")
    return name


def _network_error(url: str, target: Path, expected: str | None, err: Exception) -> DownloadError:
    hint = f" (expected SHA-256 {expected})" if expected else ""
    detail = getattr(err, "reason", err)
    if isinstance(err, urllib.error.HTTPError):
        err.close()  # an HTTPError holds the open connection
        detail = err  # "HTTP Error 404: Not Found"
    return DownloadError(
        f"Could not download {url}: {detail}.\n"
        f"If this machine has no internet access, download the file on another machine and "
        f"copy it by hand to {target}{hint}; it is then used without any network access."
    )


# Hand-written rather than keras.utils.get_file or pooch: a cached file with another digest
# (perhaps one copied by hand to an offline machine) is reported, not downloaded over as
# get_file does; no network gets a message saying how to copy the file by hand; and
# wiki_crop, whose digest is published nowhere, is pinned at its first download.
def _fetch(url: str, target: Path, expected: str | None = None) -> str:
    """Stream url to a temporary file beside target, check it, rename it; return its digest."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    n_bytes = 0
    network_errors = (urllib.error.URLError, http.client.HTTPException, OSError, ValueError)
    try:
        with os.fdopen(fd, "wb") as out:
            print(f"Downloading {url}\n         to {target} ...", flush=True)
            try:
                response = urllib.request.urlopen(url, timeout=_TIMEOUT_S)
            except network_errors as err:
                raise _network_error(url, target, expected, err) from err
            total = int(response.headers.get("Content-Length") or 0) if response.headers else 0
            shown = 0
            with response:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except network_errors as err:
                        raise _network_error(url, target, expected, err) from err
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    n_bytes += len(chunk)
                    if total and n_bytes * 10 // total > shown:
                        shown = n_bytes * 10 // total
                        print(f"  {10 * shown:3d}% of {total / 1e6:.0f} MB", end="\r", flush=True)
        actual = digest.hexdigest()
        if expected is not None and actual != expected:
            raise ChecksumError(
                f"The download of {url} has SHA-256 {actual}, expected {expected}. "
                f"The file was discarded. The transfer may have been corrupted (try again) or "
                f"the file on the server has changed (check the URL and where the digest came "
                f"from)."
            )
        os.replace(tmp, target)
        print(f"Done: {n_bytes / 1e6:.1f} MB.", flush=True)
        return actual
    finally:
        tmp.unlink(missing_ok=True)


def download(url: str, sha256: str, filename: str | None = None) -> Path:
    """Download url into data_dir() once, verified by SHA-256; return the file's path.

    A file already there with the right digest is reused without any network access.
    Introduced in notebook 01.
    """
    expected = _check_digest_arg(sha256)
    name = filename or _filename_from_url(url)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"filename must be a plain file name, got {name!r}")
    target = data_dir() / name
    if target.exists():
        actual = sha256_of(target)
        if actual != expected:
            raise ChecksumError(
                f"{target} is already there but its SHA-256 is {actual}, expected {expected}. "
                f"Delete the file to download it again, or check that it came from {url}."
            )
        return target
    _fetch(url, target, expected)
    return target


def _is_within(root: Path, candidate: Path) -> bool:
    root = Path(os.path.realpath(root))
    candidate = Path(os.path.realpath(candidate))
    return candidate == root or root in candidate.parents


def _check_member_name(name: str, destination: Path, archive: Path) -> None:
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix) or ".." in parts:
        raise ValueError(
            f"Refusing to extract {archive.name}: member {name!r} would be written outside "
            f"{destination} (absolute path or '..'). The archive may be malicious: "
            f"{_UNSAFE_HINT}"
        )
    if not _is_within(destination, destination / posix):
        raise ValueError(
            f"Refusing to extract {archive.name}: member {name!r} resolves outside {destination}. "
            f"{_UNSAFE_HINT}"
        )


def _check_tar_member(member: tarfile.TarInfo, destination: Path, archive: Path) -> None:
    _check_member_name(member.name, destination, archive)
    if member.issym() or member.islnk():
        link = member.linkname.replace("\\", "/")
        if member.issym():
            # A symbolic link is resolved relative to the folder that holds it.
            target = destination / PurePosixPath(member.name).parent / link
        else:
            # A hard link names another member, relative to the archive root.
            target = destination / link
        if link.startswith("/") or not _is_within(destination, target):
            kind = "symbolic" if member.issym() else "hard"
            raise ValueError(
                f"Refusing to extract {archive.name}: member {member.name!r} is a {kind} link "
                f"to {member.linkname!r}, outside {destination}. The archive may be malicious: "
                f"{_UNSAFE_HINT}"
            )
    elif not (member.isfile() or member.isdir()):
        raise ValueError(
            f"Refusing to extract {archive.name}: member {member.name!r} is a device or fifo. "
            f"{_UNSAFE_HINT}"
        )


def _archive_kind(archive: Path) -> str:
    name = archive.name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        return "tar"
    if zipfile.is_zipfile(archive):
        return "zip"
    if tarfile.is_tarfile(archive):
        return "tar"
    raise ValueError(f"{archive} is not a .zip, .tar, .tar.gz or .tgz archive.")


def extract_archive(archive: Path, destination: Path) -> Path:
    """Safely unpack a .zip/.tar/.tar.gz/.tgz archive into destination; return destination.

    Members escaping destination are refused; a marker file makes a second call a no-op.
    Introduced in notebook 01.
    """
    archive, destination = Path(archive), Path(destination)
    if not archive.is_file():
        raise FileNotFoundError(f"Archive not found: {archive}")
    marker = destination / f".extracted-{archive.name}"
    if marker.exists():
        return destination
    kind = _archive_kind(archive)
    destination.mkdir(parents=True, exist_ok=True)
    if kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _check_member_name(info.filename, destination, archive)
            zf.extractall(destination)
    else:
        with tarfile.open(archive, "r:*") as tf:
            members = tf.getmembers()
            for member in members:
                _check_tar_member(member, destination, archive)
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 / 3.10.12: second guard
                tf.extractall(destination, members=members, filter="data")
            else:  # pragma: no cover - older Python; every member was checked above
                tf.extractall(destination, members=members)
    marker.write_text(f"{archive.name}\n")
    return destination


def _single_top_folder(folder: Path) -> Path:
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder


def fetch_known(name: str, trust_first_download: bool = False) -> Path:
    """Download and extract a KNOWN_DOWNLOADS entry; return the extracted folder.

    For an entry without a published SHA-256 the first download is only accepted with
    ``trust_first_download=True``; its digest is then pinned. Introduced in notebook 01.
    """
    if name not in KNOWN_DOWNLOADS:
        raise ValueError(f"Unknown dataset {name!r}; known: {', '.join(sorted(KNOWN_DOWNLOADS))}.")
    url, sha256, filename = KNOWN_DOWNLOADS[name]
    folder = data_dir()
    pin = folder / f"{filename}.sha256"
    if sha256 is None and pin.exists():
        sha256 = pin.read_text().split()[0]
    if sha256 is not None:
        archive = download(url, sha256, filename)
    else:
        archive = folder / filename
        actual = sha256_of(archive) if archive.exists() else _fetch(url, archive)
        print(f"SHA-256 of {archive.name}: {actual}", flush=True)
        if not trust_first_download:
            raise UnverifiedDownloadError(
                f"No published SHA-256 is known for {name!r}, so {archive} is not verified.\n"
                f"Its SHA-256 is {actual}. If you trust this copy (compare the digest with a "
                f"trusted source), accept it with fetch_known({name!r}, "
                f"trust_first_download=True); it is not downloaded again. Otherwise delete it."
            )
        pin.write_text(f"{actual}  {filename}\n")
    destination = extract_archive(archive, folder / name)
    return _single_top_folder(destination)
