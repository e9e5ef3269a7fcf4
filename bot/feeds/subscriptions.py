"""Subscribing a corpus to feeds, and what `feed list` says of them: the one path the CLI, the REPL and
the Discord bot's /feed share.

A subscription is checked by fetching the feed when it is made (or the site's page, whose
`<link rel="alternate">` names it), so a wrong link is told at once, in one line; its first poll is due
at once after.
"""

from __future__ import annotations

import asyncio

from ..core.errors import FeedError
from ..core.fetch import FetchPolicy, fetch_feed
from ..core.service import Newsbot, corpus_key
from .parsing import ParsedFeed, find_feed_links, is_feed, parse_feed
from .polling import Clock, FetchFeed, SystemClock
from .state import Feed, FeedState


async def find_feed(url: str, policy: FetchPolicy, fetch: FetchFeed = fetch_feed) -> tuple[str, ParsedFeed]:
    """The feed at `url`, or the one a site's page names (`<link rel="alternate">`): its link and content."""
    fetched = await fetch(url, policy)
    if is_feed(fetched.body) or fetched.media_type not in ("text/html", "application/xhtml+xml"):
        return fetched.url, parse_feed(fetched.body, fetched.url)
    links = find_feed_links(fetched.body, fetched.url)
    if not links:
        raise FeedError(
            f"{url} is a web page that names no RSS or Atom feed",
            "give the link of the feed itself (often /feed, /rss or /atom.xml on the site)",
        )
    found = await fetch(links[0], policy)
    return found.url, parse_feed(found.body, found.url)


def subscribe(
    app: Newsbot,
    state: FeedState,
    url: str,
    name: str | None = None,
    every_minutes: int | None = None,
    channel_id: int | None = None,
    *,
    clock: Clock = SystemClock(),
    fetch: FetchFeed = fetch_feed,
) -> Feed:
    """Subscribe the corpus to a feed (checked by fetching it now); its first poll is due at once."""
    settings = app.config.feeds
    every = settings.every_minutes if every_minutes is None else every_minutes
    if not 5 <= every <= 10_080:
        raise FeedError(
            f"a feed is polled every 5 to 10080 minutes (a week), not {every}", "give a number of minutes in that range"
        )
    feed_url, parsed = asyncio.run(find_feed(url, app.config.fetch.policy(), fetch))
    chosen = " ".join((name or parsed.title or feed_url).split())[:80]
    if not chosen:
        raise FeedError("a feed's name cannot be empty", "give it a name")
    return state.add(corpus_key(app), url, feed_url, chosen, every, clock.now(), channel_id)


def unsubscribe(app: Newsbot, state: FeedState, wanted: str) -> Feed:
    """End a subscription; the articles it brought stay (remove them like any added article)."""
    feed = state.find(corpus_key(app), wanted)
    state.remove(feed)
    return feed


def pause(app: Newsbot, state: FeedState, wanted: str) -> Feed:
    feed = state.find(corpus_key(app), wanted)
    state.set_status(feed, "paused", "paused by a moderator")
    return feed


def resume(app: Newsbot, state: FeedState, wanted: str, *, clock: Clock = SystemClock()) -> Feed:
    """Poll a paused (or ended) feed again, from now, its failures forgiven."""
    feed = state.find(corpus_key(app), wanted)
    state.set_status(feed, "active", "", next_poll=clock.now())
    return feed


def feed_line(feed: Feed, now: float) -> str:
    """One line of `feed list`."""

    def ago(when: float | None) -> str:
        if when is None:
            return "never"
        seconds = now - when
        return _span(seconds) + " ago" if seconds >= 0 else "in " + _span(-seconds)

    if feed.status == "active":
        due = "due now" if feed.next_poll <= now else f"next poll in {_span(feed.next_poll - now)}"
    else:
        due = f"{feed.status}: {feed.reason}"
    failing = f", {feed.failures} failed poll{'s' * (feed.failures != 1)} ({feed.last_error})" if feed.failures else ""
    return (
        f"{feed.id}. {feed.name} <{feed.feed_url}> every {feed.every_minutes} min, last success {ago(feed.last_success)}, "
        f"{feed.articles} article{'s' * (feed.articles != 1)}, {due}{failing}"
    )


def _span(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
