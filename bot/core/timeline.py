"""A story's timeline: the passages across the corpus that answer a topic, one per article, oldest first.

`/timeline topic:`, `newsbot timeline TOPIC` and the REPL's `:timeline TOPIC` share it. It is extractive
like every answer: the candidates are the topic's best TIMELINE_CANDIDATES passages, the same decision
as an answer's says which of them answer (so a timeline of a topic the articles do not cover is empty,
and says so), each article gives its best passage and the sentence in it that matches the topic best,
and a syndicated copy (the same sentence in another article) is merged into the entry it repeats, cited
with it. Entries are ordered by their article's date; undated articles come last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from index import ArticleMeta, Hit, NewsIndex, Reader, SearchFilters, SearchMode, SentenceReader, judge

from .answer import best_sentences, four_grams, says_the_same

TIMELINE_CANDIDATES = 60
"""Passages searched for a timeline: enough for a story told by dozens of articles, bounded for any topic."""
TIMELINE_ENTRIES = 40
"""Entries at most (one per article)."""


@dataclass
class TimelineEntry:
    article: ArticleMeta
    passage: str
    highlight: tuple[int, int] | None
    """The span of `passage` that matches the topic best (the sentence to show)."""
    also: list[ArticleMeta] = field(default_factory=list)
    """Syndicated copies: other articles saying the same, cited with it."""

    @property
    def sentence(self) -> str:
        if self.highlight is None:
            return self.passage
        start, end = self.highlight
        return self.passage[start:end]


@dataclass
class Timeline:
    topic: str
    entries: list[TimelineEntry]
    filters: SearchFilters = field(default_factory=SearchFilters)


def build_timeline(
    index: NewsIndex,
    topic: str,
    *,
    mode: SearchMode = "hybrid",
    filters: SearchFilters = SearchFilters(),
    min_answer_score: float | None = None,
    reader: Reader = "answer-type",
    sentence_reader: SentenceReader | None = None,
) -> Timeline:
    hits = index.search(topic, k=TIMELINE_CANDIDATES, mode=mode, filters=filters)
    judgement = judge(index, topic, hits, min_answer_score, reader, sentence_reader)
    best_of_article: dict[str, Hit] = {}
    for hit in judgement.quotable:  # best first: an article's first is its best passage
        best_of_article.setdefault(hit.article.doc_id, hit)
    chosen = list(best_of_article.values())[:TIMELINE_ENTRIES]
    entries: list[TimelineEntry] = []
    grams: list[set[tuple[str, ...]]] = []
    for hit, (_, highlights) in zip(chosen, best_sentences(index, topic, judgement, chosen) if chosen else []):
        highlight = highlights[0] if highlights else None
        sentence = hit.passage[highlight[0] : highlight[1]] if highlight else hit.passage
        mine = four_grams(sentence)
        repeated = next((i for i, kept in enumerate(grams) if says_the_same(mine, kept)), None)
        if repeated is not None:
            entries[repeated].also.append(hit.article)
            continue
        entries.append(TimelineEntry(hit.article, hit.passage, highlight))
        grams.append(mine)
    entries.sort(key=lambda e: (e.article.date is None, e.article.date or dt.date.min))
    return Timeline(topic, entries, filters)
