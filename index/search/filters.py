"""Query filters: `source:NAME`, `since:DATE`, `before:DATE`, written in the question or given apart.

    since:2021-01-01 what did the foreign ministry say
    source:"usa today" before:2022-07 stadium

`source` matches the outlet (or the document id prefix) without regard to case; `since` keeps
articles published on or after the date, `before` those published before it. Dates may be a year,
a year and month, or a full ISO date. Articles without a date never pass a date filter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..documents import ArticleMeta
from ..errors import FilterError

FILTER = re.compile(r'(?<!\S)(source|since|before):("[^"]*"|\'[^\']*\'|\S+)', re.IGNORECASE)


@dataclass(frozen=True)
class SearchFilters:
    source: str | None = None
    since: dt.date | None = None
    before: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.source or self.since or self.before)

    def admits(self, article: ArticleMeta) -> bool:
        if self.source:
            wanted = self.source.casefold()
            outlet = (article.outlet or "").casefold()
            if wanted not in outlet and not article.doc_id.casefold().startswith(wanted):
                return False
        if self.since or self.before:
            if article.date is None:
                return False
            if self.since and article.date < self.since:
                return False
            if self.before and article.date >= self.before:
                return False
        return True

    def _parts(self) -> list[tuple[str, str]]:
        parts = [("source", self.source)] if self.source else []
        parts += [(key, value.isoformat()) for key, value in (("since", self.since), ("before", self.before)) if value]
        return parts

    def describe(self) -> str:
        """For people: "source: UPI, since 2021-01-01"."""
        return ", ".join(f"{key}: {value}" if key == "source" else f"{key} {value}" for key, value in self._parts())

    def to_query(self) -> str:
        """As question text that `parse_query` reads back: 'source:"UPI" since:2021-01-01 '."""
        return "".join(f'{key}:"{value}" ' if key == "source" else f"{key}:{value} " for key, value in self._parts())


def parse_filter_date(text: str, key: str) -> dt.date:
    """2021, 2021-07 or 2021-07-20 -> the first day it names."""
    value = text.strip()
    for pattern, fill in ((r"\d{4}", "-01-01"), (r"\d{4}-\d{2}", "-01"), (r"\d{4}-\d{2}-\d{2}", "")):
        if re.fullmatch(pattern, value):
            try:
                return dt.date.fromisoformat(value + fill)
            except ValueError:
                break
    raise FilterError(f"{key}:{text} is not a date", f"write it as {key}:2021, {key}:2021-07 or {key}:2021-07-20")


def _unquoted(raw: str) -> str:
    """'"usa today"' -> 'usa today'; an unclosed quote ('"usa') takes the rest of the word."""
    if raw[0] not in "\"'":
        return raw
    return raw[1:-1] if len(raw) > 1 and raw[-1] == raw[0] else raw[1:]


def parse_query(text: str, defaults: SearchFilters = SearchFilters()) -> tuple[str, SearchFilters]:
    """Split `source:`, `since:` and `before:` out of a question; the rest is the question."""
    source, since, before = defaults.source, defaults.since, defaults.before
    for match in FILTER.finditer(text):
        key, value = match.group(1).lower(), _unquoted(match.group(2))
        if key == "source":
            source = value
        elif key == "since":
            since = parse_filter_date(value, key)
        else:
            before = parse_filter_date(value, key)
    question = " ".join(FILTER.sub(" ", text).split())
    filters = SearchFilters(source, since, before)
    if filters.since and filters.before and filters.since >= filters.before:
        raise FilterError(
            f"since:{filters.since} is not before before:{filters.before}", "give a range that is not empty"
        )
    return question, filters
