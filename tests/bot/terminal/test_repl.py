"""The REPL, driven through stdin as a developer would pipe it, and its commands in-process."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from rich.console import Console

from bot.core.config import Config, CorpusSettings
from bot.core.service import Newsbot
from bot.terminal.repl import Repl
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.model


def run_newsbot(args, stdin, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "bot.terminal.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_start_builds_the_index_from_the_corpus_then_answers_in_the_repl(tmp_path):
    (tmp_path / "config.toml").write_text(f'[corpus]\npaths = ["{SEEDS}"]\n')
    stdin = "How much flour did Russia deliver to North Korea?\n:stats\n:sources\nWho was declared president of Peru?\n:quit\nnever read\n"
    result = run_newsbot([], stdin, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Indexed 2 articles" in result.stderr
    out = result.stdout
    assert "2 articles indexed" in out
    assert "2,400 tons of flour" in out
    assert "[1] North Korea praises Russia's Putin on joint declaration anniversary, UPI, 19 July 2017" in out
    assert "Passages" in out and "all-MiniLM-L6-v2" in out  # :stats
    assert re.search(
        r"^ *1\. +North Korea highlights 'deepening friendship' with Russia on anniversary · UPI · "
        r"20 July 2021 +001_4589706aa8a54f74$",
        out,
        re.M,
    )  # :sources, numbered, with the ids
    assert "The articles I have don't cover this." in out
    assert (tmp_path / ".newsbot" / "index" / "current").is_symlink()

    # a second start finds the index current and does not rebuild
    again = run_newsbot([], ":quit\n", tmp_path)
    assert again.returncode == 0 and "Indexed" not in again.stderr


@pytest.fixture
def repl(seed_index_dir, real_embedder):
    out = io.StringIO()
    app = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    return Repl(app, Console(file=out, width=120, color_system=None)), out


def test_help_lists_the_commands(repl):
    shell, out = repl
    shell.run(iter([":help"]))
    for command in (":help", ":sources", ":stats", ":reindex", ":quit", "source:", "since:", "before:"):
        assert command in out.getvalue()


def test_errors_are_one_line_and_keep_brackets(tmp_path, real_embedder):
    out = io.StringIO()
    app = Newsbot(
        Config(corpus=CorpusSettings(paths=(tmp_path / "gone",))), embedder=real_embedder, index_dir=tmp_path / "ix"
    )
    app.rebuild([SEEDS])
    Repl(app, Console(file=out, width=200, color_system=None)).run(iter([":reindex"]))
    assert (
        f"error: corpus path {tmp_path / 'gone'} does not exist. Fix the path in [corpus] paths or --corpus"
        in out.getvalue()
    )


def test_unknown_commands_and_bad_k_are_explained(repl):
    shell, out = repl
    shell.run(iter([":bogus", ":k 0", ":k 2"]))
    text = out.getvalue()
    assert "Unknown command :bogus. Type :help for the list." in text
    assert "Usage: :k N, with N from 1 to 20." in text
    assert shell.k == 2


def test_quit_stops_reading(repl):
    shell, out = repl
    shell.run(iter([":quit", "How much flour did Russia deliver?"]))
    assert "tons" not in out.getvalue()


def test_reindex_rebuilds_and_keeps_answering(tmp_path, real_embedder):
    out = io.StringIO()
    app = Newsbot(Config(corpus=CorpusSettings(paths=(SEEDS,))), embedder=real_embedder, index_dir=tmp_path / "ix")
    app.rebuild()
    first_version = app.index.version
    Repl(app, Console(file=out, width=120, color_system=None)).run(
        iter([":reindex", "How much flour did Russia deliver to North Korea?"])
    )
    assert "Nothing had changed: version" in out.getvalue() and "stays in use" in out.getvalue()
    assert "2,400 tons of flour" in out.getvalue()
    assert app.index.version == first_version  # nothing to write: the version in use stays


def test_add_remove_restore_and_rollback_from_the_repl(tmp_path, real_embedder):
    import shutil

    shutil.copytree(SEEDS, tmp_path / "corpus")
    (tmp_path / "harbour.txt").write_text(
        "Harbour bridge reopens after repairs\n\nMarch 5 (AP) -- "
        "The harbour bridge reopened on Tuesday after eight months of repairs.\n"
    )
    out = io.StringIO()
    app = Newsbot(
        Config(corpus=CorpusSettings(paths=(tmp_path / "corpus",), added_dir=tmp_path / "added")),
        embedder=real_embedder,
        index_dir=tmp_path / "ix",
    )
    app.rebuild()
    question = "When did the harbour bridge reopen?"
    Repl(app, Console(file=out, width=200, color_system=None)).run(
        iter(
            [
                ":add",
                f":add {tmp_path / 'harbour.txt'}",
                question,
                ":remove 3",
                ":restore harbour",
                ":rollback",
                ":remove nope",
            ]
        )
    )
    text = out.getvalue()
    assert "Usage: :add PATH|URL" in text
    assert "Added 'Harbour bridge reopens after repairs' (AP): 1 passage, as" in text
    assert "harbour bridge reopened on Tuesday" in text
    assert f"Removed harbour: kept in the trash as {tmp_path / 'added' / '.trash'}/" in text
    assert f"Restored harbour ({tmp_path / 'added' / 'harbour.txt'})." in text
    assert "1 added, 0 changed, 0 removed" in text and "0 added, 0 changed, 1 removed" in text
    assert re.search(r"Now serving version \S+: 2 articles", text)  # the version before the restore
    assert "error: no article 'nope' in the index" in text
