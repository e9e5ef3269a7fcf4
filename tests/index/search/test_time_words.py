"""Time in a question's words, read as the window of dates the filters give, with a fixed day of asking."""

from __future__ import annotations

import datetime as dt

import pytest

from index import time_window

TODAY = dt.date(2026, 12, 5)  # a Saturday
D = dt.date


@pytest.mark.parametrize(
    ("question", "phrase", "since", "before", "searched"),
    [
        (
            "what happened yesterday in Pyongyang",
            "yesterday",
            D(2026, 12, 4),
            D(2026, 12, 5),
            "what happened in Pyongyang",
        ),
        ("what did Putin say last week", "last week", D(2026, 11, 23), D(2026, 11, 30), "what did Putin say"),
        ("flour news this week", "this week", D(2026, 11, 29), D(2026, 12, 6), "flour news"),
        (
            "what did the ministry say this month",
            "this month",
            D(2026, 12, 1),
            D(2026, 12, 6),
            "what did the ministry say",
        ),
        ("sanctions last month", "last month", D(2026, 11, 1), D(2026, 12, 1), "sanctions"),
        ("summits last year", "last year", D(2025, 1, 1), D(2026, 1, 1), "summits"),
        ("statements 3 days ago", "3 days ago", D(2026, 12, 2), D(2026, 12, 3), "statements"),
        ("the talks two weeks ago", "two weeks ago", D(2026, 11, 16), D(2026, 11, 23), "the talks"),
        ("deliveries in the past 7 days", "in the past 7 days", D(2026, 11, 29), D(2026, 12, 6), "deliveries"),
        ("visits over the last two weeks", "over the last two weeks", D(2026, 11, 22), D(2026, 12, 6), "visits"),
        ("what happened in 2017", "in 2017", D(2017, 1, 1), D(2018, 1, 1), "what happened in 2017"),
        (
            "flour deliveries in July 2021",
            "in July 2021",
            D(2021, 7, 1),
            D(2021, 8, 1),
            "flour deliveries in July 2021",
        ),
        ("what has Russia sent since March?", "since March", D(2026, 3, 1), None, "what has Russia sent?"),
        ("what was signed before 2020", "before 2020", None, D(2020, 1, 1), "what was signed"),
        ("talks after June 2021", "after June 2021", D(2021, 7, 1), None, "talks"),
        (  # the first phrase is read, whichever kind each is
            "how much flour was delivered in 2017, not yesterday",
            "in 2017",
            D(2017, 1, 1),
            D(2018, 1, 1),
            "how much flour was delivered in 2017, not yesterday",
        ),
        (
            "what was said last week and in 2021",
            "last week",
            D(2026, 11, 23),
            D(2026, 11, 30),
            "what was said and in 2021",
        ),
        (
            "what happened during Sept. 2020",
            "during Sept. 2020",
            D(2020, 9, 1),
            D(2020, 10, 1),
            "what happened during Sept. 2020",
        ),
    ],
)
def test_each_time_phrase_is_its_window(question, phrase, since, before, searched):
    asked, window = time_window(question, TODAY)
    assert window is not None and window.phrase == phrase
    assert (window.since, window.before) == (since, before)
    assert asked == searched  # taken out of what is searched, but "in 2017": it may be when something happened


@pytest.mark.parametrize(
    "question",
    [
        "What did Kim Jong Un and Putin sign at their 2019 summit?",  # a year without "in": a summit, not a window
        "How much flour did Russia deliver to North Korea?",
        "Who won the May elections?",
        "What will happen in 2030?",  # the future holds no articles
        "What did the second summit decide?",
        "What is the date of the march on Washington?",
        "Which city saw the biggest increase in rents compared to a year ago?",  # a comparison
        "Are prices higher than a year ago?",
        "How does aid compare to a year ago?",
        "What was said by May about aid to North Korea?",  # Theresa May, not the month
        "What did we hear from Jan about flour?",
        "Why did fish die in Mar Menor?",  # a month followed by a capitalised word is a name
        "What did the minister say in Jun Li's interview?",
        "What happened in March 2150?",  # no year of the articles, so no month of one either
        "What happened in March '21?",
        "How important is the 2000 joint declaration today?",  # today asks for the latest, not a window
    ],
)
def test_questions_without_a_time_of_publication_get_no_window(question):
    assert time_window(question, TODAY) == (question, None)


def test_the_window_is_said_in_words():
    said = {
        q: time_window(q, TODAY)[1].describe()
        for q in ("news last week", "news in 2017", "news yesterday", "news in July 2021")
    }
    assert said == {
        "news last week": "articles published from 23–29 Nov 2026 (“last week”)",
        "news in 2017": "articles published in 2017 (“in 2017”)",
        "news yesterday": "articles published on 4 Dec 2026 (“yesterday”)",
        "news in July 2021": "articles published in July 2021 (“in July 2021”)",
    }


def test_a_long_question_costs_a_bounded_look():
    import time

    question = "in the past " * 20_000 + "days"
    started = time.perf_counter()
    time_window(question, TODAY)
    assert time.perf_counter() - started < 0.5
