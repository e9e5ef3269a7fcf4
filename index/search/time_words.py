"""Time in a question's words ("last week", "in 2017", "since March") as the date window the filters give.

    yesterday, this month / year                      that day, or that calendar unit up to today
    this week                                         the 7 days to today
    last week / month / year, 3 days ago, two weeks ago, a month ago
                                                      that day, calendar week (Monday to Sunday), month or year
    in the past 7 days, over the last two weeks, past week
                                                      from that many units before today, to today
    in / during 2017, July 2021, March               that year or month (a month without a year: its
                                                      latest one not after today)
    since / after / from ..., before / until / by ...  from the start (after: the end) of it, or before its
                                                      start (until, by: its end)

A year or a month without one of those words is not a window: "their 2019 summit" asks about a summit,
not about articles of 2019. The phrase is found by a pattern bounded by the question's length, and read
by dateparser (relative to the day of asking, dates preferred in the past), which is imported only
when a question holds such a phrase. Relative phrases ("last week") are taken out of the question
searched, and so are open-ended ones ("since 2025": the window says it); "in 2017" stays, since it may
be when something happened that an article of another year tells of. "today" asks for the latest, not
for a window ("how important is it today"); "by May" and "from Jan" are names as often as months.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
COUNT = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several)"
UNIT = r"(?:day|week|month|year)s?"
RELATIVE = re.compile(
    r"\b(?:(?P<span>(?:in|over|during|within) (?:the )?(?:past|last) (?:(?P<count>" + COUNT + r") )?"
    r"(?P<span_unit>" + UNIT + r")|(?:past|last) (?P<count2>" + COUNT + r") (?P<span_unit2>" + UNIT + r")|past "
    r"(?P<span_unit3>week|month|year))|(?P<ago>" + COUNT + r" " + UNIT + r" ago)|(?P<named>yesterday|"
    r"(?:this|last) (?:week|month|year)))\b",
    re.IGNORECASE,
)
"""Earliest match wins: "in the last month" is the past month, "last month" the calendar month before this."""
ABSOLUTE = re.compile(
    r"\b(?P<relation>in|during|throughout|since|after|from|before|until|till|by)\s+(?:(?:early|late|mid)[\s-]+)?"
    r"(?P<when>(?:(?:" + MONTHS + r")\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+(?:of\s+)?)?(?:1[89]|20)\d\d|"
    r"(?:" + MONTHS + r")\.?(?!\s+(?-i:[A-Z])|\s*['’]?\d|['’]s\b))(?![\w-])",
    re.IGNORECASE,
)
"""A year or a month (with its year, or its day) after a word that makes it a time of the articles. A month
alone followed by a capitalised word is a name ("in Mar Menor", "in Jan Kowalski's interview"), and one
followed by a number that is no year of ours ("March 2150", "March '21") is no window."""
COMPARISON = re.compile(r"\b(?:compared? (?:to|with)|than|from|versus|vs\.?|since)\s+$", re.IGNORECASE)
"""Before "a year ago", a comparison ("up 10% compared to a year ago"), not a time of the articles."""
LONGEST_QUESTION = 2_000
"""Characters of a question looked at (the front ends read no more)."""
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
NUMBER_WORDS |= {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a few": 3, "several": 3}


@dataclass(frozen=True)
class TimeWindow:
    phrase: str
    """The words of the question it was read from, as written."""
    since: dt.date | None
    before: dt.date | None
    """Exclusive, as `before:` is."""
    relative: bool = True
    """Read from words relative to the day of asking ("last week"): when the articles were published, or a
    past unit a later article tells of ("last year, 210 volunteers joined"), so an answer may come from the
    window's start up to the day of asking when nothing of the window answers (said so). A year or a month
    ("in 2000") may be when something happened that an article of any later or earlier date tells of, so an
    answer may come from any date then."""

    def describe(self) -> str:
        """What was searched, for the answer: 'articles of 23-29 Nov 2026 ("last week")'."""
        return f"articles published {self.span()} (“{self.phrase}”)"

    def span(self) -> str:
        """When, as words: "in 2017", "in July 2021", "on 4 Dec 2026", "from 23-29 Nov 2026" (an en dash), "before 1 Jan 2020"."""
        since, before = self.since, self.before
        if since and before:
            last = before - dt.timedelta(days=1)
            if since == last:
                return f"on {_day(since)}"
            if since.month == 1 and since.day == 1 and before == dt.date(since.year + 1, 1, 1):
                return f"in {since.year}"
            if since.day == 1 and last.month == since.month and last.year == since.year and before.day == 1:
                return f"in {since:%B %Y}"
            if since.year == last.year and since.month == last.month:
                return f"from {since.day}–{last.day} {since:%b %Y}"
            if since.year == last.year:
                return f"from {since.day} {since:%b} – {_day(last)}"
            return f"from {_day(since)} – {_day(last)}"
        if since:
            return f"from {_day(since)} on"
        if before:
            return f"before {_day(before)}"
        return "at any date"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def time_window(question: str, today: dt.date) -> tuple[str, TimeWindow | None]:
    """The question as it should be searched, and the window its words give (None: none)."""
    text = question[:LONGEST_QUESTION]
    relative = next((m for m in RELATIVE.finditer(text) if not COMPARISON.search(text[: m.start()])), None)
    relative_window = _relative(relative, today) if relative else None
    for absolute in ABSOLUTE.finditer(text):
        if relative and relative_window is not None and absolute.start() > relative.start():
            break  # the question's first time phrase is the one read
        window = _absolute(absolute, today)
        if window is None:
            continue
        if absolute.group("relation").lower() in ("in", "during", "throughout"):
            return question, window  # "in 2017" may be when something happened: it stays in what is searched
        rest = _without(text, absolute)
        return (rest if _has_words(rest) else question), window  # "since 2025": the window says it all
    if relative and relative_window is not None:
        rest = _without(text, relative)
        return (rest if _has_words(rest) else question), relative_window
    return question, None


def _without(text: str, match: re.Match[str]) -> str:
    rest = " ".join((text[: match.start()] + " " + text[match.end() :]).split())
    return re.sub(r"\s+([?.!,;:])", r"\1", rest)


def _has_words(text: str) -> bool:
    return bool(re.search(r"[^\W\d_]{2,}", text))


def _relative(match: re.Match[str], today: dt.date) -> TimeWindow | None:
    phrase = match.group(0)
    tomorrow = today + dt.timedelta(days=1)
    if match.group("span"):  # "in the past 7 days": from that many units ago, to today
        count = _count(match.group("count") or match.group("count2") or "1")
        unit = (match.group("span_unit") or match.group("span_unit2") or match.group("span_unit3")).lower().rstrip("s")
        parsed = _parse(f"{count} {unit}s ago", today)
        if parsed is None:
            return None
        start = parsed[0] + dt.timedelta(days=1)  # "the past 7 days" are today and the 6 before it
        return TimeWindow(phrase, min(start, today), tomorrow)
    parsed = _parse(phrase, today)
    if parsed is None:
        return None
    day, period = parsed
    since, before = _period(day, period)
    named = (match.group("named") or "").lower()
    if named == "this week":  # news says "this week" of the last few days, Sunday's too on a Friday
        since = today - dt.timedelta(days=6)
    if named.startswith("this ") or named == "today":
        before = tomorrow  # the unit so far: nothing is dated after today
    return TimeWindow(phrase, since, min(before, tomorrow))


def _absolute(match: re.Match[str], today: dt.date) -> TimeWindow | None:
    relation, when = match.group("relation").lower(), match.group("when")
    month_only = not re.search(r"\d{4}", when)
    if month_only and (relation in ("by", "from") or (not when[0].isupper() and when.lower() == "may")):
        return None  # "by May", "from Jan": a name as often as a month; with a year it is a date
    parsed = _parse(re.sub(r"\bof\b", " ", when), today)
    if parsed is None:
        return None
    day, period = parsed
    if day > today:
        return None  # a month "in March" is its latest one not after today (dateparser saw to it), never ahead
    start, end = _period(day, period)
    if relation in ("in", "during", "throughout"):
        since, before = start, end
    elif relation in ("since", "from"):
        since, before = start, None
    elif relation == "after":
        since, before = end, None
    elif relation == "before":
        since, before = None, start
    else:  # until, till, by: up to its end
        since, before = None, end
    if since is not None and since > today:
        return None
    # a month without its year is this year's or last: it means when the articles were published
    return TimeWindow(match.group(0), since, before, relative=month_only)


def _period(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The calendar day, week (Monday to Sunday), month or year holding `day`: [first, after the last)."""
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    if period == "month":
        first = day.replace(day=1)
        return first, (first + dt.timedelta(days=32)).replace(day=1)
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=7)
    return day, day + dt.timedelta(days=1)


def _count(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text, 1)


def _parse(phrase: str, today: dt.date) -> tuple[dt.date, str] | None:
    """(the date, its period: day, week, month or year) dateparser reads in the phrase, or None."""
    data = _parser(today).get_date_data(" ".join(phrase.split()))
    if data is None or data.date_obj is None:
        return None
    period = data.period if data.period in ("day", "week", "month", "year") else "day"
    return data.date_obj.date(), period


@lru_cache(maxsize=2)
def _parser(today: dt.date) -> Any:
    """A date parser relative to the day of asking (made once a day: loading its English data takes 0.1 s)."""
    from dateparser.date import DateDataParser

    base = dt.datetime.combine(today, dt.time(12))
    return DateDataParser(
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True},
    )


RECENT = re.compile(
    r"\b(?:latest|newest|most recent|recent(?:ly)?|current(?:ly)?|now|nowadays|today|these days|up to date|so far|"
    r"still)\b",
    re.IGNORECASE,
)
"""Words that ask for the newest news: the passages that answer are then quoted newest first."""


def asks_for_recent(question: str) -> bool:
    return bool(RECENT.search(question[:LONGEST_QUESTION]))
