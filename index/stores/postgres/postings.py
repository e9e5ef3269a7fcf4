"""BM25 over PostgreSQL's postings at in-memory speed: each word's postings read packed, once per version.

A question's words are scored in the process, not in SQL: a word's postings in use come from the
database as one value (each posting's passage id, count and passage length packed into bytes by
the server), become two arrays (passage ids, and each posting's share of the word's BM25 score),
and stay in a cache of the process until the version in use changes. Summing the words' arrays
per passage is then what bm25s does in memory. Scoring the postings in SQL instead spent its time
aggregating them row by row (BM25 p50 15.0 ms on realtimeqa-dev's 39,868 passages, where this takes
1.4 ms once a question's words are cached; docs/deploying.md).

The cache is the store's: every `PostgresIndex` of the version in use shares it; a new version
(made by this process or another) starts it empty, so it never holds what another version holds.
It is bounded in bytes, the least recently used words leaving first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ...defaults import POSTINGS_CACHE_MB
from ...search.lexical import BM25_B, BM25_K1, bm25_idf

POSTINGS_CACHE_BYTES = POSTINGS_CACHE_MB * 1024 * 1024
"""The most a store's cache of word postings holds (passage ids and scores, 16 bytes a posting)."""
WORDS_CACHE_SIZE = 100_000
"""The most document frequencies a store's cache holds (every word a question says is looked up once)."""
PACKED = np.dtype([("passage_id", ">i8"), ("count", ">f4"), ("length", ">f4")])
"""A posting as the server packs it (int8send, float4send: big-endian)."""


class WordPostings:
    """One version's BM25 arrays per word: passage ids in use, and each one's share of the word's
    score (`bm25_idf` times Lucene's term-frequency part, as bm25s and the earlier SQL computed it)."""

    def __init__(self, version: tuple[int, str], passages: int, average_length: float) -> None:
        self.version = version
        self.passages = passages
        self.average_length = average_length or 1.0
        self.frequencies: dict[str, int] = {}
        self.postings: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.bytes = 0

    def scores(self, packed: bytes, frequency: int) -> tuple[np.ndarray, np.ndarray]:
        """A word's (passage ids, scores) from its packed postings."""
        rows = np.frombuffer(packed, dtype=PACKED)
        counts = rows["count"].astype(np.float64)
        lengths = rows["length"].astype(np.float64)
        parts = counts / (counts + BM25_K1 * (1 - BM25_B + BM25_B * lengths / self.average_length))
        ids, scores = rows["passage_id"].astype(np.int64), bm25_idf(self.passages, frequency) * parts
        if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):  # sorted by id: looked up by binary search
            order = np.argsort(ids, kind="stable")
            ids, scores = ids[order], scores[order]
        return ids, scores


