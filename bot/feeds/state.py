"""What newsbot remembers of its feeds: the subscriptions, how each poll went, and every entry seen.

With the files backend this lives in the bot's SQLite state file (`[discord] data_dir`/bot.sqlite, the
file the bot keeps its answers in), so the CLI, the REPL and `newsbot run` see the same subscriptions;
with PostgreSQL it lives in the database every bot process shares (the bot's migration track, bot/core/state_migrations.py), so
exactly one process polls a feed: a poll begins by claiming the feed (`claim_due` moves its next poll
on in the same statement that reads it), and a second process finds nothing due.

Times are seconds since the epoch (UTC), as the polling clock gives them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from index import ConfigError

from ..core.errors import FeedError
from ..core.service import Newsbot
from ..core.state_migrations import STATE_FILE
from .parsing import normalised_link

FeedStatus = Literal["active", "paused", "ended"]

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corpus TEXT NOT NULL, url TEXT NOT NULL, feed_url TEXT NOT NULL, name TEXT NOT NULL,
    every_minutes INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'active', reason TEXT NOT NULL DEFAULT '',
    etag TEXT, last_modified TEXT, last_poll REAL, last_success REAL, next_poll REAL NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', articles INTEGER NOT NULL DEFAULT 0,
    channel_id INTEGER, created REAL NOT NULL, UNIQUE (corpus, feed_url)
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_id INTEGER NOT NULL, key TEXT NOT NULL, link TEXT, doc_id TEXT, seen REAL NOT NULL,
    PRIMARY KEY (feed_id, key)
);
CREATE INDEX IF NOT EXISTS feed_entries_by_link ON feed_entries (link);
"""

FEED_COLUMNS = (
    "id corpus url feed_url name every_minutes status reason etag last_modified last_poll last_success "
    "next_poll failures last_error articles channel_id created"
).split()


@dataclass(frozen=True)
class Feed:
    id: int
    corpus: str
    """The corpus it feeds: its index folder (files backend) or its corpus name (PostgreSQL)."""
    url: str
    """What the moderator gave: the feed, or the site whose page names it."""
    feed_url: str
    """The feed itself."""
    name: str
    every_minutes: int
    status: FeedStatus
    reason: str
    """Why it is paused or ended."""
    etag: str | None
    last_modified: str | None
    last_poll: float | None
    last_success: float | None
    next_poll: float
    failures: int
    """Failed polls in a row."""
    last_error: str
    articles: int
    """Articles it has brought into the index."""
    channel_id: int | None
    """Where newly indexed articles are announced, if anywhere."""
    created: float


@dataclass(frozen=True)
class SeenEntry:
    key: str
    link: str | None
    doc_id: str | None
    """The article it became, if it was indexed (None: seen and skipped, as the archive of a new feed is)."""


