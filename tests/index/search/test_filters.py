"""source:, since: and before: in questions, and as search filters."""

from __future__ import annotations

import datetime as dt

import pytest

from index import FilterError, SearchFilters, build_index, open_index, parse_query
from tests.conftest import SEED_2017, SEED_2021, SEEDS


@pytest.mark.parametrize(
    ("text", "question", "filters"),
    [
        (
            "since:2021-01-01 what did the foreign ministry say",
            "what did the foreign ministry say",
            SearchFilters(since=dt.date(2021, 1, 1)),
        ),
        ("what did they say before:2018", "what did they say", SearchFilters(before=dt.date(2018, 1, 1))),
        (
            'source:"usa today" since:2022-07 stadium plans',
            "stadium plans",
            SearchFilters(source="usa today", since=dt.date(2022, 7, 1)),
        ),
        ("SOURCE:upi flour", "flour", SearchFilters(source="upi")),
        ("email me at a:b or since when?", "email me at a:b or since when?", SearchFilters()),
    ],
)
def test_filters_are_taken_out_of_the_question(text, question, filters):
    assert parse_query(text) == (question, filters)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "since:yesterday news",
            "since:yesterday is not a date. Write it as since:2021, since:2021-07 or since:2021-07-20",
        ),
        ("before:2021-13 news", "before:2021-13 is not a date. Write it as before:2021"),
        (
            "since:2022 before:2021 news",
            "since:2022-01-01 is not before before:2021-01-01. Give a range that is not empty",
        ),
    ],
)
def test_bad_filters_say_how_to_write_them(text, message):
    with pytest.raises(FilterError) as error:
        parse_query(text)
    assert error.value.one_line().startswith(message)


def test_search_keeps_to_the_filtered_articles(tmp_path, fake_embedder):
    build_index([SEEDS], tmp_path / "ix", fake_embedder)
    index = open_index(tmp_path / "ix", fake_embedder)
    question = "Putin Kim Jong Il agreed military cooperation friendly relations"
    for mode in ("hybrid", "dense", "bm25"):
        assert {h.article.doc_id for h in index.search(question, 5, mode)} == {SEED_2017, SEED_2021}
        only_2021 = index.search(question, 5, mode, SearchFilters(since=dt.date(2021, 1, 1)))
        assert only_2021 and {h.article.doc_id for h in only_2021} == {SEED_2021}
        only_2017 = index.search(question, 5, mode, SearchFilters(before=dt.date(2018, 1, 1), source="upi"))
        assert only_2017 and {h.article.doc_id for h in only_2017} == {SEED_2017}
        assert index.search(question, 5, mode, SearchFilters(source="CNN")) == []


def test_filters_written_back_as_text_read_the_same():
    filters = SearchFilters(source="USA Today", since=dt.date(2022, 7, 1), before=dt.date(2022, 8, 1))
    assert parse_query(filters.to_query() + "stadium plans") == ("stadium plans", filters)
    assert filters.describe() == "source: USA Today, since 2022-07-01, before 2022-08-01"
