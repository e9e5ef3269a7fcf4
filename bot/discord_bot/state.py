"""The bot's own small state in SQLite: answers behind buttons, feedback votes, reindex history.

User ids and names are never stored: a salted hash stands for a voter (the salt is made once per
data folder and kept in the same file), enough to count one vote per person and nothing more;
the reindex history records what changed and when, not who changed it. Answers behind buttons
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
CREATE TABLE IF NOT EXISTS reindexes (
    at TEXT NOT NULL, user_hash TEXT NOT NULL, user_name TEXT NOT NULL, summary TEXT NOT NULL,
    index_dir TEXT NOT NULL DEFAULT ''
);
"""


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
            self._db.execute("UPDATE reindexes SET user_name = '', user_hash = '' WHERE user_name != '' OR user_hash != ''")
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
        self._db.close()

    def user_hash(self, user_id: int) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:32]

    def _oldest_kept(self) -> str:
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.keep_days)
        return cutoff.isoformat(timespec="seconds")

    def forget_old_answers(self) -> int:
        """Delete the answers and conversations older than `keep_days`; returns how many answers went."""
        with self._lock:
            self._db.execute("DELETE FROM conversations WHERE created_at < ?", (self._oldest_kept(),))
            return self._db.execute("DELETE FROM answers WHERE created_at < ?", (self._oldest_kept(),)).rowcount

    def save_answer(self, question: str, shown: int, private: bool, passage_ids: list[str],
                    follows: str | None = None) -> str:
        answer_id = uuid.uuid4().hex[:16]
        with self._lock:
            self._db.execute("DELETE FROM answers WHERE created_at < ?", (self._oldest_kept(),))
            self._db.execute("INSERT INTO answers (id, question, shown, private, passage_ids, created_at, follows) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (answer_id, question, shown, int(private), json.dumps(passage_ids), _now(), follows))
        return answer_id

    def remember_conversation(self, keys: list[int], question: str) -> None:
        """What a follow-up to an answer follows: under the answer message's id, and the thread's."""
        with self._lock:
            for key in keys:
                self._db.execute("INSERT INTO conversations VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                                 "question = excluded.question, created_at = excluded.created_at", (key, question, _now()))

    def conversation(self, key: int) -> str | None:
        """The question an answer message (or the last answer in a thread) answered, while it is kept."""
        with self._lock:
            row = self._db.execute("SELECT question FROM conversations WHERE key = ? AND created_at >= ?",
                                   (key, self._oldest_kept())).fetchone()
        return row[0] if row else None

    def update_answer(self, answer_id: str, shown: int, passage_ids: list[str]) -> None:
        with self._lock:
            self._db.execute("UPDATE answers SET shown = ?, passage_ids = ? WHERE id = ?",
                             (shown, json.dumps(passage_ids), answer_id))

    def answer(self, answer_id: str) -> StoredAnswer | None:
        with self._lock:
            row = self._db.execute("SELECT id, question, shown, private, passage_ids, follows FROM answers "
                                   "WHERE id = ? AND created_at >= ?", (answer_id, self._oldest_kept())).fetchone()
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

    def record_reindex(self, index_dir: Path, summary: str) -> None:
        """A change to the index in `index_dir` (guilds with a corpus of their own have their own); not who made it."""
        with self._lock:
            self._db.execute("INSERT INTO reindexes (at, user_hash, user_name, summary, index_dir) VALUES (?, '', '', ?, ?)",
                             (_now(), summary, str(index_dir.resolve())))

    def last_reindex(self, index_dir: Path) -> Reindex | None:
        with self._lock:
            row = self._db.execute("SELECT at, summary FROM reindexes WHERE index_dir IN (?, '') "
                                   "ORDER BY rowid DESC LIMIT 1", (str(index_dir.resolve()),)).fetchone()
        return Reindex(*row) if row else None
