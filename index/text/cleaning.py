"""Cleaning scraped article text: keep the article, drop the page around it.

News pages saved as text carry the site's furniture with the story: "Advertisement" slots,
"RELATED ..." teasers, photo captions printed twice, and after the story whole sections of other
headlines ("Latest Headlines", "Trending Stories"). `parse_scraped_page` returns the story's own
paragraphs and the metadata its header gives (title, byline, date, and the outlet named in the
dateline, as in "July 20 (UPI) -- ...").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Lines that are never part of a story, compared case-insensitively after trimming.
FURNITURE_LINES = frozenset(
    {
        "advertisement",
        "trending",
        "follow us",
        "back to article",
        "license photo",
        "share",
        "share this article",
        "print",
        "email",
        "comments",
        "close",
        "skip to content",
        "skip to main content",
        "/",
        "|",
    }
)

# Headings that open the site's own sections after a story: everything from here on goes.
SECTION_ENDS = frozenset(
    {
        "latest headlines",
        "trending stories",
        "most popular",
        "most read",
        "more stories",
        "recommended stories",
        "related stories",
        "follow us",
        "back to article",
    }
)

RELATED_TEASER = re.compile(r"^RELATED\s+\S")
LICENSE_PHOTO_SUFFIX = re.compile(r"\s*\|\s*License Photo\s*$", re.IGNORECASE)
BYLINE = re.compile(r"^By\b\s*(?P<names>.*)$")
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?"
)
# "July 20, 2021 / 11:56 AM" or "July 20, 2021"
DATE_LINE = re.compile(rf"^(?P<date>(?:{MONTHS})\s+\d{{1,2}},\s+\d{{4}})(?:\s*/\s*\d{{1,2}}:\d{{2}}\s*[AP]M)?$")
# "July 20 (UPI) -- North Korea said ..."
# "March 3, 2023 (Coastal Gazette) -- The council ...": with a year, the dateline dates the story too
DATELINE = re.compile(
    rf"^(?P<day>(?:{MONTHS})\s+\d{{1,2}}(?:,\s+\d{{4}})?)\s+\((?P<outlet>[^)]{{1,40}})\)\s+(?:--|—|–)\s"
)


@dataclass(frozen=True)
class ScrapedPage:
    text: str
    title: str | None = None
    byline: str | None = None
    date: dt.date | None = None
    outlet: str | None = None


def parse_date(text: str) -> dt.date | None:
    """Parse the dates news pages print: ISO dates, "July 20, 2021", "Jul. 20, 2021"."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    cleaned = re.sub(r"\.(?=\s)", "", text).replace("Sept ", "Sep ")
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


MARKDOWN_EMPHASIS = "*_ "
HEADER_SEPARATORS = re.compile(r"\s+[·|•]\s+")
DATE_PREFIX = re.compile(r"^(?:published|updated|posted|date)\s*(?::|on)?\s*", re.IGNORECASE)


def read_markdown_header(lines: list[str]) -> tuple[str | None, dt.date | None, str | None, list[str]]:
    """The byline and date lines that open a Markdown article under its heading, read and taken out:
    "By Ana Lima", "*March 5, 2019*", "Published: 2019-03-05", "By Ana Lima · March 5, 2019",
    "*By Tom Green, Island Herald, 2022-11-08*" (names, outlet and date in one line).

    Returns (byline, date, outlet, the lines that are left). Reading stops at the first line that is not one."""
    byline: str | None = None
    date: dt.date | None = None
    outlet: str | None = None
    position = 0
    while position < len(lines):
        line = lines[position].strip().strip(MARKDOWN_EMPHASIS)
        if line:
            parts = [part.strip().strip(MARKDOWN_EMPHASIS) for part in HEADER_SEPARATORS.split(line)]
            bylines = [
                match.group("names").strip()
                for part in parts
                if len(part) < 80 and not part.endswith(".") and (match := BYLINE.match(part))
            ]
            dates = [found for part in parts if len(part) <= 40 and (found := _header_date(DATE_PREFIX.sub("", part)))]
            if len(bylines) + len(dates) != len(parts):
                break
            names = next(iter(bylines), None) or None
            if names and not byline and not dates:
                names, dated, outlet = _byline_outlet_date(names)
                dates = [dated] if dated else []
            byline = byline or names
            date = date or next(iter(dates), None)
        position += 1
    return byline, date, outlet, lines[position:]


def _byline_outlet_date(byline: str) -> tuple[str, dt.date | None, str | None]:
    """ "Tom Green, Island Herald, 2022-11-08" -> the names, the date, the outlet: a byline that ends in a
    date names the outlet just before it; without a date, commas separate names only."""
    pieces = [piece.strip() for piece in byline.split(",")]
    for written_in in (1, 2):  # "2022-11-08" or "2 December 2022", then "December 2, 2022" (a comma inside)
        if len(pieces) <= written_in:
            break
        last = ", ".join(pieces[-written_in:])
        if len(last) <= 40 and (dated := _header_date(last)):
            del pieces[-written_in:]
            outlet = pieces.pop() if len(pieces) > 1 and pieces[-1].casefold() not in NAME_SUFFIXES else None
            return ", ".join(pieces), dated, outlet
    return byline, None, None


NAME_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv".split())
"""What follows a name after a comma and is no outlet: "By John Smith, Jr., May 5, 2021"."""


HEADER_DATE_CHARS = 60
"""A header line longer than this is not only a date."""
TIME_OF_DAY = re.compile(r"\s*(?:/|,|at|\|)?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?$", re.IGNORECASE)
"""A time after a header's date: "Dec 2, 2026 10:15 AM", "July 20, 2021 / 11:56 AM", "2 May 2024, 09:30 BST"."""


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


