"""newsbot's retrieval library: articles in, quotable passages with their sources out.

    load_corpus(paths)                      -> CorpusLoad (articles, warnings)
    build_index(paths, index_dir, embedder) -> BuildReport (a new version, switched to atomically)
    open_index(index_dir, embedder).search(question, k) -> list[Hit]

The rooms (docs/architecture.md): text/ (files -> articles -> passages), embedding/ (models),
search/ (one version searched, and the answer decision), stores/ (where versions live: files/,
postgres/), build.py (text -> embedding -> search parts -> a new version in a store), measure/.
This is the curated public surface: `bot` imports from here. This package never imports discord.
"""

from .build import BuildProgress, BuildReport, build_index, corpus_fingerprint, update_index
from .defaults import (
    EMBEDDING_BATCH,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    PASSAGES_PER_ANSWER,
    POSTINGS_CACHE_MB,
    VERSIONS_KEPT,
)
from .documents import Article, ArticleMeta, Chunk, Hit
from .embedding import BUNDLED_MODEL, RUNTIMES, Embedder, embedder_name, hub_offline, load_embedder, resolve_model_path
from .embedding.sentence_transformers import SentenceTransformerEmbedder
from .errors import (
    ConfigError,
    CorpusError,
    DatabaseError,
    FilterError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    ModelError,
    NewsbotError,
    SearchTimeoutError,
    StorageError,
    UsageError,
    VersionChanged,
)
from .manifest import Manifest
from .measure.evaluation import EvalReport, evaluate, percentile, query_metrics, read_qrels, read_queries
from .measure.postgres_hooks import EF_SEARCH, drop_corpus, nearest_passages
from .measure.synthetic import (
    SyntheticEmbedder,
    exact_neighbours,
    synthetic_article,
    synthetic_question_texts,
    synthetic_questions,
    synthetic_version,
)
from .reading import SentenceReader, load_sentence_reader
from .search.answer_types import READERS, Reader
from .search.answerability import ANSWER_TYPE_MARGIN, Judgement, QuestionTerms, judge, passage_sentences
from .search.filters import SearchFilters, parse_filter_date, parse_query
from .search.news_index import CANDIDATES as SEARCH_CANDIDATES
from .search.news_index import SEARCH_MODES, IndexStats, NewsIndex, SearchMode
from .search.time_words import TimeWindow, asks_for_recent, time_window
from .stores import (
    STORE_BACKENDS,
    HeldLock,
    NewVersion,
    StoreBackend,
    StoredVersion,
    VersionStore,
    as_store,
    build_lock,
    open_index,
    open_store,
    serve_previous_version,
)
from .stores.copy import copy_version
from .stores.postgres.schema import MigrationTrack
from .stores.postgres.schema import connect as connect_database
from .stores.postgres.store import PostgresStore
from .text.chunking import ChunkerSettings, chunk_article
from .text.loaders import ARTICLE_SUFFIXES, CorpusLoad, load_corpus, load_corpus_file
from .text.sentences import sentence_spans

__all__ = [
    # defaults the settings share
    "EMBEDDING_BATCH",
    "HNSW_EF_CONSTRUCTION",
    "HNSW_M",
    "PASSAGES_PER_ANSWER",
    "POSTINGS_CACHE_MB",
    "VERSIONS_KEPT",
    # corpus and building
    "ARTICLE_SUFFIXES",
    "Article",
    "ArticleMeta",
    "BuildProgress",
    "BuildReport",
    "Chunk",
    "ChunkerSettings",
    "CorpusLoad",
    "HeldLock",
    "Manifest",
    "StoredVersion",
    "build_index",
    "build_lock",
    "chunk_article",
    "corpus_fingerprint",
    "load_corpus",
    "load_corpus_file",
    "sentence_spans",
    "update_index",
    # where versions live
    "NewVersion",
    "PostgresStore",
    "STORE_BACKENDS",
    "StoreBackend",
    "VersionStore",
    "as_store",
    "connect_database",
    "copy_version",
    "open_index",
    "open_store",
    "serve_previous_version",
    "MigrationTrack",
    # the model
    "BUNDLED_MODEL",
    "RUNTIMES",
    "Embedder",
    "SentenceTransformerEmbedder",
    "embedder_name",
    "load_embedder",
    "load_sentence_reader",
    "hub_offline",
    "resolve_model_path",
    # searching and answering
    "Hit",
    "IndexStats",
    "NewsIndex",
    "QuestionTerms",
    "ANSWER_TYPE_MARGIN",
    "Judgement",
    "passage_sentences",
    "READERS",
    "Reader",
    "SentenceReader",
    "SEARCH_MODES",
    "SearchFilters",
    "SEARCH_CANDIDATES",
    "TimeWindow",
    "asks_for_recent",
    "SearchMode",
    "judge",
    "parse_filter_date",
    "parse_query",
    "time_window",
    # measuring
    "EvalReport",
    "evaluate",
    "percentile",
    "query_metrics",
    "read_qrels",
    "read_queries",
    "SyntheticEmbedder",
    "exact_neighbours",
    "synthetic_article",
    "synthetic_question_texts",
    "synthetic_questions",
    "synthetic_version",
    "EF_SEARCH",
    "drop_corpus",
    "nearest_passages",
    # errors (index/errors.py draws the tree)
    "ConfigError",
    "CorpusError",
    "DatabaseError",
    "FilterError",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "ModelError",
    "NewsbotError",
    "SearchTimeoutError",
    "StorageError",
    "UsageError",
    "VersionChanged",
]
