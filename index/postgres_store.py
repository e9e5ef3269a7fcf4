"""The PostgreSQL backend: index versions in tables, vectors in pgvector (HNSW), BM25 in SQL.

Several bot processes, on one machine or many, share one database: each corpus (the shared one,
and each guild's own) is a name in `newsbot.corpora`, and a change made by any process is what
every other one answers from at its next question.

    articles, passages   rows that belong to the versions from `added_in` up to `removed_in`
                         (schema in postgres_schema.py); a change inserts only the new and changed
                         articles' rows and marks the gone ones, in one transaction with the switch
                         of `corpora.current`, so readers see the old corpus or the new, never half
    passages.embedding   pgvector, searched through an HNSW index (inner product over unit vectors,
                         as FAISS does) built for the rows in use only
    postings, term_df    the lexical side: each passage's stemmed words and counts, and each word's
                         document frequency in the version in use, so BM25 is scored in SQL with
                         the same formula and tokens as bm25s (docs/deploying.md has the figures
                         that chose it over PostgreSQL's own full text search)

One build writes at a time per corpus (a session advisory lock), as the file store's lock file
does. A rollback returns to the version before, dropping the versions after it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .documents import Article, ArticleMeta, Chunk
from .embedding import Embedder
from .errors import DatabaseError, IndexBusyError, IndexMismatchError, IndexMissingError, SearchTimeoutError
from .lexical import BM25_B, BM25_K1, MAX_QUERY_TERMS, MAX_TERM_WEIGHT, TermCounts, bm25_idf, tokenize
from .reuse import StoredArticle, StoredVersion
from .search import NewsIndex, check_model
from .store import REBUILD_HINT, HeldLock, Manifest, check_held
from .version_store import NewVersion, VersionChanged, VersionStore

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

ID_LOCK = 0x6E657774
"""The advisory lock under which a change takes a block of consecutive passage ids."""
EF_SEARCH = 200
"""HNSW candidates examined per search (pgvector's ef_search): at least the 100 fusion takes."""
SEARCH_TIMEOUT_MS = 5_000
"""The longest one search's statements may run (statement_timeout): a question that would take longer
is refused (`SearchTimeoutError`), so no text a member sends can hold the database for long."""
VERSION_NAME = "%Y%m%dT%H%M%S.%f"
VACUUM_AFTER = 10_000
"""Passages written by one change from which the tables are vacuumed at once, not when autovacuum comes."""


class PostgresStore(VersionStore):
    def __init__(self, url: str, corpus: str) -> None:
        from .postgres_schema import redacted

        self.url = url
        self.corpus = corpus
        self.location = f"corpus {corpus!r} of {redacted(url)}"
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Any]] = []
        """Every thread's connection, so that `close` closes them all."""
        self._connections_lock = threading.Lock()
        self._migrated = False
        self.last_publish: dict[str, float] = {}
        """Seconds the last publish spent inserting rows and building the vector index (for benchmarks)."""

    def __repr__(self) -> str:
        return f"PostgresStore({self.location})"

    # ---- connections -------------------------------------------------------------------------

    def connection(self) -> psycopg.Connection[Any]:
        """This thread's connection (autocommit; transactions are explicit)."""
        from .postgres_schema import connect

        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.broken:
            if connection is not None:
                connection.close()
            connection = self._local.connection = connect(self.url, migrate=not self._migrated)
            self._migrated = True
            with self._connections_lock:
                self._connections = [c for c in self._connections if not c.closed] + [connection]
        return connection

    def close(self) -> None:
        """Close every thread's connection (a thread that reads again opens a new one)."""
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    @contextmanager
    def _told(self) -> Iterator[None]:
        """A database failure as one line with the fix (a lost connection is made again next time)."""
        import psycopg

        try:
            yield
        except psycopg.errors.QueryCanceled:
            raise SearchTimeoutError(f"searching the {self.location} took longer than {SEARCH_TIMEOUT_MS / 1000:g} s",
                                "ask a shorter question, with fewer common words") from None
        except psycopg.Error as error:
            from .postgres_schema import redacted, without_secrets

            reason = without_secrets((str(error).strip().splitlines() or [type(error).__name__])[0], self.url)
            raise DatabaseError(f"the database at {redacted(self.url)} failed: {reason}",
                                "check that PostgreSQL is running and reachable, then try again") from None

    @contextmanager
    def snapshot(self, number: int | None = None, timeout_ms: int = 0) -> Iterator[psycopg.Connection[Any]]:
        """A read-only transaction that sees one version throughout; VersionChanged when `number` is
        no longer the one in use. Nested snapshots share the outer one (and its timeout). With
        `timeout_ms`, the transaction's statements stop after that long."""
        connection = self.connection()
        if getattr(self._local, "snapshot", False):
            yield connection
            return
        with self._told(), ExitStack() as transaction:
            connection = self._begin(transaction)
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if timeout_ms:
                connection.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            if number is not None:
                row = connection.execute("SELECT current FROM newsbot.corpora WHERE name = %s", (self.corpus,)).fetchone()
                if row is None or row[0] != number:
                    raise VersionChanged(f"the index in {self.location} changed while it was read", "ask again")
            self._local.snapshot = True
            try:
                yield connection
            finally:
                self._local.snapshot = False

    def _begin(self, transaction: ExitStack) -> psycopg.Connection[Any]:
        """This thread's connection with a transaction begun in `transaction`. A connection the server
        dropped since its last use (a restart) is made again and the transaction begun on it, once."""
        import psycopg

        connection = self.connection()
        try:
            transaction.enter_context(connection.transaction())
        except psycopg.OperationalError:
            if not connection.broken:
                raise
            log.info("the connection to %s was lost: connecting again", self.location)
            connection = self.connection()
            transaction.enter_context(connection.transaction())
        return connection

    # ---- the store ---------------------------------------------------------------------------

    @contextmanager
    def lock(self, held: HeldLock | None = None) -> Iterator[HeldLock]:
        from .postgres_schema import connect

        key = f"postgres:{self.corpus}"
        if held is not None:
            check_held(held, key)
            yield held
            return
        session = connect(self.url, migrate=not self._migrated)  # the lock lives as long as this session
        self._migrated = True
        try:
            with self._told():
                taken = session.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone()
            if not taken or not taken[0]:
                raise IndexBusyError(f"another build is writing the index in {self.location}",
                                     "wait for it to finish and try again")
            yield HeldLock(key)
        finally:
            session.close()

    def _current(self, connection: psycopg.Connection[Any]) -> tuple | None:
        """(number, name, manifest record, passages, total_terms) of the version in use, or None."""
        return connection.execute(
            "SELECT v.number, v.name, v.manifest, v.passages, v.total_terms FROM newsbot.corpora c "
            "JOIN newsbot.versions v ON v.corpus = c.name AND v.number = c.current WHERE c.name = %s",
            (self.corpus,)).fetchone()

    def _manifest(self, record: object, name: str) -> Manifest:
        return Manifest.from_record(record, f"the manifest of version {name} in {self.location}",
                                    f"the index in {self.location}")

    def read_manifest(self) -> Manifest | None:
        """The manifest of the version in use, None when there is none."""
        with self._told():
            row = self._current(self.connection())
        return self._manifest(row[2], row[1]) if row else None

    def current_name(self) -> str | None:
        with self._told():
            row = self._current(self.connection())
        return row[1] if row else None

    def read_current(self, kept: StoredVersion | None = None) -> StoredVersion | None:
        with self.snapshot() as connection:
            current = self._current(connection)
            if current is None:
                return None
            number, name, record, passages, _ = current
            if kept is not None and kept.version_dir == Path(name):
                return kept
            try:
                manifest = self._manifest(record, name)
            except IndexMismatchError:
                return None  # written by another newsbot: the build makes everything again
            articles = connection.execute(
                "SELECT doc_id, digest, record, first_passage, passages FROM newsbot.articles "
                "WHERE corpus = %s AND removed_in IS NULL ORDER BY first_passage", (self.corpus,)).fetchall()
            rows = connection.execute(
                "SELECT id, chunk, embedding FROM newsbot.passages WHERE corpus = %s AND removed_in IS NULL "
                "ORDER BY id", (self.corpus,)).fetchall()
            postings = connection.execute(
                "SELECT po.passage_id, po.term, po.tf FROM newsbot.postings po JOIN newsbot.passages p "
                "ON p.id = po.passage_id WHERE p.corpus = %s AND p.removed_in IS NULL", (self.corpus,)).fetchall()
            words = _one(connection.execute("SELECT words FROM newsbot.versions WHERE corpus = %s AND number = %s",
                                       (self.corpus, number)))
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        stored = StoredVersion(Path(name), manifest, chunk_lines=[row[1].encode() for row in rows],
                               vectors=np.vstack([_array(row[2]) for row in rows]).astype(np.float32) if rows
                               else np.zeros((0, manifest.dimension), dtype=np.float32),
                               terms=_term_counts(postings, ids), words=words)
        for doc_id, digest, line, first, count in articles:
            position = int(np.searchsorted(ids, first))
            record = json.loads(line)
            stored.articles[doc_id] = StoredArticle(Article(ArticleMeta.from_json(record), record["text"]), digest,
                                                    line.encode(), range(position, position + count))
        return stored

    def publish(self, new: NewVersion, keep: int) -> StoredVersion:
        connection = self.connection()
        name = dt.datetime.now(dt.UTC).strftime(VERSION_NAME)
        timings = {"insert": 0.0, "vector_index": 0.0}
        with self._told(), connection.transaction():
            connection.execute("INSERT INTO newsbot.corpora (name) VALUES (%s) ON CONFLICT DO NOTHING", (self.corpus,))
            current = _one(connection.execute("SELECT current FROM newsbot.corpora WHERE name = %s FOR UPDATE",
                                         (self.corpus,)))
            previous = connection.execute("SELECT manifest FROM newsbot.versions WHERE corpus = %s AND number = %s",
                                          (self.corpus, current)).fetchone()
            number = _one(connection.execute("SELECT coalesce(max(number), 0) + 1 FROM newsbot.versions WHERE corpus = %s",
                                        (self.corpus,)))
            same_passages = previous is not None and all(
                previous[0].get(key) == getattr(new.manifest, key) for key in ("model", "dimension", "chunker"))
            in_use = dict(connection.execute("SELECT doc_id, digest FROM newsbot.articles WHERE corpus = %s AND "
                                             "removed_in IS NULL", (self.corpus,)).fetchall())
            kept = {doc_id for doc_id, article in new.articles.items()
                    if same_passages and in_use.get(doc_id) == article.digest}
            gone = [doc_id for doc_id in in_use if doc_id not in kept]
            fresh = [article for doc_id, article in new.articles.items() if doc_id not in kept]
            started = time.perf_counter()
            if gone:
                self._mark_removed(connection, gone, number)
            if fresh:
                self._insert(connection, new, fresh, number)
            timings["insert"] = time.perf_counter() - started
            started = time.perf_counter()
            ensure_vector_index(connection, self.corpus, new.manifest.dimension)  # after the rows: built in bulk once
            timings["vector_index"] = time.perf_counter() - started
            connection.execute(
                "INSERT INTO newsbot.versions (corpus, number, name, manifest, words, passages, total_terms) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (self.corpus, number, name, _json(new.manifest.to_record()), _json(new.words), len(new.chunk_lines),
                 float(new.terms.counts.sum())))
            connection.execute("UPDATE newsbot.corpora SET current = %s WHERE name = %s", (number, self.corpus))
            self._prune(connection, keep)
        if sum(len(article.rows) for article in fresh) >= VACUUM_AFTER:
            with self._told():  # marks the new rows visible to all, so BM25 reads its index alone
                connection.execute("VACUUM (ANALYZE) newsbot.postings, newsbot.passages")
        self.last_publish = timings
        log.info("stored version %s of %s: %d articles kept, %d written, %d gone (%.1f s rows, %.1f s vector index)",
                 name, self.location, len(kept), len(fresh), len(gone), timings["insert"], timings["vector_index"])
        return StoredVersion(Path(name), new.manifest, new.articles, new.chunk_lines, new.vectors, new.terms, new.words)

    def _mark_removed(self, connection: psycopg.Connection[Any], doc_ids: list[str], number: int) -> None:
        for table in ("articles", "passages"):
            connection.execute(f"UPDATE newsbot.{table} SET removed_in = %s WHERE corpus = %s AND removed_in IS NULL "
                               "AND doc_id = ANY(%s)", (number, self.corpus, doc_ids))
        connection.execute(
            "UPDATE newsbot.term_df t SET df = t.df - d.n FROM (SELECT po.term, count(*)::int AS n FROM newsbot.postings po "
            "JOIN newsbot.passages p ON p.id = po.passage_id WHERE p.corpus = %s AND p.removed_in = %s GROUP BY po.term) d "
            "WHERE t.corpus = %s AND t.term = d.term", (self.corpus, number, self.corpus))
        connection.execute("DELETE FROM newsbot.term_df WHERE corpus = %s AND df <= 0", (self.corpus,))

    def _insert(self, connection: psycopg.Connection[Any], new: NewVersion, fresh: list[StoredArticle],
                number: int) -> None:
        """The rows of new and changed articles, under a block of consecutive passage ids."""
        count = sum(len(article.rows) for article in fresh)
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (ID_LOCK,))
        first = _one(connection.execute("SELECT nextval('newsbot.passage_ids')"))
        if count > 1:
            connection.execute("SELECT setval('newsbot.passage_ids', %s)", (first + count - 1,))
        positions = np.concatenate([np.arange(a.rows.start, a.rows.stop) for a in fresh]) if count else \
            np.zeros(0, dtype=np.int64)
        ids = first + np.arange(count)
        with connection.cursor().copy("COPY newsbot.articles (corpus, doc_id, added_in, digest, meta, record, "
                                      "first_passage, passages) FROM STDIN") as copy:
            start = first
            for article in fresh:
                record = json.loads(article.line)
                meta = {k: v for k, v in record.items() if k not in ("text", "digest", "passages")}
                copy.write_row((self.corpus, article.article.doc_id, number, article.digest, json.dumps(meta),
                                article.line.decode(), start, len(article.rows)))
                start += len(article.rows)
        doc_ids = [a.article.doc_id for a in fresh for _ in a.rows]
        with connection.cursor().copy("COPY newsbot.passages (id, corpus, doc_id, added_in, chunk, embedding) "
                                      "FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text", "text", "int4", "text", "vector"])
            for passage_id, position, doc_id in zip(ids.tolist(), positions.tolist(), doc_ids):
                copy.write_row((passage_id, self.corpus, doc_id, number, new.chunk_lines[position].decode(),
                                new.vectors[position]))
        insert_postings(connection, self.corpus, new.terms, positions, ids)
        connection.execute(
            "INSERT INTO newsbot.term_df (corpus, term, df) SELECT %s, po.term, count(*) FROM newsbot.postings po "
            "JOIN newsbot.passages p ON p.id = po.passage_id WHERE p.corpus = %s AND p.added_in = %s GROUP BY po.term "
            "ON CONFLICT (corpus, term) DO UPDATE SET df = newsbot.term_df.df + excluded.df",
            (self.corpus, self.corpus, number))

    def _prune(self, connection: psycopg.Connection[Any], keep: int) -> None:
        """Drop versions beyond the newest `keep`, and the rows no kept version holds."""
        numbers = [row[0] for row in connection.execute(
            "SELECT number FROM newsbot.versions WHERE corpus = %s ORDER BY number DESC", (self.corpus,))]
        oldest = min(numbers[: max(keep, 1)])
        connection.execute("DELETE FROM newsbot.versions WHERE corpus = %s AND number < %s", (self.corpus, oldest))
        self._delete_rows(connection, "removed_in <= %s", oldest)

    def _delete_rows(self, connection: psycopg.Connection[Any], condition: str, number: int) -> None:
        """Delete the corpus's articles and passages (and their postings) that meet `condition` on `number`."""
        connection.execute("DELETE FROM newsbot.postings po USING newsbot.passages p WHERE po.passage_id = p.id "
                           f"AND p.corpus = %s AND p.{condition}", (self.corpus, number))
        for table in ("passages", "articles"):
            connection.execute(f"DELETE FROM newsbot.{table} WHERE corpus = %s AND {condition}", (self.corpus, number))

    ef_search = EF_SEARCH

    def nearest(self, query: np.ndarray, k: int, ef_search: int = EF_SEARCH) -> list[int]:
        """The ids of the k passages in use nearest to a unit vector, by the HNSW index (benchmarks)."""
        manifest = self.read_manifest()
        if manifest is None:
            return []
        with self.snapshot():
            return [row for row, _ in PostgresVectors(self, manifest.dimension, ef_search).search(query, k)]

    def drop(self) -> None:
        """Delete the corpus: every version, row and index of it (benchmarks start from nothing)."""
        from psycopg import sql

        connection = self.connection()
        with self._told(), connection.transaction():
            for table in ("postings", "passages", "articles", "term_df", "versions"):
                connection.execute(f"DELETE FROM newsbot.{table} WHERE corpus = %s", (self.corpus,))
            connection.execute("DELETE FROM newsbot.corpora WHERE name = %s", (self.corpus,))
            prefix = vector_index_name(self.corpus, 0).removesuffix("_0")
            for (name,) in connection.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'newsbot' "
                                              "AND indexname LIKE %s", (prefix + "%",)).fetchall():
                connection.execute(sql.SQL("DROP INDEX newsbot.{}").format(sql.Identifier(name)))

    def rollback(self) -> str:
        with self.lock():
            connection = self.connection()
            with self._told(), connection.transaction():
                current = connection.execute("SELECT current FROM newsbot.corpora WHERE name = %s FOR UPDATE",
                                             (self.corpus,)).fetchone()
                if current is None or current[0] is None:
                    raise IndexMissingError(f"no index has been built in {self.location} yet",
                                            "build one with `newsbot index build`")
                older = connection.execute("SELECT number, name FROM newsbot.versions WHERE corpus = %s AND number < %s "
                                           "ORDER BY number DESC LIMIT 1", (self.corpus, current[0])).fetchone()
                if older is None:
                    name = _one(connection.execute("SELECT name FROM newsbot.versions WHERE corpus = %s AND number = %s",
                                              (self.corpus, current[0])))
                    raise IndexMissingError(f"there is no version older than {name} in {self.location} to go back to",
                                            "keep more versions with [index] keep_versions")
                number = older[0]
                self._delete_rows(connection, "added_in > %s", number)
                for table in ("passages", "articles"):
                    connection.execute(f"UPDATE newsbot.{table} SET removed_in = NULL WHERE corpus = %s AND removed_in > %s",
                                       (self.corpus, number))
                connection.execute("DELETE FROM newsbot.versions WHERE corpus = %s AND number > %s", (self.corpus, number))
                connection.execute("DELETE FROM newsbot.term_df WHERE corpus = %s", (self.corpus,))
                connection.execute(
                    "INSERT INTO newsbot.term_df (corpus, term, df) SELECT %s, po.term, count(*) FROM newsbot.postings po "
                    "JOIN newsbot.passages p ON p.id = po.passage_id WHERE p.corpus = %s AND p.removed_in IS NULL "
                    "GROUP BY po.term", (self.corpus, self.corpus))
                connection.execute("UPDATE newsbot.corpora SET current = %s WHERE name = %s", (number, self.corpus))
        return older[1]

    def open(self, embedder: Embedder) -> NewsIndex:
        with self.snapshot() as connection:
            current = self._current(connection)
            if current is None:
                raise IndexMissingError(f"no index has been built in {self.location} yet",
                                        "build one with `newsbot index build`")
            number, name, record, passages, total_terms = current
            manifest = self._manifest(record, name)
            check_model(f"the index in {self.location}", manifest, embedder)
            known = embedder.known_dimension()
            if known is not None and known != manifest.dimension:
                raise IndexMismatchError(f"the index in {self.location} holds {manifest.dimension}-dimensional "
                                         f"vectors, the model makes {known}", REBUILD_HINT)
            rows = connection.execute("SELECT meta, first_passage, passages FROM newsbot.articles WHERE corpus = %s "
                                      "AND removed_in IS NULL ORDER BY first_passage", (self.corpus,)).fetchall()
        try:
            articles = {meta["doc_id"]: ArticleMeta.from_json(meta) for meta, _, _ in rows}
        except (KeyError, TypeError, ValueError) as error:
            raise IndexMismatchError(f"the index in {self.location} is damaged ({error})", REBUILD_HINT) from None
        rows_by_article = {meta["doc_id"]: range(first, first + count) for meta, first, count in rows}
        return PostgresIndex(self, number, name, manifest, articles, rows_by_article, passages, total_terms, embedder)


