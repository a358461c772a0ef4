"""Real public corpora: a tiny registry, a checksum-verified downloader and a cache.

Nothing here runs at import time and the course never needs the network: the toy world
(:mod:`lmkit.data.toyworld`) covers every graded task.  These corpora are optional extras.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Corpus", "CORPORA", "ChecksumError", "DownloadError", "cache_dir", "download",
           "load_corpus", "sha256_of"]


@dataclass(frozen=True)
class Corpus:
    """Where a corpus lives and how to recognise the right bytes."""
    url: str
    sha256: str
    size: int  # bytes
    file_name: str
    license: str


CORPORA: dict[str, Corpus] = {
    # SHA-256 and size as recorded independently by several public projects for this file.
    "tiny_shakespeare": Corpus(
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size=1_115_394,
        file_name="tiny_shakespeare.txt",
        license="Shakespeare's plays are public domain; compiled by A. Karpathy for char-rnn (MIT).",
    ),
}


class ChecksumError(RuntimeError):
    """The bytes on disk are not the bytes the registry expects."""


class DownloadError(RuntimeError):
    """The file could not be fetched (offline, HTTP error, ...)."""


def cache_dir() -> Path:
    """``$LMKIT_CACHE`` if set, else ``~/.cache/lmkit``."""
    return Path(os.environ.get("LMKIT_CACHE") or Path.home() / ".cache" / "lmkit")


def sha256_of(path: Path | str) -> str:
    """Hex SHA-256 of a file, read in chunks so large files do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha256(sha256: str | None) -> None:
    if sha256 is not None and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower())):
        raise ValueError(f"sha256 must be 64 hex digits; got {sha256!r}")


def download(url: str, dest: Path | str, *, sha256: str | None = None, timeout: float = 30,
             progress: bool = True) -> Path:
    """Fetch ``url`` to ``dest``: stream to a temp file, verify, then rename atomically.

    Raises DownloadError when the server cannot be reached or answers an error, and
    ChecksumError (leaving no file behind) when the bytes do not hash to ``sha256``.
    """
    _check_sha256(sha256)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            _stream(url, out, digest, timeout=timeout, progress=progress, dest=dest)
        got = digest.hexdigest()
        if sha256 is not None and got != sha256.lower():
            raise ChecksumError(f"checksum mismatch for {url}: expected sha256 {sha256}, got {got}")
        os.replace(tmp, dest)  # atomic: readers never see a half-written file
        return dest
    finally:
        tmp.unlink(missing_ok=True)


def _stream(url: str, out, digest, *, timeout: float, progress: bool, dest: Path) -> None:
    """Copy the response body of ``url`` into ``out`` while hashing it."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress and total:
                    print(f"\rdownloading {dest.name}: {100 * done // total}%", end="", flush=True)
            if progress and total:
                print()
    except urllib.error.HTTPError as err:
        raise DownloadError(f"could not download {url}: HTTP {err.code} {err.reason}") from err
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(
            f"could not download {url} ({err}). This machine may be offline; download the file "
            f"by hand and put it at {dest}") from err


def load_corpus(name: str, *, cache: Path | str | None = None) -> str:
    """Text of registered corpus ``name``, downloaded once and then read from the cache.

    A cached file is re-verified; a corrupted one raises ChecksumError (delete it to refetch).
    """
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; expected one of {sorted(CORPORA)}")
    entry = CORPORA[name]
    path = Path(cache if cache is not None else cache_dir()) / entry.file_name
    if path.exists():
        got = sha256_of(path)
        if got != entry.sha256:
            raise ChecksumError(f"cached file {path} is corrupted: expected sha256 {entry.sha256}, "
                                f"got {got}; delete it to download again")
    else:
        download(entry.url, path, sha256=entry.sha256)
    return path.read_text(encoding="utf-8")