def _header_date(text: str) -> dt.date | None:
    """The date of a header line that is only a date, perhaps after "Published" or "Updated" and before a
    time: "December 2, 2026", "Published: 2 December 2026", "Updated Dec 2, 2026 10:15 AM", "2026-12-02".
    A line that goes on after its date ("2025-06-01 was a wet day") is not one."""
    text = TIME_OF_DAY.sub("", DATE_PREFIX.sub("", text.strip()))
    if text[:4].isdigit() and not ISO_DAY.match(text):
        return None
    match = DATE_LINE.match(text)
    return parse_date(match.group("date") if match else text)


def is_furniture(line: str) -> bool:
    return line.strip().lower() in FURNITURE_LINES


def clean_body_lines(lines: list[str]) -> list[str]:
    """Drop furniture and teasers from a story's lines and stop where the site's sections begin.

    Blank lines are kept (they separate paragraphs); a line equal to the one before it is
    dropped, which removes captions printed twice.
    """
    kept: list[str] = []
    previous = None
    for raw in lines:
        line = LICENSE_PHOTO_SUFFIX.sub("", raw).strip()
        if line.lower() in SECTION_ENDS and any(kept_line for kept_line in kept):
            break
        if is_furniture(line) or RELATED_TEASER.match(line):
            continue
        if line and line == previous:
            continue
        kept.append(line)
        if line:
            previous = line
    return kept


def paragraphs(lines: list[str]) -> list[str]:
    """Join lines into paragraphs: blank lines separate them."""
    result: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            result.append(" ".join(current))
            current = []
    return result


def clean_text(raw: str) -> str:
    """Clean a story with no header to parse (records whose metadata comes with them)."""
    return "\n\n".join(paragraphs(clean_body_lines(raw.splitlines())))


def parse_scraped_page(raw: str) -> ScrapedPage:
    """Split a saved news page into header (title, byline, date, outlet) and the story's text."""
    lines = [LICENSE_PHOTO_SUFFIX.sub("", line).strip() for line in raw.replace("\r\n", "\n").splitlines()]
    body_start = _find_body_start(lines)
    header = lines[:body_start]

    date = None
    byline_at = None
    byline = None
    byline_outlet = None
    date_lines: set[int] = set()
    for position, line in enumerate(header):
        if dated := _date_line(line):
            date = date or dated
            date_lines.add(position)
        elif byline_at is None and _is_byline(line) and (match := BYLINE.match(line)):
            byline_at = position
            names, *others = [part.strip() for part in HEADER_SEPARATORS.split(match.group("names").strip())]
            byline, dated, byline_outlet = _byline_outlet_date(names)  # "By Ana Lima, Herald, March 3, 2021"
            byline = byline or None
            date = date or dated or next((found for part in others if (found := _header_date(part))), None)

    title = _find_title(header, byline_at)
    captions: list[str] = []
    if byline_at is not None:  # what follows the byline in the header, but its dates: the photos' captions
        captions = [
            line
            for position, line in enumerate(header[byline_at + 1 :], start=byline_at + 1)
            if line and not is_furniture(line) and position not in date_lines
        ]
        captions = [_strip_photo_credit(line) for line in dict.fromkeys(captions)]

    body = clean_body_lines(lines[body_start:])
    outlet = byline_outlet
    for line in body:
        if line:
            if match := DATELINE.match(line):
                outlet = match.group("outlet").strip()
                if date is None and "," in match.group("day"):
                    date = parse_date(match.group("day"))
            break
    text = "\n\n".join([caption for caption in captions if caption] + paragraphs(body))
    return ScrapedPage(text=text, title=title, byline=byline, date=date, outlet=outlet)


def _find_body_start(lines: list[str]) -> int:
    """The story starts at its dateline, else after the byline's block, else after a short title and the
    date lines around it."""
    for position, line in enumerate(lines):
        if DATELINE.match(line):
            return position
    for position, line in enumerate(lines):
        if _is_byline(line) and BYLINE.match(line):
            following = position + 1
            while following < len(lines) and lines[following]:
                following += 1
            return following
    first = next((i for i, line in enumerate(lines) if line and not is_furniture(line) and not _date_line(line)), 0)
    if first < len(lines) and _looks_like_title(lines[first]):
        following = first + 1
        while following < len(lines) and (not lines[following] or _date_line(lines[following])):
            following += 1  # "Published: 2 December 2026" under the title is the header's
        return following
    return 0


def _is_byline(line: str) -> bool:
    """A "By ..." line short enough to be a byline, and not a sentence ("By the end of 2026, work starts.")."""
    return len(line) < 80 and not line.endswith(".")


def _date_line(line: str) -> dt.date | None:
    """The date of a header line short enough to be only a date, or None."""
    return _header_date(line) if len(line) <= HEADER_DATE_CHARS else None


def _find_title(header: list[str], byline_at: int | None) -> str | None:
    candidates = header[:byline_at] if byline_at is not None else header
    for line in reversed(candidates):
        if line and not is_furniture(line) and not _header_date(line) and _looks_like_title(line):
            return line
    return None


def _looks_like_title(line: str) -> bool:
    return 3 <= len(line.split()) <= 25 and not line.endswith((".", ":"))


PHOTO_CREDIT = re.compile(r"\s*(?:File\s+)?Photo\s+(?:by|screenshot of|courtesy of)\s+[^.]*$", re.IGNORECASE)


def _strip_photo_credit(caption: str) -> str:
    return PHOTO_CREDIT.sub("", caption).strip()
