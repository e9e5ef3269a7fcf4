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
        """The metadata in a record; other keys (an article record's text, digest...) are ignored.

        TypeError or ValueError when it is not an object with fields of the right types."""
        if not isinstance(record, dict):
            raise TypeError(f"an article record is a JSON {type(record).__name__}, not an object")
        for name in ("doc_id", "title"):
            if not isinstance(record.get(name), str):
                raise TypeError(f"an article's {name} is {record.get(name)!r}, not a string")
        for name in ("outlet", "url", "byline", "source_path", "date"):
            if not isinstance(record.get(name), (str, type(None))):
                raise TypeError(f"the {name} of article {record['doc_id']!r} is {record.get(name)!r}, not a string")
        known = {f.name for f in fields(cls)}
        date = record.get("date")
        return cls(
            **{**{k: v for k, v in record.items() if k in known}, "date": dt.date.fromisoformat(date) if date else None}
        )


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

    @classmethod
    def from_json(cls, record: dict) -> Chunk:
        """A chunk record as `to_json` writes it; TypeError when it is not one."""
        if not isinstance(record, dict):
            raise TypeError(f"a JSON {type(record).__name__}, not an object")
        chunk = cls(**record)  # TypeError for a missing or an unknown field
        for name, kind in _CHUNK_TYPES.items():
            value = getattr(chunk, name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"its {name} is {value!r}, not {'a string' if kind is str else 'an integer'}")
        return chunk


_CHUNK_TYPES = {"chunk_id": str, "doc_id": str, "start": int, "end": int, "text": str, "tokens": int}


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
