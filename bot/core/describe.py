"""Plain descriptions of the index shared by the CLI, the REPL and the Discord bot."""

from __future__ import annotations

import datetime as dt

from index import ANSWER_TYPE_MARGIN, ArticleMeta, BuildReport, IndexStats

from .answer import format_date

FILTERS_HELP = """\
A question may carry filters, anywhere in it:
  source:UPI        only articles from this outlet (part of its name will do; source:"usa today")
  since:2021-01-01  only articles published on or after this date (a year, month or day: since:2021)
  before:2022-07    only articles published before this date
  e.g. since:2021 what did the foreign ministry say"""
"""The question filters, told the same way by `newsbot ask --help` and the REPL's :help."""


def stats_rows(stats: IndexStats) -> list[tuple[str, str]]:
    return [
        ("Articles", f"{stats.articles:,}"),
        ("Passages", f"{stats.chunks:,}"),
        ("Model", f"{stats.model}, {stats.dimension} dimensions"),
        (
            "Built",
            f"{built_when(stats.built_at)} in {stats.build_seconds:.1f} s"
            + (f": {what_changed(**stats.changes)}" if stats.changes else ""),
        ),
        ("Corpus", ", ".join(stats.corpus_paths)),
        ("Version", stats.version),
        *(
            [
                (
                    "Quotes",
                    f"passages scoring at least {stats.answer_threshold:.3f}, this corpus's threshold "
                    f"({stats.answer_threshold - ANSWER_TYPE_MARGIN:.3f} for a passage holding the amount a "
                    "how-much question asks for)",
                )
            ]
            if stats.answer_threshold is not None
            else []
        ),
    ]


def built_when(built_at: str) -> str:
    """ "2026-11-24 06:53 UTC" from the manifest's ISO time; the text as it is if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(built_at)
    except ValueError:
        return built_at
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment.tzinfo else built_at


def source_line(article: ArticleMeta) -> str:
    parts = [article.title, article.outlet, format_date(article)]
    return " · ".join(part for part in parts if part)


def sorted_sources(articles: dict[str, ArticleMeta]) -> list[ArticleMeta]:
    """Newest first; undated articles last, by title."""
    return sorted(articles.values(), key=lambda a: (a.date is None, -(a.date.toordinal() if a.date else 0), a.title))


def build_summary(report: BuildReport) -> str:
    m = report.manifest
    if report.unchanged:
        return (
            f"Nothing had changed: version {report.version_name} ({m.articles:,} "
            f"{plural(m.articles, 'article')}, {m.chunks:,} {plural(m.chunks, 'passage')}) stays in use."
        )
    skipped = f", {len(report.warnings)} skipped (see warnings)" if report.warnings else ""
    what = what_changed(report.added, report.changed, report.removed, report.embedded, report.reused)
    return (
        f"Indexed {m.articles:,} {plural(m.articles, 'article')} into {m.chunks:,} {plural(m.chunks, 'passage')} "
        f"in {m.build_seconds:.1f} s{skipped}: {what}."
    )


def what_changed(added: int, changed: int, removed: int, embedded: int, reused: int) -> str:
    """What a build did, compared with the version before it."""
    if not (added or changed or removed or embedded):
        kept = f"all {reused:,} passages were" if reused != 1 else "its 1 passage was"
        return f"nothing had changed, so {kept} kept from the version before"
    return (
        f"{added:,} added, {changed:,} changed, {removed:,} removed; "
        f"{embedded:,} {plural(embedded, 'passage')} embedded, {reused:,} reused"
    )


def plural(count: int, noun: str, many: str | None = None) -> str:
    return noun if count == 1 else many or f"{noun}s"
