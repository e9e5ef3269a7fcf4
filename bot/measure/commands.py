"""The measurement commands of `newsbot` (eval, bench, bench-search, bench-store, bench-changes), declared
here and added to the command line by bot/terminal/cli.py. Each imports what it runs when it runs: the
command line itself starts without them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index import SEARCH_MODES, UsageError

from ..core.service import Newsbot
from ..terminal.commands import CommandTable, option

MEASURE_COMMANDS = CommandTable()


@MEASURE_COMMANDS.command(
    "eval",
    "measure retrieval on a question set with relevance judgments, or (--abstention) how often the bot answers",
    option("--corpus", metavar="PATH", type=Path, action="append", help="corpus file or folder (BEIR corpus.jsonl)"),
    option("--queries", metavar="FILE", type=Path, help="BEIR queries.jsonl"),
    option("--qrels", metavar="FILE", type=Path, help="BEIR qrels .tsv"),
    option(
        "--abstention",
        action="store_true",
        help="instead: the share of questions answered and abstained on, per "
        "standard set (docs/quality.md), with the default settings",
    ),
    option(
        "--eval-dir",
        metavar="DIR",
        type=Path,
        default=Path("../shared/eval"),
        help="with --abstention: the folder holding realtimeqa-dev/ and scifact/ (default ../shared/eval)",
    ),
    option(
        "--show", action="store_true", help="with --abstention: list each question decided against its set's target"
    ),
    option(
        "--mode",
        action="append",
        choices=SEARCH_MODES,
        help="search mode to measure (repeatable; default: [search] mode)",
    ),
    option(
        "--cache",
        metavar="DIR",
        type=Path,
        default=Path(".newsbot/eval"),
        help="where indexes of evaluated corpora are kept (default .newsbot/eval)",
    ),
    option("--json", action="store_true", help="one JSON line per mode"),
    option(
        "--training-years",
        metavar="DIR",
        type=Path,
        help="instead: the answer decision of each [search] reader "
        "on RealTime QA's training years (2023-2025) of a checkout of realtimeqa/realtimeqa_public (docs/quality.md)",
    ),
    option(
        "--time-words",
        action="store_true",
        help="instead: realtimeqa-dev's questions that say when, asked on their quiz's day, with time words read "
        "and without (docs/quality.md)",
    ),
    option(
        "--recency",
        action="store_true",
        help="with --training-years: instead, how the passages that answer a question asking for the latest are "
        "best ordered (docs/quality.md)",
    ),
    option(
        "--weeks-step",
        metavar="N",
        type=int,
        default=8,
        help="with --training-years: a pair of neighbouring weeks every N weeks (default 8)",
    ),
    on_index=False,
)
def cmd_eval(app: Newsbot, args: argparse.Namespace) -> int:
    if args.time_words:
        from .time_questions import run_time_words

        run_time_words(app, args.eval_dir, args.cache)
        return 0
    if args.recency and not args.training_years:
        raise UsageError(
            "--recency measures on RealTime QA's training years", "give their checkout with --training-years"
        )
    if args.training_years:
        from .training_years import run_training_years

        if args.weeks_step < 1:
            raise UsageError("--weeks-step must be at least 1", "give a positive count")
        if args.recency:
            from .recency import run_recency

            run_recency(app, args.training_years, args.weeks_step, args.cache)
            return 0
        run_training_years(app, args.training_years, args.weeks_step, args.cache)
        return 0
    if args.abstention:
        from .abstention import run_abstention_eval, standard_sets

        run_abstention_eval(app, standard_sets(args.eval_dir, args.cache), args.cache, args.show)
        return 0
    if not (args.corpus and args.queries and args.qrels):
        raise UsageError(
            "newsbot eval needs --corpus, --queries and --qrels (or --abstention)",
            "give the judged corpus, its queries and its qrels",
        )
    from .evaluate import run_eval

    run_eval(app, args.corpus, args.queries, args.qrels, args.mode or [app.config.search.mode], args.cache, args.json)
    return 0


@MEASURE_COMMANDS.command(
    "bench",
    "time a full build and question latency (prints figures)",
    option("--corpus", metavar="PATH", type=Path, action="append", help="default: [corpus] paths"),
    option("--queries", metavar="FILE", type=Path, help="questions: one a line, or BEIR queries.jsonl"),
    option("--builds", type=int, default=1, metavar="N", help="full builds to time (default 1)"),
    option("--passes", type=int, default=5, metavar="N", help="passes over the questions (default 5)"),
    option(
        "--compare",
        action="store_true",
        help="race the generic pipeline (LangChain's recipe) on the same corpus and questions",
    ),
    option(
        "--runs", type=int, default=3, metavar="N", help="with --compare: builds and cold starts of each (default 3)"
    ),
    option(
        "--qrels",
        metavar="FILE",
        type=Path,
        help="with --compare: relevance judgments for --queries (BEIR qrels .tsv): adds nDCG@10",
    ),
)
def cmd_bench(app: Newsbot, args: argparse.Namespace) -> int:
    from .bench import read_questions, run_bench

    if args.builds < 1 or args.passes < 1 or args.runs < 1:
        raise UsageError("--builds, --passes and --runs must be at least 1", "give positive counts")
    if args.compare:
        return _bench_compare(app, args)
    run_bench(
        app,
        args.corpus or list(app.config.corpus.read_paths),
        read_questions(args.queries),
        args.builds,
        args.passes,
        existing_index=args.index,
    )
    return 0


def _bench_compare(app: Newsbot, args: argparse.Namespace) -> int:
    from .bench import read_questions
    from .bench_compare import format_table, run_compare

    try:
        import langchain_text_splitters  # noqa: F401
    except ImportError:
        raise UsageError(
            "the generic pipeline needs LangChain's text splitter, which is not installed", "pip install -e '.[bench]'"
        ) from None
    if args.qrels and not args.queries:
        raise UsageError("--qrels needs --queries", "give the judged questions with --queries")
    questions = read_questions(args.queries)
    ours, generic = run_compare(
        app,
        args.corpus or list(app.config.corpus.read_paths),
        questions,
        args.runs,
        args.passes,
        args.queries,
        args.qrels,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(format_table(ours, generic, args.passes, len(questions)))
    return 0


@MEASURE_COMMANDS.command(
    "bench-store",
    "the PostgreSQL store beside FAISS on synthetic data: rows/s inserted, query p50/p99, HNSW recall@10, the "
    "whole hybrid question, one article changed by another process (prints figures; writes a corpus bench-N "
    "into the database of [store] url, and drops it)",
    option("--passages", type=int, default=1_000_000, metavar="N", help="default 1,000,000"),
    option("--queries", type=int, default=500, metavar="N", help="default 500"),
    option(
        "--clusters",
        type=int,
        default=0,
        metavar="N",
        help="gather the vectors around N random centres, as real "
        "embeddings are (default 0: spread at random, HNSW's worst case)",
    ),
    option(
        "--keep",
        action="store_true",
        help="leave the corpus bench-N in the database for a later --reuse (else it is dropped)",
    ),
    option(
        "--reuse",
        action="store_true",
        help="search the corpus bench-N an earlier --keep run stored instead of storing it again",
    ),
    on_index=False,
)
def cmd_bench_store(app: Newsbot, args: argparse.Namespace) -> int:
    from .bench_store import run_bench_store

    if args.passages < 100 or args.queries < 1 or args.queries > args.passages:
        raise UsageError("--passages must be at least 100, and --queries from 1 to --passages", "give other counts")
    run_bench_store(app, args.passages, args.queries, reuse=args.reuse, keep=args.keep, clusters=max(args.clusters, 0))
    return 0


@MEASURE_COMMANDS.command(
    "bench-search",
    "how long the index in use takes to search: BM25 alone and the whole hybrid question, p50/p99 (prints figures)",
    option("--queries", metavar="FILE", type=Path, required=True, help="BEIR queries.jsonl: the questions asked"),
    option("--passes", type=int, default=5, metavar="N", help="times each question is asked (default 5)"),
)
def cmd_bench_search(app: Newsbot, args: argparse.Namespace) -> int:
    from .bench_search import run_bench_search

    if args.passes < 1:
        raise UsageError("--passes must be at least 1", "give a positive count")
    run_bench_search(app, args.queries, args.passes)
    return 0


@MEASURE_COMMANDS.command(
    "bench-changes",
    "time a full build, a no-change reindex, adding and removing an article (prints figures)",
    option("--corpus", metavar="PATH", type=Path, action="append", help="default: [corpus] paths"),
    option("--article", metavar="FILE", type=Path, required=True, help="the article file to add"),
    option("--repeats", type=int, default=3, metavar="N", help="runs of each change (default 3)"),
    on_index=False,
)
def cmd_bench_changes(app: Newsbot, args: argparse.Namespace) -> int:
    from .bench_changes import run_change_bench

    if args.repeats < 1:
        raise UsageError("--repeats must be at least 1", "give a positive count")
    run_change_bench(app, args.corpus or list(app.config.corpus.read_paths), args.article, args.repeats)
    return 0


@MEASURE_COMMANDS.command(
    "bench-feeds",
    "feeds served on 127.0.0.1: a cold first cycle (seconds, peak memory), an unchanged cycle (CPU seconds), "
    "and from an entry's appearing to its answer (prints figures)",
    option("--feeds", type=int, default=100, metavar="N", help="feeds (default 100)"),
    option("--entries", type=int, default=20, metavar="N", help="entries per feed (default 20)"),
    option("--repeats", type=int, default=3, metavar="N", help="unchanged cycles and fresh entries (default 3)"),
    on_index=False,
)
def cmd_bench_feeds(app: Newsbot, args: argparse.Namespace) -> int:
    from .bench_feeds import run_feed_bench

    if not (1 <= args.feeds <= 10_000 and 1 <= args.entries <= 200 and args.repeats >= 1):
        raise UsageError("--feeds from 1 to 10000, --entries from 1 to 200, --repeats at least 1", "give other counts")
    run_feed_bench(app, args.feeds, args.entries, args.repeats)
    return 0
