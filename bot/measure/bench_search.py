"""`newsbot bench-search --queries FILE`: how long the index in use takes to search, BM25 alone and the
whole hybrid question (BM25, vectors, fusion, passages fetched), p50 and p99 over several passes.

Each question is embedded once beforehand, so the figures are the store's, not the model's. With the
PostgreSQL backend it measures twice more: with each question's word postings read from the
database (the process's cache emptied before each question, as after a change), and cached. When
the index folder also holds a files version (the one `newsbot index migrate` copied), that is
measured in the same run, for the ratio.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from index import SEARCH_CANDIDATES, IndexMissingError, NewsIndex, PostgresStore, open_index, percentile, read_queries

from ..core.service import Newsbot


def run_bench_search(app: Newsbot, queries_file: Path, passes: int) -> None:
    questions = list(read_queries(queries_file).values())
    index = app.current_index()
    vectors = dict(zip(questions, index.embed_questions(questions)))
    measured: list[tuple[str, NewsIndex]] = [(app.config.store.backend, index)]
    if isinstance(getattr(index, "store", None), PostgresStore):
        with contextlib.suppress(IndexMissingError):  # no files version there: PostgreSQL alone
            measured.append(("faiss (the same folder)", open_index(app.index_dir, app.embedder)))
    print(f"{len(questions)} questions from {queries_file}, {passes} passes each, embedded beforehand", flush=True)
    for backend, searched in measured:
        lexical = searched.parts()[1]
        store = getattr(searched, "store", None)  # a PostgresIndex's
        forget = store.postings_cache.forget if isinstance(store, PostgresStore) else None

        def bm25(question: str, searched: NewsIndex = searched, lexical=lexical) -> None:
            with searched.reading():
                lexical.search(question, SEARCH_CANDIDATES)

        def hybrid(question: str, searched: NewsIndex = searched) -> None:
            searched.search(question, k=9, query_vector=vectors[question])

        for question in questions:  # warm: the database's pages and the process's caches
            hybrid(question)
        ways: list[tuple[str, Callable[[], None] | None]] = [("", None)]
        if forget is not None:
            ways = [(", word postings cached", None), (", word postings read from the database", forget)]
        for way, before in ways:
            for name, run in (("BM25 alone", bm25), ("hybrid question", hybrid)):
                times = []
                for _ in range(passes):
                    for question in questions:
                        if before is not None:
                            before()
                        started = time.perf_counter()
                        run(question)
                        times.append(1000 * (time.perf_counter() - started))
                print(
                    f"{backend}{way}: {name} p50 {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms",
                    flush=True,
                )
