"""The lexical index: BM25 (bm25s) over stemmed words with English stop words removed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_stemmer = Stemmer.Stemmer("english")


def _tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer, return_ids=False, show_progress=False)


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self._size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        retriever = bm25s.BM25()
        retriever.index(_tokenize(texts), show_progress=False)
        return cls(retriever, len(texts))

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best rows for the query, as (row, BM25 score); rows that share no word are left out.

        With `allowed`, only those rows are considered.
        """
        tokens = _tokenize([query])
        vocabulary = self._retriever.vocab_dict
        if self._size == 0 or not any(token in vocabulary for token in tokens[0]):
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(self._size, dtype=np.float32)
            mask[allowed] = 1.0
        rows, scores = self._retriever.retrieve(tokens, k=min(k, self._size), show_progress=False, n_threads=1,
                                                weight_mask=mask)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if s > 0]

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder)), size)


