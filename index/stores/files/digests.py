"""A version's files held against the SHA-256 digests its manifest records.

A version is never changed once written: a search refuses one whose files differ from the digests,
and a build reuses nothing from it. A version written before digests were recorded cannot be checked.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from ...errors import IndexMismatchError
from ...manifest import Manifest
from .layout import ARTICLES, CHUNKS, FRESH_VERSION_HINT, MANIFEST, VECTORS

REQUIRED_FILES = (ARTICLES, CHUNKS, VECTORS)
"""Files every version has: a manifest's "files" must list them, and every other file of the version."""


def file_digests(version_dir: Path) -> dict[str, str]:
    """The SHA-256 digest of each file of a version but its manifest, by POSIX path within it."""
    return {name: _file_digest(version_dir / name) for name in _version_files(version_dir)}


def _version_files(version_dir: Path) -> list[str]:
    """The files of a version but its manifest and hidden ones (a `.DS_Store` a copy may add)."""
    names = (p.relative_to(version_dir) for p in version_dir.rglob("*") if p.is_file())
    return sorted(
        name.as_posix()
        for name in names
        if name.as_posix() != MANIFEST and not any(part.startswith(".") for part in name.parts)
    )


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
    raise IndexMismatchError(
        f"the index version {version_dir.name} in {version_dir.parent} is damaged: {what}", FRESH_VERSION_HINT
    )
