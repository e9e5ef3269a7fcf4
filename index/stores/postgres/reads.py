"""Searching a version in PostgreSQL: metadata in memory, passages and vectors fetched by id, the
nearest passages by pgvector's HNSW index and BM25 over word postings read once per version (postings.py).
A search reads in a snapshot of its version, and asks for the nearest passages in another snapshot checked
to be of the same version, on a background connection, while it sums BM25."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np

from ...documents import ArticleMeta, Chunk
from ...embedding.base import Embedder
from ...errors import REBUILD_HINT, IndexMismatchError
from ...manifest import Manifest
from ...search.lexical import bm25_idf, query_terms, tokenize
from ...search.news_index import NewsIndex
from .postings import WordPostings, top_passages

if TYPE_CHECKING:
    from .store import PostgresStore

EF_SEARCH = 200
"""HNSW candidates examined per search (pgvector's ef_search): at least the 100 fusion takes, and twice
what a deeper search asks for (at ef_search = k, the last of k are the likeliest missed)."""
SEARCH_TIMEOUT_MS = 5_000
"""The longest one search's statements may run (statement_timeout): a question that would take longer
is refused (`SearchTimeoutError`), so no text a member sends can hold the database for long."""


class PostgresIndex(NewsIndex):
    """The version in use of a corpus in PostgreSQL: metadata in memory, passages and vectors in the database.

    Rows are passage ids. Each search reads in one snapshot, checked to be this version: when
    another process has switched versions meanwhile, VersionChanged says to open the new one."""

    def __init__(
        self,
        store: PostgresStore,
        number: int,
        name: str,
        manifest: Manifest,
        articles: dict[str, ArticleMeta],
        rows_by_article: dict[str, range],
        passages: int,
        total_terms: float,
        embedder: Embedder,
    ) -> None:
        self.passages = PostgresChunks(store, passages)
        super().__init__(
            name,
            store.location,
            manifest,
            articles,
            self.passages,
            rows_by_article,
            embedder,
            vectors=PostgresVectors(store, manifest.dimension, version=(number, name)),
            lexical=PostgresLexical(store, (number, name), passages, total_terms),
            read_words=self._read_version_words,
        )
        self.store = store
        self.number = number
        self.version_key = (number, name)
        """The version's number and name: names are never used twice, numbers are after a rollback."""

    def reading(self) -> AbstractContextManager[object]:
        """One snapshot of this version, under the search timeout; VersionChanged when it is no longer in use."""
        return self.store.snapshot(self.version_key, timeout_ms=SEARCH_TIMEOUT_MS)

    def _read_version_words(self) -> dict[str, int]:
        return self.store.version_words(self.version_key)

    def _chunks_at(self, rows: list[int]) -> list[Chunk]:
        found = self.passages.many(rows)
        if len(found) != len(rows):
            raise IndexMismatchError(f"the index in {self.store.location} is missing passages it found", REBUILD_HINT)
        return found

    def article_terms(self, doc_id: str) -> set[str]:
        article = self.articles[doc_id]
        rows = self.rows_by_article.get(doc_id, range(0))
        texts = [article.title or "", article.outlet or "", *(chunk.text for chunk in self.passages.many(list(rows)))]
        return {term for text in texts for term in tokenize(text)}


class PostgresChunks(Sequence[Chunk]):
    """The passages in use, fetched by id when asked for."""

    def __init__(self, store: PostgresStore, count: int) -> None:
        self._store = store
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, row):
        if isinstance(row, slice):
            raise TypeError("passages in PostgreSQL are fetched by id, not sliced")
        found = self.many([int(row)])
        if not found:
            raise IndexMismatchError(f"passage {row} is not in {self._store.location}", REBUILD_HINT)
        return found[0]

    def many(self, rows: list[int]) -> list[Chunk]:
        """The passages with these ids, in this order (those missing left out)."""
        if not rows:
            return []
        with self._store.snapshot() as connection:
            found = dict(
                connection.execute("SELECT id, chunk FROM newsbot.passages WHERE id = ANY(%s)", (rows,)).fetchall()
            )
        return [Chunk.from_json(json.loads(found[row])) for row in rows if row in found]

    def __iter__(self) -> Iterator[Chunk]:
        with self._store.snapshot() as connection:
            lines = connection.execute(
                "SELECT chunk FROM newsbot.passages WHERE corpus = %s AND removed_in IS NULL " "ORDER BY id",
                (self._store.corpus,),
            ).fetchall()
        return (Chunk.from_json(json.loads(line)) for (line,) in lines)


