"""The lexical index: BM25 (bm25s) over stemmed words with English stop words removed.

Each version also keeps the term counts of every passage (`TermCounts`), so a build that keeps
most passages takes their rows as they are and tokenizes only the new ones. The BM25 weights
are then recomputed for the whole matrix at once, with the same formulas bm25s uses by default
(Lucene's), because bm25s's own `index()` recounts every passage in Python, which costs seconds
on a corpus of tens of thousands of passages.

bm25s and scipy are imported where they are first used: commands that only read an index's
manifest never load them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import bm25s
    import scipy.sparse as sp


@cache
def _english_stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _sparse():
    import scipy.sparse

    return scipy.sparse


TERMS_FILE = "terms.npz"
"""The term counts, saved next to bm25s's files; their columns are bm25s's vocabulary."""
BM25S_VOCABULARY_FILE = "vocab.index.json"
BM25_K1 = 1.5
BM25_B = 0.75
"""BM25's term-frequency saturation and length normalisation: bm25s's defaults (Lucene's)."""
MAX_QUERY_TERMS = 32
"""The distinct words of a question BM25 scores: the rarest in the corpus, when a question has more.
Every word costs a pass over its postings, so this, not the question's text, bounds a search."""
MAX_TERM_WEIGHT = 3
"""A word said several times in a question counts that many times (as bm25s counts it), up to this."""


def _tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_english_stemmer(), return_ids=False, show_progress=False
    )


def tokenize(text: str) -> list[str]:
    """The stemmed words BM25 indexes for this text, stop words left out, in order."""
    return _tokenize([text])[0] if text.strip() else []


def bm25_idf(passages: int, document_frequency: int) -> float:
    """BM25's inverse document frequency (Lucene's, as bm25s computes it)."""
    return math.log((passages - document_frequency + 0.5) / (document_frequency + 0.5) + 1.0)


def query_terms(query: str, document_frequency: Callable[[str], int]) -> dict[str, int]:
    """The question's words that BM25 scores, each with its weight: the words the corpus holds
    (`document_frequency` above 0), each once with how often the question says it (at most
    `MAX_TERM_WEIGHT`), at most `MAX_QUERY_TERMS` of them, the rarest first chosen. Both stores score
    these, so a question's cost is bounded whatever its text."""
    counts = Counter(tokenize(query))
    frequency = {term: document_frequency(term) for term in counts}
    held = sorted((term for term in counts if frequency[term] > 0), key=lambda term: frequency[term])
    return {term: min(counts[term], MAX_TERM_WEIGHT) for term in held[:MAX_QUERY_TERMS]}


def tokenize_all(texts: Sequence[str]) -> list[list[str]]:
    return _tokenize(texts) if texts else []


