"""Writing a version's rows into PostgreSQL: COPY of articles, passages and postings, the word counts
BM25 needs, the HNSW index, and pruning what no kept version holds. Each runs inside the caller's
transaction (`PostgresStore.publish`), so a reader sees a whole version or none of it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ...defaults import HNSW_EF_CONSTRUCTION, HNSW_M
from ...search.lexical import TermCounts
from ..base import NewVersion, StoredArticle
from .reads import graph_type_sql, postings_sql, postings_table
from .schema import exists_in_schema, one_value

if TYPE_CHECKING:
    import psycopg

ID_LOCK = 0x6E657774
"""The advisory lock under which a change takes a block of consecutive passage ids."""


def mark_removed(connection: psycopg.Connection[Any], corpus: str, doc_ids: list[str], number: int) -> None:
    """Mark these articles and their passages gone from version `number` on, and count their words out."""
    from psycopg import sql

    # Before writing to passages, the lock every change takes before its rows (insert_rows): taken after,
    # a change of one corpus waited for it holding passages' rows while a first load holding it waited
    # to build its HNSW index over passages, a deadlock.
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (ID_LOCK,))
    connection.execute(  # by id: an article's passages are consecutive, from its first_passage
        "UPDATE newsbot.passages p SET removed_in = %s FROM newsbot.articles a WHERE a.corpus = %s "
        "AND a.removed_in IS NULL AND a.doc_id = ANY(%s) AND p.id >= a.first_passage "
        "AND p.id < a.first_passage + a.passages AND p.removed_in IS NULL",
        (number, corpus, doc_ids),
    )
    connection.execute(
        "UPDATE newsbot.articles SET removed_in = %s WHERE corpus = %s AND removed_in IS NULL AND doc_id = ANY(%s)",
        (number, corpus, doc_ids),
    )
    connection.execute(
        sql.SQL(
            "UPDATE newsbot.term_df t SET df = t.df - d.n FROM (SELECT po.term, count(*)::int AS n FROM {postings} po "
            "JOIN newsbot.passages p ON p.id = po.passage_id WHERE p.corpus = %s AND p.removed_in = %s "
            "GROUP BY po.term) d WHERE t.corpus = %s AND t.term = d.term"
        ).format(postings=postings_sql(corpus)),
        (corpus, number, corpus),
    )
    connection.execute("DELETE FROM newsbot.term_df WHERE corpus = %s AND df <= 0", (corpus,))


def insert_rows(
    connection: psycopg.Connection[Any], corpus: str, new: NewVersion, fresh: list[StoredArticle], number: int
) -> dict[str, float]:
    """The rows of new and changed articles, under a block of consecutive passage ids. Returns the seconds
    spent on articles and passages, on postings, and of those on building a first load's indexes."""
    started = time.perf_counter()
    count = sum(len(article.rows) for article in fresh)
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (ID_LOCK,))
    first = one_value(connection.execute("SELECT nextval('newsbot.passage_ids')"))
    if count > 1:
        connection.execute("SELECT setval('newsbot.passage_ids', %s)", (first + count - 1,))
    positions = (
        np.concatenate([np.arange(a.rows.start, a.rows.stop) for a in fresh]) if count else np.zeros(0, dtype=np.int64)
    )
    ids = first + np.arange(count)
    with connection.cursor().copy(
        "COPY newsbot.articles (corpus, doc_id, added_in, digest, meta, record, " "first_passage, passages) FROM STDIN"
    ) as copy:
        start = first
        for article in fresh:
            record = json.loads(article.line)
            meta = {k: v for k, v in record.items() if k not in ("text", "digest", "passages")}
            copy.write_row(
                (
                    corpus,
                    article.article.doc_id,
                    number,
                    article.digest,
                    json.dumps(meta),
                    article.line.decode(),
                    start,
                    len(article.rows),
                )
            )
            start += len(article.rows)
    doc_ids = [a.article.doc_id for a in fresh for _ in a.rows]
    vectors, size = vectors_as_received(new.vectors)
    with connection.cursor().copy(
        "COPY newsbot.passages (id, corpus, doc_id, added_in, chunk, embedding) " "FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "text", "text", "int4", "text", "bytea"])  # the vector's bytes as they are
        for passage_id, position, doc_id in zip(ids.tolist(), positions.tolist(), doc_ids):
            copy.write_row(
                (
                    passage_id,
                    corpus,
                    doc_id,
                    number,
                    new.chunk_lines[position].decode(),
                    vectors[position * size : (position + 1) * size],
                )
            )
    seconds = {"passages": time.perf_counter() - started, "postings_indexes": 0.0}
    started = time.perf_counter()
    frequencies = insert_postings(connection, corpus, new.terms, positions, ids, seconds)
    if frequencies:
        connection.execute(
            "INSERT INTO newsbot.term_df (corpus, term, df) SELECT %s, * FROM unnest(%s::text[], %s::int[]) "
            "ON CONFLICT (corpus, term) DO UPDATE SET df = newsbot.term_df.df + excluded.df",
            (corpus, list(frequencies), list(frequencies.values())),
        )
    seconds["postings"] = time.perf_counter() - started
    return seconds


def vectors_as_received(vectors: np.ndarray) -> tuple[memoryview, int]:
    """Every row of `vectors` in pgvector's binary form (its dimension and a reserved 0 as big-endian
    int16, then each number as a big-endian float4), made by numpy at once, and each row's length in
    bytes: a binary COPY passes a field's bytes to the column type's own reader (pgvector's
    vector_recv), which took 6 s a million rows through pgvector's Python dumper."""
    rows, dimension = vectors.shape if vectors.ndim == 2 else (0, 0)
    layout = np.dtype([("dimension", ">i2"), ("unused", ">i2"), ("values", ">f4", (dimension,))])
    encoded = np.zeros(rows, dtype=layout)
    encoded["dimension"], encoded["values"] = dimension, vectors
    return memoryview(encoded.tobytes()), layout.itemsize


def prune_versions(connection: psycopg.Connection[Any], corpus: str, keep: int) -> None:
    """Drop versions beyond the newest `keep`, and the rows no kept version holds."""
    numbers = [
        row[0]
        for row in connection.execute(
            "SELECT number FROM newsbot.versions WHERE corpus = %s ORDER BY number DESC", (corpus,)
        )
    ]
    oldest = min(numbers[: max(keep, 1)])
    connection.execute("DELETE FROM newsbot.versions WHERE corpus = %s AND number < %s", (corpus, oldest))
    delete_rows(connection, corpus, "removed_in <= %s", oldest)


def delete_rows(connection: psycopg.Connection[Any], corpus: str, condition: str, number: int) -> None:
    """Delete the corpus's articles and passages (and their postings) that meet `condition` on `number`."""
    from psycopg import sql

    connection.execute(
        sql.SQL(
            "DELETE FROM {postings} po USING newsbot.passages p WHERE po.passage_id = p.id AND p.corpus = %s AND "
        ).format(postings=postings_sql(corpus))
        + sql.SQL(f"p.{condition}"),
        (corpus, number),
    )
    for table in ("passages", "articles"):
        connection.execute(f"DELETE FROM newsbot.{table} WHERE corpus = %s AND {condition}", (corpus, number))


def vector_index_name(corpus: str, dimension: int) -> str:
    """Each corpus has an HNSW index of its own: a guild's search never walks another guild's graph."""
    import hashlib

    return f"passages_hnsw_{hashlib.sha256(corpus.encode()).hexdigest()[:16]}_{int(dimension)}"


@dataclass(frozen=True)
class HnswGraph:
    """How the corpus's HNSW graph is built (pgvector's `m` and `ef_construction`; its defaults). A smaller
    graph builds faster and finds fewer of the true nearest passages (docs/deploying.md has both)."""

    m: int = HNSW_M
    ef_construction: int = HNSW_EF_CONSTRUCTION


GRAPH_TYPE = "halfvec"
"""What the HNSW graph holds of each vector: pgvector's half precision (2 bytes a number; `vector` on a
pgvector before 0.7, which lacks it). Against full precision, at 100,000 clustered vectors, it built in
22 s instead of 25, answered in half the time (p50 2.0-2.7 ms against 5.1) with the same recall@10
(1.000), in an index of half the size (docs/deploying.md). The table keeps the vectors whole, and a
search ranks the graph's candidates by them (`PostgresVectors`). Corpora whose index was made before
hold `vector`; it is used as it is."""


def vector_index_type(connection: psycopg.Connection[Any], corpus: str, dimension: int) -> str:
    """The type the corpus's HNSW index was made over (`GRAPH_TYPE`, or `vector` for an index made
    before it; the one it will be made over when there is none yet): searches must cast as the index
    does to use it."""
    found = connection.execute(  # its operator class: the definition's text holds the corpus's name too
        "SELECT o.opcname FROM pg_index i JOIN pg_opclass o ON o.oid = i.indclass[0] WHERE i.indexrelid = "
        "to_regclass(%s)",
        (f"newsbot.{vector_index_name(corpus, dimension)}",),
    ).fetchone()
    if found is None:
        return graph_type_supported(connection)
    return "halfvec" if found[0].startswith("halfvec") else "vector"


HALFVEC_SINCE = (0, 7)
"""The first pgvector with `halfvec`."""


def graph_type_supported(connection: psycopg.Connection[Any]) -> str:
    """`GRAPH_TYPE`, or `vector` on a server whose pgvector predates half precision."""
    version = one_value(connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
    numbers = tuple(int(part) for part in str(version).split(".")[:2] if part.isdigit())
    return GRAPH_TYPE if numbers >= HALFVEC_SINCE else "vector"


def ensure_vector_index(
    connection: psycopg.Connection[Any], corpus: str, dimension: int, graph: HnswGraph = HnswGraph()
) -> None:
    """The corpus's HNSW index over its passages in use (made once, after its first rows: in bulk;
    then kept up by each insert). `graph` counts only when it is made."""
    from psycopg import sql

    name = vector_index_name(corpus, dimension)
    if exists_in_schema(connection, name):
        return
    graph_type = graph_type_supported(connection)
    connection.execute("SET LOCAL maintenance_work_mem = '4GB'")  # the graph is built in memory when it fits
    connection.execute(
        sql.SQL(
            "CREATE INDEX {name} ON newsbot.passages USING hnsw ((embedding::{t}({d})) {t}_ip_ops) "
            "WITH (m = {m}, ef_construction = {ef}) "
            "WHERE corpus = {corpus} AND removed_in IS NULL AND vector_dims(embedding) = {d}"
        ).format(
            name=sql.Identifier(name),
            t=graph_type_sql(graph_type),
            d=sql.Literal(int(dimension)),
            m=sql.Literal(int(graph.m)),
            ef=sql.Literal(int(graph.ef_construction)),
            corpus=sql.Literal(corpus),
        )
    )


POSTINGS_TABLE = (
    'CREATE TABLE {} (term text COLLATE "C" NOT NULL, passage_id bigint NOT NULL, tf real NOT NULL, '
    "length real NOT NULL)"
)
"""A corpus's table of postings (migration 4), without indexes: a passage's stemmed words, with what BM25 needs
beside them (its length), so that scoring reads the key alone. The word is compared byte by byte, so
that building the key sorts on the word's bytes (under the database's locale, 5 million keys took
2.5-3.1 s against 1.7 s: docs/deploying.md); a posting has no foreign key to its passage (checking one
per row halved the insert rate)."""


def build_postings_indexes(connection: psycopg.Connection[Any], corpus: str) -> None:
    """The key of the corpus's postings (the word, then the passage: what a search reads, in its index
    alone) and the index by passage (what a change reads and deletes), built after a first load's rows."""
    from psycopg import sql

    table = postings_sql(corpus)
    connection.execute("SET LOCAL maintenance_work_mem = '1GB'")  # sorted in memory when they fit
    connection.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (term, passage_id) INCLUDE (tf, length)").format(table))
    connection.execute(sql.SQL("CREATE INDEX ON {} (passage_id)").format(table))


def ensure_postings_table(connection: psycopg.Connection[Any], corpus: str) -> None:
    """The corpus's table of postings, made with its indexes when it has none yet (a version without passages)."""
    from psycopg import sql

    if not exists_in_schema(connection, postings_table(corpus)):
        connection.execute(sql.SQL(POSTINGS_TABLE).format(postings_sql(corpus)))
        build_postings_indexes(connection, corpus)


def insert_postings(
    connection: psycopg.Connection[Any],
    corpus: str,
    terms: TermCounts,
    positions: np.ndarray,
    ids: np.ndarray,
    seconds: dict[str, float] | None = None,
) -> dict[str, int]:
    """Each passage's stemmed words and counts: rows `positions` of `terms`, stored under `ids` in the
    corpus's table of postings, word by word (a word's postings then sit together on disk, where a search
    reads them), in COPY's binary format made by numpy (formatting millions of rows in Python took longer
    than the database took to store them). Returns how many of these passages hold each word; a first
    load's seconds building its indexes go into `seconds["postings_indexes"]`."""
    if not len(positions):
        return {}
    from psycopg import sql

    table = postings_sql(corpus)
    first_load = not exists_in_schema(connection, postings_table(corpus))
    if first_load:  # the corpus's first rows: into a table without indexes, which are built after them
        connection.execute(sql.SQL(POSTINGS_TABLE).format(table))
    counts = terms.counts[positions]
    per_row = np.diff(counts.indptr)
    passage_ids = np.repeat(ids, per_row)
    passage_lengths = np.repeat(np.asarray(counts.sum(axis=1)).ravel(), per_row)
    words = [b""] * len(terms.vocabulary)
    for word, column in terms.vocabulary.items():
        words[column] = word.encode()
    sizes = np.fromiter((len(word) for word in words), dtype=np.int64, count=len(words))
    order = np.argsort(sizes[counts.indices] * len(words) + counts.indices, kind="stable")  # by size, then word
    posting_sizes = sizes[counts.indices[order]]
    with connection.cursor().copy(  # into a table made in this transaction: written frozen, as VACUUM would
        sql.SQL("COPY {} (term, passage_id, tf, length) FROM STDIN WITH (FORMAT BINARY{})").format(
            table, sql.SQL(", FREEZE" if first_load else "")
        )
    ) as copy:
        copy.write(COPY_HEADER)
        for size in np.unique(posting_sizes):  # the rows of words of one length share a layout
            chosen = order[np.searchsorted(posting_sizes, size) : np.searchsorted(posting_sizes, size, "right")]
            columns = np.unique(counts.indices[chosen])
            spelled = np.array([words[column] for column in columns], dtype=f"S{size}")
            rows = np.zeros(len(chosen), dtype=_posting_layout(int(size)))
            rows["fields"] = 4
            rows["term_size"], rows["term"] = size, spelled[np.searchsorted(columns, counts.indices[chosen])]
            rows["id_size"], rows["passage_id"] = 8, passage_ids[chosen]
            rows["tf_size"], rows["tf"] = 4, counts.data[chosen]
            rows["length_size"], rows["length"] = 4, passage_lengths[chosen]
            copy.write(rows.tobytes())
        copy.write(COPY_TRAILER)
    if first_load:
        started = time.perf_counter()
        build_postings_indexes(connection, corpus)
        if seconds is not None:
            seconds["postings_indexes"] = time.perf_counter() - started
    held = np.bincount(counts.indices, minlength=len(terms.vocabulary))
    return {word: int(held[column]) for word, column in terms.vocabulary.items() if held[column]}


COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def _posting_layout(term_size: int) -> np.dtype:
    """A posting row in COPY's binary format: field count, then each field's length and big-endian value."""
    return np.dtype(
        [
            ("fields", ">i2"),
            ("term_size", ">i4"),
            ("term", f"S{term_size}"),
            ("id_size", ">i4"),
            ("passage_id", ">i8"),
            ("tf_size", ">i4"),
            ("tf", ">f4"),
            ("length_size", ">i4"),
            ("length", ">f4"),
        ]
    )
