"""The index on disk: a folder of complete versions and a `current` link to the one in use.

    INDEX_DIR/
      current -> versions/20261123T160512-3f9a2c     (a relative symbolic link)
      versions/20261123T160512-3f9a2c/
        manifest.json     format version, model, dimension, chunker settings, fingerprint, counts
        articles.jsonl    one article per line: metadata, cleaned text, digest, number of passages
        chunks.jsonl      one chunk per line, in FAISS id order: id, article, span, text, tokens
        vectors.faiss     FAISS inner-product index over unit vectors, ids = chunk line numbers
        bm25/             the bm25s index over the same chunks, and their term counts (terms.npz)

A version is written under a hidden temporary name, renamed into place once complete, and only
then does `current` switch to it, by an atomic rename of a new link over the old. A build that
dies at any point leaves `current` pointing at the previous complete version. Builds hold an
exclusive lock on `INDEX_DIR/.build.lock`, so one writes at a time and the next one clears the
leftovers of any that died.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import itertools
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import IndexBusyError, IndexMismatchError, IndexMissingError

FORMAT_VERSION = 1
CURRENT = "current"
VERSIONS = "versions"
TEMPORARY_PREFIX = ".partial-"
MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
BM25 = "bm25"
LOCK = ".build.lock"

REBUILD_HINT = "rebuild it with `newsbot index build`"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    max_tokens: int
    chunker: dict
    corpus_fingerprint: str
    corpus_paths: list[str]
    articles: int
    chunks: int
    built_at: str
    build_seconds: float

    @classmethod
    def read(cls, version_dir: Path) -> Manifest:
        path = version_dir / MANIFEST
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise IndexMismatchError(f"the index manifest {path} cannot be read ({error})", REBUILD_HINT) from None
        found = record.get("format_version")
        if found != FORMAT_VERSION:
            raise IndexMismatchError(
                f"the index at {version_dir} has format version {found}, this newsbot reads version {FORMAT_VERSION}",
                REBUILD_HINT,
            )
        try:
            return cls(**record)
        except TypeError as error:
            raise IndexMismatchError(f"the index manifest {path} is incomplete ({error})", REBUILD_HINT) from None

    def write(self, version_dir: Path) -> None:
        _write_synced(version_dir / MANIFEST, json.dumps(self.__dict__, indent=2, ensure_ascii=False) + "\n")


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
    name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%f")  # sorts in build order
    path = versions / (TEMPORARY_PREFIX + name)
    path.mkdir()
    return path


def publish(index_dir: Path, partial_dir: Path, keep: int = 3) -> Path:
    """Make a completely written version the current one, atomically; prune old versions."""
    for file in partial_dir.rglob("*"):
        if file.is_file():
            _fsync(file)
    final = partial_dir.with_name(partial_dir.name.removeprefix(TEMPORARY_PREFIX))
    os.rename(partial_dir, final)
    _fsync(final.parent)
    _point_current_at(index_dir, final)
    prune(index_dir, keep)
    return final


def _point_current_at(index_dir: Path, version_dir: Path) -> None:
    """Switch `current` to a complete version by renaming a new link over the old one (atomic)."""
    staging = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    os.symlink(os.path.join(VERSIONS, version_dir.name), staging)
    os.replace(staging, index_dir / CURRENT)
    _fsync(index_dir)


def complete_versions(index_dir: Path) -> list[Path]:
    """The complete versions on disk, oldest first."""
    versions = index_dir / VERSIONS
    if not versions.is_dir():
        return []
    return sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))


def rollback(index_dir: Path) -> Path:
    """Serve the complete version built before the current one; returns its folder."""
    with build_lock(index_dir):
        current = current_version(index_dir)
        older = [v for v in complete_versions(index_dir) if v.name < current.name]
        if not older:
            raise IndexMissingError(
                f"there is no version older than {current.name} in {index_dir} to go back to",
                "keep more versions with [index] keep_versions",
            )
        Manifest.read(older[-1])  # refuse a version this program cannot read
        _point_current_at(index_dir, older[-1])
        return older[-1]


def prune(index_dir: Path, keep: int) -> None:
    """Delete complete versions beyond the newest `keep`, never the current one."""
    current = (index_dir / CURRENT).resolve() if (index_dir / CURRENT).exists() else None
    for old in list(reversed(complete_versions(index_dir)))[max(keep, 1) :]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def clear_leftovers(index_dir: Path) -> None:
    """Remove what builds that died left behind: partial versions and staged links."""
    for leftover in (index_dir / VERSIONS).glob(TEMPORARY_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for staging in index_dir.glob(f".{CURRENT}-*"):
        staging.unlink(missing_ok=True)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock: one writer at a time, so leftovers of dead builds can go."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                f"another build is writing the index in {index_dir}", "wait for it to finish and try again"
            ) from None
        try:
            clear_leftovers(index_dir)  # every other writer is gone: we hold the lock
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def write_lines(path: Path, lines: list[bytes]) -> None:
    """JSON Lines already encoded as UTF-8, one per line."""
    with path.open("wb") as file:
        for line in lines:
            file.write(line + b"\n")


def read_lines(path: Path) -> list[bytes]:
    """A JSON Lines file's lines, undecoded (JSON escapes line breaks, so b"\\n" only ends lines)."""
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def passage_rows(records: list[dict], chunk_lines: list[bytes]) -> list[range]:
    """Each article's rows: its passages are consecutive, in article order. ValueError if damaged."""
    if all("passages" in record for record in records):
        counts = [record["passages"] for record in records]
    else:  # written before articles recorded their passage counts
        per_article: dict[str, int] = {}
        for line in chunk_lines:
            doc_id = json.loads(line)["doc_id"]
            per_article[doc_id] = per_article.get(doc_id, 0) + 1
        counts = [per_article.get(record["doc_id"], 0) for record in records]
    if sum(counts) != len(chunk_lines):
        raise ValueError(f"its articles count {sum(counts)} passages, but it holds {len(chunk_lines)}")
    return [range(start, start + count) for start, count in zip(itertools.accumulate(counts, initial=0), counts)]
