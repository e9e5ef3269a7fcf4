"""Making a written version the one in use, going back to the one before, and pruning old ones.

`current` switches by an atomic rename of a new link over the old, so a reader sees one complete
version or the other. Writers call these under the build lock (lock.py).
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import uuid
from pathlib import Path

from ...defaults import VERSIONS_KEPT
from ...errors import IndexMismatchError, IndexMissingError
from .digests import verify_files
from .layout import (
    COPIED_SUFFIX,
    CURRENT,
    TEMPORARY_PREFIX,
    VERSIONS,
    complete_versions,
    current_version,
    fsync,
    read_manifest,
)


def publish(index_dir: Path, partial_dir: Path, keep: int = VERSIONS_KEPT) -> Path:
    """Make a completely written version the current one, atomically; prune old versions."""
    for file in partial_dir.rglob("*"):
        if file.is_file():
            fsync(file)
    final = partial_dir.with_name(partial_dir.name.removeprefix(TEMPORARY_PREFIX))
    os.rename(partial_dir, final)
    fsync(final.parent)
    point_current_at(index_dir, final)
    prune(index_dir, keep)
    return final


def point_current_at(index_dir: Path, version_dir: Path) -> None:
    """Switch `current` to a complete version by renaming a new link over the old one (atomic)."""
    move_copied_current_aside(index_dir)
    staging = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    os.symlink(os.path.join(VERSIONS, version_dir.name), staging)
    os.replace(staging, index_dir / CURRENT)
    fsync(index_dir)


def move_copied_current_aside(index_dir: Path) -> Path | None:
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
    fsync(versions)
    fsync(index_dir)
    return moved


def point_current_back(index_dir: Path) -> Path:
    """Serve the complete version built before the current one; returns its folder. The caller holds
    the build lock."""
    current = current_version(index_dir)
    older = [v for v in complete_versions(index_dir) if v.name < current.name]
    if not older:
        raise IndexMissingError(
            f"there is no version older than {current.name} in {index_dir} to go back to",
            "keep more versions with [index] keep_versions",
        )
    verify_files(older[-1], read_manifest(older[-1]))  # refuse a version this program cannot read
    point_current_at(index_dir, older[-1])
    return older[-1]


def prune(index_dir: Path, keep: int) -> None:
    """Delete complete versions beyond the newest `keep`, never the current one."""
    current = (index_dir / CURRENT).resolve() if (index_dir / CURRENT).exists() else None
    for old in list(reversed(complete_versions(index_dir)))[max(keep, 1) :]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
