"""`newsbot ask` as a user meets it: a panel on a terminal (colours off with NO_COLOR), plain text
with the marked sentences between ** ** when piped or redirected."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.model

QUESTION = "How much flour did Russia deliver to North Korea?"
COLOUR = "\x1b[3"  # a foreground colour: ESC [ 3x m


def ask(index_dir, *, terminal: bool, env: dict[str, str] | None = None) -> str:
    argv = [sys.executable, "-m", "bot.terminal.cli", "--index", str(index_dir), "ask", QUESTION]
    inherited = {name: value for name, value in os.environ.items() if name != "NO_COLOR"}
    env = {**inherited, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "TERM": "xterm-256color", **(env or {})}
    if not terminal:
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=True).stdout
    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(120) == 0
    return b"".join(chunks).decode()


def test_piped_output_is_plain_text_with_the_highlight_marked(seed_index_dir):
    out = ask(seed_index_dir, terminal=False)
    assert out.startswith(f"Q: {QUESTION}\n\n> ")
    assert "**" in out and "2,400 tons of flour" in out.split("**")[1]  # the marked sentence holds the answer
    assert "\n[1] North Korea praises Russia's Putin on joint declaration anniversary, UPI, 19 July 2017" in out
    assert not any(character in out for character in "╭│╰▌\x1b")


def test_a_terminal_gets_the_panel_in_colour_unless_no_color_is_set(seed_index_dir):
    coloured = ask(seed_index_dir, terminal=True, env={"COLORTERM": "truecolor"})
    assert "╭" in coloured and COLOUR in coloured and "2,400 tons of flour" in coloured
    plain = ask(seed_index_dir, terminal=True, env={"NO_COLOR": "1"})
    assert "╭" in plain and COLOUR not in plain and "\x1b[1m" in plain  # bold stays: the highlight shows


def test_only_the_quote_bar_is_dim_not_the_passage(seed_index_dir):
    shown = ask(seed_index_dir, terminal=True, env={"NO_COLOR": "1"})
    dim_runs = [run.split("\x1b[", 1)[0] for run in shown.split("\x1b[2m")[1:]]
    assert dim_runs and all(run.strip() in ("▌", "") or "filters" in run for run in dim_runs), dim_runs
