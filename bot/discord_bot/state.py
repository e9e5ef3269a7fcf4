"""The bot's own small state: answers behind buttons, feedback votes, reindex history, in SQLite
(`BotState`) or, when [store] backend is "postgres", in that database for every process (`PostgresBotState`).

User ids and names are never stored: a salted hash stands for a voter (the salt is made once per
data folder and kept in the same file), enough to count one vote per person and nothing more;
the reindex history records what changed and when, not who changed it; a gap (a question not answered,
or an answer voted down, for the moderators' /gaps) keeps the question and the closest article only. Answers behind buttons
are deleted after `keep_days` (their buttons then say the answer expired), and so are
conversations: the question each answer message (and each thread's last answer) answered, kept
under the message's or thread's id so that a reply or a mention in the thread can follow it up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from index import ConfigError, DatabaseError, connect_database

from ..core.config import corpus_name
from ..core.service import Newsbot
from ..core.state_migrations import STATE_MIGRATIONS

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, question TEXT NOT NULL, shown INTEGER NOT NULL, private INTEGER NOT NULL,
    passage_ids TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL, user_hash TEXT NOT NULL, vote INTEGER NOT NULL, question TEXT NOT NULL,
    passage_ids TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (answer_id, user_hash)
);
CREATE TABLE IF NOT EXISTS conversations (
    key INTEGER PRIMARY KEY, question TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gaps (
    corpus TEXT NOT NULL, question TEXT NOT NULL, closest TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gaps_by_corpus ON gaps (corpus, created_at);
CREATE TABLE IF NOT EXISTS reindexes (
    at TEXT NOT NULL, user_hash TEXT NOT NULL, user_name TEXT NOT NULL, summary TEXT NOT NULL,
    index_dir TEXT NOT NULL DEFAULT ''
);
"""


STATE_CONNECT_TIMEOUT = 3
"""Seconds to connect to the database for the bot's state: the member is told well before that."""
STATEMENT_TIMEOUT_MS = 2_000
"""No statement of the bot's state runs longer: each is one row or a count."""


@dataclass(frozen=True)
class StoredAnswer:
    id: str
    question: str
    shown: int
    private: bool
    passage_ids: list[str]
    follows: str | None = None
    """For a follow-up: what the question follows (searched with it)."""


@dataclass(frozen=True)
class GapRow:
    question: str
    closest: str
    reason: str
    """ "not answered" or "voted down"."""
    created_at: str


MAX_GAP_CHARS = 300
"""Characters of a question kept as a gap."""
MAX_GAPS = 2000
"""Gaps read at most for /gaps: the newest."""


