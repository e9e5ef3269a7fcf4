"""The answer-type reader on the seeds, with the real model: a how-much or when question is answered
only by a passage holding a quantity or a date, that sentence is the one marked, and `reader = "off"`
decides as before the reader."""

from __future__ import annotations

import pytest

from bot.core.config import Config, SearchSettings
from bot.core.questions import read_question_file
from bot.core.service import Newsbot
from index import build_index, judge, open_index
from index.search.answer_types import expected_answer, holds_answer
from tests.conftest import ROOT

pytestmark = pytest.mark.model

HOLD_NO_ANSWER = [
    "How much flour did Russia send to North Korea in 2021?",  # the 2021 article names no amount of flour
    "What is the range of the Hwasong-14 missile?",  # the sentence naming the missile gives no range
    "How many North Korean workers are still in Vladivostok?",  # the article says some remain, not how many
]


@pytest.fixture
def apps(seed_index_dir, real_embedder) -> tuple[Newsbot, Newsbot]:
    """The seeds answered with the default reader, and with `reader = "off"`."""
    reading = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    off = Newsbot(Config(search=SearchSettings(reader="off")), embedder=real_embedder, index_dir=seed_index_dir)
    return reading, off


@pytest.mark.parametrize("question", HOLD_NO_ANSWER)
def test_a_passage_without_the_quantity_asked_for_is_not_quoted(apps, question):
    reading, off = apps
    assert reading.ask(question).abstained, question
    assert not off.ask(question).abstained, "the case this reader is for: quoted before it"


def test_the_marked_sentence_is_the_one_that_holds_the_amount(apps):
    reading, _ = apps
    question = "How much flour did Russia deliver to North Korea?"
    answer = reading.ask(question)
    assert not answer.abstained
    expected = expected_answer(question)
    assert expected is not None
    for passage in answer.passages:  # every passage quoted passes, and its mark holds the amount
        marked = [passage.text[start:end] for start, end in passage.highlights]
        assert any(holds_answer(expected, sentence) for sentence in marked), marked
    assert "2,400 tons of flour" in answer.passages[0].text[slice(*answer.passages[0].highlights[0])]


def test_off_decides_every_standard_seeds_question_as_before_the_reader(apps):
    """The figures `newsbot eval --abstention` gave before the reader (docs/quality.md): 82 of the 84
    answerable questions answered, 25 of the 100 unanswerable ones quoted."""
    _, off = apps
    answerable = read_question_file(ROOT / "docs" / "abstention" / "seeds-answerable.txt")
    unanswerable = read_question_file(ROOT / "docs" / "abstention" / "seeds-unanswerable.txt")
    assert sum(not off.ask(q).abstained for q in answerable) == 82
    assert sum(not off.ask(q).abstained for q in unanswerable) == 25


def test_a_name_with_accents_is_held_by_an_article_that_writes_it_without(tmp_path, real_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "chef.txt").write_text(
        "Chef opens kitchen for flood victims\n\nMarch 3 (AP) -- Chef Jose Andres opened a field kitchen on "
        "Monday that serves 5,000 meals a day to families who lost their homes in the flood.\n"
    )
    build_index([corpus], tmp_path / "ix", real_embedder)
    index = open_index(tmp_path / "ix", real_embedder)
    question = "How many meals a day does José Andrés serve?"
    hits = index.search(question, k=9)
    assert judge(index, question, hits, threshold=0.0).answered
    off = judge(index, question, hits, threshold=0.0, reader="off")
    assert not off.answered and "José" in off.missing  # before: the accented name was missing from the article


def test_the_reader_is_a_setting_the_shared_answer_path_honours(tmp_path, seed_index_dir, reuse_real_embedder, capsys):
    """`reader = "off"` in the config file reaches `Newsbot.ask`, which the CLI, the REPL and the bot share."""
    from bot.terminal.cli import main

    config = tmp_path / "config.toml"
    question = "What is the range of the Hwasong-14 missile?"
    for reader, quoted in (("off", True), ("answer-type", False)):
        config.write_text(f'[index]\ndir = "{seed_index_dir}"\n\n[search]\nreader = "{reader}"\n')
        capsys.readouterr()
        assert main(["ask", question, "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert ("don't cover this" not in out and "Putin had called for calm" in out) == quoted, (reader, out)
    config.write_text('[search]\nreader = "bert"\n')
    assert main(["ask", question, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "[search] reader = 'bert' is not allowed" in err
        and '"answer-type" or "cross-encoder" or "off"' in err
    )


def test_a_sentence_holding_the_amount_answers_what_the_score_alone_refused(apps):
    """ "send" where the article says "delivery": the score falls short, the sentence with "2,400 tons of
    flour" answers (ANSWER_TYPE_MARGIN)."""
    reading, off = apps
    question = "How much flour did Russia send?"
    assert off.ask(question).abstained
    answer = reading.ask(question)
    assert not answer.abstained
    assert "2,400 tons of flour" in answer.passages[0].text[slice(*answer.passages[0].highlights[0])]
