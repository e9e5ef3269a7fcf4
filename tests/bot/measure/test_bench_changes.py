"""`newsbot bench-changes` prints every figure and leaves nothing behind (its timings are not tested)."""

from __future__ import annotations

from bot.core.config import Config
from bot.core.service import Newsbot
from bot.measure.bench_changes import run_change_bench
from tests.bot.core.test_corpus_admin import STORY
from tests.conftest import SEEDS
from tests.fakes import FakeEmbedder


def test_it_times_a_full_build_a_reindex_and_adding_and_removing_an_article(tmp_path, capsys):
    (tmp_path / "harbour.txt").write_text(STORY)
    app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=tmp_path / "untouched")
    seconds = run_change_bench(app, [SEEDS], tmp_path / "harbour.txt", repeats=2, cli_add=False)
    assert {step: len(runs) for step, runs in seconds.items()} == {
        "full build": 1,
        "reindex, no change": 2,
        "add one article": 2,
        "remove it": 2,
        "add one article, just after a start": 1,
    }
    printed = capsys.readouterr().out
    assert "corpus: " in printed and ": 2 articles, " in printed
    for line in (
        "full build: ",
        "reindex, no change: median ",
        "% of the full build",
        "add one article (harbour.txt, 1 passage): median ",
        "remove it: median ",
        "add one article just after a start (reads the version in use from disk first): ",
    ):
        assert line in printed
    assert not (tmp_path / "untouched").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["harbour.txt"]
