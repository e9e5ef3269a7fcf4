"""Where index versions live: the one interface builds and searches go through, and its backends.

    FileStore(index_dir)          the default: a folder of complete versions on disk (store.py, FAISS + bm25s)
    PostgresStore(url, corpus)    PostgreSQL with pgvector, for several processes and large corpora
                                  (postgres_store.py)

A build works out a complete new version in memory (`NewVersion`: every article, passage, vector
and term count, and the answer calibration measured on it), then hands it to the store, which
makes it the version in use in one step: readers see the old corpus or the new, never half. Both
stores keep earlier versions for `rollback`, take one writer at a time (`lock`), and give the
build the version in use to start from (`read_current`), so only what changed is embedded.

Functions of the library that take an index folder (`build_index`, `NewsIndex.open`, `rollback`,
`build_lock`) take a store as well: `as_store` turns a folder into a `FileStore`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import IndexMismatchError

if TYPE_CHECKING:
    from .embedding import Embedder
    from .lexical import LexicalIndex, TermCounts
    from .reuse import StoredArticle, StoredVersion
    from .search import NewsIndex
    from .store import HeldLock, Manifest
    from .vectors import VectorIndex


class VersionChanged(IndexMismatchError):
    """Another process made another version the one in use while this one was being read: open it
    again (`Newsbot.ask` does, and asks once more)."""


@dataclass
class NewVersion:
    """A complete version a build made, not yet stored: rows are positions in `chunk_lines`."""

    manifest: Manifest
    articles: dict[str, StoredArticle]
    chunk_lines: list[bytes]
    vectors: np.ndarray
    terms: TermCounts
    words: dict[str, int]
    vector_index: VectorIndex | None = None
    """FAISS over `vectors`, when the build made one already (a file store saves it as it is)."""
    lexical: LexicalIndex | None = None
    """BM25 over `terms`, likewise."""


class VersionStore(ABC):
    """Complete index versions, the one in use among them, and the lock writers take."""

    location: str
    """How messages name it: a folder, or a corpus in a database (never with a password)."""

    @abstractmethod
    def lock(self, held: HeldLock | None = None) -> AbstractContextManager[HeldLock]:
        """One writer at a time; IndexBusyError when another holds it. With `held`, nothing more is taken."""

    @abstractmethod
    def read_current(self, kept: StoredVersion | None = None) -> StoredVersion | None:
        """The version in use, as a build starts from it; None when there is none or it cannot be trusted.
        `kept` is returned as it is when it is still the version in use."""

    def keeps_unchanged(self, stored: StoredVersion) -> bool:
        """Whether a build that changes nothing may leave `stored` in use instead of writing a version."""
        return True

    @abstractmethod
    def publish(self, new: NewVersion, keep: int) -> StoredVersion:
        """Store a complete version and make it the one in use, in one step; keep `keep` versions."""

    @abstractmethod
    def open(self, embedder: Embedder) -> NewsIndex:
        """The version in use, for searching; IndexMissingError when none, IndexMismatchError when it
        was built with another model or cannot be read."""

    @abstractmethod
    def current_name(self) -> str | None:
        """The name of the version in use (cheap: asked before answering), None when there is none."""

    @abstractmethod
    def rollback(self) -> str:
        """Serve the version before the one in use again; returns its name."""

    def close(self) -> None:  # noqa: B027 - a folder holds nothing open
        """Let go of what it holds open (a database's connections); it opens them again when used."""


def as_store(where: Path | str | VersionStore) -> VersionStore:
    """A store as it is; an index folder as the file store in it."""
    if isinstance(where, VersionStore):
        return where
    from .file_store import FileStore

    return FileStore(Path(where))


def build_lock(where: Path | VersionStore, held: HeldLock | None = None) -> AbstractContextManager[HeldLock]:
    """Hold the build lock of an index folder or a store (see `VersionStore.lock`)."""
    return as_store(where).lock(held)


def rollback(where: Path | VersionStore) -> str:
    """Serve the version before the one in use of an index folder or a store; returns its name."""
    return as_store(where).rollback()
