"""The index on disk: a folder of complete versions and a `current` link to the one in use.

    INDEX_DIR/
      current -> versions/20261123T160512-3f9a2c     (a relative symbolic link)
      versions/20261123T160512-3f9a2c/
        manifest.json     format version, model, dimension, chunker settings, fingerprint, counts,
                          and the SHA-256 digest of each other file of the version ("files")
        articles.jsonl    one article per line: metadata, cleaned text, digest, number of passages
        chunks.jsonl      one chunk per line, in FAISS id order: id, article, span, text, tokens
        vectors.faiss     FAISS inner-product index over unit vectors, ids = chunk line numbers
        bm25/             the bm25s index over the same chunks, and their term counts (terms.npz)

A version is written under a hidden temporary name, renamed into place once complete, and only
then does `current` switch to it, by an atomic rename of a new link over the old. A build that
dies at any point leaves `current` pointing at the previous complete version. Builds hold an
exclusive lock on `INDEX_DIR/.build.lock`, so one writes at a time and the next one clears the
leftovers of any that died. A lock path that is not a regular file (a folder, a symbolic link) is
refused, never removed.

A version is never changed once written. Search refuses a version whose files do not match the
digests its manifest records, and a build reuses nothing from it (nor from a version written
before digests were recorded, which cannot be checked): it builds everything again.

`current` may also be a real folder, a complete copy of a version (what `cp -rL` or `scp -r` of
an index folder make): it is read like a version, and the next writer moves it into `versions/`
under a new name ending in `-copied`, then makes `current` a link again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from ...errors import REBUILD_HINT, IndexMismatchError, IndexMissingError
from ...manifest import Manifest

CURRENT = "current"
VERSIONS = "versions"
TEMPORARY_PREFIX = ".partial-"
MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
BM25 = "bm25"
LOCK = ".build.lock"
COPIED_SUFFIX = "-copied"

FRESH_VERSION_HINT = "run `newsbot index build` to build a fresh version"


def read_manifest(version_dir: Path) -> Manifest:
    """A version folder's manifest; IndexMismatchError when it cannot be read or is not one this newsbot reads."""
    path = version_dir / MANIFEST
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexMismatchError(f"the index manifest {path} cannot be read ({error})", REBUILD_HINT) from None
    return Manifest.from_record(record, f"the index manifest {path}", f"the index at {version_dir}")


def write_manifest(version_dir: Path, manifest: Manifest) -> None:
    write_synced(version_dir / MANIFEST, json.dumps(manifest.to_record(), indent=2, ensure_ascii=False) + "\n")


def current_version(index_dir: Path) -> Path:
    """The folder of the version in use; IndexMissingError when none has been built."""
    link = index_dir / CURRENT
    if not link.exists():
        raise IndexMissingError(f"no index has been built in {index_dir} yet", "build one with `newsbot index build`")
    return link.resolve()


def new_version_dir(index_dir: Path) -> Path:
    """A fresh, hidden folder to write a version into."""
    versions = index_dir / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")  # sorts in build order
    path = versions / (TEMPORARY_PREFIX + name)
    path.mkdir()
    return path


def complete_versions(index_dir: Path) -> list[Path]:
    """The complete versions on disk, oldest first."""
    versions = index_dir / VERSIONS
    if not versions.is_dir():
        return []
    return sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))


def clear_leftovers(index_dir: Path) -> None:
    """Remove what builds that died left behind: partial versions and staged links."""
    for leftover in (index_dir / VERSIONS).glob(TEMPORARY_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for staging in index_dir.glob(f".{CURRENT}-*"):
        staging.unlink(missing_ok=True)


def write_lines(path: Path, lines: list[bytes]) -> None:
    """JSON Lines already encoded as UTF-8, one per line."""
    with path.open("wb") as file:
        for line in lines:
            file.write(line + b"\n")


def read_lines(path: Path) -> list[bytes]:
    """A JSON Lines file's lines, undecoded (JSON escapes line breaks, so b"\\n" only ends lines)."""
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