def vector_index_name(corpus: str, dimension: int) -> str:
    """Each corpus has an HNSW index of its own: a guild's search never walks another guild's graph."""
    import hashlib

    return f"passages_hnsw_{hashlib.sha256(corpus.encode()).hexdigest()[:16]}_{int(dimension)}"


def ensure_vector_index(connection: psycopg.Connection[Any], corpus: str, dimension: int) -> None:
    """The corpus's HNSW index over its passages in use (made once, after its first rows: in bulk;
    then kept up by each insert)."""
    from psycopg import sql

    name = vector_index_name(corpus, dimension)
    if connection.execute("SELECT to_regclass(%s)", (f"newsbot.{name}",)).fetchone() != (None,):
        return
    connection.execute("SET LOCAL maintenance_work_mem = '4GB'")  # the graph is built in memory when it fits
    connection.execute(sql.SQL(
        "CREATE INDEX {name} ON newsbot.passages USING hnsw ((embedding::vector({d})) vector_ip_ops) "
        "WHERE corpus = {corpus} AND removed_in IS NULL AND vector_dims(embedding) = {d}").format(
            name=sql.Identifier(name), d=sql.Literal(int(dimension)), corpus=sql.Literal(corpus)))


def insert_postings(connection: psycopg.Connection[Any], corpus: str, terms: TermCounts, positions: np.ndarray,
                    ids: np.ndarray) -> None:
    """Each passage's stemmed words and counts: rows `positions` of `terms`, stored under `ids`, written
    word by word (a word's postings then sit together on disk, where a search reads them)."""
    if not len(positions):
        return
    words = np.empty(len(terms.vocabulary), dtype=object)
    for word, column in terms.vocabulary.items():
        words[column] = _copy_text(word)
    counts = terms.counts[positions]
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    per_row = np.diff(counts.indptr)
    passage_ids = np.repeat(ids, per_row)
    passage_lengths = np.repeat(lengths, per_row)
    order = np.argsort(counts.indices, kind="stable")
    prefix = _copy_text(corpus) + "\t"
    with connection.cursor().copy("COPY newsbot.postings (corpus, term, passage_id, tf, length) FROM STDIN") as copy:
        for start in range(0, len(order), 200_000):  # text COPY in blocks: a row at a time is slow
            block = order[start : start + 200_000]
            rows = zip(words[counts.indices[block]], passage_ids[block].tolist(), counts.data[block].tolist(),
                       passage_lengths[block].tolist())
            copy.write("".join(f"{prefix}{word}\t{passage_id}\t{tf:g}\t{length:g}\n" for word, passage_id, tf, length in rows))


