"""What kind of answer a question asks for, and which sentences of a passage hold one.

A passage can hold every word and name of a question and still not answer it: "How much flour did
Russia send to North Korea in 2021?" is not answered by a sentence on Russia and North Korea in 2021
that names no amount of flour. When a question asks for a quantity or a date, the `answer-type`
reader (`[search] reader`, the default) quotes a passage only when one of its sentences holds one
that the question does not (a quantity beside the thing counted, when the question names it; an age
written as one), and marks that sentence. Other questions (who, which, what) are decided as before;
`reader = "off"` decides every question as before.

    quantity  how much / many / long / far / big / tall / high / large / fast / often,
              what is the price / cost / range / population / ... of ...
    age       how old, what age, what is the age of ...: "115-year-old", "aged 58", "turned 100", "Carter, 99,"
    date      when, what / which year / date / day / month
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from .lexical import tokenize

Reader = Literal["answer-type", "cross-encoder", "off"]
READERS: tuple[Reader, ...] = ("answer-type", "cross-encoder", "off")
""""cross-encoder" is "answer-type" with a sentence reader's say on each passage (index/reading/); it needs
a model (`[search] reader_model`), so the measurements that try every reader try it only when one is given."""
AnswerKind = Literal["quantity", "age", "date"]

MEASURE_ADJECTIVES = frozenset("much many long far big tall high large fast often deep wide heavy".split())
"""`how X`: asks for an amount, a size, a duration or a rate."""
MEASURE_NOUNS = frozenset(
    "price prices cost costs range population height length distance speed weight size budget salary age "
    "temperature number amount percentage percent rate value worth toll total capacity duration fee fine "
    "bail ransom reward sum figure score margin share".split()
)
"""`what is the X of ...` asks for a quantity when X is one of these."""
DATE_NOUNS = frozenset("year date day month decade century".split())
MONEY_WORDS = (
    "cash money funds funding revenue revenues income profit profits earnings dollars euros pounds budget salary "
    "salaries cost costs price prices fee fees fine fines ransom reward wages"
)
"""What is counted in money: an amount in a currency answers it, whatever word the passage uses ("how much
cash" is answered by "$500 million")."""
CURRENCY = re.compile(
    r"[$€£¥]\s?\d|\d[\d,.]*\s*(?:million|billion|trillion|thousand)?\s*(?:dollars|euros|pounds|yen|yuan|rubles|roubles|won)\b",
    re.IGNORECASE,
)
STOP_FOCUS = frozenset(
    "did do does done is are was were has have had will would can could should the a an of in on at to for "
    "from by with and or there their it its this that these those".split()
)
"""Where the thing counted ends: "how many people [did] ..."."""

NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions billion billions trillion dozen dozens once twice thrice third fourth fifth sixth seventh "
    "eighth ninth tenth"
)
"""Quantities written out, and the counts of times ("a third time"); "one", "first" and "second" are left out:
"one of the", "first" and "second-largest" count nothing."""
QUANTITY = re.compile(
    r"(?<![\w.-])[$€£¥]?\d+(?:[.,]\d+)*(?:%|\b)(?!-?[a-z]*\d)|\b(?:" + NUMBER_WORDS.replace(" ", "|") + r")\b",
    re.IGNORECASE,
)
"""A quantity as news writes it: "2,400", "$4.2", "36-hour", "5,000 euros", "10%", "two dozen"; not a code
("G20", "Hwasong-14"): digits joined to letters are a name."""
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
DATE = re.compile(
    r"\b(?:1[89]|20)\d\d\b|\b(?:"
    + MONTHS.replace(" ", "|")
    + r")\.?\s+\d{1,2}\b|\b\d{1,2}\s+(?:"
    + MONTHS.replace(" ", "|")
    + r")\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|"
    r"tomorrow|last (?:week|month|year)|next (?:week|month|year)|this (?:week|month|year))\b",
    re.IGNORECASE,
)
"""A date as news writes it: a year, "July 19", "19 July", a weekday, "last week"."""
DAY_OF_MONTH = re.compile(
    r"\b(?:" + MONTHS.replace(" ", "|") + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + MONTHS.replace(" ", "|") + r")\b",
    re.IGNORECASE,
)
"""A day of a month ("July 19", "19th of July"): its number is a date, never an amount ("how many were hurt" is
not answered by "July 19 (UPI) --")."""
AGE_NUMBER = (
    r"(\d{1,3}|(?:" + NUMBER_WORDS.replace(" ", "|") + r"|one)(?:-(?:one|two|three|four|five|six|seven|eight|nine))?)"
)
"""An age's number, in digits or words ("sixty", "twenty-one")."""
AGED_PATTERN = r"\b" + AGE_NUMBER + r"[- ]?(?:years?|yrs?)[- ]old\b"
"""An age as an adjective or said whole: "a 118-year-old nun", "sixty-year-old", "13 years old"."""
AGE = re.compile(
    AGED_PATTERN + r"|\b(?:aged?|ages)\s+(?:of\s+|between\s+)?(\d{1,3})\b"  # "at age 115", "aged 58", "the age of 13"
    r"|\b(?:turn|reach)(?:s|es|ed|ing)?\s+(\d{1,3})\b"  # "turns 80", "reached 100"
    r"|\b(?:die[sd]?|death|retir(?:e|es|ed|ing)|marri(?:ed|es))\s+at\s+(\d{1,3})\b"  # "died at 88"
    r"|\b(\d{1,3})(?:st|nd|rd|th)\s+(?:birthday|anniversary)\b"
    r"|[a-z)],\s+(?:then\s+|now\s+)?(\d{1,3}),"  # "Jimmy Carter, 99, said", "Kim, then 58,"
    r"|[a-z]\s+\((\d{1,3})\)"  # "Wilson Oduya (52)"
    r"|\b(?:who|he|she)\s+(?:is|was)\s+(\d{1,3})\b|\bi(?:'m|’m| am)\s+(\d{1,3})\b"  # "who is 80", "I'm 16"
    r"|\b(?:is|was)\s+(\d{1,3})(?=\s*(?:[,.;]|$|when|and|but|years))"  # "Greer was 29 when he"
    r"|\bin\s+(?:his|her|their)\s+(?:early\s+|mid-?|late\s+)?"
    r"(\d0s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b"  # "in his 70s"
    r"|\b((?:super)?centenarian|nonagenarian|octogenarian|septuagenarian|sexagenarian)s?\b",
)
"""An age as news writes it: an age question ("how old is Biden?") is not answered by any number, such as the
"two decades" since a declaration was signed; "born in 1944" is not read (the reader does no arithmetic)."""
AGED = re.compile(AGED_PATTERN, re.IGNORECASE)
"""An age as an adjective: "the 45-year-old" is no amount for "how long was he jailed"."""
PRONOUNS = frozenset("he she it they him her them i you we this that".split())
AGE_SUBJECT_SKIP = frozenset("is was are were will be did does do has have had the a an".split())
AGE_SUBJECT_END = STOP_FOCUS | frozenset("when where while before after who whose since now today".split())
LEAD = re.compile(r"^\W*(?:(?:and|but|so|then|also|now)\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class ExpectedAnswer:
    kind: AnswerKind
    focus: frozenset[str]
    """Stemmed words of what is counted or measured ("flour" in "how much flour", "range" and "missile"
    in "the range of the missile"): a sentence holding the answer holds one of them. Empty when the
    question names none ("how long is it fermented")."""
    given: frozenset[str]
    """The quantities or dates the question itself writes: a sentence repeating them does not answer."""


def fold(text: str) -> str:
    """Case and accents folded alike on both sides: "José" is "jose"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def expected_answer(question: str) -> ExpectedAnswer | None:
    """The kind of answer the question asks for, or None when it is not a quantity, an age or a date."""
    words = re.findall(r"[\w'’-]+", LEAD.sub("", fold(question)))
    kind: AnswerKind | None = None
    focus_words: list[str] = []
    for i, word in enumerate(words[:-1]):
        following = words[i + 1]
        if (word == "how" and following == "old") or (word in ("what", "which") and following == "age"):
            kind = "age"  # "how old is she", "at what age", the number an age is written with
            focus_words = _age_subject(question, words[i + 2 :])
            break
        if word == "what" and following in ("is", "was") and "age" in words[i + 3 : i + 7]:
            at = words.index("age", i + 3)
            if words[at - 1].endswith(("'s", "’s", "s'", "s’")):  # "what is Carla Ruiz's age"
                kind = "age"
                focus_words = _age_subject(question, words[i + 2 : at])
                break
        if word == "how" and following in MEASURE_ADJECTIVES:
            kind = "quantity"
            if following in ("much", "many"):
                focus_words = _focus(words[i + 2 :]) or [w for w in words[i + 2 :] if w in MEASURE_NOUNS]
            break
        if word in ("what", "which") and following in DATE_NOUNS:
            kind = "date"
            break
        if word == "what" and following in ("is", "was", "are", "were", "will") and i + 3 < len(words):
            at = i + 3 if words[i + 2] in ("the", "a", "an") else i + 2
            if words[at] == "age":  # "what is the age of the bridge"
                kind = "age"
                focus_words = _age_subject(question, words[at + 2 :] if words[at + 1 : at + 2] == ["of"] else [])
            elif words[at] in MEASURE_NOUNS:  # the measure, or what it is of: "the range of the Hwasong-14"
                kind = "quantity"
                focus_words = [words[at], *[w for w in words[at + 1 : at + 6] if w not in STOP_FOCUS][:3]]
            break
        if word == "when":
            kind = "date"
            break
    if kind is None:
        return None
    pattern = DATE if kind == "date" else QUANTITY
    given = frozenset(_value(match) for match in pattern.finditer(fold(question)))
    return ExpectedAnswer(kind, frozenset(tokenize(" ".join(focus_words))), given)


def _age_subject(question: str, words: list[str]) -> list[str]:
    """Whose age is asked: the names written capitalised after "how old is" ("Paul Greer" in "how old was Paul
    Greer when he ..."), else the last word before a verb or a clause ("mother" in "how old is Greer's
    mother", "library"): the age answering it is in a sentence that names them, not another person's."""
    subject = list(words)
    asks_what_they_did = bool(subject) and subject[0] in ("did", "does", "do", "will", "would", "can", "could")
    while subject and subject[0] in AGE_SUBJECT_SKIP:
        subject.pop(0)
    subject = subject[: next((n for n, word in enumerate(subject) if word in AGE_SUBJECT_END), len(subject))]
    capitalised = {fold(word) for word in re.findall(r"\b[A-Z][\w'’-]*", question)}
    if asks_what_they_did:  # "at what age did Harold Quince die": the names before the verb, if any
        names = subject[: next((n for n, word in enumerate(subject) if word not in capitalised), None)]
        return names if names and names[0] not in PRONOUNS else []
    if not subject or subject[-1] in PRONOUNS:
        return []  # "how old is she": any age
    if any(word.endswith(("'s", "’s")) for word in subject[:-1]):
        return subject[-1:]  # "Greer's mother": the mother, whose sentence may not name Greer
    if subject[-1] in capitalised:
        return [word for word in subject if word in capitalised]  # a person: any of the names
    return subject[-1:]  # "the Riverton library": the library


def _focus(words: list[str]) -> list[str]:
    """The thing counted: the last word before a verb or a preposition after "how much / many" (English
    puts the head of "North Korean workers" last)."""
    focus = []
    for word in words:
        if word in STOP_FOCUS or (len(word) > 3 and word.endswith("ed")):
            break
        focus.append(word)
    return focus[-1:]


@cache
def money_terms() -> frozenset[str]:
    return frozenset(tokenize(MONEY_WORDS))


def _value(match: re.Match[str]) -> str:
    """A quantity or date as compared: "$2,400" and "2400" alike."""
    return re.sub(r"[\s,.$€£¥]", "", match.group()).casefold()


def holds_answer(expected: ExpectedAnswer, sentence: str) -> bool:
    """Whether the sentence holds a quantity or a date the question does not write, beside the thing counted,
    or an age written as one."""
    text = fold(sentence)
    beside_it = not expected.focus or bool(expected.focus & set(tokenize(text)))
    if expected.kind == "age":
        return beside_it and any(
            next(filter(None, match.groups())) not in expected.given for match in AGE.finditer(text)
        )
    if not beside_it and not (expected.focus <= money_terms() and CURRENCY.search(text)):
        return False  # what is counted is not in the sentence (money: no amount in a currency either)
    pattern = QUANTITY if expected.kind == "quantity" else DATE
    if expected.kind == "quantity":
        text = AGED.sub(" ", DAY_OF_MONTH.sub(" ", text))
    for match in pattern.finditer(text):
        value = _value(match)
        if value in expected.given:
            continue
        if expected.kind == "quantity" and YEAR.match(value) and "," not in match.group():
            continue  # "in 2021" is when, not how much
        return True
    return False


def answering_sentences(expected: ExpectedAnswer, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of the sentences of `text` that hold the answer the question asks for."""
    return [(start, end) for start, end in spans if holds_answer(expected, text[start:end])]
