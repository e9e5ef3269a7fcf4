"""Build progress on the terminal: one line per stage on stderr, gone when the build ends.

A stage reported with a total of 0 has no count yet (loading the model): it shows a spinner.
Nothing is drawn when stderr is not a terminal; the summary line that follows a build always is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

from index import BuildProgress

from ..core.describe import build_summary

if TYPE_CHECKING:
    from ..core.service import Newsbot

STAGE_LABELS = {"chunking": "Reading and splitting articles", "embedding": "Embedding passages",
                "writing": "Writing the index"}


@contextmanager
def terminal_progress(console: Console | None = None) -> Iterator[BuildProgress]:
    """A progress callback for a build, drawn while the block runs and cleared when it ends."""
    console = console or Console(stderr=True)
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("eta"), TimeRemainingColumn(), console=console, transient=True,
                        disable=not console.is_terminal)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            for earlier in tasks.values():  # a new stage means the ones before it are over
                progress.update(earlier, visible=False)
            tasks[stage] = progress.add_task(STAGE_LABELS.get(stage, stage.capitalize()), total=total or None)
        progress.update(tasks[stage], completed=done, total=total or None)

    with progress:
        yield update


def build_with_progress(app: Newsbot, corpus: Sequence[Path] | None = None) -> None:
    """Build the index with progress on the terminal, then say what the build did on stderr."""
    with terminal_progress() as update:
        report = app.rebuild(corpus, progress=update)
    tell(build_summary(report))


def tell(line: str) -> None:
    """A line on stderr, wrapped between words on a terminal (the terminal itself would cut words)."""
    Console(stderr=True, highlight=False).print(line, markup=False)
