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


def test_plain_lines_say_the_progress_when_stderr_is_not_a_terminal(monkeypatch):
    from bot.terminal import progress

    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    screen = io.StringIO()
    with terminal_progress(Console(file=screen, force_terminal=False, width=40)) as update:
        update("loading the model", 0, 0)
        update("embedding", 0, 20_000)
        for done in range(1, 20_000, 1000):  # a count every 5 s: one line every 15 s
            clock[0] += 5
            update("embedding", done, 20_000)
        update("embedding", 20_000, 20_000)
    lines = screen.getvalue().splitlines()
    assert "\x1b" not in screen.getvalue()  # nothing drawn: plain lines, whole however narrow
    assert lines[0] == "newsbot: loading the model" and lines[1] == "newsbot: embedding passages: 0 of 20,000 (0%)"
    assert lines[-1] == "newsbot: embedding passages: 20,000 of 20,000 (100%)"
    assert 7 <= len(lines) <= 10
