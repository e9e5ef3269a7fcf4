"""One poll cycle of a corpus's feeds: fetch what is due, politely; keep each new entry as an added
article; index them all as one new version.

Politeness, as the feed readers that sites tolerate do it:

* a conditional GET (ETag, Last-Modified): a feed that has not changed costs a 304, no parsing and no
  indexing;
* the next poll comes after the feed's interval (at least 5 minutes), later if the server's
  Cache-Control max-age says the feed stays fresh longer, plus up to a tenth of the interval of
  jitter so that feeds added together drift apart;
* one request at a time per host, and at most `[feeds] parallel_requests` over every host;
* a failed poll waits twice as long as the last (up to a day), or as long as Retry-After asks; after
  `[feeds] max_failures` failures in a row the feed is paused and says why in `feed list` (and in the
  moderators' channel, when the bot has one); a 410 Gone ends the subscription.

Each new entry's page is fetched through the same guarded fetcher as `/add url:` (its address policy,
size and time limits), cleaned as an added article is, and saved with a sidecar (title, outlet: the
feed's name, link, date: the entry's, else the page's) under the added articles' folder, in a folder
per feed: `feeds/ID-NAME/`. So a rebuild, a backup, `/remove` and `/restore` treat them like any added
article. When the page cannot be had (or holds no article), the entry's own content is the article.

Everything new in a cycle goes into the index as one incremental change, under the index's build
lock, while answers go on from the version in use; only once it is in use are the entries recorded
as seen, so a cycle cut short (a crash, a busy index) indexes them at the next one, and never twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import html
import json
import logging
import random
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from index import Article, IndexBusyError, IndexMismatchError, IndexMissingError, NewsbotError, load_corpus_file

from ..core.config import FeedSettings
from ..core.corpus_admin import (
    SIDECAR_SUFFIX,
    added_file,
    article_id,
    corpus_folder,
    id_root,
    into_trash,
    undo_removal,
    word_pieces_at_least,
)
from ..core.errors import FeedError, FetchError
from ..core.fetch import FetchedFeed, FetchedPage, FetchPolicy, ServerRefused, fetch_feed, fetch_page
from ..core.file_names import safe_stem
from ..core.service import Newsbot, corpus_key
from .parsing import FeedEntry, is_feed, normalised_link, parse_feed
from .state import Feed, FeedState, SeenEntry

log = logging.getLogger(__name__)

FEEDS_FOLDER = "feeds"
"""Under the added articles' folder: a folder per feed."""
LEASE_SECONDS = 600.0
"""A claimed feed is not due again for this long, unless its poll sets its next poll sooner."""
LONGEST_BACKOFF = 24 * 3600.0
LONGEST_RETRY_AFTER = 7 * 24 * 3600.0
LONGEST_MAX_AGE = 24 * 3600.0
JITTER_SHARE = 0.1
MAX_FEED_ARTICLE_PASSAGES = 1000
"""A feed's article may make at most this many passages, as one added from Discord may: a page of 5 MB
of words would hold every other feed's articles back while it is embedded."""
RETRY = Path("retry")
"""What `_article_file` gives for an entry to try again at the next poll."""
BUSY_RETRY_SECONDS = 60.0
"""When the index is being built by someone else, the cycle's feeds are polled again this soon."""

FetchFeed = Callable[..., Awaitable[FetchedFeed]]
FetchPage = Callable[[str, FetchPolicy], Awaitable[FetchedPage]]


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


