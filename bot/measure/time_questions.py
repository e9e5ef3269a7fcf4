"""`newsbot eval --time-words`: realtimeqa-dev's questions that say when ("this week", "this year", "a year
ago") or ask for the latest ("recently", "current"), asked as a member would have asked them: on the
quiz's own day (the first 8 characters of a question's id), against the whole dated corpus (2,010 of
its 2,109 articles carry a date, read from their links), with time words read and without (as before
them). Printed per way: answered; of the questions with a window, answered with every quoted article
inside it; quoting an article judged to answer; and the first quote from one.
"""

from __future__ import annotations

from pathlib import Path

from index import SearchFilters, asks_for_recent, read_qrels, read_queries, time_window

from ..core.errors import MeasurementError
from ..core.service import Newsbot
from .abstention import quiz_day
from .evaluate import app_for_corpus


def run_time_words(app: Newsbot, eval_dir: Path, cache: Path) -> None:
    folder = eval_dir / "realtimeqa-dev"
    if not (folder / "corpus.jsonl").is_file():
        raise MeasurementError(
            f"{folder / 'corpus.jsonl'} does not exist", "give the evaluation sets' folder with --eval-dir"
        )
    queries, qrels = read_queries(folder / "queries.jsonl"), read_qrels(folder / "qrels" / "test.tsv")
    asked = []
    for query_id, text in queries.items():
        day = quiz_day(query_id)
        window = time_window(text, day)[1]
        if window is not None or asks_for_recent(text):
            asked.append((query_id, text, day, window))
    windows = sum(window is not None for *_, window in asked)
    corpus_app = app_for_corpus(app, [folder / "corpus.jsonl"], cache)
    print(
        f"realtimeqa-dev: {len(asked)} of {len(queries)} questions say when ({windows} with a window, "
        f"{len(asked) - windows} asking only for the latest), asked on their quiz's day"
    )
    for reading in (False, True):
        answered = inside = judged = first = 0
        for query_id, text, day, window in asked:
            answer = corpus_app.ask(text, today=day, time_words=reading)
            if answer.abstained:
                continue
            answered += 1
            if window is not None:
                dates = SearchFilters(since=window.since, before=window.before)
                inside += all(dates.admits(c.article) for c in answer.citations)
            relevant = {doc for doc, score in qrels.get(query_id, {}).items() if score >= 1}
            judged += any(c.article.doc_id in relevant for c in answer.citations)
            first += answer.citation(answer.passages[0].citations[0]).article.doc_id in relevant
        n = len(asked) or 1
        print(
            f"time words {'read' if reading else 'ignored':8} answered {answered / n:6.1%} ({answered}); with a window, "
            f"every quote inside it {inside / max(windows, 1):6.1%} ({inside} of {windows}); quoting a judged "
            f"article {judged / n:6.1%} ({judged}); the first quote from one {first / n:6.1%} ({first})"
        )
