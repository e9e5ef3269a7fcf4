"""What the terminal (CLI and REPL) says after a change of the corpus or a rollback."""

from __future__ import annotations

from ..core.corpus_admin import CorpusChange, RolledBack
from ..core.describe import build_summary, built_when, plural


def change_summary(change: CorpusChange, action: str) -> list[str]:
    """What `add`, `remove` or `restore` did (or, for a dry run, would do), for the terminal."""
    lines = []
    if change.article:
        meta = change.article.meta
        details = ", ".join(str(part) for part in (meta.outlet, meta.date) if part)
        lines.append(
            f"{'Would add' if change.report is None else 'Added'} {meta.title!r}"
            f"{f' ({details})' if details else ''}: {change.passages} {plural(change.passages, 'passage')}, "
            f"as {change.path}"
        )
        missing = [name for name, value in (("date", meta.date), ("outlet", meta.outlet)) if not value]
        if missing:
            lines.append(
                f"No {' or '.join(missing)} found in it, so answers cite it without; set "
                f"{' and '.join(missing)} in {change.path.stem}.meta.toml beside it "
                "(like seeds/000_d9337505ec262534.meta.toml) and reindex."
            )
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
    lines = [
        f"Now serving version {stats.version}: {stats.articles:,} {plural(stats.articles, 'article')}, "
        f"{stats.chunks:,} {plural(stats.chunks, 'passage')}, built {built_when(stats.built_at)}."
    ]
    if rolled.set_aside:
        lines.append(
            f"Moved to the trash, as this version lacks {plural(len(rolled.set_aside), 'it', 'them')} "
            f"(`restore` brings {plural(len(rolled.set_aside), 'it', 'them')} back): {'; '.join(rolled.set_aside)}."
        )
    if rolled.brought_back:
        lines.append(
            f"Put back among the added articles, as this version holds "
            f"{plural(len(rolled.brought_back), 'it', 'them')}: {'; '.join(rolled.brought_back)}."
        )
    return lines
