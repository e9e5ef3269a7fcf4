"""Copying a version from one store into another, vectors and all (`newsbot index migrate`)."""

from __future__ import annotations

import dataclasses
import json

from ..errors import REBUILD_HINT, IndexMismatchError
from ..search.lexical import TermCounts
from ..search.spelling import count_words
from .base import NewVersion, StoredVersion, VersionStore


def copy_version(source: StoredVersion, target: VersionStore, keep: int) -> StoredVersion:
    """Store a version read from another store: its vectors as they are, nothing embedded again."""
    if source.vectors is None:
        raise IndexMismatchError(f"the version {source.name} holds no vectors to copy", REBUILD_HINT)
    terms = source.terms
    if terms is None or len(terms) != len(source.chunk_lines):  # a version from before term counts were kept
        terms = TermCounts.of([json.loads(line)["text"] for line in source.chunk_lines])
    words = source.word_counts()
    if words is None:
        words = dict(count_words(stored.article.text for stored in source.articles.values()))
    new = NewVersion(
        dataclasses.replace(source.manifest, files=None),
        source.articles,
        source.chunk_lines,
        source.vectors,
        terms,
        words,
    )
    return target.publish(new, keep)
