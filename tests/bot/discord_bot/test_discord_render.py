"""The Discord rendering stays within every limit, whatever the passages and sources hold."""

from __future__ import annotations

import datetime as dt

import discord
import pytest

from bot.core.answer import Answer, Citation, Passage
from bot.discord_bot.render import answer_embed, clip, quote, window
from index import ArticleMeta, Chunk, Hit


def make_answer(
    passages: int, passage_chars: int, title_chars: int, url_chars: int, question_chars: int = 80
) -> Answer:
    built, citations = [], []
    for number in range(1, passages + 1):
        article = ArticleMeta(
            doc_id=f"d{number}",
            title=("Headline *bold* _x_ " * 40)[:title_chars],
            outlet="Outlet",
            date=dt.date(2021, 7, 20),
            url="https://example.org/" + "a" * max(0, url_chars - 20),
        )
        text = ("Sentence with @everyone and **stars** and `ticks`. " * 200)[:passage_chars]
        chunk = Chunk(f"d{number}#0", f"d{number}", 0, len(text), text, 100)
        highlight = (len(text) // 2, min(len(text), len(text) // 2 + 60))
        built.append(Passage(Hit(chunk, article, 1.0, 0.9), [highlight], [number]))
        citations.append(Citation(number, article))
    return Answer("Q" * question_chars, built, citations, abstained=False)


@pytest.mark.parametrize("passages", [1, 3, 5, 10])
@pytest.mark.parametrize("passage_chars", [50, 1200, 6000])
@pytest.mark.parametrize(("title_chars", "url_chars"), [(20, 30), (300, 500)])
def test_every_answer_embed_fits(passages, passage_chars, title_chars, url_chars):
    answer = make_answer(passages, passage_chars, title_chars, url_chars, question_chars=5000)
    assert len(answer_embed(answer, footer="F" * 3000)) <= 6000  # even with an absurd footer
    embed = answer_embed(answer, footer="Passages 1–10 · quoted from the articles, not written by a model")
    assert len(embed) <= 6000
    assert len(embed.title) <= 256 and len(embed.description) <= 4096
    assert len(embed.footer.text) <= 2048
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert 0 < len(field.name) <= 256 and 0 < len(field.value) <= 1024
    assert embed.description.count("> ") >= passages  # every passage is quoted


def test_quotes_escape_markdown_and_bold_the_highlight():
    answer = make_answer(1, 200, 20, 30)
    text = quote(answer.passages[0], 1000)
    assert "\\*\\*stars\\*\\*" in text and "\\`ticks\\`" in text
    assert text.count("**") == 2
    assert text.startswith("> ") and text.endswith("[1]")


def test_a_window_keeps_the_highlight_and_marks_the_cuts():
    answer = make_answer(1, 3000, 20, 30)
    passage = answer.passages[0]
    text, highlights = window(passage, 400)
    assert len(text) <= 402 and text.startswith("…") and text.endswith("…")
    [(start, end)] = highlights
    original_start, original_end = passage.highlights[0]
    assert text[start:end] == passage.text[original_start:original_end]


def test_clip_cuts_at_a_word():
    assert clip("one two three four", 10) == "one two…"
    assert clip("short", 10) == "short"


def test_abstention_embed_lists_the_closest_articles():
    answer = make_answer(1, 100, 20, 30)
    abstained = Answer("Who won?", [], [], abstained=True, closest=[c.article for c in answer.citations])
    embed = answer_embed(abstained)
    assert embed.description == (
        "The articles I have don't cover this.\n"
        "Try other words, or narrow the search with source:, since: or before:."
    )
    assert embed.fields[0].name == "Closest articles"


def test_abstention_embed_offers_the_spelling_fix_and_names_what_is_missing():
    abstained = Answer(
        "What did the forign ministry say about Bitcoin?",
        [],
        [],
        abstained=True,
        did_you_mean="What did the foreign ministry say about *Bitcoin*?",
        missing=["Bitcoin"],
    )
    embed = answer_embed(abstained)
    assert embed.description == (
        "The articles I have don't cover this.\n"
        "Did you mean: **What did the foreign ministry say about \\*Bitcoin\\*?**\n"
        "The closest article never mentions “Bitcoin”. Try other words, or narrow the "
        "search with source:, since: or before:."
    )
    assert isinstance(embed.colour, discord.Colour)
