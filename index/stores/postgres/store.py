"""The PostgreSQL backend: index versions in tables, vectors in pgvector (HNSW), BM25 in SQL.

Several bot processes, on one machine or many, share one database: each corpus (the shared one,
and each guild's own) is a name in `newsbot.corpora`, and a change made by any process is what
every other one answers from at its next question.

    articles, passages   rows that belong to the versions from `added_in` up to `removed_in`
                         (schema in schema.py); a change inserts only the new and changed
                         articles' rows and marks the gone ones, in one transaction with the switch
                         of `corpora.current`, so readers see the old corpus or the new, never half
    passages.embedding   pgvector, searched through an HNSW index (inner product over unit vectors,
                         as FAISS does) built for the rows in use only
    postings_*, term_df  the lexical side: each passage's stemmed words and counts (a table per
                         corpus), and each word's document frequency in the version in use, so BM25
                         is scored with the same formula and tokens as bm25s (docs/deploying.md has
                         the figures that chose it over PostgreSQL's own full text search)

One build writes at a time per corpus (a session advisory lock), as the file store's lock file
does. A rollback returns to the version before, dropping the versions after it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ...documents import Article, ArticleMeta
from ...embedding.base import Embedder
from ...errors import (
    REBUILD_HINT,
    DatabaseError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    SearchTimeoutError,
    VersionChanged,
)
from ...manifest import Manifest
from ...search.lexical import TermCounts
from ...search.news_index import NewsIndex, check_model
from ..base import (
    CurrentArticles,
    HeldLock,
    NewVersion,
    StoredArticle,
    StoredVersion,
    VersionChange,
    VersionStore,
    check_held,
)
from .postings import POSTINGS_CACHE_BYTES, PostingsCache
from .reads import SEARCH_TIMEOUT_MS, PostgresIndex, array_of, postings_sql
from .schema import connect, one_value, redacted, without_secrets
from .writes import (
    HnswGraph,
    delete_rows,
    ensure_postings_table,
    ensure_vector_index,
    insert_rows,
    mark_removed,
    prune_versions,
    vector_index_type,
)

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
T = TypeVar("T")
CLOSE_PATIENCE_S = 10.0
"""How long `close` waits for another thread's statement before cancelling it."""
BACKGROUND_THREADS = 2
"""Vector searches a store runs at once beside its questions' BM25 (`PostgresStore.in_background`), each on a
connection of its own once used (the questions' threads hold one each as well)."""

VERSION_NAME = "%Y%m%dT%H%M%S.%f"
VACUUM_AFTER = 10_000
"""Passages written by one change from which the tables are vacuumed at once, not when autovacuum comes."""


def fix_for(error: Exception) -> str:
    """What to do about a database failure: a change that met another is tried again; a connection lost
    means the server; anything else, most likely a schema another newsbot version made, or the server's log."""
    import psycopg

    state = str(getattr(error, "sqlstate", None) or "")
    if state.startswith("40"):  # a deadlock, a serialization failure
        return "another change ran at the same time: try again"
    if state == "55P03":  # lock_timeout
        return "another process held the tables longer than the database's lock_timeout: try again when it is done"
    if state == "57014":  # a statement cancelled: the database's statement_timeout, or an administrator
        return "the database cancelled the statement (its statement_timeout, or an administrator): raise the timeout for newsbot's role, then try again"
    if isinstance(error, psycopg.OperationalError):
        return "check that PostgreSQL is running and reachable, then try again"
    return "if another newsbot version shares this database, upgrade every process together (docs/deploying.md); else see PostgreSQL's log"


class ThreadEnd:
    """An object only a thread's locals hold: it is freed when the thread ends."""


def close_when_idle(connection: psycopg.Connection[Any]) -> None:
    """Close a connection another thread may be running a statement on, once the statement is done:
    closing it under a running statement frees what libpq is reading into, and the process dies. A
    statement still running after CLOSE_PATIENCE_S is cancelled first. The thread's next statement is
    refused (the connection is closed), and its next use of the store connects again."""
    lock = getattr(connection, "lock", None)
    if lock is None:
        connection.close()
        return
    if not lock.acquire(timeout=CLOSE_PATIENCE_S):
        with suppress(Exception):
            connection.cancel_safe(timeout=CLOSE_PATIENCE_S)
        lock.acquire()
    try:
        connection.close()
    finally:
        lock.release()