class TermCounts:
    """How often each stemmed word occurs in each passage: a sparse passages x words matrix."""

    def __init__(self, counts: sp.csr_matrix, vocabulary: dict[str, int]) -> None:
        self.counts = counts
        self.vocabulary = vocabulary

    @classmethod
    def empty(cls) -> TermCounts:
        return cls(_sparse().csr_matrix((0, 0), dtype=np.float32), {})

    @classmethod
    def of(cls, texts: Sequence[str]) -> TermCounts:
        return cls.empty().extended(texts)

    def __len__(self) -> int:
        return self.counts.shape[0]

    def extended(self, texts: Sequence[str]) -> TermCounts:
        """These rows followed by one row per text; new words join the vocabulary."""
        if not texts:
            return self
        sp = _sparse()
        vocabulary = dict(self.vocabulary)
        rows: list[int] = []
        columns: list[int] = []
        for row, tokens in enumerate(_tokenize(texts)):
            rows.extend([row] * len(tokens))
            columns.extend(vocabulary.setdefault(token, len(vocabulary)) for token in tokens)
        added = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(texts), len(vocabulary))
        )  # duplicates are summed
        old = self.counts.copy()
        old.resize((len(self), len(vocabulary)))
        return TermCounts(sp.vstack([old, added], format="csr"), vocabulary)

    def take(self, rows: np.ndarray) -> TermCounts:
        """These rows only, in this order; words no row uses leave the vocabulary."""
        if len(rows) == len(self) and np.array_equal(rows, np.arange(len(self))):
            return self
        counts = self.counts[rows]
        used = np.flatnonzero(np.bincount(counts.indices, minlength=counts.shape[1]))
        renumber = np.full(counts.shape[1], -1, dtype=np.int64)
        renumber[used] = np.arange(len(used))
        words = {word: int(renumber[column]) for word, column in self.vocabulary.items() if renumber[column] >= 0}
        return TermCounts(
            _sparse().csr_matrix(
                (counts.data, renumber[counts.indices], counts.indptr), shape=(counts.shape[0], len(used))
            ),
            words,
        )


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25, size: int, terms: TermCounts | None = None) -> None:
        self._retriever = retriever
        self._size = size
        self._terms = terms

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        return cls.from_counts(TermCounts.of(texts))

    @classmethod
    def from_counts(cls, terms: TermCounts) -> LexicalIndex:
        """BM25 weights for every (passage, word): Lucene's IDF and term-frequency saturation."""
        import bm25s

        sp = _sparse()
        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        counts = terms.counts
        passages, words = counts.shape
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        average = lengths.mean() if passages else 0.0
        df = np.bincount(counts.indices, minlength=words)
        idf = np.log(1.0 + (passages - df + 0.5) / (df + 0.5))
        tf = counts.data.astype(np.float64)
        row_of_entry = np.repeat(np.arange(passages), np.diff(counts.indptr))
        saturation = tf / (retriever.k1 * (1 - retriever.b + retriever.b * lengths[row_of_entry] / average) + tf)
        weights = sp.csr_matrix(
            ((idf[counts.indices] * saturation).astype(np.float32), counts.indices, counts.indptr), shape=counts.shape
        ).tocsc()
        retriever.scores = {
            "data": weights.data,
            "indices": weights.indices.astype(np.int32),
            "indptr": weights.indptr,
            "num_docs": passages,
        }
        retriever.vocab_dict = dict(terms.vocabulary)
        retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
        retriever.nonoccurrence_array = None
        return cls(retriever, passages, terms)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best rows for the query, as (row, BM25 score); rows that share no word are left out.

        With `allowed`, only those rows are considered.
        """
        terms = query_terms(query, self.document_frequency)
        if self._size == 0 or not terms:
            return []
        tokens = [[term for term, weight in terms.items() for _ in range(weight)]]
        mask = None
        if allowed is not None:
            mask = np.zeros(self._size, dtype=np.float32)
            mask[allowed] = 1.0
        rows, scores = self._retriever.retrieve(
            tokens, k=min(k, self._size), show_progress=False, n_threads=1, weight_mask=mask
        )
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if s > 0]

    def document_frequency(self, token: str) -> int:
        """How many passages hold this (stemmed) token."""
        column = self._retriever.vocab_dict.get(token)
        indptr = self._retriever.scores["indptr"]
        return int(indptr[column + 1] - indptr[column]) if column is not None and column + 1 < len(indptr) else 0

    def idfs(self, tokens: Sequence[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each (stemmed) token; highest for tokens never seen."""
        return {token: bm25_idf(self._size, self.document_frequency(token)) for token in tokens}

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder))
        if self._terms is not None:
            _sparse().save_npz(folder / TERMS_FILE, self._terms.counts, compressed=False)  # compressing costs seconds

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder)), size)

    @staticmethod
    def load_terms(folder: Path) -> TermCounts:
        """The term counts a saved index was built from (OSError or ValueError if it kept none)."""
        vocabulary = json.loads((folder / BM25S_VOCABULARY_FILE).read_text(encoding="utf-8"))
        return TermCounts(_sparse().load_npz(folder / TERMS_FILE).tocsr(), vocabulary)
