"""`newsbot bench --compare`: newsbot and the generic pipeline, on the same corpus and questions.

Each figure is taken the way a user meets it. Builds and cold starts run as fresh processes (the
`newsbot` command; `python -m bot.measure.generic_pipeline` for the generic recipe), timed from process
start to exit, peak RSS read from the process's own resource usage; the two systems take turns,
so a busy moment of the machine falls on both. Query latency is measured in this process after a
warm-up: for newsbot the whole answer (search, decision, highlighting), for the generic pipeline
its search (embed, 4 nearest chunks). nDCG@10 is taken on the judged questions when given.
Medians of `runs`; it asserts nothing (machines are shared and noisy).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import evaluate, load_corpus, percentile, query_metrics, read_qrels, read_queries

from ..core.errors import MeasurementError
from ..core.service import Newsbot
from .generic_pipeline import GenericSearcher, embedded_word_pieces

NDCG_DEPTH = 400
"""Chunks the generic pipeline returns per judged question for nDCG: as many as newsbot's eval."""


@dataclass
class Figures:
    build_seconds: list[float] = field(default_factory=list)
    build_rss_mb: list[float] = field(default_factory=list)
    passages: int = 0
    word_pieces: int = 0
    cold_seconds: list[float] = field(default_factory=list)
    cold_rss_mb: list[float] = field(default_factory=list)
    query_ms: list[float] = field(default_factory=list)
    ndcg: float | None = None


@dataclass(frozen=True)
class Child:
    seconds: float
    peak_rss_mb: float


