"""The PostgreSQL backend: versions in tables, vectors in pgvector (HNSW), BM25 in SQL.

    store.py    PostgresStore: connections, snapshots, the build lock, publishing and going back a version
    writes.py   COPY of a version's rows, postings and word counts, the HNSW index, pruning
    reads.py    PostgresIndex: searching one version in one snapshot (pgvector, BM25 in SQL)
    schema.py   connecting, and the schema as numbered migrations

psycopg is imported when a PostgreSQL store is first used: the embedded default never loads it.
"""