def _copy_text(value: str) -> str:
    """A value in COPY's text format (stemmed words have no tabs or line breaks, but a backslash may come)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _term_counts(postings: list[tuple], ids: np.ndarray) -> TermCounts:
    """The passages x words matrix of postings (passage id, word, count), rows in `ids` order."""
    import scipy.sparse

    vocabulary: dict[str, int] = {}
    rows = np.searchsorted(ids, np.fromiter((p[0] for p in postings), dtype=np.int64, count=len(postings)))
    columns = np.fromiter((vocabulary.setdefault(p[1], len(vocabulary)) for p in postings), dtype=np.int64,
                          count=len(postings))
    data = np.fromiter((p[2] for p in postings), dtype=np.float32, count=len(postings))
    counts = scipy.sparse.csr_matrix((data, (rows, columns)), shape=(len(ids), len(vocabulary)))
    return TermCounts(counts, vocabulary)


def _one(cursor: Any) -> Any:
    """The first column of the one row a statement returns."""
    row = cursor.fetchone()
    if row is None:
        raise DatabaseError("the database returned no row where one was expected", "try again")
    return row[0]


def _array(vector: Any) -> np.ndarray:
    """A pgvector value as numpy (psycopg gives a `Vector` or an array, by format)."""
    return vector.to_numpy() if hasattr(vector, "to_numpy") else np.asarray(vector)


def _json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


class PostgresIndex(NewsIndex):
    """The version in use of a corpus in PostgreSQL: metadata in memory, passages and vectors in the database.

    Rows are passage ids. Each search reads in one snapshot, checked to be this version: when
    another process has switched versions meanwhile, VersionChanged says to open the new one."""

    def __init__(self, store: PostgresStore, number: int, name: str, manifest: Manifest,
                 articles: dict[str, ArticleMeta], rows_by_article: dict[str, range], passages: int,
                 total_terms: float, embedder: Embedder) -> None:
        self.passages = PostgresChunks(store, passages)
        super().__init__(Path(name), manifest, articles, self.passages, rows_by_article,
                         PostgresVectors(store, manifest.dimension), PostgresLexical(store, passages, total_terms),
                         embedder)
        self.store = store
        self.number = number
        self._dimension_checked = embedder.known_dimension() is not None

    def search(self, *args, **kwargs):
        with self.store.snapshot(self.number, timeout_ms=SEARCH_TIMEOUT_MS):
            return super().search(*args, **kwargs)

    def _chunks_at(self, rows: list[int]) -> list[Chunk]:
        found = self.passages.many(rows)
        if len(found) != len(rows):
            raise IndexMismatchError(f"the index in {self.store.location} is missing passages it found", REBUILD_HINT)
        return found

    def corpus_words(self) -> dict[str, int]:
        if self._words is None:
            with self.store.snapshot(self.number) as connection:
                self._words = _one(connection.execute("SELECT words FROM newsbot.versions WHERE corpus = %s AND number = %s",
                                                 (self.store.corpus, self.number)))
        return self._words

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
            found = dict(connection.execute("SELECT id, chunk FROM newsbot.passages WHERE id = ANY(%s)", (rows,)).fetchall())
        return [Chunk.from_json(json.loads(found[row])) for row in rows if row in found]

    def __iter__(self) -> Iterator[Chunk]:
        with self._store.snapshot() as connection:
            lines = connection.execute("SELECT chunk FROM newsbot.passages WHERE corpus = %s AND removed_in IS NULL "
                                       "ORDER BY id", (self._store.corpus,)).fetchall()
        return (Chunk.from_json(json.loads(line)) for (line,) in lines)


class PostgresVectors:
    """pgvector's HNSW index, searched as `VectorIndex` is."""

    def __init__(self, store: PostgresStore, dimension: int, ef_search: int = EF_SEARCH) -> None:
        self._store = store
        self.dimension = dimension
        self.ef_search = ef_search

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        with self._store.snapshot() as connection:
            connection.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                               "set_config('hnsw.iterative_scan', 'relaxed_order', true)", (str(max(self.ef_search, k)),))
            rows = connection.execute(self._query(allowed is not None), {
                "query": np.asarray(query, dtype=np.float32), "k": k,
                "allowed": None if allowed is None else [int(a) for a in allowed]}).fetchall()
        return sorted(((int(i), float(s)) for i, s in rows), key=lambda item: (-item[1], item[0]))  # relaxed order

    def _query(self, filtered: bool):
        """The nearest passages in use of the corpus; its name a literal, so the planner takes its own
        partial HNSW index (with filters, pgvector's iterative scan goes on until k rows pass them)."""
        from psycopg import sql

        return sql.SQL(
            "SELECT id, (embedding::vector({d}) <#> %(query)s::vector({d})) * -1 FROM newsbot.passages "
            "WHERE corpus = {corpus} AND removed_in IS NULL AND vector_dims(embedding) = {d}{only} "
            "ORDER BY embedding::vector({d}) <#> %(query)s::vector({d}) LIMIT %(k)s").format(
                d=sql.Literal(int(self.dimension)), corpus=sql.Literal(self._store.corpus),
                only=sql.SQL(" AND id = ANY(%(allowed)s)" if filtered else ""))

    def vectors(self, ids: list[int]) -> np.ndarray:
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._store.snapshot() as connection:
            found = dict(connection.execute("SELECT id, embedding FROM newsbot.passages WHERE id = ANY(%s)",
                                            ([int(i) for i in ids],)).fetchall())
        return np.vstack([_array(found[int(i)]) for i in ids]).astype(np.float32)


