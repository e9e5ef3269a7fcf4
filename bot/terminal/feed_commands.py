"""`newsbot feed ...`: subscribe the corpus to feeds, and poll them once (for cron users).

    newsbot feed add URL [--name NAME] [--every MINUTES]   a feed, or a site whose page names one
    newsbot feed list                                       each feed: last success, articles, next poll, failures
    newsbot feed remove FEED | pause FEED | resume FEED     FEED: its number, name or link
    newsbot feed poll [--now]                               one cycle: the feeds due (--now: all of them)

`newsbot run` polls by itself; these work on the same subscriptions (bot/feeds/).
"""

from __future__ import annotations

import argparse
import time
from contextlib import closing
from typing import TYPE_CHECKING

from ..core.service import Newsbot
from .commands import CommandTable, option

if TYPE_CHECKING:
    from ..feeds.state import FeedState

FEED_COMMANDS = CommandTable()

FEED_ARGUMENT = option("feed", metavar="FEED", help="the feed's number (`feed list`), name or link")

FEED_EXAMPLES = """\
examples:
  newsbot feed add https://www.example.com/rss.xml --name "Example News" --every 30
  newsbot feed add https://www.example.com          (the page's <link rel="alternate"> names the feed)"""

FEED_COMMANDS.group("feed", "subscribe feeds: their new articles are indexed as they come")


def feed_action(app: Newsbot, action: str, argument: str = "", **options) -> list[str]:
    """What `newsbot feed ACTION` and the REPL's `:feeds ACTION` do, as the lines they print."""
    from ..core.service import corpus_key
    from ..feeds import subscriptions
    from ..feeds.polling import poll_corpus

    with _state(app) as state:
        if action == "add":
            feed = subscriptions.subscribe(app, state, argument, options.get("name"), options.get("every"))
            return [
                f"Subscribed {feed.name} <{feed.feed_url}>, every {feed.every_minutes} min: its newest "
                f"{app.config.feeds.first_entries} entries are indexed at the next poll."
            ]
        if action == "list":
            feeds = state.feeds(corpus_key(app))
            now = time.time()
            return [subscriptions.feed_line(feed, now) for feed in feeds] or [
                "No feeds: subscribe one with feed add URL."
            ]
        if action == "remove":
            feed = subscriptions.unsubscribe(app, state, argument)
            count = f"its {feed.articles} article{'s' * (feed.articles != 1)} stay{'s' * (feed.articles == 1)}"
            return [f"Unsubscribed {feed.name}; {count} (remove one like any added article)."]
        if action == "pause":
            return [f"Paused {subscriptions.pause(app, state, argument).name}."]
        if action == "resume":
            return [f"Resumed {subscriptions.resume(app, state, argument).name}: it is polled at the next cycle."]
        if action == "poll":
            report = poll_corpus(app, state, force=options.get("now", False))
            lines = [report.summary() + "."]
            lines += [f"  {feed.name}: failed: {reason}" for feed, reason in report.failures]
            lines += [f"  {feed.name}: {reason}" for feed, reason in [*report.paused, *report.ended]]
            lines += [f"  {feed.name}: skipped {reason}" for feed, reason in report.skipped]
            lines += [f"  {feed.name}: {reason}" for feed, reason in report.fell_back]
            now, just_failed = time.time(), {feed.id for feed, _ in report.failures}
            lines += [  # what a poll "now" still waits for: a failing feed's backoff, a Retry-After
                f"  not polled, waiting out its failures: {subscriptions.feed_line(feed, now)}"
                for feed in state.feeds(corpus_key(app))
                if feed.status == "active" and feed.failures and feed.next_poll > now and feed.id not in just_failed
            ]
            return lines
    raise ValueError(f"no feed action {action!r}")


@FEED_COMMANDS.command(
    "feed add",
    "subscribe the corpus to a feed (RSS or Atom), or to the feed a site's page names",
    option("url", metavar="URL", help="the feed's link, or the site's"),
    option("--name", help="how citations and `feed list` name it (default: the feed's title)"),
    option(
        "--every",
        metavar="MINUTES",
        type=int,
        help="minutes between polls, at least 5 (default: [feeds] every_minutes)",
    ),
    epilog=FEED_EXAMPLES,
)
def cmd_feed_add(app: Newsbot, args: argparse.Namespace) -> int:
    return _print(feed_action(app, "add", args.url, name=args.name, every=args.every))


@FEED_COMMANDS.command("feed list", "the corpus's feeds: last success, articles, next poll, failures")
def cmd_feed_list(app: Newsbot, args: argparse.Namespace) -> int:
    return _print(feed_action(app, "list"))


@FEED_COMMANDS.command("feed remove", "end a subscription (the articles it brought stay)", FEED_ARGUMENT)
def cmd_feed_remove(app: Newsbot, args: argparse.Namespace) -> int:
    return _print(feed_action(app, "remove", args.feed))


@FEED_COMMANDS.command("feed pause", "stop polling a feed until it is resumed", FEED_ARGUMENT)
def cmd_feed_pause(app: Newsbot, args: argparse.Namespace) -> int:
    return _print(feed_action(app, "pause", args.feed))


@FEED_COMMANDS.command("feed resume", "poll a paused feed again, from now", FEED_ARGUMENT)
def cmd_feed_resume(app: Newsbot, args: argparse.Namespace) -> int:
    return _print(feed_action(app, "resume", args.feed))


@FEED_COMMANDS.command(
    "feed poll",
    "one poll cycle: fetch the feeds that are due and index their new articles as one version",
    option(
        "--now",
        action="store_true",
        help="poll every active feed now, due or not (a failing one waits out its backoff)",
    ),
)
def cmd_feed_poll(app: Newsbot, args: argparse.Namespace) -> int:
    lines = feed_action(app, "poll", now=args.now)
    _print(lines)
    return 1 if any(": failed: " in line for line in lines) else 0  # cron can tell a feed failed


def _print(lines: list[str]) -> int:
    for line in lines:
        print(line)
    return 0


def _state(app: Newsbot) -> closing[FeedState]:
    """The feeds' state for one command, closed after it."""
    from ..feeds.state import open_feed_state

    return closing(open_feed_state(app))