class PostgresVectors:
    """pgvector's HNSW index, searched as `VectorIndex` is."""

    def __init__(
        self,
        store: PostgresStore,
        dimension: int,
        ef_search: int = EF_SEARCH,
        *,
        version: tuple[int, str] | None = None,
    ) -> None:
        self._store = store
        self.dimension = dimension
        self.ef_search = ef_search
        self._version = version
        """The version searched (number, name), when known: `start_search` reads it on another connection."""

    def start_search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> Callable[[], list[tuple[int, float]]]:
        """`search` on another of the store's connections, in a snapshot of its own checked to be the same
        version (two snapshots that each find version N in use see the same rows: a change switches
        versions in the commit that writes its rows), so the server walks the graph while this thread
        sums BM25. Without a version to check, it searches at once."""
        if self._version is None:
            found = self.search(query, k, allowed)
            return lambda: found
        version = self._version

        def search_in_a_snapshot() -> list[tuple[int, float]]:
            with self._store.snapshot(version, timeout_ms=SEARCH_TIMEOUT_MS):
                return self.search(query, k, allowed)

        return self._store.in_background(search_in_a_snapshot)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k nearest by the graph (of half precision, or whole for an older corpus), ranked by the whole
        vectors' similarity, which is the score given. (Asking the half-precision graph for 2k and keeping the
        best k by whole vectors gave the same nDCG@10 on realtimeqa-dev and SciFact, 1 ms slower.)"""
        if k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        graph_type = self._store.vector_type(self.dimension)
        with self._store.snapshot() as connection:
            connection.execute(
                "SELECT set_config('hnsw.ef_search', %s, true), "
                "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                (str(max(self.ef_search, 2 * k)),),
            )
            rows = connection.execute(
                self._query(allowed is not None, graph_type, connection),
                {
                    "query": np.asarray(query, dtype=np.float32),
                    "k": k,
                    "allowed": None if allowed is None else [int(a) for a in allowed],
                },
            ).fetchall()
        return sorted(((int(i), float(s)) for i, s in rows), key=lambda item: (-item[1], item[0]))  # relaxed order

    def _query(self, filtered: bool, graph_type: str, connection: Any):
        """The nearest passages in use of the corpus; its name a literal, and the vectors cast as its
        index casts them (`graph_type`), so the planner takes its own partial HNSW index (with filters,
        pgvector's iterative scan goes on until k rows pass them). A % in the name is doubled, as the
        statement's parameters are written with %."""
        from psycopg import sql

        corpus = sql.SQL(sql.Literal(self._store.corpus).as_string(connection).replace("%", "%%"))
        return sql.SQL(
            "SELECT id, (embedding::vector({d}) <#> %(query)s::vector({d})) * -1 FROM newsbot.passages "
            "WHERE corpus = {corpus} AND removed_in IS NULL AND vector_dims(embedding) = {d}{only} "
            "ORDER BY embedding::{graph}({d}) <#> %(query)s::vector({d})::{graph}({d}) LIMIT %(k)s"
        ).format(
            d=sql.Literal(int(self.dimension)),
            corpus=corpus,
            graph=graph_type_sql(graph_type),
            only=sql.SQL(" AND id = ANY(%(allowed)s)" if filtered else ""),
        )

    def vectors(self, ids: list[int]) -> np.ndarray:
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._store.snapshot() as connection:
            found = dict(
                connection.execute(
                    "SELECT id, embedding FROM newsbot.passages WHERE id = ANY(%s)", ([int(i) for i in ids],)
                ).fetchall()
            )
        return np.vstack([array_of(found[int(i)]) for i in ids]).astype(np.float32)


class PostgresLexical:
    """BM25 over the postings of the passages in use, as bm25s scores it (Lucene's formula): each word's
    postings read from the database once per version and summed in the process (postings.py)."""

    def __init__(self, store: PostgresStore, version: tuple[int, str], passages: int, total_terms: float) -> None:
        self._store = store
        self._version = version
        self._size = passages
        self._average = total_terms / passages if passages else 0.0

    @property
    def _words(self) -> WordPostings:
        return self._store.postings_cache.of_version(self._version, self._size, self._average)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """As `LexicalIndex.search`, over the same terms (`query_terms`: each word once with its weight,
        the rarest `MAX_QUERY_TERMS` the corpus holds); `PostgresIndex.reading` runs it under `SEARCH_TIMEOUT_MS`."""
        if self._size == 0 or k <= 0:
            return []
        frequencies = self._frequencies(list(dict.fromkeys(tokenize(query))))
        terms = query_terms(query, lambda term: frequencies.get(term, 0))
        if not terms:
            return []
        postings = self._store.postings_cache.postings(
            self._words, {term: frequencies[term] for term in terms}, self._read_postings
        )
        return top_passages([(postings[term], weight) for term, weight in terms.items()], k, allowed)

    def idfs(self, tokens: Sequence[str]) -> dict[str, float]:
        """Every token's IDF, its document frequency read once per version however many the question holds."""
        frequencies = self._frequencies(list(dict.fromkeys(tokens)))
        return {token: bm25_idf(self._size, frequencies.get(token, 0)) for token in tokens}

    def _frequencies(self, words: list[str]) -> dict[str, int]:
        return self._store.postings_cache.frequencies(self._words, words, self._read_frequencies)

    def _read_frequencies(self, words: list[str]) -> dict[str, int]:
        with self._store.snapshot(self._version) as connection:  # never another version's, cached as this one's
            return dict(
                connection.execute(
                    "SELECT term, df FROM newsbot.term_df WHERE corpus = %s AND term = ANY(%s)",
                    (self._store.corpus, words),
                ).fetchall()
            )

    def _read_postings(self, words: list[str]) -> dict[str, bytes]:
        """Each word's postings in use, packed by the server into one value (postings.PACKED)."""
        from psycopg import sql

        with self._store.snapshot(self._version) as connection:
            rows = connection.execute(
                sql.SQL(
                    "SELECT po.term, string_agg(int8send(po.passage_id) || float4send(po.tf) || "
                    "float4send(po.length), ''::bytea) FROM {postings} po WHERE po.term = ANY(%(terms)s) "
                    "AND po.passage_id NOT IN (SELECT id FROM newsbot.passages WHERE corpus = %(corpus)s "
                    "AND removed_in IS NOT NULL) GROUP BY po.term"
                ).format(postings=postings_sql(self._store.corpus)),
                {"corpus": self._store.corpus, "terms": words},
                binary=True,
            ).fetchall()
        return {term: bytes(packed) for term, packed in rows}


def postings_table(corpus: str) -> str:
    """The name of the corpus's table of postings in the newsbot schema (as migration 4 names them)."""
    import hashlib

    return "postings_" + hashlib.md5(corpus.encode()).hexdigest()[:16]


def postings_sql(corpus: str) -> Any:
    """The corpus's table of postings, as an identifier to write into a statement."""
    from psycopg import sql

    return sql.Identifier("newsbot", postings_table(corpus))


def graph_type_sql(graph_type: str) -> Any:
    """A graph's vector type as SQL, for the index that is made and the searches that cast as it does
    (only `vector` and `halfvec` are ever written into a statement)."""
    from psycopg import sql

    return sql.SQL({"vector": "vector", "halfvec": "halfvec"}[graph_type])


def array_of(vector: Any) -> np.ndarray:
    """A pgvector value as numpy (psycopg gives a `Vector` or an array, by format)."""
    return vector.to_numpy() if hasattr(vector, "to_numpy") else np.asarray(vector)
