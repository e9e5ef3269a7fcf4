"""Build progress: drawn on a terminal while a build runs, and gone when it ends, cursor at the start of a line."""

from __future__ import annotations

import io
import re

from rich.console import Console

from bot.terminal.progress import terminal_progress


def test_progress_leaves_a_clean_line_for_what_follows():
    screen = io.StringIO()
    with terminal_progress(Console(file=screen, force_terminal=True, width=80)) as update:
        update("loading the model", 0, 0)
        update("loading the model", 1, 1)
        update("chunking", 2, 2)
        update("embedding", 9, 9)
    drawn = screen.getvalue()
    assert "Loading the model" in drawn and "Embedding passages" in drawn and "9/9" in drawn
    tail = drawn.rsplit("\n", 1)[1]
    assert tail.endswith("\x1b[2K") and "\r" in tail  # the last line erased, the cursor back at its start
    assert not re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", tail)  # and nothing printed after


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    screen = io.StringIO()
    with terminal_progress(Console(file=screen, force_terminal=False)) as update:
        update("embedding", 9, 9)
    assert screen.getvalue() == ""
