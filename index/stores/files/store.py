"""The default store: an index folder of complete versions on disk (the layout is in layout.py).

A version is a folder of files: articles and passages as JSON Lines, FAISS vectors, the bm25s
index and its term counts, the corpus's word counts, and a manifest with the digest of each file.
"""

from __future__ import annotations

import dataclasses
import shutil
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from ...documents import Article, ArticleMeta
from ...embedding.base import Embedder
from ...errors import IndexMismatchError, IndexMissingError, StorageError
from ...manifest import Manifest
from ...reuse import article_digest
from ...search.lexical import LexicalIndex
from ...search.news_index import NewsIndex
from ...search.spelling import WORDS_FILE, write_word_counts
from ...search.vectors import VectorIndex
from ..base import HeldLock, NewVersion, StoredArticle, StoredVersion, VersionStore
from .digests import file_digests
from .layout import (
    ARTICLES,
    BM25,
    CHUNKS,
    COPIED_SUFFIX,
    CURRENT,
    VECTORS,
    current_version,
    new_version_dir,
    read_manifest,
    write_lines,
    write_manifest,
)
from .lock import build_lock
from .reader import VersionFiles, open_version, read_words
from .versions import point_current_back, publish


class FileStore(VersionStore):
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.location = str(index_dir)

    def __repr__(self) -> str:
        return f"FileStore({self.index_dir})"

    def lock(self, held: HeldLock | None = None) -> AbstractContextManager[HeldLock]:
        return build_lock(self.index_dir, held)

    def read_current(self, kept: StoredVersion | None = None) -> StoredVersion | None:
        """Its lines are written again as they are, so its files must match the digests its manifest
        records: a version whose files differ, or that records none (written before digests were),
        is not reused."""
        try:
            version = current_version(self.index_dir)
            if kept is not None and kept.name == version.name:
                return kept
            manifest = read_manifest(version)
            if manifest.files is None:
                return None  # cannot be checked
            files = VersionFiles.read(version, manifest)
            vectors = files.vectors().all_vectors()
            stored = StoredVersion(
                version.name,
                manifest,
                chunk_lines=files.chunk_lines,
                vectors=vectors,
                terms=files.terms(),
                read_words=lambda: read_words(version),
            )
            for record, line, rows in zip(files.records, files.article_lines, files.rows):
                article = Article(ArticleMeta.from_json(record), record["text"])
                stored.articles[article.doc_id] = StoredArticle(
                    article, record.get("digest") or article_digest(article), line, rows
                )
        except (IndexMissingError, IndexMismatchError, KeyError, TypeError, ValueError):
            return None  # none, or damaged: nothing in it can be trusted, so the build embeds everything
        return stored

    def keeps_unchanged(self, stored: StoredVersion) -> bool:
        # a copied folder in place of `current` is made a version again
        return (self.index_dir / CURRENT).is_symlink() and not stored.name.endswith(COPIED_SUFFIX)

    def publish(self, new: NewVersion, keep: int) -> StoredVersion:
        """Write the version's files into a folder of their own, then make it the current one. When the
        disk refuses (full, read-only), the half-written folder goes and StorageError says where."""
        version_dir = new_version_dir(self.index_dir)
        try:
            write_lines(version_dir / ARTICLES, [stored_article.line for stored_article in new.articles.values()])
            write_lines(version_dir / CHUNKS, new.chunk_lines)
            vector_index = new.vector_index
            if vector_index is None:
                vector_index = VectorIndex(new.manifest.dimension)
                vector_index.add(np.arange(len(new.chunk_lines)), new.vectors)
            vector_index.save(version_dir / VECTORS)
            (new.lexical or LexicalIndex.from_counts(new.terms)).save(version_dir / BM25)
            write_word_counts(version_dir / WORDS_FILE, new.words)
            manifest = dataclasses.replace(new.manifest, files=file_digests(version_dir))  # search and reuse check them
            write_manifest(version_dir, manifest)
        except BaseException as error:  # a full disk, Ctrl-C: the half-written folder goes
            shutil.rmtree(version_dir, ignore_errors=True)
            faiss_write = isinstance(error, RuntimeError) and "write" in str(error).lower()  # how faiss says it
            if not isinstance(error, OSError) and not faiss_write:
                raise
            reason = (error.strerror or str(error)) if isinstance(error, OSError) else "the write failed"
            raise StorageError(
                f"cannot write the new index version in {self.index_dir} ({reason}); the version "
                "in use is unchanged",
                "free space on that disk (or make it writable), then try again",
            ) from None
        final_dir = publish(self.index_dir, version_dir, keep=keep)
        return StoredVersion(final_dir.name, manifest, new.articles, new.chunk_lines, new.vectors, new.terms, new.words)

    def read_manifest(self) -> Manifest | None:
        try:
            return read_manifest(current_version(self.index_dir))
        except IndexMissingError:
            return None

    def open(self, embedder: Embedder) -> NewsIndex:
        return open_version(self.index_dir, embedder)

    def current_name(self) -> str | None:
        try:
            return current_version(self.index_dir).name
        except IndexMissingError:
            return None

    def serve_previous(self) -> str:
        with self.lock():
            return point_current_back(self.index_dir).name
