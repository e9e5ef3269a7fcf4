"""Reading a feed: RSS 2.0, RSS 1.0 and Atom through feedparser, and finding a site's feed in its page.

Whatever a feed holds is hostile input. A document that declares XML entities is refused before it
is parsed ("billion laughs", external entities): no news feed needs them. An entry without a link, a
title or a date still counts when it has an id or some content; a date more than a day ahead is not
believed (the article is left undated); HTML in titles is taken out, and the content's HTML is left for the article
loader to clean (it keeps the text only, never a script).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser
from lxml import html as lxml_html

from ..core.errors import FeedError

ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
"""In a document type's internal subset: the way to a "billion laughs" or to an external entity."""
FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml")
LONGEST_TITLE = 300
TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class FeedEntry:
    key: str
    """What tells the entry apart from the feed's others, for good: its id, else its normalised link,
    else a digest of its title and content."""
    link: str | None
    title: str
    published: dt.datetime | None
    """UTC; None when the entry gives no date (or one in the future)."""
    content: str
    """The entry's own HTML (content, else summary): the article when its page cannot be had."""


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    site: str | None
    """The site the feed is of (its link), if it says."""
    entries: list[FeedEntry]
    """Newest first, each key once."""


def parse_feed(body: bytes, url: str, now: dt.datetime | None = None) -> ParsedFeed:
    """The feed in `body` (fetched from `url`); FeedError when it is not one."""
    if declares_entities(body):
        raise FeedError(
            f"{url} declares XML entities, which newsbot never expands (a feed has no need of them)",
            "give the feed's own link; if it is yours, write the characters instead of entities",
        )
    parsed = feedparser.parse(body, response_headers={"content-location": url}, resolve_relative_uris=True)
    reason = parsed.get("bozo_exception")
    detail = f" ({_one_line(str(reason))})" if reason else ""
    if not parsed.get("version"):
        raise FeedError(f"{url} is not an RSS or Atom feed{detail}", "give the link of the feed itself")
    if parsed.get("bozo") and not parsed.entries:  # broken XML is read as far as it goes, when it goes somewhere
        raise FeedError(f"{url} is a broken feed{detail}", "try again later; if it stays broken, tell its site")
    now = now or dt.datetime.now(dt.UTC)
    entries: dict[str, FeedEntry] = {}
    for raw in parsed.entries:
        entry = _entry(raw, url, now)
        if entry is not None:
            entries.setdefault(entry.key, entry)  # a duplicate id: the first (newest, as feeds list) counts
    ordered = sorted(
        entries.values(),
        key=lambda e: e.published or dt.datetime.min.replace(tzinfo=dt.UTC),
        reverse=True,
    )  # stable: undated entries keep the feed's order, after dated ones
    feed = parsed.feed
    return ParsedFeed(_text(feed.get("title", "")) or urlsplit(url).netloc, _http(feed.get("link")), ordered)


def declares_entities(body: bytes) -> bool:
    """Whether the document type, before the first element, declares entities (in any encoding a feed may
    use); an entity written out as text inside an entry (a security blog's CDATA) is no declaration."""
    prolog = _as_text(body[:65536])
    root = re.search(r"<(?![?!])", prolog)
    return bool(ENTITY_DECLARATION.search(prolog[: root.start() if root else len(prolog)].encode()))


def is_feed(body: bytes) -> bool:
    """Whether the body looks like XML rather than an HTML page (a site's front page): its first tag,
    past a byte order mark, blanks and comments."""
    start = re.sub(r"^(?:\s|<!--.*?-->)*", "", _as_text(body[:4096]), flags=re.DOTALL).lower()
    return start.startswith(("<?xml", "<rss", "<feed")) or "<rdf:rdf" in start[:200]


def _as_text(head: bytes) -> str:
    """The start of a document as text: UTF-16 when its byte order mark says so, else UTF-8 (leniently)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    return head.decode("utf-8", errors="ignore").removeprefix("\ufeff")


def find_feed_links(page: bytes, url: str) -> list[str]:
    """The feeds a web page names with `<link rel="alternate" type="application/rss+xml" href=...>`."""
    try:
        document = lxml_html.fromstring(page)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return []
    links = []
    for element in document.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").lower().strip()
        href = element.get("href")
        if "alternate" in rel and kind in FEED_LINK_TYPES and href:
            absolute = _http(urljoin(url, href.strip()))
            if absolute and absolute not in links:
                links.append(absolute)
    return links


def normalised_link(link: str) -> str:
    """A link as compared for "seen before": scheme and host in lower case, no fragment, no trailing slash."""
    parts = urlsplit(link.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _entry(raw: dict, feed_url: str, now: dt.datetime) -> FeedEntry | None:
    link = _http(raw.get("link")) or next(
        (_http(item.get("href")) for item in raw.get("links", []) if item.get("rel", "alternate") == "alternate"),
        None,
    )
    title = _text(raw.get("title", ""))[:LONGEST_TITLE]
    content = ""
    for item in raw.get("content", []) or []:
        if item.get("value"):
            content = item["value"]
            break
    content = content or raw.get("summary", "") or ""
    identity = (raw.get("id") or "").strip()
    if identity:
        key = "id:" + identity[:500]
    elif link:
        key = "link:" + normalised_link(link)
    elif title or content:
        key = "digest:" + hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()[:32]
    else:
        return None  # nothing to tell it by, nothing to index
    return FeedEntry(key, link, title, _date(raw, now), content)


def _date(raw: dict, now: dt.datetime) -> dt.datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(field)
        if value:
            try:
                when = dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
            except (OverflowError, ValueError, OSError):
                continue
            return None if when > now + dt.timedelta(days=1) else when
    return None


def _text(value: str) -> str:
    """A title as plain text: tags out, entities read, spaces collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", value or "")).split())


def _http(link: object) -> str | None:
    if not isinstance(link, str):
        return None
    link = link.strip()
    return link if urlsplit(link).scheme.lower() in ("http", "https") and urlsplit(link).netloc else None


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
