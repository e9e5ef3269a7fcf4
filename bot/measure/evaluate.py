"""`newsbot eval`: build (or reuse) an index of a judged corpus and measure the bot's search on it."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from index import (
    EvalReport,
    IndexMismatchError,
    IndexMissingError,
    SearchMode,
    corpus_fingerprint,
    embedder_name,
    evaluate,
    load_corpus,
    read_qrels,
    read_queries,
)

from ..core.service import Newsbot
from ..terminal.progress import build_with_progress

METRICS = ("ndcg@10", "recall@1", "recall@5", "recall@10", "recall@100", "mrr@10")


def cache_dir_for(app: Newsbot, corpus: Sequence[Path], cache: Path) -> Path:
    """One index folder per corpus, model (as it runs) and chunker settings."""
    settings = app.config.index
    key = json.dumps(
        [
            sorted(str(p.resolve()) for p in corpus),
            embedder_name(settings.model, settings.runtime, settings.device),
            app.config.index.chunker.to_json(),
        ],
        sort_keys=True,
    )
    return cache / hashlib.sha256(key.encode()).hexdigest()[:16]


BUILD_CHARACTERS_PER_SECOND = 50_000
"""Article text a full build embeds a second on two cores with the bundled model: realtimeqa-dev's
20.3 million characters took 303 s (docs/performance.md) and 382 s, SciFact's 8.0 million 158 s."""


def build_estimate(characters: int) -> str:
    seconds = characters / BUILD_CHARACTERS_PER_SECOND
    return f"{max(1, round(seconds / 60))} minutes" if seconds >= 90 else f"{max(1, round(seconds))} s"


def app_for_corpus(app: Newsbot, corpus: Sequence[Path], cache: Path) -> Newsbot:
    """`app` (its settings and model) on the cached index of this corpus when its fingerprint still
    matches, else on a new build of it."""
    app = app.at(cache_dir_for(app, corpus, cache))
    articles = load_corpus(corpus).articles
    try:
        if app.index.manifest.corpus_fingerprint == corpus_fingerprint(articles):
            print(f"newsbot: reusing the index in {app.store.location}", file=sys.stderr)
            return app
    except (IndexMissingError, IndexMismatchError):
        pass
    characters = sum(len(article.text) for article in articles)
    print(
        f"newsbot: building an index of {', '.join(map(str, corpus))} ({len(articles):,} articles) in "
        f"{app.store.location}: about {build_estimate(characters)} on two cores, once (later runs reuse it)",
        file=sys.stderr,
        flush=True,
    )
    build_with_progress(app, list(corpus))
    return app


def format_report(report: EvalReport) -> str:
    figures = "  ".join(f"{name} {report.metrics[name]:.4f}" for name in METRICS)
    return (
        f"{report.mode:<7} {figures}  latency p50 {report.latency_p50_ms:.1f} ms "
        f"p95 {report.latency_p95_ms:.1f} ms  ({report.queries} queries)"
    )


def run_eval(
    app: Newsbot,
    corpus: Sequence[Path],
    queries_path: Path,
    qrels_path: Path,
    modes: Sequence[SearchMode],
    cache: Path,
    as_json: bool,
) -> list[EvalReport]:
    queries, qrels = read_queries(queries_path), read_qrels(qrels_path)
    index = app_for_corpus(app, corpus, cache).index
    stats = index.stats()
    if not as_json:
        print(
            f"corpus: {', '.join(map(str, corpus))}: {stats.articles:,} articles, {stats.chunks:,} passages, "
            f"model {stats.model}"
        )
    reports = []
    for mode in modes:
        report, _ = evaluate(index, queries, qrels, mode)
        reports.append(report)
        print(json.dumps(report.to_json()) if as_json else format_report(report), flush=True)
    return reports
