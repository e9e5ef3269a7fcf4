"""newsbot's retrieval library: articles in, quotable passages with their sources out.

    load_corpus(paths)                      -> CorpusLoad (articles, warnings)
    build_index(paths, index_dir, embedder) -> BuildReport (a new version, switched to atomically)
    NewsIndex.open(index_dir, embedder).search(question, k) -> list[Hit]

This package never imports discord: the front ends live in `bot`.
"""

from .build import BuildProgress, BuildReport, build_index, corpus_fingerprint, update_index
from .chunking import ChunkerSettings
from .documents import Article, ArticleMeta, Chunk, Hit
from .embedding import BUNDLED_MODEL, RUNTIMES, Embedder, SentenceTransformerEmbedder, embedder_name, load_embedder
from .errors import (
    ConfigError,
    CorpusError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    ModelError,
    NewsbotError,
)
from .filters import FilterError, SearchFilters, parse_query
from .loaders import ARTICLE_SUFFIXES, CorpusLoad, load_corpus, load_corpus_file
from .search import SEARCH_MODES, IndexStats, NewsIndex, SearchMode
from .sentences import sentence_spans

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "ArticleMeta",
    "BUNDLED_MODEL",
    "BuildProgress",
    "BuildReport",
    "Chunk",
    "ChunkerSettings",
    "ConfigError",
    "CorpusError",
    "CorpusLoad",
    "Embedder",
    "FilterError",
    "Hit",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexStats",
    "ModelError",
    "NewsIndex",
    "NewsbotError",
    "RUNTIMES",
    "SEARCH_MODES",
    "SearchFilters",
    "SearchMode",
    "SentenceTransformerEmbedder",
    "build_index",
    "corpus_fingerprint",
    "embedder_name",
    "load_corpus",
    "load_embedder",
    "load_corpus_file",
    "parse_query",
    "sentence_spans",
    "update_index",
]
