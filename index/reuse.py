"""What a build can take from the version in use, so that a change costs only what changed.

An article whose metadata and text are unchanged keeps its passages, their vectors and their term
counts as they are, provided the same model and chunker settings made them. A changed article is
chunked again, but any passage whose embedded text is unchanged keeps its vector.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .chunking import ChunkerSettings
from .documents import Article
from .embedding import Embedder
from .lexical import TermCounts
from .spelling import WORDS_FILE, read_word_counts
from .store import Manifest

if TYPE_CHECKING:
    from .version_store import VersionStore


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def article_digest(article: Article) -> str:
    """Equal for articles with the same id, metadata and text, wherever their files are."""
    meta = {k: v for k, v in article.meta.to_json().items() if k != "source_path"}
    return text_digest(json.dumps(meta, sort_keys=True, ensure_ascii=False) + "\n" + article.text)


def article_record(article: Article, digest: str, passages: int) -> dict:
    """An article's line in articles.jsonl."""
    return {**article.meta.to_json(), "text": article.text, "digest": digest, "passages": passages}


@dataclass
class StoredArticle:
    article: Article
    digest: str
    line: bytes
    """Its line in articles.jsonl (UTF-8), written again as it is when the article is kept."""
    rows: range
    """Its passages' rows in chunks.jsonl, the vectors and the term counts."""


@dataclass
class StoredVersion:
    """A complete version, as a build reads it (or, having just written it, keeps it for the next)."""

    version_dir: Path
    manifest: Manifest
    articles: dict[str, StoredArticle] = field(default_factory=dict)
    chunk_lines: list[bytes] = field(default_factory=list)
    """chunks.jsonl's lines, undecoded: most are written again as they are."""
    vectors: np.ndarray | None = None
    terms: TermCounts | None = None
    words: dict[str, int] | None = None
    """How often each word occurs in its articles (spelling.py), read from disk on first use."""

    def word_counts(self) -> dict[str, int] | None:
        """Its articles' word counts, or None when it kept none (a version written before they were)."""
        if self.words is None:
            try:
                self.words = read_word_counts(self.version_dir / WORDS_FILE)
            except (OSError, UnicodeDecodeError):
                return None
        return self.words

    @classmethod
    def read(cls, where: Path | VersionStore, kept: StoredVersion | None = None) -> StoredVersion | None:
        """The version in use of an index folder or a store, or None when there is none or it cannot
        be read (a full build follows).

        `kept` is returned as it is when it is that version: a running bot keeps the version it
        last built, so its next change need not read it back."""
        from .version_store import as_store

        return as_store(where).read_current(kept)

    def same_vectors(self, embedder: Embedder) -> bool:
        """Whether its vectors are the ones this model would make."""
        return (self.vectors is not None and self.manifest.model == embedder.name
                and self.manifest.dimension == embedder.dimension)

    def same_passages(self, embedder: Embedder, settings: ChunkerSettings) -> bool:
        """Whether an unchanged article would get exactly its passages, vectors and term counts."""
        return (self.same_vectors(embedder) and self.terms is not None and len(self.terms) == len(self.chunk_lines)
                and self.manifest.chunker == settings.to_json())

    def chunk_records(self, doc_id: str) -> list[tuple[int, dict]]:
        """(row, chunk record) for each passage of one article."""
        rows = self.articles[doc_id].rows
        return [(row, json.loads(self.chunk_lines[row])) for row in rows]

