"""Searching one index version: `open_index(where, embedder)` (index.stores) then `search(question) -> list[Hit]`.

`NewsIndex` is made from its parts by whichever store holds the version: the passages, the vector
search (FAISS or pgvector) and BM25 (bm25s or SQL) behind the two protocols below, and a read
context (`reading`) a store may wrap every search in (PostgreSQL: one snapshot of one version). The
vector search is begun before BM25 and its result taken after (`start_search`), so a store whose vectors
are searched elsewhere (pgvector) does both at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from ..defaults import EMBEDDING_BATCH, PASSAGES_PER_ANSWER
from ..documents import ArticleMeta, Chunk, Hit
from ..embedding.base import ONNX_SUFFIX, Embedder
from ..errors import REBUILD_HINT, ConfigError, IndexMismatchError
from ..manifest import Manifest
from .answerability import Calibration, calibrate
from .filters import SearchFilters
from .fusion import fuse
from .lexical import tokenize_all
from .spelling import SpellingFixer, count_words

SearchMode = Literal["hybrid", "dense", "bm25"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
CANDIDATES = 100
"""How many results each ranking contributes to fusion."""
QUESTION_VECTORS_KEPT = 256
"""Question embeddings kept per index: an answer searches, highlights and may search again with them."""


class VectorSearch(Protocol):
    """What a search needs of the vectors: FAISS (`VectorIndex`) or pgvector (`PostgresVectors`)."""

    dimension: int

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...

    def start_search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> Callable[[], list[tuple[int, float]]]:
        """`search`, begun: what it returns gives the result (waiting for it), so BM25 can run meanwhile."""
        ...

    def vectors(self, ids: list[int]) -> np.ndarray: ...


class LexicalSearch(Protocol):
    """What a search needs of BM25: bm25s (`LexicalIndex`) or SQL (`PostgresLexical`)."""

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...

    def idfs(self, tokens: Sequence[str]) -> dict[str, float]: ...


def check_model(where: str, manifest: Manifest, embedder: Embedder) -> None:
    """IndexMismatchError, with the setting to change, when the index was built with another model."""
    if manifest.model == embedder.name:
        return
    if manifest.model.removesuffix(ONNX_SUFFIX) == embedder.name.removesuffix(ONNX_SUFFIX):
        runtime = "auto" if manifest.model.endswith(ONNX_SUFFIX) else "sentence-transformers"
        other_setting = f'set [index] runtime = "{runtime}"'
    else:
        other_setting = f"set [index] model = {manifest.model!r}"
    raise IndexMismatchError(
        f"{where} was built with the model {manifest.model!r}, but the configured model is {embedder.name!r}",
        f"{REBUILD_HINT}, or {other_setting}",
    )


def check_dimension(where: str, manifest: Manifest, dimension: int) -> None:
    if manifest.dimension != dimension:
        raise IndexMismatchError(
            f"the index in {where} holds {manifest.dimension}-dimensional vectors, the model makes {dimension}",
            REBUILD_HINT,
        )


class ChunkLines(Sequence[Chunk]):
    """The passages of chunks.jsonl, decoded when asked for: a search needs a handful of thousands.

    A line that is not a passage raises IndexMismatchError (a version written before digests were
    recorded is not checked as a whole when it is opened)."""

    def __init__(self, lines: list[bytes], path: Path | None = None) -> None:
        self.lines = lines
        self.path = path

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        line = self.lines[row]
        try:
            return Chunk.from_json(json.loads(line))
        except (ValueError, TypeError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise IndexMismatchError(
                f"the index file {self.path or 'of passages'} is damaged: its line {row + 1} "
                f"is not a passage ({error})",
                REBUILD_HINT,
            ) from None


@dataclass(frozen=True)
class IndexStats:
    articles: int
    chunks: int
    model: str
    dimension: int
    built_at: str
    build_seconds: float
    corpus_paths: list[str]
    version: str
    answer_threshold: float | None = None
    """The least passage score that answers a question on this corpus, as its build recorded it."""
    changes: dict | None = None
    """What the build did (`Manifest.changes`); None for versions that did not record it."""


class NewsIndex:
    """One loaded index version; safe to search from several threads."""

    def __init__(
        self,
        version: str,
        location: str,
        manifest: Manifest,
        articles: dict[str, ArticleMeta],
        chunks: Sequence[Chunk],
        rows_by_article: dict[str, range],
        embedder: Embedder,
        *,
        vectors: VectorSearch | None = None,
        lexical: LexicalSearch | None = None,
        load_parts: Callable[[], tuple[VectorSearch, LexicalSearch]] | None = None,
        read_words: Callable[[], dict[str, int] | None] | None = None,
    ) -> None:
        """`vectors` and `lexical` may be None when `load_parts` gives them at the first search;
        `read_words` gives the corpus's word counts when the store kept them (else they are counted)."""
        self.version = version
        """The version's name in its store."""
        self.location = location
        """Where it is, as messages name it (a version folder, a corpus in a database)."""
        self.manifest = manifest
        self.articles = articles
        self.chunks = chunks
        self.rows_by_article = rows_by_article
        """Each article's passages: rows of `chunks`, the vectors and the BM25 index."""
        self._vectors = vectors
        self._lexical = lexical
        self._load_parts = load_parts
        self._read_words = read_words
        self._parts_lock = threading.Lock()
        self._embedder = embedder
        self._calibration: Calibration | None = None
        self._spelling: SpellingFixer | None = None
        self._words: dict[str, int] | None = None
        self._question_vectors: dict[str, np.ndarray] = {}
        self._dimension_checked = embedder.known_dimension() is not None
        """False when opened with a model not yet loaded: checked at the first embedding, so that
        commands that embed nothing (stats, dump) never load it."""

    def reading(self) -> AbstractContextManager[object]:
        """What every search runs inside: nothing here; a database store reads one version's snapshot."""
        return nullcontext()

    def stats(self) -> IndexStats:
        m = self.manifest
        calibration = self._calibration or Calibration.from_json(m.answerability)
        return IndexStats(
            m.articles,
            m.chunks,
            m.model,
            m.dimension,
            m.built_at,
            m.build_seconds,
            m.corpus_paths,
            self.version,
            calibration.threshold if calibration else None,
            m.changes,
        )

    def search(
        self,
        query: str,
        k: int = PASSAGES_PER_ANSWER,
        mode: SearchMode = "hybrid",
        filters: SearchFilters | None = None,
        *,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best passages for the query, best first, among the articles the filters admit.

        `query_vector`, when given, is the query's embedding (from `embed_questions`)."""
        if mode not in SEARCH_MODES:
            raise ConfigError(f"unknown search mode {mode!r}", f"use one of {', '.join(SEARCH_MODES)}")
        query = query.strip()
        if not query or k <= 0:
            return []
        with self.reading():
            return self._search(query, k, mode, filters, query_vector)

    def _search(
        self, query: str, k: int, mode: SearchMode, filters: SearchFilters | None, query_vector: np.ndarray | None
    ) -> list[Hit]:
        allowed = self._allowed_rows(filters) if filters else None
        if allowed is not None and len(allowed) == 0:
            return []
        if query_vector is None:
            query_vector = self.question_vector(query)
        candidates = max(CANDIDATES, k)
        vectors, lexical_index = self.parts()
        nothing: Callable[[], list[tuple[int, float]]] = list
        dense_result = vectors.start_search(query_vector, candidates, allowed) if mode != "bm25" else nothing
        lexical = lexical_index.search(query, candidates, allowed) if mode != "dense" else []
        dense = dense_result()

        if mode == "dense":
            ranked = dense
        elif mode == "bm25":
            ranked = lexical
        else:
            ranked = fuse(dense, lexical)
        # A cross-encoder reranker would go here: rescore the first few dozen fused candidates with
        # (query, passage) pairs and reorder them before cutting to k. None is used: no cross-encoder
        # can be loaded offline on this machine (docs/quality.md).
        ranked = ranked[:k]

        rows = [row for row, _ in ranked]
        similarities = vectors.vectors(rows) @ query_vector if rows else np.zeros(0)
        hits = []
        for (_, score), similarity, chunk in zip(ranked, similarities, self._chunks_at(rows)):
            article = self.articles.get(chunk.doc_id)
            if article is None:
                raise IndexMismatchError(
                    f"the index in {self.location} is damaged: passage {chunk.chunk_id!r} " f"belongs to no article",
                    REBUILD_HINT,
                )
            hits.append(Hit(chunk=chunk, article=article, score=float(score), similarity=float(similarity)))
        return hits

    def _chunks_at(self, rows: list[int]) -> list[Chunk]:
        """The passages of these rows, in this order (a database store fetches them in one query)."""
        return [self.chunks[row] for row in rows]

    def parts(self) -> tuple[VectorSearch, LexicalSearch]:
        """The vector search and BM25, loaded on first use."""
        if self._vectors is None or self._lexical is None:
            with self._parts_lock:
                if (self._vectors is None or self._lexical is None) and self._load_parts is not None:
                    self._vectors, self._lexical = self._load_parts()
        assert self._vectors is not None and self._lexical is not None
        return self._vectors, self._lexical

    def _allowed_rows(self, filters: SearchFilters) -> np.ndarray:
        admitted = [doc_id for doc_id, meta in self.articles.items() if filters.admits(meta)]
        rows = [row for doc_id in admitted for row in self.rows_by_article.get(doc_id, ())]
        return np.asarray(sorted(rows), dtype=np.int64)

    def question_vector(self, question: str) -> np.ndarray:
        """The question's embedding, kept for the few model calls one answer makes about it."""
        vector = self._question_vectors.get(question)
        if vector is None:
            if len(self._question_vectors) >= QUESTION_VECTORS_KEPT:
                self._question_vectors.clear()
            vector = self._question_vectors[question] = self._embed([question])[0]
        return vector

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if not self._dimension_checked:
            check_dimension(self.location, self.manifest, self._embedder.dimension)
            self._dimension_checked = True
        return self._embedder.embed_batch(texts)

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def embed_questions(self, questions: Sequence[str], batch_size: int = EMBEDDING_BATCH) -> np.ndarray:
        """The questions' embeddings, for `search(query_vector=...)`: one model call per batch."""
        batches = [self._embed(questions[start : start + batch_size]) for start in range(0, len(questions), batch_size)]
        return np.concatenate(batches) if batches else np.zeros((0, self.manifest.dimension), dtype=np.float32)

    def idfs(self, terms: Sequence[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each stemmed term in this index, looked up at once."""
        return self.parts()[1].idfs(terms)

    def passage_terms(self, texts: Sequence[str]) -> list[list[str]]:
        """The stemmed words BM25 sees in each text."""
        return tokenize_all(texts)

    def article_terms(self, doc_id: str) -> set[str]:
        """The stemmed words of an article: its title, outlet and every passage."""
        article = self.articles[doc_id]
        texts = [
            article.title or "",
            article.outlet or "",
            *(self.chunks[row].text for row in self.rows_by_article.get(doc_id, ())),
        ]
        return {term for tokens in tokenize_all(texts) for term in tokens}

    def answer_threshold(self) -> float:
        """The least passage score that answers a question on this corpus (see answerability.py)."""
        return self.calibration().threshold

    def calibration(self) -> Calibration:
        """The answer calibration the build recorded; worked out now for a version that has none."""
        if self._calibration is None:
            self._calibration = Calibration.from_json(self.manifest.answerability) or calibrate(self)
        return self._calibration

    def use_words(self, words: dict[str, int]) -> None:
        """The corpus's word counts, when the caller has them already (a build)."""
        self._words = words

    def corpus_words(self) -> dict[str, int]:
        """How often each word occurs in the articles (lower case), read on first use."""
        if self._words is None:
            words = self._read_words() if self._read_words is not None else None
            if words is None:  # a version built before words were counted
                words = dict(count_words(chunk.text for chunk in self.chunks))
            self._words = words
        return self._words

    def spelling(self) -> SpellingFixer:
        """Spelling fixes from this corpus's words (made on first use: a second on a large corpus)."""
        if self._spelling is None:
            self._spelling = SpellingFixer(self.corpus_words())
        return self._spelling

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of the query to each text (used to pick the sentence to highlight)."""
        if not texts:
            return []
        return [float(s) for s in self._embed(texts) @ self.question_vector(query)]
