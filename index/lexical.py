"""The lexical index: BM25 (bm25s) over stemmed words with English stop words removed."""

from __future__ import annotations

import math
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

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency of a (stemmed) token; highest for tokens never seen."""
        column = self._retriever.vocab_dict.get(token)
        indptr = self._retriever.scores["indptr"]
        df = int(indptr[column + 1] - indptr[column]) if column is not None else 0
        return math.log((self._size - df + 0.5) / (df + 0.5) + 1.0)

    def coverage(self, query: str, texts: Sequence[str]) -> list[float]:
        """For each text, the share of the query's words (weighted by IDF) it contains, from 0 to 1.

        High for a passage that names what the question asks about, low for one that is merely
        on the same topic ("rice from China" against a passage on flour from Russia).
        """
        query_terms = set(_tokenize([query])[0])
        weights = {term: self.idf(term) for term in query_terms}
        total = sum(weights.values())
        if not total:
            return [0.0] * len(texts)
        return [sum(weights[term] for term in query_terms & set(terms)) / total for terms in _tokenize(texts)]

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder)), size)