class PostingsCache:
    """The store's `WordPostings` of the version last searched, under a lock (searches run in threads)."""

    def __init__(self, most_bytes: int = POSTINGS_CACHE_BYTES) -> None:
        self.most_bytes = most_bytes
        self._lock = threading.Lock()
        self._current: WordPostings | None = None

    def of_version(self, version: tuple[int, str], passages: int, average_length: float) -> WordPostings:
        """The cache of this version: a version other than the one cached starts it anew."""
        with self._lock:
            if self._current is None or self._current.version != version:
                self._current = WordPostings(version, passages, average_length)
            return self._current

    def forget(self) -> None:
        """Empty the cache (a benchmark measures the first questions after a change this way)."""
        with self._lock:
            self._current = None

    def frequencies(
        self, words: WordPostings, wanted: list[str], fetch: Callable[[list[str]], dict[str, int]]
    ) -> dict[str, int]:
        """Each word's document frequency in the version, cached; `fetch(missing)` reads the others
        (a word the corpus lacks has none: 0)."""
        with self._lock:
            known = {word: words.frequencies[word] for word in wanted if word in words.frequencies}
        missing = [word for word in wanted if word not in known]
        if missing:
            found = fetch(missing)
            with self._lock:
                if len(words.frequencies) + len(missing) > WORDS_CACHE_SIZE:
                    words.frequencies.clear()
                for word in missing:
                    known[word] = words.frequencies[word] = int(found.get(word, 0))
        return known

    def postings(
        self, words: WordPostings, wanted: dict[str, int], fetch: Callable[[list[str]], dict[str, bytes]]
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each wanted word's (passage ids, scores), by its document frequency in `wanted`; `fetch(missing)`
        reads the others' packed postings ({word: bytes})."""
        found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        with self._lock:
            for word in wanted:
                if word in words.postings:
                    words.postings.move_to_end(word)
                    found[word] = words.postings[word]
        missing = [word for word in wanted if word not in found]
        if missing:
            packed = fetch(missing)
            fresh = {word: words.scores(packed.get(word, b""), wanted[word]) for word in missing}
            found.update(fresh)
            with self._lock:
                for word, arrays in fresh.items():
                    if word in words.postings:
                        continue
                    words.postings[word] = arrays
                    words.bytes += arrays[0].nbytes + arrays[1].nbytes
                while words.bytes > self.most_bytes and words.postings:
                    _, (ids, scores) = words.postings.popitem(last=False)
                    words.bytes -= ids.nbytes + scores.nbytes
        return found


LOOK_UP_FROM = 20_000
"""Postings a word must have for MaxScore to consider looking it up rather than summing it (`top_passages`):
below that, summing costs less than checking."""


def top_passages(
    arrays: list[tuple[np.ndarray, np.ndarray, int]], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """The k passages of highest summed score, as (passage id, score), score then id ordering ties;
    `arrays` holds each word's (passage ids, sorted, scores, weight). With `allowed`, only those ids.

    Exact, without summing every posting of the commonest words when it need not (MaxScore): words are
    summed rarest first, and before a word of `LOOK_UP_FROM` postings or more, when the highest shares
    it and the words after it could add to a passage fall short of the k-th best score so far, no
    passage they alone hold can reach the k; they are then only looked up for the passages found (a
    binary search each), not summed over all of theirs."""
    words = sorted(
        ((ids, scores * weight) for ids, scores, weight in arrays if len(ids)), key=lambda word: len(word[0])
    )
    if not words or k <= 0:
        return []
    lowest = min(int(ids[0]) for ids, _ in words)
    span = max(int(ids[-1]) for ids, _ in words) - lowest + 1
    if span > 4 * sum(len(ids) for ids, _ in words) + 1_000_000:  # ids far apart: count by position instead
        passage_ids, positions = np.unique(np.concatenate([ids for ids, _ in words]), return_inverse=True)
        totals = np.bincount(positions, weights=np.concatenate([scores for _, scores in words]))
        return _best(*_admitted(passage_ids, totals, allowed), k)
    highest = [float(scores.max()) for _, scores in words]
    dense = np.zeros(span)
    for position, (ids, scores) in enumerate(words):
        if position and len(ids) >= LOOK_UP_FROM:
            passage_ids, totals = _admitted(*_found(dense, lowest), allowed)
            bound = sum(highest[position:]) * (1 + 1e-9)  # the most the words left can add to a passage
            if len(totals) >= k and np.partition(totals, len(totals) - k)[len(totals) - k] > bound:
                for word_ids, word_scores in words[position:]:
                    at = np.minimum(np.searchsorted(word_ids, passage_ids), len(word_ids) - 1)
                    totals = totals + np.where(word_ids[at] == passage_ids, word_scores[at], 0.0)
                return _best(passage_ids, totals, k)
        dense[ids - lowest] += scores  # a word's ids are distinct: no two adds to one place
    return _best(*_admitted(*_found(dense, lowest), allowed), k)


def _admitted(passage_ids: np.ndarray, totals: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The passages `allowed` admits, with their totals."""
    if allowed is None:
        return passage_ids, totals
    admitted = np.isin(passage_ids, allowed)
    return passage_ids[admitted], totals[admitted]


def _found(dense: np.ndarray, lowest: int) -> tuple[np.ndarray, np.ndarray]:
    """The passages with a score in `dense` (indexed by id - `lowest`), and their scores."""
    offsets = np.flatnonzero(dense)
    return offsets + lowest, dense[offsets]


def _best(passage_ids: np.ndarray, totals: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k of highest total, score then id ordering ties (those scoring nothing left out)."""
    keep = totals > 0
    passage_ids, totals = passage_ids[keep], totals[keep]
    if len(totals) > k:  # the k best, with every passage tied with the k-th, then ordered exactly
        kth = np.partition(totals, len(totals) - k)[len(totals) - k]
        keep = totals >= kth
        passage_ids, totals = passage_ids[keep], totals[keep]
    order = np.lexsort((passage_ids, -totals))[:k]
    return [(int(passage_ids[i]), float(totals[i])) for i in order]
