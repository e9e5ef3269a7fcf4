"""Reading one index version's files: the one reader behind searching (`NewsIndex.open`) and
reusing a version in the next build (`StoredVersion.read`).

The manifest is read first and the files are held against the digests it records before anything
is decoded from them; whatever then fails to decode is damage to the version, told as
`IndexMismatchError` with the fix. What each caller does with damage is its own policy: a search
refuses the version in one line, a build reads nothing from it and embeds everything again.
FAISS and BM25 are read only when asked for (`vectors`, `lexical`, `terms`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import IndexMismatchError
from .lexical import LexicalIndex, TermCounts
from .store import ARTICLES, BM25, CHUNKS, REBUILD_HINT, VECTORS, Manifest, passage_rows, read_lines, verify_files
from .vectors import VectorIndex


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
        manifest = manifest or Manifest.read(version_dir)
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
