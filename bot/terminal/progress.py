"""Build progress on the terminal: one line per stage on stderr, gone when the build ends.

A stage reported with a total of 0 has no count yet (loading the model): it shows a spinner.
When stderr is not a terminal (a log file, `| tee`), plain lines say the same: each stage as it
begins, its count every `PLAIN_EVERY` seconds, and its end; the summary line follows as always.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from index import BuildProgress

from ..core.describe import build_summary

if TYPE_CHECKING:
    from ..core.service import Newsbot

PLAIN_EVERY = 15.0
"""Seconds between two plain progress lines of one stage."""
STAGE_LABELS = {
    "chunking": "Reading and splitting articles",
    "embedding": "Embedding passages",
    "writing": "Writing the index",
}


@contextmanager
def terminal_progress(console: Console | None = None) -> Iterator[BuildProgress]:
    """A progress callback for a build, drawn while the block runs and cleared when it ends."""
    console = console or Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    if not console.is_terminal:
        yield plain_progress(console)
        return
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            for earlier in tasks.values():  # a new stage means the ones before it are over
                progress.update(earlier, visible=False)
            tasks[stage] = progress.add_task(STAGE_LABELS.get(stage, stage.capitalize()), total=total or None)
        progress.update(tasks[stage], completed=done, total=total or None)

    with progress:
        yield update


def plain_progress(console: Console) -> BuildProgress:
    """Progress as plain lines, for a stderr that is not a terminal."""
    said: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        label = STAGE_LABELS.get(stage, stage.capitalize())
        first, finished = stage not in said, bool(total) and done >= total
        if not (first or finished or now - said[stage] >= PLAIN_EVERY):
            return
        said[stage] = now
        count = f": {done:,} of {total:,} ({100 * done / total:.0f}%)" if total else ""
        console.print(f"newsbot: {label[:1].lower() + label[1:]}{count}", markup=False, highlight=False, soft_wrap=True)

    return update


def build_with_progress(app: Newsbot, corpus: Sequence[Path] | None = None) -> None:
    """Build the index with progress on the terminal, then say what the build did on stderr."""
    with terminal_progress() as update:
        report = app.rebuild(corpus, progress=update)
    tell(build_summary(report))


def tell(line: str) -> None:
    """A line on stderr, wrapped between words on a terminal (the terminal itself would cut words), and
    left whole anywhere else (a log reads it as one line)."""
    console = Console(stderr=True, highlight=False)
    console.print(line, markup=False, soft_wrap=not console.is_terminal)
