"""The build lock of an index folder: one writer at a time, so the leftovers of dead builds can go."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import IndexBusyError, IndexMismatchError
from ..base import HeldLock, check_held
from .layout import CURRENT, LOCK, VERSIONS, clear_leftovers
from .versions import move_copied_current_aside, point_current_at


def lock_key(index_dir: Path) -> str:
    return f"file:{index_dir.resolve()}"


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
            copied = move_copied_current_aside(index_dir)
            if copied is not None:  # serve the copy from versions/ at once: the build may take minutes
                point_current_at(index_dir, copied)
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
        raise IndexMismatchError(
            f"the index folder {index_dir} cannot be made ({error.strerror or error})",
            "point --index or [index] dir at a folder newsbot may write to",
        ) from None
    path = index_dir / LOCK
    not_regular = IndexMismatchError(
        f"the build lock {path} is not a regular file", f"remove it: rm -r {shlex.quote(str(path))}"
    )
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
            raise not_regular from None
        raise IndexMismatchError(
            f"the build lock {path} cannot be opened ({error.strerror or error})",
            "let newsbot write to the index folder",
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise not_regular
    return fd
