"""Building the index from the command line, with progress bars and a one-line summary."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from .describe import build_summary
from .progress import terminal_progress
from .service import Newsbot


def build_with_progress(app: Newsbot, corpus: Sequence[Path] | None = None) -> None:
    update, close = terminal_progress()
    try:
        report = app.rebuild(corpus, progress=update)
    finally:
        close()
    print(build_summary(report), file=sys.stderr)