class PostgresLexical:
    """BM25 over the postings of the passages in use, scored in SQL as bm25s scores (Lucene's formula)."""

    def __init__(self, store: PostgresStore, passages: int, total_terms: float) -> None:
        self._store = store
        self._size = passages
        self._average = total_terms / passages if passages else 0.0

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """As `LexicalIndex.search`, over the same terms (`query_terms`: each word once with its weight,
        the rarest `MAX_QUERY_TERMS` the corpus holds); `PostgresIndex.search` runs it under `SEARCH_TIMEOUT_MS`."""
        counts = Counter(tokenize(query))
        if not counts or self._size == 0 or k <= 0:
            return []
        only = " AND po.passage_id = ANY(%(allowed)s)" if allowed is not None else ""
        with self._store.snapshot() as connection:
            rows = connection.execute(
                "WITH q AS (SELECT u.term, u.weight * ln(1 + (%(n)s - t.df + 0.5) / (t.df + 0.5)) AS idf "
                "FROM unnest(%(terms)s::text[], %(weights)s::int[]) WITH ORDINALITY AS u(term, weight, position) "
                "JOIN newsbot.term_df t ON t.corpus = %(corpus)s AND t.term = u.term "
                "ORDER BY t.df, u.position LIMIT %(most)s) "
                "SELECT po.passage_id, sum(q.idf * po.tf / (po.tf + %(k1)s * (1 - %(b)s + %(b)s * po.length / %(average)s))) "
                "AS score FROM q JOIN newsbot.postings po ON po.corpus = %(corpus)s AND po.term = q.term "
                "WHERE po.passage_id NOT IN (SELECT id FROM newsbot.passages WHERE corpus = %(corpus)s "
                f"AND removed_in IS NOT NULL){only} "
                "GROUP BY po.passage_id ORDER BY score DESC, po.passage_id LIMIT %(k)s",
                {"n": self._size, "terms": list(counts), "weights": [min(c, MAX_TERM_WEIGHT) for c in counts.values()],
                 "most": MAX_QUERY_TERMS, "corpus": self._store.corpus, "k1": BM25_K1, "b": BM25_B,
                 "average": self._average or 1.0, "k": k,
                 "allowed": None if allowed is None else [int(a) for a in allowed]}).fetchall()
        return [(int(i), float(s)) for i, s in rows if s > 0]

    def idfs(self, tokens: Sequence[str]) -> dict[str, float]:
        """Every token's IDF in one statement, however many the question holds."""
        if not tokens:
            return {}
        with self._store.snapshot() as connection:
            found = dict(connection.execute("SELECT term, df FROM newsbot.term_df WHERE corpus = %s AND term = ANY(%s)",
                                            (self._store.corpus, list(tokens))).fetchall())
        return {token: bm25_idf(self._size, found.get(token, 0)) for token in tokens}


def copy_version(source: StoredVersion, target: PostgresStore, keep: int) -> StoredVersion:
    """Store a version read from another store (`newsbot index migrate`): its vectors as they are."""
    if source.vectors is None:
        raise IndexMismatchError(f"the version {source.version_dir.name} holds no vectors to copy", REBUILD_HINT)
    terms = source.terms
    if terms is None or len(terms) != len(source.chunk_lines):  # a version from before term counts were kept
        terms = TermCounts.of([json.loads(line)["text"] for line in source.chunk_lines])
    words = source.word_counts()
    if words is None:
        from .spelling import count_words

        words = dict(count_words(stored.article.text for stored in source.articles.values()))
    new = NewVersion(dataclasses.replace(source.manifest, files=None), source.articles, source.chunk_lines,
                     source.vectors, terms, words)
    return target.publish(new, keep)
