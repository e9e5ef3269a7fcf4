"""Where index versions live, and the one place that names every backend.

    FileStore(index_dir)          the default: a folder of complete versions on disk (files/: FAISS + bm25s)
    PostgresStore(url, corpus)    PostgreSQL with pgvector, for several processes and large corpora (postgres/)

The base (`base.py`: `VersionStore`, `NewVersion`, `StoredVersion`, `HeldLock`) names no backend;
the backends import the base, never this package. Functions of the library that take an index
folder (`build_index`, `open_index`, `serve_previous_version`, `build_lock`) take a store as well:
`as_store` turns a folder into a `FileStore`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..defaults import HNSW_EF_CONSTRUCTION, HNSW_M, POSTINGS_CACHE_MB
from .base import HeldLock, NewVersion, StoredArticle, StoredVersion, VersionStore

if TYPE_CHECKING:
    from ..embedding.base import Embedder
    from ..search.news_index import NewsIndex

StoreBackend = Literal["faiss", "postgres"]
STORE_BACKENDS: tuple[StoreBackend, ...] = ("faiss", "postgres")
"""The backends by the names [store] backend gives them: "faiss" is the index folder (FAISS + bm25s)."""


def as_store(where: Path | str | VersionStore) -> VersionStore:
    """A store as it is; an index folder as the file store in it."""
    if isinstance(where, VersionStore):
        return where
    from .files.store import FileStore

    return FileStore(Path(where))


def open_store(
    backend: StoreBackend,
    index_dir: Path,
    *,
    url: str = "",
    corpus: str = "",
    hnsw_m: int = HNSW_M,
    hnsw_ef_construction: int = HNSW_EF_CONSTRUCTION,
    postings_cache_mb: int = POSTINGS_CACHE_MB,
) -> VersionStore:
    """The store a backend names: the index folder itself, or `corpus` in the PostgreSQL database at `url`
    (its HNSW graph, when this store makes it, built with `hnsw_m` and `hnsw_ef_construction`; BM25's word
    postings kept in the process up to `postings_cache_mb`)."""
    if backend != "postgres":
        return as_store(index_dir)
    from .postgres.store import PostgresStore
    from .postgres.writes import HnswGraph

    return PostgresStore(url, corpus, HnswGraph(hnsw_m, hnsw_ef_construction), postings_cache_mb * 1024 * 1024)


def open_index(where: Path | str | VersionStore, embedder: Embedder) -> NewsIndex:
    """The version in use of an index folder or a store, for searching; refuses one built by another
    format, model or dimension."""
    return as_store(where).open(embedder)


def build_lock(where: Path | VersionStore, held: HeldLock | None = None) -> AbstractContextManager[HeldLock]:
    """Hold the build lock of an index folder or a store (see `VersionStore.lock`)."""
    return as_store(where).lock(held)


def serve_previous_version(where: Path | VersionStore) -> str:
    """Serve the version before the one in use of an index folder or a store again; returns its name."""
    return as_store(where).serve_previous()


__all__ = [
    "STORE_BACKENDS",
    "HeldLock",
    "NewVersion",
    "StoreBackend",
    "StoredArticle",
    "StoredVersion",
    "VersionStore",
    "as_store",
    "build_lock",
    "open_index",
    "open_store",
    "serve_previous_version",
]
