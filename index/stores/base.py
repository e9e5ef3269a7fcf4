"""Where index versions live: the one interface builds and searches go through. It names no backend;
`index.stores` (the package) is the one place that does.

A build works out a complete new version in memory (`NewVersion`: every article, passage, vector
and term count, and the answer calibration measured on it), then hands it to the store, which
makes it the version in use in one step: readers see the old corpus or the new, never half. Every
store keeps earlier versions to go back to (`serve_previous`), takes one writer at a time (`lock`),
and gives the build the version in use to start from (`read_current`), so only what changed is
embedded. A store that `takes_changes` (a database) also takes a change of a few articles as a
change: the build reads only what it touches (`read_articles`) and hands over only that
(`VersionChange`, `publish_change`), so a change costs what it changes, not what the corpus holds.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..documents import Article
from ..manifest import Manifest

if TYPE_CHECKING:
    from ..embedding.base import Embedder
    from ..search.lexical import LexicalIndex, TermCounts
    from ..search.news_index import NewsIndex
    from ..search.vectors import VectorIndex
    from ..text.chunking import ChunkerSettings


@dataclass(frozen=True)
class HeldLock:
    """Proof that the caller holds an index's build lock: pass it on to build within the same hold.

    A corpus change takes the lock before it touches the corpus folder and builds under the same
    hold, so no other build can read the folder half-changed."""

    key: str
    """Which index it locks: `file:` and the folder, or `postgres:` and the corpus."""


def check_held(held: HeldLock, key: str) -> None:
    if held.key != key:
        raise ValueError(f"the lock held is for {held.key}, not {key}")


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

    name: str
    """The version's name in its store (a folder's name, or a database version's)."""
    manifest: Manifest
    articles: dict[str, StoredArticle] = field(default_factory=dict)
    chunk_lines: list[bytes] = field(default_factory=list)
    """chunks.jsonl's lines, undecoded: most are written again as they are."""
    vectors: np.ndarray | None = None
    terms: TermCounts | None = None
    words: dict[str, int] | None = None
    """How often each word occurs in its articles (search/spelling.py); see `word_counts`."""
    read_words: Callable[[], dict[str, int] | None] | None = field(default=None, repr=False, compare=False)
    """Reads `words` from the store on first use, when the store did not read them with the rest."""

    def word_counts(self) -> dict[str, int] | None:
        """Its articles' word counts, or None when it kept none (a version written before they were)."""
        if self.words is None and self.read_words is not None:
            self.words = self.read_words()
        return self.words

    def same_vectors(self, embedder: Embedder) -> bool:
        """Whether its vectors are the ones this model would make."""
        return (
            self.vectors is not None
            and self.manifest.model == embedder.name
            and self.manifest.dimension == embedder.dimension
        )

    def same_passages(self, embedder: Embedder, settings: ChunkerSettings) -> bool:
        """Whether an unchanged article would get exactly its passages, vectors and term counts."""
        return (
            self.same_vectors(embedder)
            and self.terms is not None
            and len(self.terms) == len(self.chunk_lines)
            and self.manifest.chunker == settings.to_json()
        )

    def chunk_records(self, doc_id: str) -> list[tuple[int, dict]]:
        """(row, chunk record) for each passage of one article."""
        rows = self.articles[doc_id].rows
        return [(row, json.loads(self.chunk_lines[row])) for row in rows]


@dataclass
class NewVersion:
    """A complete version a build made, not yet stored: rows are positions in `chunk_lines`."""

    manifest: Manifest
    articles: dict[str, StoredArticle]
    chunk_lines: list[bytes]
    vectors: np.ndarray
    terms: TermCounts
    words: dict[str, int]
    vector_index: VectorIndex | None = None
    """FAISS over `vectors`, when the build made one already (a file store saves it as it is)."""
    lexical: LexicalIndex | None = None
    """BM25 over `terms`, likewise."""


@dataclass
class CurrentArticles:
    """What a change of a few articles needs of the version in use, read without the rest of it (a
    store that takes changes: `VersionStore.read_articles`)."""

    name: str
    manifest: Manifest
    digests: dict[str, str]
    """Every article's digest, by id (the new version's fingerprint is made of them)."""
    passages: int
    total_terms: float
    """Passages in the version, and the words they hold in all (BM25's average length)."""
    touched: StoredVersion
    """The articles the change removes or replaces, whole (passages, vectors, term counts), rows from 0;
    its `word_counts` are the whole version's."""


@dataclass
class VersionChange:
    """A new version made as a change of the one in use (`base`): the articles gone, the rows of the
    new ones (positions in `chunk_lines`, as in `NewVersion`), and what the version counts in all."""

    base: str
    manifest: Manifest
    removed: list[str]
    """Ids of the articles gone, the ones replaced by a new text included."""
    added: dict[str, StoredArticle]
    chunk_lines: list[bytes]
    vectors: np.ndarray
    terms: TermCounts
    words: dict[str, int]
    total_terms: float


class VersionStore(ABC):
    """Complete index versions, the one in use among them, and the lock writers take."""

    location: str
    """How messages name it: a folder, or a corpus in a database (never with a password)."""

    @property
    def shared(self) -> bool:
        """Whether other deployments may use the same place (a database): a rebuild from other folders
        could take their articles away."""
        return False

    @abstractmethod
    def lock(self, held: HeldLock | None = None) -> AbstractContextManager[HeldLock]:
        """One writer at a time; IndexBusyError when another holds it. With `held`, nothing more is taken."""

    @abstractmethod
    def read_current(self, kept: StoredVersion | None = None) -> StoredVersion | None:
        """The version in use, as a build starts from it; None when there is none or it cannot be trusted.
        `kept` is returned as it is when it is still the version in use."""

    @abstractmethod
    def read_manifest(self) -> Manifest | None:
        """The manifest of the version in use; None when there is none."""

    def keeps_unchanged(self, stored: StoredVersion) -> bool:
        """Whether a build that changes nothing may leave `stored` in use instead of writing a version."""
        return True

    @property
    def takes_changes(self) -> bool:
        """Whether a change of a few articles is stored as a change (`read_articles`, `publish_change`),
        reading only what it touches; otherwise a build reads the whole version and writes a whole one."""
        return False

    def read_articles(self, doc_ids: Collection[str]) -> CurrentArticles | None:
        """What a change of these articles needs of the version in use (None: there is none, or it
        cannot be trusted: the build reads the whole version instead)."""
        raise NotImplementedError(f"{self.location} does not take changes")

    def publish_change(self, change: VersionChange, keep: int) -> str:
        """Store a change of the version in use as a new version and make it the one in use, in one
        step; keep `keep` versions; returns the new version's name."""
        raise NotImplementedError(f"{self.location} does not take changes")

    @abstractmethod
    def publish(self, new: NewVersion, keep: int) -> StoredVersion:
        """Store a complete version and make it the one in use, in one step; keep `keep` versions."""

    @abstractmethod
    def open(self, embedder: Embedder) -> NewsIndex:
        """The version in use, for searching; IndexMissingError when none, IndexMismatchError when it
        was built with another model or cannot be read."""

    @abstractmethod
    def current_name(self) -> str | None:
        """The name of the version in use (cheap: asked before answering), None when there is none."""

    @abstractmethod
    def serve_previous(self) -> str:
        """Serve the version before the one in use again, under the build lock; returns its name."""

    def close(self) -> None:  # noqa: B027 - a folder holds nothing open
        """Let go of what it holds open (a database's connections); it opens them again when used."""