@dataclass
class FeedPoll:
    """How one feed's poll went."""

    feed: Feed
    not_modified: bool = False
    new: list[tuple[FeedEntry, Path | None]] = field(default_factory=list)
    """New entries, each with the article file written for it (None: skipped, nothing to index)."""
    archive: list[FeedEntry] = field(default_factory=list)
    """Entries marked seen and never indexed: a first poll's older ones, those older than `keep_days`, and
    those whose link is indexed already (from another feed, or before this subscription)."""
    retry: list[FeedEntry] = field(default_factory=list)
    """Entries whose page could not be fetched and that hold no text of their own: left unseen, tried again."""
    backlog: bool = False
    """Entries are left for the next poll: it fetches the feed whole (no ETag), not a 304."""
    error: NewsbotError | None = None
    skipped: list[str] = field(default_factory=list)
    """Entries that gave no article, and why."""
    fell_back: list[str] = field(default_factory=list)
    """Entries whose page could not be fetched, indexed from their own text (a summary, often), and why."""
    written: list[Path] = field(default_factory=list)
    """Files this poll wrote (taken back if the cycle cannot index them)."""
    read: dict[Path, Article] = field(default_factory=dict)
    """The articles of the files it wrote, as read when they were checked (not read again to index them)."""
    max_age: float | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class CycleReport:
    corpus: str
    polled: int = 0
    not_modified: int = 0
    added: list[Article] = field(default_factory=list)
    """Articles this cycle put into the index."""
    indexed: list[Article] = field(default_factory=list)
    """Every article of the cycle's new entries now in the index (with those a cycle cut short had put there)."""
    aged_out: list[str] = field(default_factory=list)
    failures: list[tuple[Feed, str]] = field(default_factory=list)
    skipped: list[tuple[Feed, str]] = field(default_factory=list)
    """Entries that gave no article (or are tried again), and why."""
    fell_back: list[tuple[Feed, str]] = field(default_factory=list)
    """Entries indexed from their own text because their page could not be fetched, and why."""
    paused: list[tuple[Feed, str]] = field(default_factory=list)
    """Feeds paused in this cycle for failing too often, and why: the moderators are told."""
    ended: list[tuple[Feed, str]] = field(default_factory=list)
    announcements: list[tuple[int, list[Article]]] = field(default_factory=list)
    """(channel id, newly indexed articles to post there), per feed that names a channel."""
    version: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{self.polled} feed{'s' * (self.polled != 1)} polled"]
        if self.not_modified:
            parts.append(f"{self.not_modified} unchanged")
        parts.append(f"{len(self.added)} article{'s' * (len(self.added) != 1)} indexed")
        if self.aged_out:
            parts.append(f"{len(self.aged_out)} aged out")
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        text = ", ".join(parts)
        if self.version:
            text += f" (index version {self.version})"
        return text


# polling


def poll_corpus(
    app: Newsbot,
    state: FeedState,
    *,
    clock: Clock = SystemClock(),
    fetch_feed_with: FetchFeed = fetch_feed,
    fetch_page_with: FetchPage = fetch_page,
    rng: random.Random | None = None,
    force: bool = False,
) -> CycleReport:
    """One poll cycle of the app's corpus (blocking: the bot runs it in a worker thread). `force` polls
    every active feed now, due or not (`newsbot feed poll`)."""
    started = time.perf_counter()
    corpus = corpus_key(app)
    now = clock.now()
    report = CycleReport(corpus)
    feeds = state.claim_due(corpus, float("inf") if force else now, now + LEASE_SECONDS, failing_due_by=now)
    report.polled = len(feeds)
    if not feeds and not app.config.feeds.keep_days:
        return report
    polls = asyncio.run(_poll_all(app, state, feeds, now, fetch_feed_with, fetch_page_with)) if feeds else []
    chance = rng or random.Random()
    settings = app.config.feeds
    try:
        _index_new(app, state, polls, report, now)
    except IndexBusyError:
        for poll in polls:  # nothing was recorded: the next cycle takes the same entries again
            state.record_poll(poll.feed, next_poll=now + BUSY_RETRY_SECONDS)
        _discard(polls)
        raise
    except BaseException:
        _discard(polls)
        for poll in polls:
            state.record_poll(poll.feed, next_poll=now + BUSY_RETRY_SECONDS)
        raise
    for poll in polls:
        _record(state, poll, settings, now, chance, report)
    report.seconds = time.perf_counter() - started
    return report


