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

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import itertools
import json
import os
import shlex
import shutil
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .defaults import VERSIONS_KEPT
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
COPIED_SUFFIX = "-copied"

REBUILD_HINT = "rebuild it with `newsbot index build`"
FRESH_VERSION_HINT = "run `newsbot index build` to build a fresh version"


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
    files: dict[str, str] | None = None
    """The SHA-256 digest of each other file of the version, by path within it (see `file_digests`).
    None in versions written before digests were recorded: those cannot be checked."""
    answerability: dict | None = None
    """The answer decision's calibration for this corpus (`index.answerability.Calibration`); None in
    versions built before it was recorded, which work it out when they are opened."""
    changes: dict | None = None
    """What the build that wrote this version did, compared with the version before it: articles
    "added", "changed", "removed", passages "embedded" and "reused". None in older versions."""

    @classmethod
    def read(cls, version_dir: Path) -> Manifest:
        path = version_dir / MANIFEST
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise IndexMismatchError(f"the index manifest {path} cannot be read ({error})", REBUILD_HINT) from None
        return cls.from_record(record, f"the index manifest {path}", f"the index at {version_dir}")

    @classmethod
    def from_record(cls, record: object, what: str, where: str) -> Manifest:
        """A manifest from its JSON record; IndexMismatchError naming `what` (the manifest) or
        `where` (its index) unless it is one this newsbot reads."""
        if not isinstance(record, dict):
            raise IndexMismatchError(f"{what} is not a JSON object", REBUILD_HINT)
        found = record.get("format_version")
        if found != FORMAT_VERSION:
            raise IndexMismatchError(f"{where} has format version {found}, this newsbot reads version {FORMAT_VERSION}",
                                     REBUILD_HINT)
        try:
            manifest = cls(**record)
        except TypeError as error:
            raise IndexMismatchError(f"{what} is incomplete ({error})", REBUILD_HINT) from None
        for name, check in _MANIFEST_TYPES.items():
            if not check(getattr(manifest, name)):
                raise IndexMismatchError(f"{what} is damaged: its {name} is "
                                         f"{json.dumps(getattr(manifest, name))[:80]}", REBUILD_HINT)
        return manifest

    def to_record(self) -> dict:
        """Its JSON record, without the fields an older version did not record."""
        return {k: v for k, v in self.__dict__.items() if k not in ("files", "answerability", "changes") or v is not None}

    def write(self, version_dir: Path) -> None:
        _write_synced(version_dir / MANIFEST, json.dumps(self.to_record(), indent=2, ensure_ascii=False) + "\n")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_MANIFEST_TYPES = {
    "model": lambda v: isinstance(v, str),
    "dimension": _is_int,
    "max_tokens": _is_int,
    "chunker": lambda v: isinstance(v, dict),
    "corpus_fingerprint": lambda v: isinstance(v, str),
    "corpus_paths": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
    "articles": _is_int,
    "chunks": _is_int,
    "built_at": lambda v: isinstance(v, str),
    "build_seconds": lambda v: _is_int(v) or isinstance(v, float),
    "changes": lambda v: v is None or (isinstance(v, dict) and all(_is_int(n) for n in v.values())),
    "answerability": lambda v: v is None or isinstance(v, dict),
    "files": lambda v: v is None or (isinstance(v, dict) and all(isinstance(k, str) and isinstance(d, str)
                                                                 for k, d in v.items())),
}
assert _MANIFEST_TYPES.keys() == {f.name for f in dataclasses.fields(Manifest)} - {"format_version"}

REQUIRED_FILES = (ARTICLES, CHUNKS, VECTORS)
"""Files every version has: a manifest's "files" must list them, and every other file of the version."""


def file_digests(version_dir: Path) -> dict[str, str]:
    """The SHA-256 digest of each file of a version but its manifest, by POSIX path within it."""
    return {name: _file_digest(version_dir / name) for name in _version_files(version_dir)}


def _version_files(version_dir: Path) -> list[str]:
    """The files of a version but its manifest and hidden ones (a `.DS_Store` a copy may add)."""
    names = (p.relative_to(version_dir) for p in version_dir.rglob("*") if p.is_file())
    return sorted(name.as_posix() for name in names
                  if name.as_posix() != MANIFEST and not any(part.startswith(".") for part in name.parts))