def run_child(command: Sequence[str]) -> Child:
    """Run a command to its exit: wall seconds and its peak RSS; a failure stops the bench with its output."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            output.seek(0)
            tail = output.read().decode(errors="replace").strip().splitlines()[-5:]
            raise MeasurementError(
                f"{' '.join(command)} failed with status {process.returncode}: " + " | ".join(tail),
                "run that command by itself to see what went wrong",
            )
    return Child(seconds, usage.ru_maxrss / 1024)


def newsbot_command(app: Newsbot) -> list[str]:
    script = Path(sys.executable).with_name("newsbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.terminal.cli"]
    return command + (["--config", str(app.config.source)] if app.config.source else [])


def run_compare(
    app: Newsbot,
    corpus: list[Path],
    questions: list[str],
    runs: int,
    passes: int,
    queries_path: Path | None = None,
    qrels_path: Path | None = None,
    say: Callable[[str], None] = print,
) -> tuple[Figures, Figures]:
    articles = load_corpus(corpus).articles
    say(
        f"corpus: {', '.join(map(str, corpus))}: {len(articles):,} articles; {len(questions)} question(s); "
        f"{runs} run(s) of each build and cold start"
    )
    app.embedder  # noqa: B018 - the model's int8 copy is made before anything is timed (once per machine)
    ours, generic = Figures(), Figures()
    generic_cli = [sys.executable, "-m", "bot.measure.generic_pipeline"]
    with tempfile.TemporaryDirectory(prefix="newsbot-compare-") as scratch:
        ours_dir, generic_dir = Path(scratch) / "newsbot", Path(scratch) / "generic"
        for run in range(runs):
            for name, figures, folder, command in (
                (
                    "newsbot",
                    ours,
                    ours_dir,
                    [
                        *newsbot_command(app),
                        "index",
                        "build",
                        "--index",
                        str(ours_dir),
                        *(arg for path in corpus for arg in ("--corpus", str(path))),
                    ],
                ),
                ("generic", generic, generic_dir, [*generic_cli, "build", str(generic_dir), *map(str, corpus)]),
            ):
                shutil.rmtree(folder, ignore_errors=True)
                child = run_child(command)
                figures.build_seconds.append(child.seconds)
                figures.build_rss_mb.append(child.peak_rss_mb)
                say(f"  build {run + 1}/{runs} {name}: {child.seconds:.1f} s, {child.peak_rss_mb:.0f} MB")
        for run in range(runs):
            for name, figures, command in (
                ("newsbot", ours, [*newsbot_command(app), "ask", "--index", str(ours_dir), questions[0]]),
                ("generic", generic, [*generic_cli, "ask", str(generic_dir), questions[0]]),
            ):
                child = run_child(command)
                figures.cold_seconds.append(child.seconds)
                figures.cold_rss_mb.append(child.peak_rss_mb)
                say(f"  cold answer {run + 1}/{runs} {name}: {child.seconds:.2f} s, {child.peak_rss_mb:.0f} MB")

        app = app.at(ours_dir)  # the raced index, in an app of its own
        index = app.index
        ours.passages = len(index.chunks)
        ours.word_pieces = sum(chunk.tokens for chunk in index.chunks)
        searcher = GenericSearcher(generic_dir)
        generic.passages = len(searcher.chunks)
        generic.word_pieces = embedded_word_pieces(generic_dir, app.embedder)
        for question in questions:  # warm-up
            app.ask(question)
            searcher.search(question)
        for _ in range(passes):
            for question in questions:
                for figures, answer in ((ours, app.ask), (generic, searcher.search)):
                    started = time.perf_counter()
                    answer(question)
                    figures.query_ms.append((time.perf_counter() - started) * 1000)

        if queries_path and qrels_path:
            queries, qrels = read_queries(queries_path), read_qrels(qrels_path)
            report, _ = evaluate(index, queries, qrels, app.config.search.mode)
            ours.ndcg = report.metrics["ndcg@10"]
            judged = [qid for qid in queries if any(grade >= 1 for grade in qrels.get(qid, {}).values())]
            generic.ndcg = statistics.fmean(
                query_metrics(
                    list(dict.fromkeys(hit.doc_id for hit in searcher.search(queries[qid], NDCG_DEPTH))), qrels[qid]
                )["ndcg@10"]
                for qid in judged
            )
    return ours, generic


UNSTEADY = 1.5
"""Runs of one figure whose slowest is more than this many times its fastest make its ratio doubtful."""


def format_table(ours: Figures, generic: Figures, passes: int, questions: int) -> str:
    """The figures side by side; the last column says how many times better newsbot does."""
    median = statistics.median

    def times(theirs: float, mine: float) -> str:
        return f"{theirs / mine:.2f}x" if mine else "-"

    doubted = []

    def steady(edge: str, *runs: list[float]) -> str:
        """The edge, marked when either side's runs disagree too much to trust a ratio of their medians."""
        if any(len(values) > 1 and min(values) > 0 and max(values) / min(values) > UNSTEADY for values in runs):
            doubted.append(edge)
            return edge + " ?"
        return edge

    rows = [
        (
            "cold start to first answer",
            f"{median(ours.cold_seconds):.2f} s",
            f"{median(generic.cold_seconds):.2f} s",
            steady(
                times(median(generic.cold_seconds), median(ours.cold_seconds)), ours.cold_seconds, generic.cold_seconds
            ),
        ),
        (
            "  its peak RSS",
            f"{median(ours.cold_rss_mb):.0f} MB",
            f"{median(generic.cold_rss_mb):.0f} MB",
            times(median(generic.cold_rss_mb), median(ours.cold_rss_mb)),
        ),
        (
            "full build, wall (model load in)",
            f"{median(ours.build_seconds):.1f} s",
            f"{median(generic.build_seconds):.1f} s",
            steady(
                times(median(generic.build_seconds), median(ours.build_seconds)),
                ours.build_seconds,
                generic.build_seconds,
            ),
        ),
        (
            "  its peak RSS",
            f"{median(ours.build_rss_mb):.0f} MB",
            f"{median(generic.build_rss_mb):.0f} MB",
            times(median(generic.build_rss_mb), median(ours.build_rss_mb)),
        ),
        ("  passages", f"{ours.passages:,}", f"{generic.passages:,}", ""),
        (
            "  word pieces embedded",
            f"{ours.word_pieces:,}",
            f"{generic.word_pieces:,}",
            times(generic.word_pieces, ours.word_pieces),
        ),
        (
            "  word pieces per second",
            f"{ours.word_pieces / median(ours.build_seconds):,.0f}",
            f"{generic.word_pieces / median(generic.build_seconds):,.0f}",
            times(ours.word_pieces / median(ours.build_seconds), generic.word_pieces / median(generic.build_seconds)),
        ),
        (
            f"query p50 ({questions} q x {passes})",
            f"{median(ours.query_ms):.1f} ms",
            f"{median(generic.query_ms):.1f} ms",
            times(median(generic.query_ms), median(ours.query_ms)),
        ),
        (
            "query p99",
            f"{percentile(ours.query_ms, 0.99):.1f} ms",
            f"{percentile(generic.query_ms, 0.99):.1f} ms",
            times(percentile(generic.query_ms, 0.99), percentile(ours.query_ms, 0.99)),
        ),
    ]
    if ours.ndcg is not None and generic.ndcg is not None:
        rows.append(
            (
                "nDCG@10 (judged questions)",
                f"{ours.ndcg:.4f}",
                f"{generic.ndcg:.4f}",
                f"{ours.ndcg - generic.ndcg:+.4f}",
            )
        )
    header = ("", "newsbot", "generic", "newsbot's edge")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in [header, *rows]
    ]
    ndcg = ", the difference for nDCG" if ours.ndcg is not None and generic.ndcg is not None else ""
    note = (
        "(runs: medians; ratios: generic / newsbot for times, sizes and word pieces, newsbot / generic "
        f"for word pieces per second{ndcg})"
    )
    if doubted:
        note += (
            f"\n? the runs of that row differ by more than {UNSTEADY:g}x from one another (a loaded machine?): "
            "its ratio is not to be trusted; run again on an idle machine, with more --runs"
        )
    return "\n".join([*lines, note])
