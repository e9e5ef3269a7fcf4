"""Adds, removals and reindexes killed (SIGKILL) at random moments never break or shrink the index.

A child process loops over real corpus changes, through the same code the CLI and the bot use;
the test kills it at a random moment, then checks that the index loads and still holds every
article it held before, and that the next change goes through. The moments are random but
reproducible: the seed is in the failure message.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from bot.core.config import Config, CorpusSettings
from bot.core.service import Newsbot
from index import build_index, open_index
from tests.conftest import ROOT, SEEDS
from tests.fakes import FakeEmbedder

KILLS_PER_WORKLOAD = 6
LONGEST_WAIT = 0.8
"""Seconds after the child is ready; a few whole add/remove or reindex cycles fit in it."""

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from bot.core.config import Config, CorpusSettings
    from bot.core.corpus_admin import add_source, remove_article
    from bot.core.service import Newsbot
    from tests.fakes import FakeEmbedder

    workload, corpus, index_dir, story = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    added = corpus.parent / "added"
    app = Newsbot(Config(corpus=CorpusSettings(paths=(corpus,), added_dir=added)), embedder=FakeEmbedder(),
                  index_dir=index_dir)
    print("ready", flush=True)
    edits = 0
    while True:
        if workload == "reindex":
            edits += 1
            with open(corpus / "story-007.txt", "a") as file:
                file.write(f"\\nEdit number {{edits}} added a sentence about the harbour.\\n")
            app.rebuild()
        elif ("harbour" in app.index.articles) != (added / "harbour.txt").exists():
            app.rebuild()  # a change killed between the file and the index: a reindex (or a restart) finishes it
        elif "harbour" in app.index.articles:
            remove_article(app, "harbour")
        else:
            add_source(app, story)
    """
)


def synthetic_story(number: int) -> str:
    paragraphs = [f"Story {number} title about the port\n"]
    for paragraph in range(6):
        paragraphs.append(
            " ".join(
                f"Sentence {sentence} of paragraph {paragraph} in story {number} tells of "
                f"ships, cranes and the tide at berth {number % 17}."
                for sentence in range(5)
            )
        )
    return "\n\n".join(paragraphs) + "\n"


@pytest.mark.parametrize("workload", ["add-and-remove", "reindex"])
def test_killed_changes_never_break_the_index_or_lose_an_article(tmp_path, workload):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for number in range(120):
        (corpus / f"story-{number:03}.txt").write_text(synthetic_story(number))
    story = tmp_path / "harbour.txt"
    story.write_text("Harbour bridge reopens\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday.\n")
    index_dir = tmp_path / "ix"
    embedder = FakeEmbedder()
    build_index([corpus], index_dir, embedder)
    held_before = set(open_index(index_dir, embedder).articles)
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)))

    seed = random.randrange(1 << 30)
    moments = random.Random(seed)
    for kill in range(KILLS_PER_WORKLOAD):
        with subprocess.Popen(
            [sys.executable, str(script), workload, str(corpus), str(index_dir), str(story)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
            time.sleep(moments.uniform(0, LONGEST_WAIT))
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
            assert child.returncode == -signal.SIGKILL, f"seed {seed}, kill {kill}: {child.stderr.read()[-2000:]}"

        index = open_index(index_dir, embedder)
        assert held_before <= set(index.articles), f"seed {seed}, kill {kill}: lost {held_before - set(index.articles)}"
        assert set(index.articles) <= held_before | {"harbour"}
        assert len(index.search("ships and cranes at berth 3", k=3)) == 3

    app = Newsbot(
        Config(corpus=CorpusSettings(paths=(corpus,), added_dir=tmp_path / "added")),
        embedder=embedder,
        index_dir=index_dir,
    )
    app.rebuild()  # the next change clears what the killed ones left and goes through
    assert held_before <= set(app.index.articles)
    assert not [p for p in (index_dir / "versions").iterdir() if p.name.startswith(".")]
