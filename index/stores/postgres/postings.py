"""BM25 over PostgreSQL's postings at in-memory speed: each word's postings read packed, once per version.

A question's words are scored in the process, not in SQL: a word's postings in use come from the
database as one value (each posting's passage id, count and passage length packed into bytes by
the server), become arrays (passage ids and each posting's share of the word's BM25 score, or, for a
word most passages hold, one share per passage: `WordArrays`), and stay in a cache of the process
until the version in use changes. Summing the words' arrays per passage is then what bm25s does in
memory. Scoring the postings in SQL instead spent its time aggregating them row by row (BM25 p50
15.0 ms on realtimeqa-dev's 39,868 passages, where this takes 1.4 ms once a question's words are
cached; docs/deploying.md).

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


class WordArrays:
    """One word's BM25 shares in a version, kept the cheaper way: passage ids (sorted) and their scores,
    or, for a word that at least half the passages of its span hold, one score per passage of the span
    (0 where it is absent). The dense form is no larger (8 bytes a passage against 16 a posting), and
    adding it to a question's totals or looking a passage up in it costs a slice or an index, not a
    scatter or a binary search."""

    __slots__ = ("count", "first", "highest", "ids", "scores")

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        self.count = len(ids)
        self.first = int(ids[0]) if len(ids) else 0
        self.highest = float(scores.max()) if len(ids) else 0.0
        span = int(ids[-1]) - self.first + 1 if len(ids) else 0
        if len(ids) and 2 * len(ids) >= span:
            self.ids: np.ndarray | None = None
            self.scores = np.zeros(span)
            self.scores[ids - self.first] = scores
        else:
            self.ids, self.scores = ids, scores

    @property
    def last(self) -> int:
        """The highest passage id the word holds."""
        return self.first + len(self.scores) - 1 if self.ids is None else int(self.ids[-1])

    @property
    def nbytes(self) -> int:
        return self.scores.nbytes + (0 if self.ids is None else self.ids.nbytes)

    def add_to(self, totals: np.ndarray, lowest: int, weight: float) -> None:
        """Add the word's scores, times `weight`, to `totals` (indexed by passage id - `lowest`)."""
        scores = self.scores if weight == 1 else self.scores * weight
        if self.ids is None:
            totals[self.first - lowest : self.first - lowest + len(scores)] += scores
        else:
            totals[self.ids - lowest] += scores  # a word's ids are distinct: no two adds to one place

    def look_up(self, passage_ids: np.ndarray) -> np.ndarray:
        """The word's score for each of these passages (0 where it is absent)."""
        if self.ids is None:
            at = passage_ids - self.first
            inside = (at >= 0) & (at < len(self.scores))
            return np.where(inside, self.scores[np.where(inside, at, 0)], 0.0)
        if not len(self.ids):
            return np.zeros(len(passage_ids))
        at = np.minimum(np.searchsorted(self.ids, passage_ids), len(self.ids) - 1)
        return np.where(self.ids[at] == passage_ids, self.scores[at], 0.0)

    def sparse(self) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores), whichever form the word is kept in."""
        if self.ids is not None:
            return self.ids, self.scores
        held = np.flatnonzero(self.scores)
        return held + self.first, self.scores[held]


class WordPostings:
    """One version's BM25 arrays per word: passage ids in use, and each one's share of the word's
    score (`bm25_idf` times Lucene's term-frequency part, as bm25s and the earlier SQL computed it)."""

    def __init__(self, version: tuple[int, str], passages: int, average_length: float) -> None:
        self.version = version
        self.passages = passages
        self.average_length = average_length or 1.0
        self.frequencies: dict[str, int] = {}
        self.postings: OrderedDict[str, WordArrays] = OrderedDict()
        self.bytes = 0

    def scores(self, packed: bytes, frequency: int) -> WordArrays:
        """A word's BM25 shares from its packed postings."""
        rows = np.frombuffer(packed, dtype=PACKED)
        counts = rows["count"].astype(np.float64)
        lengths = rows["length"].astype(np.float64)
        parts = counts / (counts + BM25_K1 * (1 - BM25_B + BM25_B * lengths / self.average_length))
        ids, scores = rows["passage_id"].astype(np.int64), bm25_idf(self.passages, frequency) * parts
        if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):  # sorted by id: looked up by binary search
            order = np.argsort(ids, kind="stable")
            ids, scores = ids[order], scores[order]
        return WordArrays(ids, scores)


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
    ) -> dict[str, WordArrays]:
        """Each wanted word's BM25 shares, by its document frequency in `wanted`; `fetch(missing)`
        reads the others' packed postings ({word: bytes})."""
        found: dict[str, WordArrays] = {}
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
                    words.bytes += arrays.nbytes
                while words.bytes > self.most_bytes and words.postings:
                    words.bytes -= words.postings.popitem(last=False)[1].nbytes
        return found