@dataclass(frozen=True)
class Reindex:
    at: str
    summary: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class BotState:
    def __init__(self, path: Path, keep_days: int = 30) -> None:
        self.keep_days = keep_days
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(reindexes)")}
            if "index_dir" not in columns:  # a state file from before guilds could have corpora of their own
                self._db.execute("ALTER TABLE reindexes ADD COLUMN index_dir TEXT NOT NULL DEFAULT ''")
            # state files from before kept who reindexed: forget it
            self._db.execute(
                "UPDATE reindexes SET user_name = '', user_hash = '' WHERE user_name != '' OR user_hash != ''"
            )
            if "follows" not in {row[1] for row in self._db.execute("PRAGMA table_info(answers)")}:
                self._db.execute("ALTER TABLE answers ADD COLUMN follows TEXT")  # from before follow-ups
            self._db.execute("CREATE INDEX IF NOT EXISTS answers_by_age ON answers (created_at)")
            row = self._db.execute("SELECT value FROM settings WHERE key = 'salt'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO settings VALUES ('salt', ?)", (secrets.token_hex(16),))
                row = self._db.execute("SELECT value FROM settings WHERE key = 'salt'").fetchone()
        self._salt = row[0]
        self.forget_old_answers()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def user_hash(self, user_id: int) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:32]

    def _oldest_kept(self) -> str:
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.keep_days)
        return cutoff.isoformat(timespec="seconds")

    def forget_old_answers(self) -> int:
        """Delete the answers, conversations and gaps older than `keep_days`; returns how many answers went."""
        with self._lock:
            self._db.execute("DELETE FROM conversations WHERE created_at < ?", (self._oldest_kept(),))
            self._db.execute("DELETE FROM gaps WHERE created_at < ?", (self._oldest_kept(),))
            return self._db.execute("DELETE FROM answers WHERE created_at < ?", (self._oldest_kept(),)).rowcount

    def save_answer(
        self, question: str, shown: int, private: bool, passage_ids: list[str], follows: str | None = None
    ) -> str:
        answer_id = uuid.uuid4().hex[:16]
        with self._lock:
            self._db.execute("DELETE FROM answers WHERE created_at < ?", (self._oldest_kept(),))
            self._db.execute(
                "INSERT INTO answers (id, question, shown, private, passage_ids, created_at, follows) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (answer_id, question, shown, int(private), json.dumps(passage_ids), _now(), follows),
            )
        return answer_id

    def remember_conversation(self, keys: list[int], question: str) -> None:
        """What a follow-up to an answer follows: under the answer message's id, and the thread's."""
        with self._lock:
            for key in keys:
                self._db.execute(
                    "INSERT INTO conversations VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                    "question = excluded.question, created_at = excluded.created_at",
                    (key, question, _now()),
                )

    def conversation(self, key: int) -> str | None:
        """The question an answer message (or the last answer in a thread) answered, while it is kept."""
        with self._lock:
            row = self._db.execute(
                "SELECT question FROM conversations WHERE key = ? AND created_at >= ?", (key, self._oldest_kept())
            ).fetchone()
        return row[0] if row else None

    def update_answer(self, answer_id: str, shown: int, passage_ids: list[str]) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE answers SET shown = ?, passage_ids = ? WHERE id = ?",
                (shown, json.dumps(passage_ids), answer_id),
            )

    def answer(self, answer_id: str) -> StoredAnswer | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, question, shown, private, passage_ids, follows FROM answers "
                "WHERE id = ? AND created_at >= ?",
                (answer_id, self._oldest_kept()),
            ).fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], row[2], bool(row[3]), json.loads(row[4]), row[5])

    def vote(self, answer: StoredAnswer, user_id: int, vote: int) -> None:
        """Record (or change) one user's thumbs up (+1) or down (-1) on an answer."""
        with self._lock:
            self._db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id, user_hash) "
                "DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
                (answer.id, self.user_hash(user_id), vote, answer.question, json.dumps(answer.passage_ids), _now()),
            )

    def feedback_counts(self) -> tuple[int, int]:
        with self._lock:
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(vote > 0), 0), COALESCE(SUM(vote < 0), 0) FROM feedback"
            ).fetchone()
        return int(up), int(down)

    def feedback_rows(self) -> list[tuple]:
        with self._lock:
            return self._db.execute("SELECT answer_id, user_hash, vote, question, passage_ids FROM feedback").fetchall()

    def record_gap(self, corpus: str, question: str, closest: str, reason: str) -> None:
        """A question the articles could not answer (or whose answer was voted down): the question and the
        closest article's title, never who asked."""
        with self._lock:
            self._db.execute(
                "INSERT INTO gaps VALUES (?, ?, ?, ?, ?)", (corpus, question[:MAX_GAP_CHARS], closest, reason, _now())
            )

    def gaps(self, corpus: str) -> list[GapRow]:
        """The corpus's gaps still kept, newest first (MAX_GAPS at most)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question, closest, reason, created_at FROM gaps WHERE corpus = ? AND created_at >= ? "
                "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (corpus, self._oldest_kept(), MAX_GAPS),
            ).fetchall()
        return [GapRow(*row) for row in rows]

    def record_reindex(self, index_dir: Path, summary: str) -> None:
        """A change to the index in `index_dir` (guilds with a corpus of their own have their own); not who made it."""
        with self._lock:
            self._db.execute(
                "INSERT INTO reindexes (at, user_hash, user_name, summary, index_dir) VALUES (?, '', '', ?, ?)",
                (_now(), summary, str(index_dir.resolve())),
            )

    def last_reindex(self, index_dir: Path) -> Reindex | None:
        with self._lock:
            row = self._db.execute(
                "SELECT at, summary FROM reindexes WHERE index_dir IN (?, '') " "ORDER BY rowid DESC LIMIT 1",
                (str(index_dir.resolve()),),
            ).fetchone()
        return Reindex(*row) if row else None


class PostgresBotState:
    """The same state in PostgreSQL ([store] backend = "postgres"): every bot process reads and writes
    one copy, so a button pressed on an answer one process gave works in another, votes and the
    reindex history are counted once, and the cooldown holds across processes (`SharedCooldown`).
    Its tables were made by the index's migration 2 (index/stores/postgres/schema.py), released before the
    bot had a track of its own; every later change to them is a migration of `STATE_MIGRATIONS`."""

    def __init__(self, url: str, keep_days: int = 30) -> None:
        self.keep_days = keep_days
        self._url = url
        self._db = connect_database(url, also_migrate=[STATE_MIGRATIONS])  # later connections skip them
        self._lock = threading.Lock()
        self._run(
            "INSERT INTO newsbot.bot_settings VALUES ('salt', %s) ON CONFLICT DO NOTHING", (secrets.token_hex(16),)
        )
        self._salt = self._run("SELECT value FROM newsbot.bot_settings WHERE key = 'salt'").fetchone()[0]
        self.forget_old_answers()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def user_hash(self, user_id: int) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:32]

    def _oldest_kept(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) - dt.timedelta(days=self.keep_days)

    def _run(self, sql: str, params: tuple | dict = ()):
        """One statement on this thread's connection; a lost connection is made again and the statement
        tried once more (a restarted server), a failure told as DatabaseError."""
        import psycopg

        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._db.closed or self._db.broken:
                        self._db = connect_database(
                            self._url,
                            migrate=False,
                            timeout=STATE_CONNECT_TIMEOUT,
                            statement_timeout_ms=STATEMENT_TIMEOUT_MS,
                        )
                    return self._db.execute(sql, params)
                except psycopg.OperationalError as error:
                    if attempt == 1 and self._db.broken:
                        continue  # the server went away since the last call: connect again, once
                    failure: psycopg.Error = error
                except psycopg.Error as error:
                    failure = error
                reason = (str(failure).strip().splitlines() or [type(failure).__name__])[0]
                raise DatabaseError(
                    f"the bot's state in the database failed: {reason}",
                    "check that PostgreSQL is running and reachable",
                ) from None
        raise AssertionError("unreachable")

    def forget_old_answers(self) -> int:
        self._run("DELETE FROM newsbot.conversations WHERE created_at < %s", (self._oldest_kept(),))
        self._run("DELETE FROM newsbot.gaps WHERE created_at < %s", (self._oldest_kept(),))
        return self._run("DELETE FROM newsbot.answers WHERE created_at < %s", (self._oldest_kept(),)).rowcount

    def save_answer(
        self, question: str, shown: int, private: bool, passage_ids: list[str], follows: str | None = None
    ) -> str:
        answer_id = uuid.uuid4().hex[:16]
        self._run(
            "INSERT INTO newsbot.answers (id, question, shown, private, passage_ids, created_at, follows) "
            "VALUES (%s, %s, %s, %s, %s, now(), %s)",
            (answer_id, question, shown, private, json.dumps(passage_ids), follows),
        )
        return answer_id

    def remember_conversation(self, keys: list[int], question: str) -> None:
        for key in keys:
            self._run(
                "INSERT INTO newsbot.conversations VALUES (%s, %s, now()) ON CONFLICT (key) DO UPDATE SET "
                "question = excluded.question, created_at = excluded.created_at",
                (key, question),
            )

    def conversation(self, key: int) -> str | None:
        row = self._run(
            "SELECT question FROM newsbot.conversations WHERE key = %s AND created_at >= %s", (key, self._oldest_kept())
        ).fetchone()
        return row[0] if row else None

    def update_answer(self, answer_id: str, shown: int, passage_ids: list[str]) -> None:
        self._run(
            "UPDATE newsbot.answers SET shown = %s, passage_ids = %s WHERE id = %s",
            (shown, json.dumps(passage_ids), answer_id),
        )

    def answer(self, answer_id: str) -> StoredAnswer | None:
        row = self._run(
            "SELECT id, question, shown, private, passage_ids, follows FROM newsbot.answers "
            "WHERE id = %s AND created_at >= %s",
            (answer_id, self._oldest_kept()),
        ).fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], row[2], bool(row[3]), json.loads(row[4]), row[5])

    def vote(self, answer: StoredAnswer, user_id: int, vote: int) -> None:
        self._run(
            "INSERT INTO newsbot.feedback VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (answer_id, user_hash) "
            "DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
            (answer.id, self.user_hash(user_id), vote, answer.question, json.dumps(answer.passage_ids)),
        )

    def feedback_counts(self) -> tuple[int, int]:
        up, down = self._run(
            "SELECT count(*) FILTER (WHERE vote > 0), count(*) FILTER (WHERE vote < 0) " "FROM newsbot.feedback"
        ).fetchone()
        return int(up), int(down)

    def feedback_rows(self) -> list[tuple]:
        return self._run("SELECT answer_id, user_hash, vote, question, passage_ids FROM newsbot.feedback").fetchall()

    def record_gap(self, corpus: str, question: str, closest: str, reason: str) -> None:
        self._run(
            "INSERT INTO newsbot.gaps (corpus, question, closest, reason) VALUES (%s, %s, %s, %s)",
            (corpus, question[:MAX_GAP_CHARS], closest, reason),
        )

    def gaps(self, corpus: str) -> list[GapRow]:
        rows = self._run(
            "SELECT question, closest, reason, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
            "FROM newsbot.gaps WHERE corpus = %s AND created_at >= %s ORDER BY created_at DESC LIMIT %s",
            (corpus, self._oldest_kept(), MAX_GAPS),
        ).fetchall()
        return [GapRow(*row) for row in rows]

    def record_reindex(self, index_dir: Path, summary: str) -> None:
        """Under the corpus's name in the database, which every process shares whatever its paths."""
        self._run(
            "INSERT INTO newsbot.reindexes (at, summary, index_name) VALUES (now(), %s, %s)",
            (summary, corpus_name(index_dir)),
        )

    def last_reindex(self, index_dir: Path) -> Reindex | None:
        row = self._run(
            "SELECT at, summary FROM newsbot.reindexes WHERE index_name = %s ORDER BY id DESC LIMIT 1",
            (corpus_name(index_dir),),
        ).fetchone()
        return Reindex(row[0].isoformat(timespec="seconds"), row[1]) if row else None

    def cooldown(self, user_id: int, questions: int, seconds: float) -> float:
        """Count a question against the user's window (fixed, of `seconds`); 0 when it may be asked,
        else the seconds until the window ends. A refused question is not counted."""
        row = self._run(
            "INSERT INTO newsbot.cooldowns AS c VALUES (%(user)s, now() + make_interval(secs => %(seconds)s), 1) "
            "ON CONFLICT (user_hash) DO UPDATE SET "
            "questions = CASE WHEN c.window_ends <= now() THEN 1 ELSE least(c.questions + 1, %(limit)s + 1) END, "
            "window_ends = CASE WHEN c.window_ends <= now() THEN now() + make_interval(secs => %(seconds)s) "
            "ELSE c.window_ends END "
            "RETURNING questions, extract(epoch FROM window_ends - now())",
            {"user": self.user_hash(user_id), "seconds": seconds, "limit": questions},
        ).fetchone()
        return 0.0 if row[0] <= questions else max(float(row[1]), 0.001)


def open_state(app: Newsbot, sqlite_path: Path) -> BotState | PostgresBotState:
    """The bot's state where [store] says: the shared database with PostgreSQL, else SQLite at `sqlite_path`."""
    settings = app.config.discord
    if app.config.store.backend == "postgres":
        return PostgresBotState(app.config.store.resolved_url(), settings.answer_days)
    try:
        return BotState(sqlite_path, settings.answer_days)
    except (OSError, sqlite3.Error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigError(
            f"the bot cannot keep its state in {sqlite_path} ({reason})",
            "give [discord] data_dir a folder newsbot may write",
        ) from None
