"""The answer-type reader: what a question asks for, and which sentences hold it (no model needed)."""

from __future__ import annotations

import pytest

from index.search.answer_types import expected_answer, fold, holds_answer


@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        ("How much flour did Russia deliver to North Korea?", "quantity", {"flour"}),
        ("How many people died in the fire?", "quantity", {"peopl"}),
        ("How many North Korean workers are still in Vladivostok?", "quantity", {"worker"}),
        ("how long is the sourdough fermented", "quantity", set()),
        ("How much did the lighthouse cost?", "quantity", {"cost"}),
        ("What is the range of the Hwasong-14 missile?", "quantity", {"rang", "hwasong", "14", "missil"}),
        ("When did Putin and Kim meet?", "date", set()),
        ("What year was the declaration signed?", "date", set()),
        ("And when did it open?", "date", set()),
        ("How old was Kim Jong Il when he met Putin?", "age", {"kim", "jong", "il"}),
        ("How old was Greer's mother?", "age", {"mother"}),
        ("At what age did Harold Quince die?", "age", {"harold", "quinc"}),
        ("At what age did she climb all 14 peaks?", "age", set()),
        ("What is the age of the oldest tree?", "age", {"tree"}),
    ],
)
def test_a_question_asking_for_a_quantity_an_age_or_a_date_says_so(question, kind, focus):
    expected = expected_answer(question)
    assert expected is not None and expected.kind == kind and expected.focus == focus


@pytest.mark.parametrize(
    "question",
    ["Which team does Damar Hamlin play for?", "Who won the 2018 World Cup?", "What did the ministry say?", "flour"],
)
def test_other_questions_ask_for_no_answer_type(question):
    assert expected_answer(question) is None


def test_a_quantity_is_held_beside_the_thing_counted_and_not_taken_from_the_question():
    flour = expected_answer("How much flour did Russia send to North Korea in 2021?")
    assert flour is not None and flour.given == {"2021"}
    assert holds_answer(flour, "the delivery of food aid, 2,400 tons of flour, to the country")
    assert not holds_answer(flour, "North Korea earned more than $500 million annually from its workers")  # no flour
    assert not holds_answer(flour, "Russia sent flour to North Korea in 2021")  # a year, and the question's


def test_codes_are_names_not_quantities():
    missile = expected_answer("What is the range of the Hwasong-14 missile?")
    assert missile is not None
    assert not holds_answer(missile, "Putin called for calm at the G20 Summit after the launch of the Hwasong-14.")
    assert holds_answer(missile, "The missile can fly 10,000 km, analysts said.")


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("how long is the sourdough fermented", "Every loaf gets a 36-hour fermentation."),
        ("How much did the lighthouse cost?", "The restoration cost $4.2 million."),
        ("How much did the oven cost the bakery?", "The oven cost 5,000 euros, the owner said."),
        ("How many times has he been indicted?", "He was indicted for a third time on Tuesday."),
        ("When did the bridge reopen?", "The bridge reopened on Tuesday after two years."),
        ("What year was it signed?", "It was signed in July 2000."),
    ],
)
def test_quantities_and_dates_as_news_writes_them(question, sentence):
    expected = expected_answer(question)
    assert expected is not None and holds_answer(expected, sentence)


def test_accents_and_case_fold_alike():
    assert fold("José Andrés") == fold("jose andres") == "jose andres"


def test_money_is_answered_by_an_amount_in_a_currency_whatever_the_word():
    cash = expected_answer("how much cash did pyongyang make off its workers abroad every year")
    assert cash is not None and cash.focus == {"cash"}
    assert holds_answer(cash, "The regime earned more than $500 million annually from its overseas labor force.")
    oil = expected_answer("How much oil does Russia sell to North Korea each year?")
    assert oil is not None and not holds_answer(oil, "The regime earned more than $500 million annually.")


def test_a_day_of_the_month_is_a_date_not_an_amount():
    hurt = expected_answer("How many people were hurt?")
    assert hurt is not None
    assert not holds_answer(hurt, "July 19 (UPI) -- People were hurt when the roof fell, officials said.")
    assert not holds_answer(hurt, "People were hurt on the 19th of July, 2000.")
    days = expected_answer("How many days did the strike last?")
    assert days is not None and holds_answer(days, "The strike, which began on March 3, lasted 12 days.")


@pytest.mark.parametrize(
    "sentence",
    [
        "Paul Greer, a 118-year-old, is the oldest living man.",
        "At age 115, Greer was believed to be the oldest person in the U.S.",
        "Paul Greer turns 100 on Tuesday.",
        "Greer, 99, entered hospice care in February.",
        "Paul Greer, then 58, met Putin on July 19, 2000.",
        "Paul Greer of Kentucky, who is 80, resisted the effort.",
        "Greer celebrated his 31st birthday at home.",
        "Sixty-year-old Paul Greer finished third.",
        "Greer was 29 when he rode his first long-distance race.",
        "Paul Greer died at 88 on Saturday.",
        "Paul Greer, a man in his 70s, was rescued.",
        "Coach Paul Greer (52) watched from the side.",
        "Paul Greer, an octogenarian, still rides.",
    ],
)
def test_an_age_is_read_as_news_writes_it(sentence):
    age = expected_answer("How old is Paul Greer?")
    assert age is not None and holds_answer(age, sentence)


def test_an_age_question_is_not_answered_by_any_number():
    age = expected_answer("How old was Kim Jong Il when he met Putin in 2000?")
    assert age is not None and age.given == {"2000"}
    assert not holds_answer(age, "A joint declaration was signed more than two decades ago.")
    assert not holds_answer(age, "July 19 (UPI) -- North Korea commemorated a declaration signed by Kim Jong Il.")
    assert not holds_answer(age, "He was born in 1942 and met Putin in 2000.")  # no arithmetic


def test_an_age_answers_for_the_one_asked_about():
    greer = expected_answer("How old is Paul Greer?")
    assert greer is not None
    assert not holds_answer(greer, "Former governor Ray Dunn, 99, handed out the medals.")
    mother = expected_answer("How old was Greer's mother?")
    assert mother is not None and not holds_answer(mother, "Greer, 60, rode beside the former governor.")
    bridge = expected_answer("How old is the Harlow bridge?")
    assert bridge is not None and holds_answer(bridge, "The 150-year-old bridge will close in July.")
    assert not holds_answer(bridge, "The 45-year-old engineer inspected the road.")


def test_an_age_is_no_amount():
    jailed = expected_answer("How long was Dennis Croft jailed for?")
    assert jailed is not None
    assert not holds_answer(jailed, "The 45-year-old, Dennis Croft, was jailed on Tuesday.")
    assert holds_answer(jailed, "Croft was jailed for six years.")
