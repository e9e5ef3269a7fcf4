"""Plain descriptions of the index shared by the CLI, the REPL and the Discord bot."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from index import ArticleMeta, BuildReport, IndexStats

from .answer import format_date

if TYPE_CHECKING:
    from .corpus_admin import CorpusChange, RolledBack


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
        ("Built", f"{_when(stats.built_at)} in {stats.build_seconds:.1f} s"
                  + (f": {what_changed(**stats.changes)}" if stats.changes else "")),
        ("Corpus", ", ".join(stats.corpus_paths)),
        ("Version", stats.version),
        *([("Quotes", f"passages scoring at least {stats.answer_threshold:.3f}, this corpus's threshold")]
          if stats.answer_threshold is not None else []),
    ]


def _when(built_at: str) -> str:
    """"2026-11-24 06:53 UTC" from the manifest's ISO time; the text as it is if it is not one."""
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
        return (f"Nothing had changed: version {report.version_dir.name} ({m.articles:,} "
                f"{plural(m.articles, 'article')}, {m.chunks:,} {plural(m.chunks, 'passage')}) stays in use.")
    skipped = f", {len(report.warnings)} skipped (see warnings)" if report.warnings else ""
    what = what_changed(report.added, report.changed, report.removed, report.embedded, report.reused)
    return (f"Indexed {m.articles:,} {plural(m.articles, 'article')} into {m.chunks:,} {plural(m.chunks, 'passage')} "
            f"in {m.build_seconds:.1f} s{skipped}: {what}.")


def what_changed(added: int, changed: int, removed: int, embedded: int, reused: int) -> str:
    """What a build did, compared with the version before it."""
    if not (added or changed or removed or embedded):
        kept = f"all {reused:,} passages were" if reused != 1 else "its 1 passage was"
        return f"nothing had changed, so {kept} kept from the version before"
    return (f"{added:,} added, {changed:,} changed, {removed:,} removed; "
            f"{embedded:,} {plural(embedded, 'passage')} embedded, {reused:,} reused")


def plural(count: int, noun: str, many: str | None = None) -> str:
    return noun if count == 1 else many or f"{noun}s"


def change_summary(change: CorpusChange, action: str) -> list[str]:
    """What `add`, `remove` or `restore` did (or, for a dry run, would do), for the terminal."""
    lines = []
    if change.article:
        meta = change.article.meta
        details = ", ".join(str(part) for part in (meta.outlet, meta.date) if part)
        lines.append(f"{'Would add' if change.report is None else 'Added'} {meta.title!r}"
                     f"{f' ({details})' if details else ''}: {change.passages} {plural(change.passages, 'passage')}, "
                     f"as {change.path}")
        missing = [name for name, value in (("date", meta.date), ("outlet", meta.outlet)) if not value]
        if missing:
            lines.append(f"No {' or '.join(missing)} found in it, so answers cite it without; set "
                         f"{' and '.join(missing)} in {change.path.stem}.meta.toml beside it "
                         "(like seeds/000_d9337505ec262534.meta.toml) and reindex.")
    elif change.report and action == "remove":
        lines.append(f"Removed {change.path.stem}: kept in the trash as {change.path}; restore it by its id or title.")
    elif change.report:
        lines.append(f"Restored {change.path.stem} ({change.path}).")
    if change.report:
        lines.append(build_summary(change.report))
    return lines


def rollback_summary(rolled: RolledBack) -> list[str]:
    """What `index rollback` and :rollback did: the version served, and the added articles moved to follow it."""
    stats = rolled.index.stats()
    lines = [f"Now serving version {stats.version}: {stats.articles:,} {plural(stats.articles, 'article')}, "
             f"{stats.chunks:,} {plural(stats.chunks, 'passage')}, built {_when(stats.built_at)}."]
    if rolled.set_aside:
        lines.append(f"Moved to the trash, as this version lacks {plural(len(rolled.set_aside), 'it', 'them')} "
                     f"(`restore` brings {plural(len(rolled.set_aside), 'it', 'them')} back): {'; '.join(rolled.set_aside)}.")
    if rolled.brought_back:
        lines.append(f"Put back among the added articles, as this version holds "
                     f"{plural(len(rolled.brought_back), 'it', 'them')}: {'; '.join(rolled.brought_back)}.")
    return lines
