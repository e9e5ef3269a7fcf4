"""Plain descriptions of the index shared by the CLI, the REPL and the Discord bot."""

from __future__ import annotations

from index import ArticleMeta, BuildReport, IndexStats

from .answer import format_date


def stats_rows(stats: IndexStats) -> list[tuple[str, str]]:
    return [
        ("Articles", f"{stats.articles:,}"),
        ("Passages", f"{stats.chunks:,}"),
        ("Model", f"{stats.model} ({stats.dimension} dimensions)"),
        ("Built", f"{stats.built_at} in {stats.build_seconds:.1f} s"),
        ("Corpus", ", ".join(stats.corpus_paths)),
        ("Version", stats.version),
    ]


def source_line(article: ArticleMeta) -> str:
    parts = [article.title, article.outlet, format_date(article)]
    return " · ".join(part for part in parts if part)


def sorted_sources(articles: dict[str, ArticleMeta]) -> list[ArticleMeta]:
    """Newest first; undated articles last, by title."""
    return sorted(articles.values(), key=lambda a: (a.date is None, -(a.date.toordinal() if a.date else 0), a.title))


def build_summary(report: BuildReport) -> str:
    m = report.manifest
    skipped = f", {len(report.warnings)} skipped (see warnings)" if report.warnings else ""
    return (f"Indexed {m.articles:,} articles into {m.chunks:,} passages in {m.build_seconds:.1f} s{skipped}: "
            f"{report.added:,} added, {report.changed:,} changed, {report.removed:,} removed; "
            f"{report.embedded:,} passages embedded, {report.reused:,} reused.")
