"""What the PostgreSQL benchmarks (`newsbot bench-store`) need of a store beyond answering: the nearest
passages by the HNSW index alone, and dropping a corpus to build it again from nothing."""

from __future__ import annotations

import numpy as np

from ..stores.postgres.reads import EF_SEARCH, PostgresVectors, postings_sql
from ..stores.postgres.store import PostgresStore
from ..stores.postgres.writes import vector_index_name


def nearest_passages(store: PostgresStore, query: np.ndarray, k: int, ef_search: int = EF_SEARCH) -> list[int]:
    """The ids of the k passages in use nearest to a unit vector, by the HNSW index."""
    manifest = store.read_manifest()
    if manifest is None:
        return []
    with store.snapshot():
        return [row for row, _ in PostgresVectors(store, manifest.dimension, ef_search).search(query, k)]


def drop_corpus(store: PostgresStore) -> None:
    """Delete the corpus: every version, row and index of it."""
    from psycopg import sql

    connection = store.connection()
    with store.told(), connection.transaction():
        connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(postings_sql(store.corpus)))
        for table in ("passages", "articles", "term_df", "versions"):
            connection.execute(f"DELETE FROM newsbot.{table} WHERE corpus = %s", (store.corpus,))
        connection.execute("DELETE FROM newsbot.corpora WHERE name = %s", (store.corpus,))
        prefix = vector_index_name(store.corpus, 0).removesuffix("_0")
        for (name,) in connection.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'newsbot' " "AND indexname LIKE %s", (prefix + "%",)
        ).fetchall():
            connection.execute(sql.SQL("DROP INDEX newsbot.{}").format(sql.Identifier(name)))
    store.forget_vector_types()
