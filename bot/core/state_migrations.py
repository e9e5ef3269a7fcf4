"""Where the bot's own state lives, and its migration track in PostgreSQL (its tables besides the index's).

With the files backend the state is one SQLite file, STATE_FILE in `[discord] data_dir`; with PostgreSQL
it is in the database every process shares.

The index's migration 2 made the bot's first tables (answers, votes, conversations) before the bot had a
track of its own: released, it stays on the index's track. Every later change to the bot's tables is a
migration here, at the end, applied once by the first process that starts, under its own advisory lock
and recorded in newsbot.bot_migrations. A released migration is never edited.
"""

from __future__ import annotations

from index import MigrationTrack

STATE_FILE = "bot.sqlite"
"""The bot's SQLite state in [discord] data_dir: answers behind buttons, votes, feeds."""

FEEDS = """
CREATE TABLE newsbot.feeds (
    id BIGSERIAL PRIMARY KEY,
    corpus TEXT NOT NULL, url TEXT NOT NULL, feed_url TEXT NOT NULL, name TEXT NOT NULL,
    every_minutes INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'active', reason TEXT NOT NULL DEFAULT '',
    etag TEXT, last_modified TEXT, last_poll DOUBLE PRECISION, last_success DOUBLE PRECISION,
    next_poll DOUBLE PRECISION NOT NULL, failures INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    articles INTEGER NOT NULL DEFAULT 0, channel_id BIGINT, created DOUBLE PRECISION NOT NULL,
    UNIQUE (corpus, feed_url)
);
CREATE TABLE newsbot.feed_entries (
    feed_id BIGINT NOT NULL REFERENCES newsbot.feeds (id) ON DELETE CASCADE, key TEXT NOT NULL, link TEXT,
    doc_id TEXT, seen DOUBLE PRECISION NOT NULL, PRIMARY KEY (feed_id, key)
);
CREATE INDEX feed_entries_by_link ON newsbot.feed_entries (link);
"""
"""1: feed subscriptions and the entries seen (bot/feeds/state.py)."""

GAPS = """
CREATE TABLE newsbot.gaps (
    corpus TEXT NOT NULL, question TEXT NOT NULL, closest TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX gaps_by_corpus ON newsbot.gaps (corpus, created_at);
"""
"""2: what members asked that the articles could not answer (bot/core/gaps.py), never who asked."""

STATE_MIGRATIONS = MigrationTrack("the bot's state schema", "bot_migrations", (FEEDS, GAPS), 0x6E657762)