class PostgresStore(VersionStore):
    def __init__(
        self, url: str, corpus: str, graph: HnswGraph = HnswGraph(), postings_cache_bytes: int = POSTINGS_CACHE_BYTES
    ) -> None:
        self.url = url
        self.corpus = corpus
        self.graph = graph
        """How the corpus's HNSW index is built, when this store makes it (its first version's publish)."""
        self.location = f"corpus {corpus!r} of {redacted(url)}"
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Any]] = []
        """Every thread's connection, so that `close` closes them all."""
        self._connections_lock = threading.Lock()
        self._background: ThreadPoolExecutor | None = None
        """Threads that search the vectors while the asking thread sums BM25 (`in_background`), each with its
        connection."""
        self._busy = 0
        """How many of them are at work."""
        self._migrated = False
        self.postings_cache = PostingsCache(postings_cache_bytes)
        """BM25's word postings of the version last searched (postings.py)."""
        self._vector_types: dict[int, str] = {}
        """The type each dimension's HNSW index of the corpus was made over (`vector_type`)."""
        self.last_publish: dict[str, float] = {}
        """Seconds the last publish spent inserting rows (passages, postings and their indexes) and building the
        vector index (for benchmarks)."""

    def __repr__(self) -> str:
        return f"PostgresStore({self.location})"

    @property
    def shared(self) -> bool:
        return True

    # ---- connections -------------------------------------------------------------------------

    def connection(self) -> psycopg.Connection[Any]:
        """This thread's connection (autocommit; transactions are explicit)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.broken:
            if connection is not None:
                connection.close()
            connection = self._local.connection = connect(self.url, migrate=not self._migrated)
            self._migrated = True
            self._local.ends_with_thread = ends_with_thread = ThreadEnd()  # freed with this thread's locals
            weakref.finalize(ends_with_thread, connection.close)  # a thread that ends leaves no connection open
            with self._connections_lock:
                self._connections = [c for c in self._connections if not c.closed] + [connection]
        return connection

    def in_background(self, work: Callable[[], T]) -> Callable[[], T]:
        """`work` begun by one of the store's background threads (BACKGROUND_THREADS, made on first use), on
        that thread's own connection; what is returned waits for its result. When every background thread is
        busy, `work` is done here and now, so a question never waits for another's."""
        with self._connections_lock:
            free = self._busy < BACKGROUND_THREADS
            if free:
                if self._background is None:
                    self._background = ThreadPoolExecutor(BACKGROUND_THREADS, thread_name_prefix="newsbot-vectors")
                self._busy += 1
                begun = self._background.submit(self._counted, work)
        if free:
            return begun.result
        done = work()
        return lambda: done

    def _counted(self, work: Callable[[], T]) -> T:
        try:
            return work()
        finally:
            with self._connections_lock:
                self._busy -= 1

    def close(self) -> None:
        """Close every thread's connection, once the background threads are done (a thread that reads again
        opens a new one)."""
        with self._connections_lock:
            background, self._background = self._background, None
        if background is not None:
            background.shutdown(wait=True)
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            close_when_idle(connection)

    @contextmanager
    def told(self) -> Iterator[None]:
        """A database failure as one line with the fix (a lost connection is made again next time)."""
        import psycopg

        try:
            yield
        except psycopg.Error as error:
            reason = without_secrets((str(error).strip().splitlines() or [type(error).__name__])[0], self.url)
            mine = getattr(self._local, "connection", None)
            fix = (
                "the store was closed while this ran (newsbot is stopping, or the index was closed): ask again"
                if mine is not None and mine.closed and not mine.broken  # closed by close(), not by the server
                else fix_for(error)
            )
            raise DatabaseError(f"the database at {redacted(self.url)} failed: {reason}", fix) from None

    @contextmanager
    def snapshot(
        self, version: tuple[int, str] | None = None, timeout_ms: int = 0
    ) -> Iterator[psycopg.Connection[Any]]:
        """A read-only transaction that sees one version throughout; VersionChanged when `version` (its
        number and name: a rollback frees a number for the next change, names are never used twice) is no
        longer the one in use. Nested snapshots share the outer one (and its timeout). With `timeout_ms`,
        the transaction's statements stop after that long (SearchTimeoutError), and a wait for a table
        another process holds stops after half of it (DatabaseError: another process held the tables)."""
        import psycopg

        connection = self.connection()
        if getattr(self._local, "snapshot", False):
            yield connection
            return
        with self.told(), ExitStack() as transaction:
            connection = self._begin(transaction)
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if timeout_ms:
                connection.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
                connection.execute(f"SET LOCAL lock_timeout = {int(timeout_ms) // 2}")
            if version is not None:
                row = connection.execute(
                    "SELECT c.current, v.name FROM newsbot.corpora c LEFT JOIN newsbot.versions v "
                    "ON v.corpus = c.name AND v.number = c.current WHERE c.name = %s",
                    (self.corpus,),
                ).fetchone()
                if row is None or (row[0], row[1]) != tuple(version):
                    raise VersionChanged(f"the index in {self.location} changed while it was read", "ask again")
            self._local.snapshot = True
            try:
                yield connection
            except psycopg.errors.QueryCanceled:
                if not timeout_ms:  # not this search's own timeout: the database's, or a cancel (told() says so)
                    raise
                raise SearchTimeoutError(
                    f"searching the {self.location} took longer than {SEARCH_TIMEOUT_MS / 1000:g} s",
                    "ask a shorter question, with fewer common words",
                ) from None
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
        key = f"postgres:{self.corpus}"
        if held is not None:
            check_held(held, key)
            yield held
            return
        session = connect(self.url, migrate=not self._migrated)  # the lock lives as long as this session
        self._migrated = True
        try:
            with self.told():
                taken = session.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone()
            if not taken or not taken[0]:
                raise IndexBusyError(
                    f"another build is writing the index in {self.location}", "wait for it to finish and try again"
                )
            try:
                yield HeldLock(key)
            finally:  # let go before closing: the server ends a closed session on its own time, and a
                # change right after this one would be told that a build is still writing
                with suppress(Exception):
                    session.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        finally:
            session.close()

    def _current(self, connection: psycopg.Connection[Any]) -> tuple | None:
        """(number, name, manifest record, passages, total_terms) of the version in use, or None."""
        return connection.execute(
            "SELECT v.number, v.name, v.manifest, v.passages, v.total_terms FROM newsbot.corpora c "
            "JOIN newsbot.versions v ON v.corpus = c.name AND v.number = c.current WHERE c.name = %s",
            (self.corpus,),
        ).fetchone()

    def _manifest(self, record: object, name: str) -> Manifest:
        return Manifest.from_record(
            record, f"the manifest of version {name} in {self.location}", f"the index in {self.location}"
        )

    def read_manifest(self) -> Manifest | None:
        """The manifest of the version in use, None when there is none."""
        with self.told():
            row = self._current(self.connection())
        return self._manifest(row[2], row[1]) if row else None

    def current_name(self) -> str | None:
        with self.told():
            row = self._current(self.connection())
        return row[1] if row else None

    def read_current(self, kept: StoredVersion | None = None) -> StoredVersion | None:
        from psycopg import sql

        with self.snapshot() as connection:
            current = self._current(connection)
            if current is None:
                return None
            number, name, record, passages, _ = current
            if kept is not None and kept.name == name:
                return kept
            try:
                manifest = self._manifest(record, name)
            except IndexMismatchError:
                return None  # written by another newsbot: the build makes everything again
            articles = connection.execute(
                "SELECT doc_id, digest, record, first_passage, passages FROM newsbot.articles "
                "WHERE corpus = %s AND removed_in IS NULL ORDER BY first_passage",
                (self.corpus,),
            ).fetchall()
            rows = connection.execute(
                "SELECT id, chunk, embedding FROM newsbot.passages WHERE corpus = %s AND removed_in IS NULL "
                "ORDER BY id",
                (self.corpus,),
            ).fetchall()
            postings = connection.execute(
                sql.SQL(
                    "SELECT po.passage_id, po.term, po.tf FROM {postings} po JOIN newsbot.passages p "
                    "ON p.id = po.passage_id WHERE p.corpus = %s AND p.removed_in IS NULL"
                ).format(postings=postings_sql(self.corpus)),
                (self.corpus,),
            ).fetchall()
            words = one_value(
                connection.execute(
                    "SELECT words FROM newsbot.versions WHERE corpus = %s AND number = %s", (self.corpus, number)
                )
            )
        return _stored_version(name, manifest, articles, rows, postings, words=words)

    # ---- changes that read only what they touch ------------------------------------------------

    @property
    def takes_changes(self) -> bool:
        return True

    def read_articles(self, doc_ids: Collection[str]) -> CurrentArticles | None:
        """The version in use's digests and counts, and these articles whole: their passages are read
        by id (an article's are consecutive), nothing else of the version."""
        from psycopg import sql

        with self.snapshot() as connection:
            current = self._current(connection)
            if current is None:
                return None
            number, name, record, passages, total_terms = current
            try:
                manifest = self._manifest(record, name)
            except IndexMismatchError:
                return None
            digests = dict(
                connection.execute(
                    "SELECT doc_id, digest FROM newsbot.articles WHERE corpus = %s AND removed_in IS NULL",
                    (self.corpus,),
                ).fetchall()
            )
            articles = connection.execute(
                "SELECT doc_id, digest, record, first_passage, passages FROM newsbot.articles "
                "WHERE corpus = %s AND removed_in IS NULL AND doc_id = ANY(%s) ORDER BY first_passage",
                (self.corpus, list(doc_ids)),
            ).fetchall()
            ids = [first + offset for *_, first, count in articles for offset in range(count)]
            rows = connection.execute(
                "SELECT id, chunk, embedding FROM newsbot.passages WHERE id = ANY(%s) ORDER BY id", (ids,)
            ).fetchall()
            postings = connection.execute(
                sql.SQL("SELECT passage_id, term, tf FROM {postings} WHERE passage_id = ANY(%s)").format(
                    postings=postings_sql(self.corpus)
                ),
                (ids,),
            ).fetchall()
        touched = _stored_version(
            name, manifest, articles, rows, postings, read_words=lambda: self.version_words((number, name))
        )
        return CurrentArticles(name, manifest, digests, int(passages), float(total_terms), touched)

    def version_words(self, version: tuple[int, str]) -> dict[str, int]:
        """The word counts (search/spelling.py) of `version` (number, name); VersionChanged when it is no
        longer in use."""
        with self.snapshot(version) as connection:
            return one_value(
                connection.execute(
                    "SELECT words FROM newsbot.versions WHERE corpus = %s AND number = %s", (self.corpus, version[0])
                )
            )

    def publish_change(self, change: VersionChange, keep: int) -> str:
        connection = self.connection()
        name = dt.datetime.now(dt.UTC).strftime(VERSION_NAME)
        started = time.perf_counter()
        with self.told(), connection.transaction():
            current = connection.execute(
                "SELECT v.number, v.name FROM newsbot.corpora c JOIN newsbot.versions v ON v.corpus = c.name "
                "AND v.number = c.current WHERE c.name = %s FOR UPDATE OF c",
                (self.corpus,),
            ).fetchone()
            if current is None or current[1] != change.base:
                raise VersionChanged(f"the index in {self.location} changed while it was being changed", "try again")
            number = one_value(
                connection.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM newsbot.versions WHERE corpus = %s", (self.corpus,)
                )
            )
            new = NewVersion(
                change.manifest, change.added, change.chunk_lines, change.vectors, change.terms, change.words
            )
            if change.removed:
                mark_removed(connection, self.corpus, change.removed, number)
            if change.added:
                insert_rows(connection, self.corpus, new, list(change.added.values()), number)
            ensure_vector_index(connection, self.corpus, change.manifest.dimension, self.graph)
            self._insert_version(connection, number, name, change.manifest, change.words, change.total_terms)
            prune_versions(connection, self.corpus, keep)
        self.last_publish = {"insert": time.perf_counter() - started, "vector_index": 0.0}
        log.info(
            "stored version %s of %s as a change: %d articles written, %d gone (%.1f s)",
            name,
            self.location,
            len(change.added),
            len(change.removed),
            self.last_publish["insert"],
        )
        return name

    def _insert_version(
        self,
        connection: psycopg.Connection[Any],
        number: int,
        name: str,
        manifest: Manifest,
        words: dict[str, int],
        total_terms: float,
    ) -> None:
        """The version's row, and the switch to it."""
        connection.execute(
            "INSERT INTO newsbot.versions (corpus, number, name, manifest, words, passages, total_terms) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (self.corpus, number, name, _json(manifest.to_record()), _json(words), manifest.chunks, total_terms),
        )
        connection.execute("UPDATE newsbot.corpora SET current = %s WHERE name = %s", (number, self.corpus))

    def vector_type(self, dimension: int) -> str:
        """What the corpus's HNSW index of this dimension holds (`vector_index_type`), read once: an index is
        made with a corpus's first version and kept while it lives."""
        if dimension not in self._vector_types:
            with self.snapshot() as connection:
                self._vector_types[dimension] = vector_index_type(connection, self.corpus, dimension)
        return self._vector_types[dimension]

    def forget_vector_types(self) -> None:
        """Read the index's type again (after the corpus was dropped and made anew)."""
        self._vector_types.clear()

    def publish(self, new: NewVersion, keep: int) -> StoredVersion:
        from psycopg import sql

        connection = self.connection()
        name = dt.datetime.now(dt.UTC).strftime(VERSION_NAME)
        timings = {"insert": 0.0, "vector_index": 0.0}
        with self.told(), connection.transaction():
            connection.execute("INSERT INTO newsbot.corpora (name) VALUES (%s) ON CONFLICT DO NOTHING", (self.corpus,))
            current = one_value(
                connection.execute("SELECT current FROM newsbot.corpora WHERE name = %s FOR UPDATE", (self.corpus,))
            )
            previous = connection.execute(
                "SELECT manifest FROM newsbot.versions WHERE corpus = %s AND number = %s", (self.corpus, current)
            ).fetchone()
            number = one_value(
                connection.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM newsbot.versions WHERE corpus = %s", (self.corpus,)
                )
            )
            same_passages = previous is not None and all(
                previous[0].get(key) == getattr(new.manifest, key) for key in ("model", "dimension", "chunker")
            )
            in_use = dict(
                connection.execute(
                    "SELECT doc_id, digest FROM newsbot.articles WHERE corpus = %s AND " "removed_in IS NULL",
                    (self.corpus,),
                ).fetchall()
            )
            kept = {
                doc_id
                for doc_id, article in new.articles.items()
                if same_passages and in_use.get(doc_id) == article.digest
            }
            gone = [doc_id for doc_id in in_use if doc_id not in kept]
            fresh = [article for doc_id, article in new.articles.items() if doc_id not in kept]
            started = time.perf_counter()
            if gone:
                mark_removed(connection, self.corpus, gone, number)
            if fresh:
                timings.update(insert_rows(connection, self.corpus, new, fresh, number))
            ensure_postings_table(connection, self.corpus)  # a corpus without passages has its table too
            timings["insert"] = time.perf_counter() - started
            started = time.perf_counter()
            # after the rows: built in bulk once
            ensure_vector_index(connection, self.corpus, new.manifest.dimension, self.graph)
            timings["vector_index"] = time.perf_counter() - started
            self._insert_version(connection, number, name, new.manifest, new.words, float(new.terms.counts.sum()))
            prune_versions(connection, self.corpus, keep)
        if sum(len(article.rows) for article in fresh) >= VACUUM_AFTER:
            with self.told():  # marks the new rows visible to all, so BM25 reads its index alone
                connection.execute(  # the corpus's postings, not every corpus's
                    sql.SQL("VACUUM (ANALYZE) {}, newsbot.passages").format(postings_sql(self.corpus))
                )
        self.last_publish = timings
        log.info(
            "stored version %s of %s: %d articles kept, %d written, %d gone (%.1f s rows, %.1f s vector index)",
            name,
            self.location,
            len(kept),
            len(fresh),
            len(gone),
            timings["insert"],
            timings["vector_index"],
        )
        return StoredVersion(name, new.manifest, new.articles, new.chunk_lines, new.vectors, new.terms, new.words)

    def serve_previous(self) -> str:
        from psycopg import sql

        with self.lock():
            connection = self.connection()
            with self.told(), connection.transaction():
                current = connection.execute(
                    "SELECT current FROM newsbot.corpora WHERE name = %s FOR UPDATE", (self.corpus,)
                ).fetchone()
                if current is None or current[0] is None:
                    raise IndexMissingError(
                        f"no index has been built in {self.location} yet", "build one with `newsbot index build`"
                    )
                older = connection.execute(
                    "SELECT number, name FROM newsbot.versions WHERE corpus = %s AND number < %s "
                    "ORDER BY number DESC LIMIT 1",
                    (self.corpus, current[0]),
                ).fetchone()
                if older is None:
                    name = one_value(
                        connection.execute(
                            "SELECT name FROM newsbot.versions WHERE corpus = %s AND number = %s",
                            (self.corpus, current[0]),
                        )
                    )
                    raise IndexMissingError(
                        f"there is no version older than {name} in {self.location} to go back to",
                        "keep more versions with [index] keep_versions",
                    )
                number = older[0]
                delete_rows(connection, self.corpus, "added_in > %s", number)
                for table in ("passages", "articles"):
                    connection.execute(
                        f"UPDATE newsbot.{table} SET removed_in = NULL WHERE corpus = %s AND removed_in > %s",
                        (self.corpus, number),
                    )
                connection.execute(
                    "DELETE FROM newsbot.versions WHERE corpus = %s AND number > %s", (self.corpus, number)
                )
                connection.execute("DELETE FROM newsbot.term_df WHERE corpus = %s", (self.corpus,))
                connection.execute(
                    sql.SQL(
                        "INSERT INTO newsbot.term_df (corpus, term, df) SELECT %s, po.term, count(*) FROM {postings} "
                        "po JOIN newsbot.passages p ON p.id = po.passage_id WHERE p.corpus = %s "
                        "AND p.removed_in IS NULL GROUP BY po.term"
                    ).format(postings=postings_sql(self.corpus)),
                    (self.corpus, self.corpus),
                )
                connection.execute("UPDATE newsbot.corpora SET current = %s WHERE name = %s", (number, self.corpus))
        return older[1]

    def open(self, embedder: Embedder) -> NewsIndex:
        with self.snapshot() as connection:
            current = self._current(connection)
            if current is None:
                raise IndexMissingError(
                    f"no index has been built in {self.location} yet", "build one with `newsbot index build`"
                )
            number, name, record, passages, total_terms = current
            manifest = self._manifest(record, name)
            check_model(f"the index in {self.location}", manifest, embedder)
            known = embedder.known_dimension()
            if known is not None and known != manifest.dimension:
                raise IndexMismatchError(
                    f"the index in {self.location} holds {manifest.dimension}-dimensional "
                    f"vectors, the model makes {known}",
                    REBUILD_HINT,
                )
            rows = connection.execute(
                "SELECT meta, first_passage, passages FROM newsbot.articles WHERE corpus = %s "
                "AND removed_in IS NULL ORDER BY first_passage",
                (self.corpus,),
            ).fetchall()
        try:
            articles = {meta["doc_id"]: ArticleMeta.from_json(meta) for meta, _, _ in rows}
        except (KeyError, TypeError, ValueError) as error:
            raise IndexMismatchError(f"the index in {self.location} is damaged ({error})", REBUILD_HINT) from None
        rows_by_article = {meta["doc_id"]: range(first, first + count) for meta, first, count in rows}
        return PostgresIndex(self, number, name, manifest, articles, rows_by_article, passages, total_terms, embedder)


