"""The dense vector index: FAISS inner product over unit vectors (cosine similarity), with ids.

FAISS is imported where it is first used, not with this module: commands that only read an
index's manifest (stats, a config error) start in a third of the time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import faiss


def _faiss():
    import faiss

    return faiss


SEARCH_THREADS = 1
"""One question at a time: FAISS's OpenMP threads cost more to wake than they save (measured on the
realtimeqa-dev index: 5.8 ms a search on one thread, 9.8 ms on two)."""


@contextmanager
def openmp_threads(count: int) -> Iterator[None]:
    """OpenMP threads for the work in this block, in the calling thread only, then as they were.

    FAISS and PyTorch share the OpenMP runtime: a count set for the whole process (at import, say)
    would also set how many cores the model embeds on, depending on which library came first."""
    faiss = _faiss()
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


class VectorIndex:
    """Index, append, remove, search, save and load vectors under int64 ids."""

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        if index is None:
            faiss = _faiss()
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._index: Any = index  # an IndexIDMap2: faiss's stubs know only the base Index

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k nearest ids to one query vector, best first, as (id, cosine similarity).

        With `allowed`, only those ids are considered.
        """
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        params = None
        if allowed is not None:
            faiss = _faiss()
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        with openmp_threads(SEARCH_THREADS):
            scores, ids = self._index.search(vector, min(k, len(self)), params=params)
        # FAISS pads with id -1 when it has fewer than k results: never use it as an id.
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def start_search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> Callable[[], list[tuple[int, float]]]:
        """`search`, done at once (FAISS's flat scan is in this process: nothing to overlap BM25 with)."""
        found = self.search(query, k, allowed)
        return lambda: found

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors for these ids, in the same order."""
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._index.reconstruct(int(i)) for i in ids])

    def all_vectors(self) -> np.ndarray:
        """Every stored vector, row i holding id i (one bulk copy, not one lookup per id).

        ValueError unless the ids are exactly 0 .. n-1, as every build writes them.
        """
        faiss = _faiss()
        ids = faiss.vector_to_array(self._index.id_map) if len(self) else np.zeros(0, dtype=np.int64)
        if not np.array_equal(np.sort(ids), np.arange(len(ids))):
            raise ValueError("the vector ids are not the passage rows 0 .. n-1")
        matrix = (
            faiss.downcast_index(self._index.index).reconstruct_n(0, len(self))
            if len(self)
            else np.zeros((0, self.dimension), dtype=np.float32)
        )
        rows = np.empty_like(matrix)
        rows[ids] = matrix
        return rows

    def save(self, path: Path) -> None:
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        index = _faiss().read_index(str(path))
        return cls(index.d, index)
