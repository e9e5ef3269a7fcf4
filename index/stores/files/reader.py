"""Reading one index version's files: the one reader behind searching (`open_version`) and
reusing a version in the next build (`FileStore.read_current`).

The manifest is read first and the files are held against the digests it records before anything
is decoded from them; whatever then fails to decode is damage to the version, told as
`IndexMismatchError` with the fix. What each caller does with damage is its own policy: a search
refuses the version in one line, a build reads nothing from it and embeds everything again.
FAISS and BM25 are read only when asked for (`vectors`, `lexical`, `terms`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ...documents import ArticleMeta
from ...embedding.base import Embedder
from ...errors import REBUILD_HINT, IndexMismatchError
from ...manifest import Manifest
from ...search.lexical import LexicalIndex, TermCounts
from ...search.news_index import ChunkLines, NewsIndex, check_dimension, check_model
from ...search.spelling import WORDS_FILE, read_word_counts
from ...search.vectors import VectorIndex
from .digests import verify_files
from .layout import ARTICLES, BM25, CHUNKS, VECTORS, current_version, read_lines, read_manifest


@contextmanager
def told_as_damage(version_dir: Path) -> Iterator[None]:
    """Whatever fails while reading a version's files is told as damage to it, with the fix."""
    try:
        yield
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as error:
        raise IndexMismatchError(f"the index in {version_dir} is damaged ({error})", REBUILD_HINT) from None


@dataclass(frozen=True)
class VersionFiles:
    version_dir: Path
    manifest: Manifest
    article_lines: list[bytes]
    """articles.jsonl's lines, undecoded (a build writes those of kept articles again as they are)."""
    records: list[dict]
    """The same lines decoded: each article's metadata, text, digest and passage count."""
    chunk_lines: list[bytes]
    """chunks.jsonl's lines, undecoded: a search decodes the few it shows."""
    rows: list[range]
    """Each article's passages: rows of `chunk_lines`, of the vectors and of the BM25 index."""

    @classmethod
    def read(cls, version_dir: Path, manifest: Manifest | None = None) -> VersionFiles:
        """The version's manifest (unless given), articles and passages; IndexMismatchError if damaged."""
        manifest = manifest or read_manifest(version_dir)
        verify_files(version_dir, manifest)  # before anything is decoded from them
        with told_as_damage(version_dir):
            article_lines = read_lines(version_dir / ARTICLES)
            chunk_lines = read_lines(version_dir / CHUNKS)
            records = [json.loads(line) for line in article_lines]
            if not all(isinstance(record, dict) for record in records):
                raise ValueError("an article line is not a JSON object")
            rows = passage_rows(records, chunk_lines)
        if len(chunk_lines) != manifest.chunks:
            raise IndexMismatchError(f"the index in {version_dir} does not match its manifest", REBUILD_HINT)
        return cls(version_dir, manifest, article_lines, records, chunk_lines, rows)

    def vectors(self) -> VectorIndex:
        """The FAISS index: one vector of the manifest's dimension per passage."""
        with told_as_damage(self.version_dir):
            vectors = VectorIndex.load(self.version_dir / VECTORS)
        if vectors.dimension != self.manifest.dimension or len(vectors) != len(self.chunk_lines):
            raise IndexMismatchError(f"the index in {self.version_dir} does not match its manifest", REBUILD_HINT)
        return vectors

    def lexical(self) -> LexicalIndex:
        with told_as_damage(self.version_dir):
            return LexicalIndex.load(self.version_dir / BM25, len(self.chunk_lines))

    def terms(self) -> TermCounts | None:
        """The BM25 term counts it was built from; None when it kept none (made before they were kept)."""
        try:
            terms = LexicalIndex.load_terms(self.version_dir / BM25)
        except (OSError, ValueError):
            return None
        return terms if len(terms) == len(self.chunk_lines) else None


def passage_rows(records: list[dict], chunk_lines: list[bytes]) -> list[range]:
    """Each article's rows: its passages are consecutive, in article order. ValueError if damaged."""
    if all("passages" in record for record in records):
        counts = [record["passages"] for record in records]
    else:  # written before articles recorded their passage counts
        per_article: dict[str, int] = {}
        for line in chunk_lines:
            doc_id = json.loads(line)["doc_id"]
            per_article[doc_id] = per_article.get(doc_id, 0) + 1
        counts = [per_article.get(record["doc_id"], 0) for record in records]
    if sum(counts) != len(chunk_lines):
        raise ValueError(f"its articles count {sum(counts)} passages, but it holds {len(chunk_lines)}")
    return [range(start, start + count) for start, count in zip(itertools.accumulate(counts, initial=0), counts)]


def read_words(version_dir: Path) -> dict[str, int] | None:
    """The version's word counts (search/spelling.py); None when it kept none (written before they were)."""
    try:
        return read_word_counts(version_dir / WORDS_FILE)
    except (OSError, UnicodeDecodeError):
        return None


def open_version(index_dir: Path, embedder: Embedder) -> NewsIndex:
    """The version in use of an index folder, for searching (what `FileStore.open` gives)."""
    version_dir = current_version(index_dir)
    manifest = read_manifest(version_dir)
    check_model(f"the index in {index_dir}", manifest, embedder)
    known = embedder.known_dimension()
    if known is not None:
        check_dimension(str(index_dir), manifest, known)
    files = VersionFiles.read(version_dir, manifest)
    chunks = ChunkLines(files.chunk_lines, version_dir / CHUNKS)
    with told_as_damage(version_dir):
        articles = {record["doc_id"]: ArticleMeta.from_json(record) for record in files.records}
    rows_by_article = dict(zip(articles, files.rows))

    def load_parts() -> tuple[VectorIndex, LexicalIndex]:
        """FAISS and BM25, read at the first search: commands that only show the manifest never import them."""
        return files.vectors(), files.lexical()

    opened = NewsIndex(
        version_dir.name,
        str(version_dir),
        manifest,
        articles,
        chunks,
        rows_by_article,
        embedder,
        load_parts=load_parts,
        read_words=lambda: read_words(version_dir),
    )
    if manifest.files is None:  # a version older than digests: nothing vouches for its files, read them now
        opened.parts()
    return opened
