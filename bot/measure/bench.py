"""`newsbot bench`: how long a full build takes and how fast questions are answered.

Prints figures; it asserts nothing (machines are shared and noisy: compare runs made together).
Query latency is measured twice: `search` alone (embed the question, FAISS + BM25, fuse) and the
whole answer (search plus sentence highlighting and merging), after one warm-up pass.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from index import percentile

from ..core.questions import read_question_file
from ..core.service import Newsbot

DEFAULT_QUESTIONS = [
    "What did North Korea's foreign ministry call the 2019 summit between Kim Jong Un and Putin?",
    "How much flour did Russia deliver to North Korea?",
    "Who was declared president of Peru?",
]


def read_questions(path: Path | None) -> list[str]:
    return DEFAULT_QUESTIONS if path is None else read_question_file(path)


def run_bench(
    app: Newsbot, corpus: list[Path], questions: list[str], builds: int, passes: int, existing_index: Path | None = None
) -> None:
    """Time `builds` full builds into a scratch folder (or none: query `existing_index`), then queries."""
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as scratch:
        app = app.at(existing_index or Path(scratch) / "index")
        app.embedder  # noqa: B018 - loads the model before timing
        build_seconds = []
        for _ in range(0 if existing_index else builds):
            started = time.perf_counter()
            app.rebuild(corpus)
            build_seconds.append(time.perf_counter() - started)
        m = app.index.manifest
        print(f"corpus: {', '.join(m.corpus_paths)}: {m.articles:,} articles, {m.chunks:,} passages")
        if build_seconds:
            print(
                f"build: median {statistics.median(build_seconds):.2f} s over {builds} build(s) "
                f"[{', '.join(f'{s:.2f}' for s in build_seconds)}]"
            )
        else:
            print(f"build: skipped, querying the existing index in {existing_index}")

        index = app.index
        mode, k = app.config.search.mode, app.config.search.k
        for question in questions:  # warm-up
            app.ask(question)
        search_ms, answer_ms = [], []
        for _ in range(passes):
            for question in questions:
                started = time.perf_counter()
                index.search(question, k=k * 3, mode=mode)
                search_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                app.ask(question)
                answer_ms.append((time.perf_counter() - started) * 1000)
        print(f"queries: {len(questions)} question(s) x {passes} pass(es), mode {mode}")
        for name, values in (("search", search_ms), ("answer", answer_ms)):
            print(
                f"{name}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
                f"max {max(values):.1f} ms"
            )