class FeedState:
    """Feed subscriptions and their entries in SQLite (the files backend)."""

    placeholder = "?"
    feeds_table, entries_table = "feeds", "feed_entries"

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.executescript(SQLITE_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise ConfigError(
                f"newsbot cannot keep its feeds in {path} ({reason})",
                "give [discord] data_dir a folder newsbot may write",
            ) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        sql = sql.format(feeds=self.feeds_table, entries=self.entries_table).replace("?", self.placeholder)
        with self._lock:
            return self._execute(sql, params)

    def _execute(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as error:
            raise FeedError(
                f"the feeds' state cannot be read or written ({error})", "check [discord] data_dir"
            ) from None

    def _unique_violation(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.IntegrityError)

    # subscriptions

    def add(
        self,
        corpus: str,
        url: str,
        feed_url: str,
        name: str,
        every_minutes: int,
        now: float,
        channel_id: int | None = None,
    ) -> Feed:
        subscribed = self.feeds(corpus)
        if any(f.feed_url == feed_url for f in subscribed):
            raise FeedError(f"{feed_url} is subscribed already", "`feed list` shows it")
        if any(f.name.casefold() == name.casefold() for f in subscribed):
            raise FeedError(f"a feed named {name!r} is subscribed already", "give the new one another name")
        try:
            self._run(
                "INSERT INTO {feeds} (corpus, url, feed_url, name, every_minutes, next_poll, channel_id, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (corpus, url, feed_url, name, every_minutes, now, channel_id, now),
            )
        except Exception as error:
            if self._unique_violation(error):
                raise FeedError(f"{feed_url} is subscribed already", "`feed list` shows it") from None
            raise
        return next(f for f in self.feeds(corpus) if f.feed_url == feed_url)

    def feeds(self, corpus: str | None = None) -> list[Feed]:
        """The subscriptions of a corpus (of every corpus with None), oldest first."""
        where, params = ("WHERE corpus = ?", (corpus,)) if corpus is not None else ("", ())
        rows = self._run(f"SELECT {', '.join(FEED_COLUMNS)} FROM {{feeds}} {where} ORDER BY id", params)
        return [_feed(row) for row in rows]

    def find(self, corpus: str, wanted: str) -> Feed:
        """The feed meant by its number, its name (any case) or its link."""
        feeds = self.feeds(corpus)
        wanted = wanted.strip()
        link = normalised_link(wanted) if "://" in wanted else None
        for matches in (  # its number first: a feed named "38" never stands for feed 38
            lambda f: str(f.id) == wanted,
            lambda f: f.name.casefold() == wanted.casefold(),
            lambda f: link is not None and link in (normalised_link(f.url), normalised_link(f.feed_url)),
        ):
            for feed in feeds:
                if matches(feed):
                    return feed
        listed = ", ".join(f"{f.id} ({f.name})" for f in feeds[:10]) or "none"
        raise FeedError(f"no feed {wanted!r} is subscribed here (feeds: {listed})", "give its number, name or link")

    def remove(self, feed: Feed) -> None:
        self._run("DELETE FROM {entries} WHERE feed_id = ?", (feed.id,))
        self._run("DELETE FROM {feeds} WHERE id = ?", (feed.id,))

    def set_status(self, feed: Feed, status: FeedStatus, reason: str, next_poll: float | None = None) -> None:
        if next_poll is None:
            self._run("UPDATE {feeds} SET status = ?, reason = ? WHERE id = ?", (status, reason, feed.id))
        else:
            self._run(
                "UPDATE {feeds} SET status = ?, reason = ?, failures = 0, next_poll = ? WHERE id = ?",
                (status, reason, next_poll, feed.id),
            )

    # polling

    def claim_due(
        self, corpus: str, due_by: float, lease_until: float, failing_due_by: float | None = None
    ) -> list[Feed]:
        """The active feeds of a corpus due by `due_by` (a failing one: by `failing_due_by`, so that polling
        "now" still waits out a backoff or a Retry-After), each put off until `lease_until` in the same
        statement, so that no other process polls them meanwhile; the poll then sets their next poll."""
        failing = due_by if failing_due_by is None else failing_due_by
        rows = self._run(
            "UPDATE {feeds} SET next_poll = ? WHERE corpus = ? AND status = 'active' "
            "AND next_poll <= (CASE WHEN failures > 0 THEN ? ELSE ? END) "
            f"RETURNING {', '.join(FEED_COLUMNS)}",
            (lease_until, corpus, failing, due_by),
        )
        return sorted((_feed(row) for row in rows), key=lambda f: f.id)

    def record_poll(self, feed: Feed, **changes: Any) -> None:
        """Set columns of a feed after a poll (next_poll, failures, etag, ...); `articles_added` adds."""
        added = changes.pop("articles_added", 0)
        unknown = set(changes) - set(FEED_COLUMNS)
        if unknown:
            raise ValueError(f"no such feed columns: {sorted(unknown)}")
        assignments = [f"{name} = ?" for name in changes] + ["articles = articles + ?"]
        self._run(f"UPDATE {{feeds}} SET {', '.join(assignments)} WHERE id = ?", (*changes.values(), added, feed.id))

    def seen(self, feed: Feed, keys: Iterable[str], links: Iterable[str]) -> tuple[set[str], set[str]]:
        """Of these entry keys, those the feed has seen; of these normalised links, those any feed of the
        corpus has (the same story in two feeds is indexed once)."""
        seen_keys = self._among("SELECT key FROM {entries} WHERE feed_id = ? AND key IN ({marks})", feed.id, keys)
        seen_links = self._among(
            "SELECT e.link FROM {entries} e JOIN {feeds} f ON f.id = e.feed_id WHERE f.corpus = ? AND e.link IN ({marks})",
            feed.corpus,
            links,
        )
        return seen_keys, seen_links

    def _among(self, sql: str, first: Any, values: Iterable[str], batch: int = 500) -> set[str]:
        """The values a query `... IN ({marks})` finds, asked in batches (a feed may list thousands)."""
        found: set[str] = set()
        values = list(values)
        for start in range(0, len(values), batch):
            part = values[start : start + batch]
            query = sql.replace("{marks}", ", ".join("?" * len(part)))
            found |= {row[0] for row in self._run(query, (first, *part))}
        return found

    def record_entries(self, feed: Feed, entries: Sequence[SeenEntry], now: float) -> None:
        for entry in entries:
            self._run(
                "INSERT INTO {entries} (feed_id, key, link, doc_id, seen) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (feed_id, key) DO NOTHING",
                (feed.id, entry.key, entry.link, entry.doc_id, now),
            )

    def indexed_entries(self, feed: Feed) -> list[SeenEntry]:
        rows = self._run(
            "SELECT key, link, doc_id FROM {entries} WHERE feed_id = ? AND doc_id IS NOT NULL ORDER BY seen", (feed.id,)
        )
        return [SeenEntry(*row) for row in rows]


class PostgresFeedState(FeedState):
    """The same in PostgreSQL, shared by every bot process ([store] backend = "postgres")."""

    placeholder = "%s"
    feeds_table, entries_table = "newsbot.feeds", "newsbot.feed_entries"

    def __init__(self, url: str) -> None:
        from index import connect_database

        from ..core.state_migrations import STATE_MIGRATIONS

        self._url = url
        self._db = connect_database(url, also_migrate=[STATE_MIGRATIONS])  # type: ignore[assignment]
        self._lock = threading.Lock()

    def _execute(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        import psycopg

        from index import DatabaseError

        try:
            cursor = self._db.execute(sql, tuple(params))
            return cursor.fetchall() if cursor.description else []
        except psycopg.errors.UniqueViolation:
            raise
        except psycopg.Error as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise DatabaseError(
                f"the feeds' state in the database failed: {reason}", "check that PostgreSQL is running and reachable"
            ) from None

    def _unique_violation(self, error: Exception) -> bool:
        import psycopg

        return isinstance(error, psycopg.errors.UniqueViolation)


def open_feed_state(app: Newsbot) -> FeedState:
    """The feeds' state where [store] says: the shared database, else the bot's SQLite state file."""
    if app.config.store.backend == "postgres":
        return PostgresFeedState(app.config.store.resolved_url())
    return FeedState(app.config.discord.data_dir / STATE_FILE)


def _feed(row: tuple) -> Feed:
    values = dict(zip(FEED_COLUMNS, row))
    values["id"] = int(values["id"])
    return Feed(**{f.name: values[f.name] for f in fields(Feed)})
