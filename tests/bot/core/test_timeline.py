"""Timelines: the passages that answer a topic, one per article, oldest first, syndicated copies merged."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from bot.core.config import Config, CorpusSettings
from bot.core.service import Newsbot
from bot.terminal.render import render_timeline
from tests.conftest import SEEDS

pytestmark = pytest.mark.model

TODAY = dt.date(2026, 12, 5)
TOPIC = "North Korea and Russia friendship declaration anniversary"


@pytest.fixture
def syndicated(tmp_path, real_embedder) -> Newsbot:
    """The seeds, and the 2017 article again as another outlet ran it, a day later."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    shutil.copy(corpus / "000_d9337505ec262534.txt", corpus / "002_copy.txt")
    (corpus / "002_copy.meta.toml").write_text(
        'title = "Pyongyang lauds Putin on declaration anniversary"\noutlet = "Wire Daily"\ndate = 2017-07-20\n',
        encoding="utf-8",
    )
    app = Newsbot(Config(corpus=CorpusSettings(paths=(corpus,))), embedder=real_embedder, index_dir=tmp_path / "ix")
    app.rebuild()
    return app


def test_a_timeline_is_one_entry_per_story_oldest_first(seed_index_dir, real_embedder):
    app = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    timeline = app.timeline(TOPIC, today=TODAY)
    assert [e.article.date for e in timeline.entries] == [dt.date(2017, 7, 19), dt.date(2021, 7, 20)]
    assert all(e.sentence and e.sentence in e.passage for e in timeline.entries)
    text = render_timeline(timeline, TODAY)
    assert text.index("19 July 2017 (9 years ago)") < text.index("20 July 2021 (5 years ago)")


def test_a_syndicated_copy_is_cited_with_the_entry_it_repeats(syndicated):
    timeline = syndicated.timeline(TOPIC, today=TODAY)
    assert len(timeline.entries) == 2
    [first, second] = timeline.entries
    assert {first.article.outlet, *(a.outlet for a in first.also)} == {"UPI", "Wire Daily"}
    assert not second.also
    assert "also: Pyongyang lauds Putin" in render_timeline(
        timeline, TODAY
    ) or "also: North Korea praises" in render_timeline(timeline, TODAY)


def test_a_topic_the_articles_do_not_cover_has_an_empty_timeline_and_says_so(seed_index_dir, real_embedder):
    app = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    timeline = app.timeline("the Super Bowl halftime show", today=TODAY)
    assert timeline.entries == [] and "don't cover this" in render_timeline(timeline, TODAY)


def test_time_words_narrow_a_timeline(seed_index_dir, real_embedder):
    app = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    timeline = app.timeline(f"{TOPIC} in 2021", today=TODAY)
    assert [e.article.date.year for e in timeline.entries] == [2021]
