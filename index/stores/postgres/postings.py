"""BM25 over PostgreSQL's postings at in-memory speed: each word's postings read packed, once per version.

A question's words are scored in the process, not in SQL: a word's postings in use come from the
database as one value (each posting's passage id, count and passage length packed into bytes by
the server), become two arrays (passage ids, and each posting's share of the word's BM25 score),
and stay in a cache of the process until the version in use changes. Summing the words' arrays
per passage is then what bm25s does in memory. Scoring the postings in SQL instead spent its time
aggregating them row by row (13 ms a question on realtimeqa-dev's 39,868 passages, where this
takes about 1 ms once its words are cached; docs/deploying.md).

The cache is the store's: every `PostgresIndex` of the version in use shares it; a new version
(made by this process or another) starts it empty, so it never holds what another version holds.
It is bounded in bytes, the least recently used words leaving first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ...search.lexical import BM25_B, BM25_K1, bm25_idf

POSTINGS_CACHE_BYTES = 128 * 1024 * 1024
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

    def scores(self, word: str, packed: bytes, frequency: int) -> tuple[np.ndarray, np.ndarray]:
        """A word's (passage ids, scores) from its packed postings."""
        rows = np.frombuffer(packed, dtype=PACKED)
        counts = rows["count"].astype(np.float64)
        lengths = rows["length"].astype(np.float64)
        parts = counts / (counts + BM25_K1 * (1 - BM25_B + BM25_B * lengths / self.average_length))
        return rows["passage_id"].astype(np.int64), bm25_idf(self.passages, frequency) * parts


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

    def frequencies(self, words: WordPostings, wanted: list[str], fetch: Any) -> dict[str, int]:
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
        self, words: WordPostings, wanted: dict[str, int], fetch: Any
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
            fresh = {word: words.scores(word, packed.get(word, b""), wanted[word]) for word in missing}
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


def top_passages(
    arrays: list[tuple[np.ndarray, np.ndarray, int]], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """The k passages of highest summed score, as (passage id, score), score then id ordering ties;
    `arrays` holds each word's (passage ids, scores, weight). With `allowed`, only those ids."""
    arrays = [(ids, scores, weight) for ids, scores, weight in arrays if len(ids)]
    if not arrays or k <= 0:
        return []
    ids = np.concatenate([ids for ids, _, _ in arrays])
    weighted = np.concatenate([scores * weight for _, scores, weight in arrays])
    lowest, highest = int(ids.min()), int(ids.max())
    if highest - lowest < 4 * len(ids) + 1_000_000:  # ids of a corpus are mostly consecutive: count by offset
        totals = np.bincount(ids - lowest, weights=weighted)
        passage_ids = np.flatnonzero(totals) + lowest
        totals = totals[passage_ids - lowest]
    else:
        passage_ids, positions = np.unique(ids, return_inverse=True)
        totals = np.bincount(positions, weights=weighted)
    if allowed is not None:
        keep = np.isin(passage_ids, allowed)
        passage_ids, totals = passage_ids[keep], totals[keep]
    keep = totals > 0
    passage_ids, totals = passage_ids[keep], totals[keep]
    if len(totals) > k:  # the k best, with every passage tied with the k-th, then ordered exactly
        kth = np.partition(totals, len(totals) - k)[len(totals) - k]
        keep = totals >= kth
        passage_ids, totals = passage_ids[keep], totals[keep]
    order = np.lexsort((passage_ids, -totals))[:k]
    return [(int(passage_ids[i]), float(totals[i])) for i in order]