async def _poll_all(
    app: Newsbot,
    state: FeedState,
    feeds: Sequence[Feed],
    now: float,
    fetch_feed_with: FetchFeed,
    fetch_page_with: FetchPage,
) -> list[FeedPoll]:
    settings = app.config.feeds
    policy = app.config.fetch.policy()
    limit = asyncio.Semaphore(settings.parallel_requests)
    hosts: dict[str, asyncio.Lock] = {}
    scratch = Path(tempfile.mkdtemp(prefix="newsbot-feeds-"))
    claimed: set[str] = set()  # normalised links a feed took in this cycle
    indexed = await asyncio.to_thread(_indexed_links, app)

    async def polite(url: str, request: Callable[[], Awaitable]):
        from yarl import URL

        host = (URL(url).host or "").lower()
        async with hosts.setdefault(host, asyncio.Lock()), limit:
            return await request()

    async def one(feed: Feed) -> FeedPoll:
        poll = FeedPoll(feed)
        try:
            fetched = await polite(
                feed.feed_url,
                lambda: fetch_feed_with(feed.feed_url, policy, etag=feed.etag, last_modified=feed.last_modified),
            )
            poll.max_age, poll.etag, poll.last_modified = fetched.max_age, fetched.etag, fetched.last_modified
            if fetched.status == 304:
                poll.not_modified = True
                return poll
            if not is_feed(fetched.body) and fetched.media_type in ("text/html", "application/xhtml+xml"):
                raise FeedError(
                    f"{feed.feed_url} now answers with a web page, not a feed",
                    "check the feed's link in a browser; remove the feed or subscribe its new link",
                )
            parsed = await asyncio.to_thread(parse_feed, fetched.body, fetched.url)
            await _take_new(
                app, state, poll, parsed, settings, scratch, polite, policy, fetch_page_with, claimed, indexed
            )
        except (FetchError, FeedError) as error:
            poll.error = error
        return poll

    try:
        return list(await asyncio.gather(*(one(feed) for feed in feeds)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


async def _take_new(
    app, state, poll, parsed, settings, scratch, polite, policy, fetch_page_with, claimed, indexed
) -> None:
    feed = poll.feed
    links = {e.key: normalised_link(e.link) for e in parsed.entries if e.link}
    seen_keys, seen_links = await asyncio.to_thread(state.seen, feed, [e.key for e in parsed.entries], links.values())
    unseen = [e for e in parsed.entries if e.key not in seen_keys]
    known = seen_links | indexed  # another feed's, or indexed before this subscription: never a second copy
    poll.archive = [e for e in unseen if links.get(e.key) in known]
    fresh = [e for e in unseen if links.get(e.key) not in known and links.get(e.key) not in claimed]
    if settings.keep_days:  # what would age out at once is not fetched at all
        oldest = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.keep_days)
        poll.archive += [e for e in fresh if e.published is not None and e.published < oldest]
        fresh = [e for e in fresh if e.published is None or e.published >= oldest]
    if feed.last_success is None and not seen_keys:  # a first poll: the newest only, not the archive
        fresh, poll.archive = fresh[: settings.first_entries], poll.archive + fresh[settings.first_entries :]
    poll.backlog = len(fresh) > settings.entries_per_poll
    fresh = fresh[: settings.entries_per_poll]  # the rest stay unseen: the next poll takes them
    claimed.update(links[e.key] for e in fresh if e.key in links)  # another feed of this cycle skips the same link
    folder = feed_folder(app, feed)
    for entry in fresh:
        path = await _article_file(app, feed, entry, folder, scratch, polite, policy, fetch_page_with, poll)
        if path is RETRY:
            poll.retry.append(entry)
            poll.backlog = True
        else:
            poll.new.append((entry, path))


def _indexed_links(app: Newsbot) -> frozenset[str]:
    """The normalised links of the articles in the index."""
    try:
        articles = app.current_index().articles
    except (IndexMissingError, IndexMismatchError):
        return frozenset()
    return frozenset(normalised_link(meta.url) for meta in articles.values() if meta.url)


def feed_folder(app: Newsbot, feed: Feed) -> Path:
    return corpus_folder(app) / FEEDS_FOLDER / f"{feed.id}-{safe_stem(feed.name)[:40] or 'feed'}"


async def _article_file(app, feed, entry, folder, scratch, polite, policy, fetch_page_with, poll) -> Path | None:
    """The entry's article, written into the feed's folder (not yet indexed); None when it has none."""
    most_pieces = MAX_FEED_ARTICLE_PASSAGES * app.config.index.chunk_tokens
    stamp = (entry.published or dt.datetime.now(dt.UTC)).strftime("%Y%m%d")
    digest = hashlib.sha256(entry.key.encode()).hexdigest()[:8]
    stem = f"{stamp}-{safe_stem(entry.title or entry.link or 'entry')[:60] or 'entry'}-{digest}"
    candidates: list[tuple[str, bytes]] = []
    page_problem: str | None = None
    too_long = False
    if entry.link:
        try:
            page = await polite(entry.link, lambda: fetch_page_with(entry.link, policy))
            candidates.append((page.suffix, page.text.encode("utf-8")))
        except FetchError as error:  # named with the page's link, once
            page_problem = error.problem if entry.link in error.problem else f"{entry.link}: {error.problem}"
    if entry.content.strip():
        title = html.escape(entry.title or "")
        body = f"<html><head><title>{title}</title></head><body><article>{entry.content}</article></body></html>"
        candidates.append((".html", body.encode("utf-8")))
    date = entry.published.date().isoformat() if entry.published else None
    sidecar = _sidecar(entry.title, feed.name, entry.link, date)
    for suffix, data in candidates:
        trial = scratch / f"{stem}{suffix}"
        trial.write_bytes(data)
        (scratch / f"{stem}{SIDECAR_SUFFIX}").write_text(sidecar, encoding="utf-8")
        loaded = await asyncio.to_thread(load_corpus_file, trial, scratch)
        trial.unlink()
        if loaded.articles and word_pieces_at_least(loaded.articles[0].text) > most_pieces:
            poll.skipped.append(
                f"{entry.link or entry.title}: longer than an article may be (over {most_pieces:,} word pieces)"
            )
            too_long = True
            continue
        if loaded.articles and not loaded.warnings and len(loaded.articles[0].text) >= 40:
            if page_problem:  # told, though not skipped: the entry's text stands in for its page
                poll.fell_back.append(f"{page_problem}; the entry's own text was indexed instead")
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{stem}{suffix}"
            if target.exists():
                return target  # written by a cycle cut short before it recorded the entry: indexed if it is not
            target.write_bytes(data)
            (folder / f"{stem}{SIDECAR_SUFFIX}").write_text(sidecar, encoding="utf-8")
            poll.written.append(target)
            # the same file and sidecar, read already: only its id and path differ from a read of the folder
            meta = dataclasses.replace(loaded.articles[0].meta, doc_id=article_id(app, target), source_path=str(target))
            poll.read[target] = Article(meta, loaded.articles[0].text)
            return target
    if page_problem and not entry.content.strip():
        poll.skipped.append(f"{page_problem}; tried again at the next poll")
        return RETRY  # the page may come back: the entry stays unseen, and is tried at the next poll
    if too_long:
        return None  # said above
    if page_problem:  # one line an entry: the page's failure, and that its own text is no article either
        poll.skipped.append(f"{page_problem}; the entry's own text is no article")
        return None
    poll.skipped.append(f"{entry.link or entry.title or entry.key}: no article text in the page or the entry")
    return None


def _sidecar(title: str, outlet: str, link: str | None, date: str | None) -> str:
    lines = [
        f"{key} = {json.dumps(value)}"
        for key, value in (("title", title), ("outlet", outlet), ("url", link), ("date", date))
        if value
    ]
    return "\n".join(lines) + "\n"


def _index_new(app: Newsbot, state: FeedState, polls: list[FeedPoll], report: CycleReport, now: float) -> None:
    """Index every new article of the cycle (and age old ones out) as one version, under the build lock."""
    files = [path for poll in polls for _, path in poll.new if path is not None]
    if not files and not (app.config.feeds.keep_days and _aged_out(app, now)):
        return  # nothing to change: no lock, no model
    with app.writing() as lock:
        root = id_root(app)
        read = {path: article for poll in polls for path, article in poll.read.items()}
        articles: list[Article] = []
        for path in files:  # a file an earlier cycle wrote (and was cut short) is read from the folder
            articles.extend([read[path]] if path in read else load_corpus_file(path, root).articles)
        aged = _aged_out(app, now) if app.config.feeds.keep_days else []
        try:
            known = set(app.index.articles)
        except (IndexMissingError, IndexMismatchError):
            known = set()
        adding = [a for a in articles if a.meta.doc_id not in known]
        if not adding and not aged:
            report.indexed = articles  # every one was indexed by a cycle cut short before it recorded them
            return
        trashed: list[tuple[Path, list[Path]]] = []
        for doc_id in aged:
            aged_file = added_file(app, doc_id)
            if aged_file is not None:
                trashed.append(into_trash(app, aged_file, doc_id, app.index.articles[doc_id].title))
        try:
            built = app.update(add=adding, remove=aged, lock=lock)
        except BaseException:
            folder = corpus_folder(app)
            for removal, moved in trashed:  # the aged articles stay where they were
                undo_removal(moved, removal, folder)
            raise
    report.added, report.indexed, report.aged_out, report.version = adding, articles, aged, built.version_name
    by_path = {a.meta.source_path: a for a in adding}
    for poll in polls:
        indexed = [by_path[str(path)] for _, path in poll.new if path is not None and str(path) in by_path]
        if poll.feed.channel_id and indexed and app.config.feeds.announce_max:
            report.announcements.append((poll.feed.channel_id, indexed[: app.config.feeds.announce_max]))


def _aged_out(app: Newsbot, now: float) -> list[str]:
    """Feed articles dated (or, undated, saved) more than `keep_days` ago."""
    cutoff = dt.datetime.fromtimestamp(now, dt.UTC) - dt.timedelta(days=app.config.feeds.keep_days)
    try:
        articles = app.index.articles
    except (IndexMissingError, IndexMismatchError):
        return []
    prefix = article_id(app, corpus_folder(app) / FEEDS_FOLDER / "x").rsplit("/", 1)[0] + "/"
    aged = []
    for doc_id, meta in articles.items():
        if not doc_id.startswith(prefix):
            continue
        when = meta.date
        if when is None:
            path = added_file(app, doc_id)
            when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date() if path else None
        if when is not None and when < cutoff.date():
            aged.append(doc_id)
    return aged


def _feed_file(app: Newsbot, doc_id: str) -> Path | None:
    return added_file(app, doc_id)


def _discard(polls: list[FeedPoll]) -> None:
    """Take back the files a cycle wrote and did not index."""
    for poll in polls:
        for path in poll.written:
            path.unlink(missing_ok=True)
            path.with_name(path.stem + SIDECAR_SUFFIX).unlink(missing_ok=True)


def _record(
    state: FeedState, poll: FeedPoll, settings: FeedSettings, now: float, chance: random.Random, report: CycleReport
) -> None:
    feed = poll.feed
    interval = feed.every_minutes * 60.0
    if poll.error is None:
        entries = [SeenEntry(e.key, normalised_link(e.link) if e.link else None, None) for e in poll.archive]
        indexed = {a.meta.source_path: a.meta.doc_id for a in report.indexed}
        entries += [
            SeenEntry(e.key, normalised_link(e.link) if e.link else None, indexed.get(str(path)) if path else None)
            for e, path in poll.new
        ]
        state.record_entries(feed, entries, now)
        report.skipped.extend((feed, reason) for reason in poll.skipped)
        report.fell_back.extend((feed, reason) for reason in poll.fell_back)
        wait = max(interval, min(poll.max_age or 0.0, LONGEST_MAX_AGE))
        report.not_modified += poll.not_modified
        state.record_poll(
            feed,
            next_poll=now + wait + chance.uniform(0, JITTER_SHARE * interval),
            last_poll=now,
            last_success=now,
            failures=0,
            last_error="",
            # entries left for later: the next poll must see the feed whole, not a 304
            etag=None if poll.backlog else poll.etag if not poll.not_modified else (poll.etag or feed.etag),
            last_modified=None
            if poll.backlog
            else poll.last_modified
            if not poll.not_modified
            else (poll.last_modified or feed.last_modified),
            articles_added=sum(1 for _, path in poll.new if path is not None and str(path) in indexed),
        )
        return
    error = poll.error
    message = str(error)
    report.failures.append((feed, message))
    if isinstance(error, ServerRefused) and error.status == 410:
        reason = f"the feed is gone (HTTP 410 Gone), so the subscription ended: {feed.feed_url}"
        state.set_status(feed, "ended", reason)
        state.record_poll(feed, last_poll=now, last_error=message)
        report.ended.append((feed, reason))
        return
    failures = feed.failures + 1
    wait = min(interval * 2**failures, LONGEST_BACKOFF)
    if isinstance(error, ServerRefused) and error.retry_after is not None:
        wait = max(wait, min(error.retry_after, LONGEST_RETRY_AFTER))
    state.record_poll(feed, next_poll=now + wait, last_poll=now, failures=failures, last_error=message)
    if failures >= settings.max_failures:
        reason = f"paused after {failures} failed polls in a row; the last: {message}"
        state.set_status(feed, "paused", reason)
        report.paused.append((feed, reason))
