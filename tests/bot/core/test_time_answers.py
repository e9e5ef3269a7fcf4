"""Time in a question's words narrows the articles searched, and every front end says which window it used."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.answer import abstention_hint, citation_text, filters_note
from bot.core.config import Config
from bot.core.service import Newsbot
from bot.terminal.render import render_plain

pytestmark = pytest.mark.model

TODAY = dt.date(2026, 12, 5)


@pytest.fixture
def app(seed_index_dir, real_embedder) -> Newsbot:
    return Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)


def test_a_year_in_words_searches_that_year_and_says_so(app):
    answer = app.ask("What did North Korea's foreign ministry say in 2021?", today=TODAY)
    assert not answer.abstained and answer.time_window is not None and not answer.outside_window
    assert {c.article.date.year for c in answer.citations} == {2021}
    assert filters_note(answer) == "Searching articles published in 2021 (“in 2021”)"
    assert "Searching articles published in 2021" in render_plain(answer)
    assert answer.question == "What did North Korea's foreign ministry say in 2021?"


def test_an_empty_window_is_told_with_the_newest_date_not_filled_with_other_news(app):
    answer = app.ask("What did Putin say last week?", today=TODAY)
    assert answer.abstained and answer.filtered_out and not answer.passages
    assert answer.question == "What did Putin say last week?"  # the title keeps the words
    assert abstention_hint(answer) == (
        "No article was published from 23–29 Nov 2026 (“last week”). The newest is from 20 July 2021. "
        "Ask without the date, or another."
    )


def test_a_year_that_is_when_something_happened_may_be_answered_from_later_articles_saying_so(app):
    answer = app.ask("What did Putin and Kim Jong Il agree to in 2000?", today=TODAY)
    assert not answer.abstained and answer.outside_window
    assert filters_note(answer) == "Nothing published in 2000 (“in 2000”) answers this: quoting other dates"
    assert "agreed in 2000" in " ".join(p.text for p in answer.passages)


def test_a_past_month_in_words_may_be_answered_by_a_later_article_saying_so(app):
    """An article of July tells of June ("last month"); "last week" of an empty past stays refused (above)."""
    answer = app.ask("What did North Korea's foreign ministry say last month?", today=dt.date(2021, 7, 25))
    assert not answer.abstained and answer.outside_window
    assert {c.article.date for c in answer.citations} == {dt.date(2021, 7, 20)}
    assert filters_note(answer) == "Nothing published in June 2021 (“last month”) answers this: quoting other dates"
    this_week = app.ask("What did North Korea's foreign ministry say this week?", today=dt.date(2021, 8, 25))
    assert this_week.abstained  # a window up to today has no later articles to try


@pytest.mark.parametrize("month", ["July", "Jul", "Jul."])
def test_a_month_written_short_is_a_time_not_a_name_the_article_must_hold(app, month):
    answer = app.ask(f"What did North Korea's foreign ministry say in {month} 2021?", today=TODAY)
    assert not answer.abstained, answer.missing
    assert filters_note(answer) == f"Searching articles published in July 2021 (“in {month} 2021”)"


def test_a_date_filter_given_wins_over_the_words(app):
    answer = app.ask("since:2017-01-01 before:2018-01-01 What did North Korea say last week?", today=TODAY)
    assert answer.time_window is None
    assert all(c.article.date.year == 2017 for c in answer.citations)


def test_questions_without_time_words_are_answered_as_before(app):
    answer = app.ask("How much flour did Russia deliver to North Korea?", today=TODAY)
    assert answer.time_window is None and not answer.abstained and filters_note(answer) is None


def test_the_terminal_shows_each_citations_date_and_age(app):
    answer = app.ask("How much flour did Russia deliver to North Korea?", today=TODAY)
    article = answer.citations[0].article
    assert citation_text(article, TODAY).startswith(
        "North Korea praises Russia's Putin on joint declaration anniversary, UPI, 19 July 2017 (9 years ago)"
    )
    assert "19 July 2017 (" in render_plain(answer)


def test_asking_for_the_latest_quotes_the_newest_answering_article_first_and_says_how_old_it_is(app):
    plain = app.ask("What did North Korea say about its friendship with Russia?", today=TODAY)
    latest = app.ask("What is the latest North Korea said about its friendship with Russia?", today=TODAY)
    assert not latest.abstained and plain.recency is None
    dates = [latest.citation(p.citations[0]).article.date for p in latest.passages]
    assert dates == sorted(dates, reverse=True) and dates[0].year == 2021
    assert latest.recency == "Newest first; the newest article that answers is from 20 July 2021 (5 years ago)"
    assert "Newest first" in filters_note(latest)


def test_an_open_ended_year_in_words_answers_as_the_filter_does(app):
    by_words = app.ask("What did North Korea say about Putin before 2020?", today=TODAY)
    by_filter = app.ask("before:2020 What did North Korea say about Putin?", today=TODAY)
    assert not by_words.abstained and not by_words.outside_window
    assert (
        {c.article.date for c in by_words.citations}
        == {c.article.date for c in by_filter.citations}
        == {dt.date(2017, 7, 19)}
    )


def test_the_notes_lead_the_terminal_panel_and_wrap_rather_than_being_cut(app):
    from rich.console import Console

    from bot.terminal.json_output import answer_json
    from bot.terminal.render import render_answer

    answer = app.ask("What did Putin and Kim Jong Il agree to in 2000?", today=TODAY)
    console = Console(width=60, record=True, color_system=None)
    console.print(render_answer(answer))
    shown = " ".join(console.export_text().replace("│", " ").split())
    assert "answers this: quoting other dates" in shown
    assert shown.index("quoting other dates") < shown.index("agreed in 2000")
    window = answer_json(answer)["time_window"]
    assert window == {"phrase": "in 2000", "since": "2000-01-01", "before": "2001-01-01", "quoting_other_dates": True}