LOOK_UP_FROM = 20_000
"""Postings a word must have for MaxScore to consider looking it up rather than summing it (`top_passages`):
below that, summing costs less than checking."""


def top_passages(words: list[tuple[WordArrays, int]], k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
    """The k passages of highest summed score, as (passage id, score), score then id ordering ties;
    `words` holds each word's arrays and weight. With `allowed`, only those ids.

    Exact, without summing every posting of the commonest words when it need not (MaxScore): words are
    summed rarest first, and before a word of `LOOK_UP_FROM` postings or more, when the highest shares
    it and the words after it could add to a passage fall short of the k-th best score so far, no
    passage they alone hold can reach the k; they are then only looked up, not summed over all of
    theirs, and only for the passages found that they could lift to the k-th best."""
    words = sorted(((arrays, weight) for arrays, weight in words if arrays.count), key=lambda word: word[0].count)
    if not words or k <= 0:
        return []
    lowest = min(arrays.first for arrays, _ in words)
    span = max(arrays.last for arrays, _ in words) - lowest + 1
    if span > 4 * sum(arrays.count for arrays, _ in words) + 1_000_000:  # ids far apart: count by position instead
        pairs = [(*arrays.sparse(), weight) for arrays, weight in words]
        passage_ids, positions = np.unique(np.concatenate([ids for ids, _, _ in pairs]), return_inverse=True)
        totals = np.bincount(positions, weights=np.concatenate([scores * weight for _, scores, weight in pairs]))
        return _best(*_admitted(passage_ids, totals, allowed), k)
    outside = None if allowed is None else _outside(allowed, lowest, span)
    highest = [arrays.highest * weight for arrays, weight in words]
    dense = np.zeros(span)
    for position, (arrays, weight) in enumerate(words):
        if position and arrays.count >= LOOK_UP_FROM:
            if outside is not None:
                dense[outside] = 0.0
            bound = sum(highest[position:]) * (1 + 1e-9)  # the most the words left can add to a passage
            kth = _kth_best(dense, k, bound)
            if kth is not None:  # the k-th best so far is above the bound: no passage outside the best can reach it
                offsets = np.flatnonzero(dense >= kth - bound)  # those the words left could lift to it (kth > bound)
                candidates, sums = offsets + lowest, dense[offsets]
                for rest, rest_weight in words[position:]:
                    sums = sums + rest.look_up(candidates) * rest_weight
                return _best(candidates, sums, k)
        arrays.add_to(dense, lowest, weight)
    if outside is not None:
        dense[outside] = 0.0
    return _best(*_found(dense, lowest), k)


def _outside(allowed: np.ndarray, lowest: int, span: int) -> np.ndarray:
    """A mask of the positions (id - `lowest`) of the span that `allowed` does not admit."""
    outside = np.ones(span, dtype=bool)
    at = np.asarray(allowed, dtype=np.int64) - lowest
    outside[at[(at >= 0) & (at < span)]] = False
    return outside


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
    kth = _kth_best(totals, k, 0.0) if len(totals) > k else None
    if kth is not None:  # the k best, with every passage tied with the k-th, then ordered exactly
        keep = totals >= kth
        passage_ids, totals = passage_ids[keep], totals[keep]
    order = np.lexsort((passage_ids, -totals))[:k]
    return [(int(passage_ids[i]), float(totals[i])) for i in order]


EXACT_BELOW = 50_000
"""How few scores `_kth_best` narrows the k-th best to before it sorts them partly (numpy's partition slows
down on hundreds of thousands of tied scores, as the commonest words give)."""


def _kth_best(values: np.ndarray, k: int, floor: float) -> float | None:
    """A score that at least k of `values` reach, above `floor` and at most the k-th best (the k-th best
    itself when its neighbourhood narrows to `EXACT_BELOW` scores); None when fewer than k exceed `floor`."""
    if len(values) > EXACT_BELOW:  # count, halving the range between the floor and the best, until few are left
        low, high = floor, float(values.max())
        above = values[values > low]
        for _ in range(40):
            if len(above) <= EXACT_BELOW or len(above) < k:
                break
            middle = (low + high) / 2
            higher = above[above > middle]
            if len(higher) >= k:
                low, above = middle, higher
            else:
                high = middle
        if len(above) < k:
            return None
        if len(above) > EXACT_BELOW:  # tied, or too close to tell apart: a bound below the k-th is enough
            return low
    else:
        above = values[values > floor]
    if len(above) < k:
        return None
    return float(np.partition(above, len(above) - k)[len(above) - k])
