"""newsbot's retrieval library: articles in, quotable passages with their sources out.

    load_corpus(paths)                      -> CorpusLoad (articles, warnings)
    build_index(paths, index_dir, embedder) -> BuildReport (a new version, switched to atomically)
    NewsIndex.open(index_dir, embedder).search(question, k) -> list[Hit]

This package never imports discord: the front ends live in `bot`.
"""

from .answerability import QuestionTerms, judge
from .build import BuildProgress, BuildReport, build_index, corpus_fingerprint, update_index
from .chunking import ChunkerSettings, chunk_article
from .defaults import EMBEDDING_BATCH, PASSAGES_PER_ANSWER, VERSIONS_KEPT
from .documents import Article, ArticleMeta, Chunk, Hit
from .embedding import (
    BUNDLED_MODEL,
    RUNTIMES,
    Embedder,
    SentenceTransformerEmbedder,
    embedder_name,
    hub_offline,
    load_embedder,
    resolve_model_path,
)
from .errors import (
    ConfigError,
    CorpusError,
    DatabaseError,
    DiscordError,
    FilterError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    MeasurementError,
    ModelError,
    NewsbotError,
    SearchTimeoutError,
    StorageError,
    UsageError,
)
from .evaluation import EvalReport, evaluate, percentile, query_metrics, read_qrels, read_queries
from .filters import SearchFilters, parse_filter_date, parse_query
from .loaders import ARTICLE_SUFFIXES, CorpusLoad, load_corpus, load_corpus_file
from .postgres_schema import connect as connect_database
from .postgres_store import PostgresStore, copy_version
from .reuse import StoredVersion
from .search import SEARCH_MODES, IndexStats, NewsIndex, SearchMode
from .sentences import sentence_spans
from .store import HeldLock
from .synthetic import exact_neighbours, synthetic_questions, synthetic_version
from .version_store import NewVersion, VersionChanged, VersionStore, as_store, build_lock, rollback

__all__ = [
    # defaults the settings share
    "EMBEDDING_BATCH", "PASSAGES_PER_ANSWER", "VERSIONS_KEPT",
    # corpus and building
    "ARTICLE_SUFFIXES", "Article", "ArticleMeta", "BuildProgress", "BuildReport", "Chunk", "ChunkerSettings",
    "CorpusLoad", "HeldLock", "StoredVersion", "build_index", "build_lock", "chunk_article", "corpus_fingerprint",
    "load_corpus", "load_corpus_file", "rollback", "sentence_spans", "update_index",
    # where versions live
    "NewVersion", "PostgresStore", "VersionChanged", "VersionStore", "as_store", "connect_database", "copy_version",
    # the model
    "BUNDLED_MODEL", "RUNTIMES", "Embedder", "SentenceTransformerEmbedder", "embedder_name", "load_embedder",
    "hub_offline", "resolve_model_path",
    # searching and answering
    "Hit", "IndexStats", "NewsIndex", "QuestionTerms", "SEARCH_MODES", "SearchFilters", "SearchMode", "judge",
    "parse_filter_date", "parse_query",
    # measuring
    "EvalReport", "evaluate", "percentile", "query_metrics", "read_qrels", "read_queries",
    "exact_neighbours", "synthetic_questions", "synthetic_version",
    # errors (index/errors.py draws the tree)
    "ConfigError", "CorpusError", "DatabaseError", "DiscordError", "FilterError", "IndexBusyError", "IndexMismatchError",
    "IndexMissingError", "MeasurementError", "ModelError", "NewsbotError", "SearchTimeoutError", "StorageError", "UsageError",
]
