"""Defaults the library and the app's settings share, written once.

`bot/core/config.py` takes its defaults from here, so `config.example.toml`, the settings object
and the library's own keyword defaults cannot drift apart (a test holds the example to them).
"""

PASSAGES_PER_ANSWER = 3
"""k: passages quoted in an answer."""
EMBEDDING_BATCH = 32
"""Texts embedded at once (the ONNX runtime takes at most 8 of them at a time)."""
VERSIONS_KEPT = 3
"""Complete index versions kept on disk, the one in use included."""
HNSW_M = 16
"""pgvector's m: links per node of a corpus's HNSW graph in PostgreSQL (its own default)."""
HNSW_EF_CONSTRUCTION = 64
"""pgvector's ef_construction: candidates weighed per node while the graph is built (its own default)."""
POSTINGS_CACHE_MB = 128
"""Megabytes of BM25 word postings a process keeps for a PostgreSQL corpus's version in use."""
