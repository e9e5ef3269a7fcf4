"""The records that flow through the index: articles, their chunks, and search hits."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class ArticleMeta:
    """What a citation needs. Every field but `doc_id` may be unknown."""

    doc_id: str
    title: str
    outlet: str | None = None
    url: str | None = None
    date: dt.date | None = None
    byline: str | None = None
    source_path: str | None = None

    def to_json(self) -> dict:
        record = asdict(self)
        record["date"] = self.date.isoformat() if self.date else None
        return record

    @classmethod
    def from_json(cls, record: dict) -> ArticleMeta:
        """The metadata in a record; other keys (an article record's text, digest...) are ignored."""
        known = {f.name for f in fields(cls)}
        date = record.get("date")
        return cls(**{**{k: v for k, v in record.items() if k in known}, "date": dt.date.fromisoformat(date) if date else None})


@dataclass(frozen=True)
class Article:
    """One cleaned article: its metadata and the text passages are quoted from."""

    meta: ArticleMeta
    text: str

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `text == article.text[start:end]`."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    tokens: int

    def to_json(self) -> dict:
        return dict(self.__dict__)  # asdict() deep-copies: seconds over a large corpus


@dataclass(frozen=True)
class Hit:
    """One search result.

    `score` orders the results (higher is better; its scale depends on the search mode).
    `similarity` is the cosine similarity between question and passage, in [-1, 1]: the
    figure the answer builder compares with its threshold to decide whether to abstain.
    """

    chunk: Chunk
    article: ArticleMeta
    score: float
    similarity: float

    @property
    def passage(self) -> str:
        return self.chunk.text