def _stored_version(
    name: str,
    manifest: Manifest,
    articles: list[tuple],
    rows: list[tuple],
    postings: list[tuple],
    *,
    words: dict[str, int] | None = None,
    read_words: Any = None,
) -> StoredVersion:
    """A StoredVersion of these articles (doc_id, digest, record, first_passage, passages), their passages
    (id, chunk, embedding; by id) and postings (passage id, word, count): rows numbered from 0 by id."""
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    stored = StoredVersion(
        name,
        manifest,
        chunk_lines=[row[1].encode() for row in rows],
        vectors=np.vstack([array_of(row[2]) for row in rows]).astype(np.float32)
        if rows
        else np.zeros((0, manifest.dimension), dtype=np.float32),
        terms=_term_counts(postings, ids),
        words=words,
        read_words=read_words,
    )
    for doc_id, digest, line, first, count in articles:
        position = int(np.searchsorted(ids, first))
        record = json.loads(line)
        stored.articles[doc_id] = StoredArticle(
            Article(ArticleMeta.from_json(record), record["text"]),
            digest,
            line.encode(),
            range(position, position + count),
        )
    return stored


def _term_counts(postings: list[tuple], ids: np.ndarray) -> TermCounts:
    """The passages x words matrix of postings (passage id, word, count), rows in `ids` order."""
    import scipy.sparse

    vocabulary: dict[str, int] = {}
    rows = np.searchsorted(ids, np.fromiter((p[0] for p in postings), dtype=np.int64, count=len(postings)))
    columns = np.fromiter(
        (vocabulary.setdefault(p[1], len(vocabulary)) for p in postings), dtype=np.int64, count=len(postings)
    )
    data = np.fromiter((p[2] for p in postings), dtype=np.float32, count=len(postings))
    counts = scipy.sparse.csr_matrix((data, (rows, columns)), shape=(len(ids), len(vocabulary)))
    return TermCounts(counts, vocabulary)


def _json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)