def _file_digest(path: Path) -> str:
    """The file's sha256; OSError for anything but a regular file (a FIFO would block the read forever)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return hashlib.file_digest(file, "sha256").hexdigest()


def verify_files(version_dir: Path, manifest: Manifest) -> None:
    """IndexMismatchError unless each file the manifest lists has the digest it records.

    A version written before digests were recorded (`manifest.files` None) cannot be checked: it
    passes. The manifest must list every file of the version but hidden ones (a `.DS_Store` a copy
    may have added), which newsbot never reads."""
    files = manifest.files
    if files is None:
        return
    try:
        on_disk = _version_files(version_dir)
    except OSError as error:
        _damaged(version_dir, f"its files cannot be listed ({error})")
    for name in sorted((set(REQUIRED_FILES) | set(on_disk)) - files.keys()):
        _damaged(version_dir, f"its manifest records no digest of {name}")
    for name, digest in files.items():
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts or not parts:
            _damaged(version_dir, f"its manifest lists {name!r}, which is not a file of the version")
        path = version_dir / name
        try:
            found = _file_digest(path)
        except FileNotFoundError:
            _damaged(version_dir, f"{name} is missing")
        except OSError as error:
            _damaged(version_dir, f"{name} cannot be read ({error.strerror or error})")
        if found != digest:
            _damaged(version_dir, f"{name} is not the file it was built with (its digest differs)")


def _damaged(version_dir: Path, what: str):
    raise IndexMismatchError(f"the index version {version_dir.name} in {version_dir.parent} is damaged: {what}",
                             FRESH_VERSION_HINT)


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


def publish(index_dir: Path, partial_dir: Path, keep: int = VERSIONS_KEPT) -> Path:
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
    _move_copied_current_aside(index_dir)
    staging = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    os.symlink(os.path.join(VERSIONS, version_dir.name), staging)
    os.replace(staging, index_dir / CURRENT)
    _fsync(index_dir)


def _move_copied_current_aside(index_dir: Path) -> Path | None:
    """When `current` is a real folder (a copy of a version), move it into versions/ as a version of its own.

    Its name ends in `-copied` and sorts as the newest version so far. Writers call this under the
    build lock, before they switch `current`, which cannot be renamed over a folder. Nothing is
    deleted. Returns the folder it was moved to, or None when `current` is not a real folder."""
    link = index_dir / CURRENT
    if link.is_symlink() or not link.is_dir():
        return None
    versions = index_dir / VERSIONS
    moved = versions / (dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f") + COPIED_SUFFIX)
    try:
        versions.mkdir(parents=True, exist_ok=True)
        os.rename(link, moved)
    except OSError as error:
        raise IndexMismatchError(
            f"the folder {link} (a copy of an index version) cannot be moved into {versions} ({error.strerror or error})",
            f"move it there yourself: mv {shlex.quote(str(link))} {shlex.quote(str(moved))}",
        ) from None
    _fsync(versions)
    _fsync(index_dir)
    return moved


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
        verify_files(older[-1], Manifest.read(older[-1]))  # refuse a version this program cannot read
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


@dataclass(frozen=True)
class HeldLock:
    """Proof that the caller holds an index's build lock: pass it on to build within the same hold.

    A corpus change takes the lock before it touches the corpus folder and builds under the same
    hold, so no other build can read the folder half-changed."""

    key: str
    """Which index it locks: `file:` and the folder, or `postgres:` and the corpus."""


def lock_key(index_dir: Path) -> str:
    return f"file:{index_dir.resolve()}"


def check_held(held: HeldLock, key: str) -> None:
    if held.key != key:
        raise ValueError(f"the lock held is for {held.key}, not {key}")


@contextmanager
def build_lock(index_dir: Path, held: HeldLock | None = None) -> Iterator[HeldLock]:
    """Hold the index's build lock: one writer at a time, so leftovers of dead builds can go.

    With `held` (the lock already taken for this index by the caller) nothing more is locked."""
    if held is not None:
        check_held(held, lock_key(index_dir))
        yield held
        return
    lock_file = _open_lock_file(index_dir)
    try:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                f"another build is writing the index in {index_dir}", "wait for it to finish and try again"
            ) from None
        try:
            clear_leftovers(index_dir)  # every other writer is gone: we hold the lock
            copied = _move_copied_current_aside(index_dir)
            if copied is not None:  # serve the copy from versions/ at once: the build may take minutes
                _point_current_at(index_dir, copied)
            yield HeldLock(lock_key(index_dir))
        finally:
            _forget_if_never_built(index_dir)
            fcntl.flock(lock_file, fcntl.LOCK_UN)
    finally:
        os.close(lock_file)


def _forget_if_never_built(index_dir: Path) -> None:
    """After a first build that did not finish (Ctrl-C, a full disk): no lock file or empty folder
    left behind to puzzle over. Runs under the lock; a folder holding anything else stays."""
    if (index_dir / CURRENT).exists() or (index_dir / CURRENT).is_symlink():
        return
    clear_leftovers(index_dir)
    with contextlib.suppress(OSError):  # missing, or holding versions
        (index_dir / VERSIONS).rmdir()
    if {entry.name for entry in index_dir.iterdir()} == {LOCK}:
        (index_dir / LOCK).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            index_dir.rmdir()


def _open_lock_file(index_dir: Path) -> int:
    """The lock file's descriptor, made if missing; IndexMismatchError when the path is not a regular
    file (a folder, a symbolic link...): it is left as it is, for its owner to look at."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IndexMismatchError(f"the index folder {index_dir} cannot be made ({error.strerror or error})",
                                 "point --index or [index] dir at a folder newsbot may write to") from None
    path = index_dir / LOCK
    not_regular = IndexMismatchError(f"the build lock {path} is not a regular file", f"remove it: rm -r {shlex.quote(str(path))}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
            raise not_regular from None
        raise IndexMismatchError(f"the build lock {path} cannot be opened ({error.strerror or error})",
                                 "let newsbot write to the index folder") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise not_regular
    return fd


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
