"""`newsbot eval --training-years DIR --recency`: how the passages that answer a question asking for the
latest ("recently", "latest", "current") are best ordered, measured on RealTime QA's training years.

The weeks are those `--training-years` takes (pairs of neighbours every `step` weeks). A week's
articles carry the date its search results give (`publish_date`); its questions that ask for the
latest and whose right answer its articles hold are asked on the quiz's day, of its index, with the
articles published after that day left out. Among the passages the answer decision lets through,
each ordering is scored by whether the first quoted passage holds the right answer, and whether any
of the `k` quoted does: the score order (time ignored), the score times a decay on the article's age
(halved every H days), and newest first (the limit of the decay as H falls to nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from index import Hit, NewsIndex, SearchFilters, asks_for_recent, judge

from ..core.answer import CANDIDATES_PER_PASSAGE
from ..core.service import Newsbot
from .training_years import Week, _index_of, _plain, read_week, training_weeks

HALF_LIVES = (3, 7, 30, 90, 365)
"""Days after which the decay halves a passage's score."""
OLDEST_DAYS = 3650
"""An undated article counts as this old (last, as the answer puts it)."""


def run_recency(app: Newsbot, checkout: Path, step: int, cache: Path) -> dict[str, tuple[int, int]]:
    """Print, per ordering, how often the first quote and any quote hold the right answer; returns
    them by ordering's name (first, any)."""
    weeks = training_weeks(checkout)
    chosen = [weeks[position] for first in range(0, len(weeks) - 1, step) for position in (first, first + 1)]
    asked: list[list[tuple[Hit, float, int]]] = []
    rights: list[str] = []
    questions = 0
    for name in chosen:
        week = read_week(checkout, name)
        if not week.articles:
            continue
        index = _dated_index(app, week, cache)
        day = dt.date(int(name[:4]), int(name[4:6]), int(name[6:]))
        for question, right in week.questions:
            if not asks_for_recent(question) or not week.holds(right):
                continue
            questions += 1
            hits = index.search(
                question,
                k=app.config.search.k * CANDIDATES_PER_PASSAGE,
                filters=SearchFilters(before=day + dt.timedelta(days=1)),
            )
            judgement = judge(
                index,
                question,
                hits,
                app.config.search.min_answer_score,
                app.config.search.reader,
                app.sentence_reader(),
            )
            if not judgement.answered:
                continue
            score_of = {id(hit): score for hit, score in zip(hits, judgement.scores)}
            asked.append(
                [
                    (hit, score_of[id(hit)], (day - hit.article.date).days if hit.article.date else OLDEST_DAYS)
                    for hit in judgement.quotable
                ]
            )
            rights.append(right)
    orderings: dict[str, Callable[[tuple[Hit, float, int]], float]] = {"score (time ignored)": lambda h: -h[1]}
    for half_life in reversed(HALF_LIVES):
        orderings[f"score x 0.5^(age / {half_life} days)"] = _decayed(half_life)
    orderings["newest first"] = lambda h: h[2]
    k = app.config.search.k
    print(
        f"RealTime QA {', '.join(sorted({n[:4] for n in chosen}))}: {len(chosen)} weeks; {questions} questions ask for "
        f"the latest and are answerable, {len(asked)} answered (the first {k} passages quoted)"
    )
    figures = {}
    for name, key in orderings.items():
        first = every = 0
        for passages, right in zip(asked, rights):
            quoted = sorted(passages, key=key)[:k]  # a stable sort: ties stay in the score order
            holding = [_plain(right) in _plain(hit.passage) for hit, _, _ in quoted]
            first += holding[0]
            every += any(holding)
        figures[name] = (first, every)
        n = len(asked) or 1
        print(
            f"{name:34} first quote holds the answer {first / n:6.1%} ({first}); any quote {every / n:6.1%} ({every})"
        )
    return figures


def _decayed(half_life: int) -> Callable[[tuple[Hit, float, int]], float]:
    """A sort key: the score halved every `half_life` days of the article's age, highest first."""
    return lambda passage: -passage[1] * 0.5 ** (passage[2] / half_life)


def _dated_index(app: Newsbot, week: Week, cache: Path) -> NewsIndex:
    """The week's index, its articles dated as their search results say (`publish_date`, 2023/01/05)."""
    dates: dict[str, dt.date] = {}
    for url, written in week.dates.items():
        try:
            dates[url] = dt.date.fromisoformat(written[:10].replace("/", "-"))
        except ValueError:
            continue
    index = _index_of(app, week, cache)
    urls = {f"{week.name}-{number}": url for number, url in enumerate(week.articles)}  # as _index_of names them
    for doc_id, meta in list(index.articles.items()):
        index.articles[doc_id] = dataclasses.replace(meta, date=dates.get(urls.get(doc_id, "")))
    return index
