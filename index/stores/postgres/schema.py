"""Connecting to PostgreSQL, and the project's schema as numbered migrations.

Every table lives in the `newsbot` schema, so a database shared with other applications keeps
them apart. `connect` applies the migrations a database lacks, in order, in one
transaction, under an advisory lock (two processes starting at once apply each migration once),
and records them in `newsbot.migrations`. A migration is never edited once released: a change is
a new one at the end of the list.

psycopg and pgvector are imported here, when a PostgreSQL store is first used: the embedded
default never loads them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import DatabaseError

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6E657773  # "news": the advisory lock key migrations are applied under
LOCK_PATIENCE_MS = 3000
"""How long migrations wait for a lock before saying that they wait (then they wait on, as long as it takes)."""

MIGRATIONS: list[str] = [
    # 1: the index. A version is a number per corpus; an article or a passage belongs to the versions
    # from `added_in` up to, not including, `removed_in` (NULL: still in use). The version in use is
    # always the newest (a rollback drops the versions after the one it returns to), so the rows
    # in use are exactly those with `removed_in IS NULL`.
    """
    CREATE SCHEMA IF NOT EXISTS newsbot;
    CREATE TABLE newsbot.corpora (
        name text PRIMARY KEY,
        current integer
    );
    CREATE TABLE newsbot.versions (
        corpus text NOT NULL REFERENCES newsbot.corpora ON DELETE CASCADE,
        number integer NOT NULL,
        name text NOT NULL,
        manifest jsonb NOT NULL,
        words jsonb NOT NULL,
        passages bigint NOT NULL,
        total_terms double precision NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (corpus, number)
    );
    CREATE TABLE newsbot.articles (
        corpus text NOT NULL,
        doc_id text NOT NULL,
        added_in integer NOT NULL,
        removed_in integer,
        digest text NOT NULL,
        meta jsonb NOT NULL,
        record text NOT NULL,
        first_passage bigint NOT NULL,
        passages integer NOT NULL,
        PRIMARY KEY (corpus, doc_id, added_in)
    );
    CREATE INDEX articles_in_use ON newsbot.articles (corpus, first_passage) WHERE removed_in IS NULL;
    CREATE SEQUENCE newsbot.passage_ids;
    CREATE TABLE newsbot.passages (
        id bigint PRIMARY KEY,
        corpus text NOT NULL,
        doc_id text NOT NULL,
        added_in integer NOT NULL,
        removed_in integer,
        chunk text NOT NULL,
        embedding vector NOT NULL
    );
    CREATE INDEX passages_by_corpus ON newsbot.passages (corpus, removed_in, added_in);
    CREATE INDEX passages_removed ON newsbot.passages (corpus, id) WHERE removed_in IS NOT NULL;
    -- A passage's stemmed words, with what BM25 needs beside them (its length), so that scoring reads
    -- this index alone; the few passages kept only for rollback are left out through passages_removed.
    CREATE TABLE newsbot.postings (
        corpus text NOT NULL,
        term text NOT NULL,
        passage_id bigint NOT NULL,  -- no foreign key: checking one per row halved the insert rate
        tf real NOT NULL,
        length real NOT NULL,
        PRIMARY KEY (corpus, term, passage_id) INCLUDE (tf, length)
    );
    CREATE INDEX postings_by_passage ON newsbot.postings (passage_id);
    CREATE TABLE newsbot.term_df (
        corpus text NOT NULL,
        term text NOT NULL,
        df integer NOT NULL,
        PRIMARY KEY (corpus, term)
    );
    """,
    # 2: the Discord bot's own state, shared by every bot process (bot/discord_bot/state.py).
    """
    CREATE TABLE newsbot.bot_settings (key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE newsbot.answers (
        id text PRIMARY KEY, question text NOT NULL, shown integer NOT NULL, private boolean NOT NULL,
        passage_ids text NOT NULL, created_at timestamptz NOT NULL, follows text
    );
    CREATE INDEX answers_by_age ON newsbot.answers (created_at);
    CREATE TABLE newsbot.feedback (
        answer_id text NOT NULL, user_hash text NOT NULL, vote integer NOT NULL, question text NOT NULL,
        passage_ids text NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (answer_id, user_hash)
    );
    CREATE TABLE newsbot.conversations (key bigint PRIMARY KEY, question text NOT NULL, created_at timestamptz NOT NULL);
    CREATE TABLE newsbot.reindexes (
        id bigserial PRIMARY KEY, at timestamptz NOT NULL, summary text NOT NULL, index_name text NOT NULL
    );
    CREATE TABLE newsbot.cooldowns (
        user_hash text PRIMARY KEY, window_ends timestamptz NOT NULL, questions integer NOT NULL
    );
    """,
    # 3: the postings, one partition per corpus (named postings_ and the first 16 hex digits of the md5
    # of its name), so that a corpus's first version loads its postings into
    # a table without indexes and builds them after, in bulk, and dropping a corpus drops a table.
    # The rows of corpora already stored are moved into their partitions (once: minutes at millions).
    """
    ALTER TABLE newsbot.postings RENAME TO postings_unpartitioned;
    ALTER INDEX newsbot.postings_pkey RENAME TO postings_unpartitioned_pkey;
    ALTER INDEX newsbot.postings_by_passage RENAME TO postings_unpartitioned_by_passage;
    CREATE TABLE newsbot.postings (
        corpus text NOT NULL,
        term text NOT NULL,
        passage_id bigint NOT NULL,
        tf real NOT NULL,
        length real NOT NULL,
        PRIMARY KEY (corpus, term, passage_id) INCLUDE (tf, length)
    ) PARTITION BY LIST (corpus);
    CREATE INDEX postings_by_passage ON newsbot.postings (passage_id);
    DO $$
    DECLARE name text;
    BEGIN
        FOR name IN SELECT DISTINCT corpus FROM newsbot.postings_unpartitioned UNION SELECT c.name FROM newsbot.corpora c
        LOOP
            EXECUTE format('CREATE TABLE newsbot.%I PARTITION OF newsbot.postings FOR VALUES IN (%L)',
                           'postings_' || substr(md5(name), 1, 16), name);
        END LOOP;
    END $$;
    INSERT INTO newsbot.postings SELECT * FROM newsbot.postings_unpartitioned;
    DROP TABLE newsbot.postings_unpartitioned;
    """,
    # 4: each corpus's postings in a table of its own, newsbot.postings_ and the first 16 hex digits of
    # the md5 of its name (reads.postings_table), without the corpus's name in every row, keyed by the
    # word compared byte by byte (COLLATE "C") and the passage: the partitions detached, their corpus
    # column dropped (the bytes go at the table's next rewrite), their key built again, and one made for
    # any corpus without. A posting took 52 bytes instead of 76, a key's sort compares the word's bytes
    # rather than a corpus every key shares first, and a first load of 300,000 passages stored its rows in
    # 14.1-14.6 s instead of 20.5-23.3 s (docs/deploying.md). Once: 10 s for 25 million postings here.
    # The lock first: a first load of an older newsbot still attaching its partition is waited for,
    # and the partitions are listed after it, so none is dropped with the table.
    """
    LOCK TABLE newsbot.postings IN ACCESS EXCLUSIVE MODE;
    DO $$
    DECLARE part regclass;
    DECLARE name text;
    BEGIN
        FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'newsbot.postings'::regclass
        LOOP
            EXECUTE format('ALTER TABLE newsbot.postings DETACH PARTITION %s', part);
            EXECUTE format('ALTER TABLE %s DROP COLUMN corpus', part);
            EXECUTE format('ALTER TABLE %s ALTER COLUMN term TYPE text COLLATE "C"', part);
            EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (term, passage_id) INCLUDE (tf, length)', part);
        END LOOP;
        FOR name IN SELECT 'postings_' || substr(md5(c.name), 1, 16) FROM newsbot.corpora c
        LOOP
            IF to_regclass(format('newsbot.%I', name)) IS NULL THEN
                EXECUTE format('CREATE TABLE newsbot.%I (term text COLLATE "C" NOT NULL, '
                               'passage_id bigint NOT NULL, tf real NOT NULL, length real NOT NULL, '
                               'PRIMARY KEY (term, passage_id) INCLUDE (tf, length))', name);
                EXECUTE format('CREATE INDEX ON newsbot.%I (passage_id)', name);
            END IF;
        END LOOP;
        IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = 'newsbot.postings'::regclass) THEN
            RAISE EXCEPTION 'a partition of newsbot.postings was attached during migration 4: start newsbot again';
        END IF;
    END $$;
    DROP TABLE newsbot.postings;
    """,
    # 5: a passage's row is kept whole in the table up to a page (8,160 bytes), its vector with it. By
    # default PostgreSQL moves a value out to the TOAST table once a row passes 2,032 bytes, and a news
    # passage's text (about 600 bytes) with its vector (1,540) passes it: every vector was written to a
    # second table and its index, and read back through them by the HNSW build and by every search's
    # ranking. Rows written before keep their place; new ones stay whole.
    """
    ALTER TABLE newsbot.passages SET (toast_tuple_target = 8160);
    """,
]


@dataclass(frozen=True)
class MigrationTrack:
    """A numbered list of migrations and the table that records which of them a database has. The index
    has its track (`INDEX_MIGRATIONS`); the bot's own state has another (bot/discord_bot/state.py), so
    each changes its tables without numbering the other's changes."""

    what: str
    """How messages name its schema."""
    table: str
    """The table in the newsbot schema recording the numbers applied."""
    migrations: tuple[str, ...]
    lock: int
    """The advisory lock its migrations are applied under."""


INDEX_MIGRATIONS = MigrationTrack("newsbot's schema", "migrations", tuple(MIGRATIONS), MIGRATION_LOCK)
"""The index's track. Its migration 2 made the bot's tables before the bot had a track of its own: released,
it stays here; the bot's later changes are on its own track."""

UNNAMED = "the URL in [store] url (or NEWSBOT_DATABASE_URL)"


def redacted(url: str) -> str:
    """Where the URL points, without its password however it was given (in the user part, in the
    query string, or as a key=value string), for messages and logs: postgresql://USER@HOST:PORT/DB."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except Exception:  # not a URL libpq reads: say nothing of it
        return UNNAMED
    host, port, user, database = (parts.get(k, "") for k in ("host", "port", "user", "dbname"))
    if host.startswith("/"):  # a Unix socket's folder
        shown = f"postgresql://{user}{'@' if user else ''}/{database}?host={host}" + (f"&port={port}" if port else "")
    else:
        shown = f"postgresql://{user}{'@' if user else ''}{host}{':' + port if port else ''}/{database}"
    password = parts.get("password", "")
    if "@" in host + port or ":" in user or (password and password in shown):  # an unencoded @, an encoded : (%3A)
        return UNNAMED
    return shown


def connect(
    url: str,
    *,
    migrate: bool = True,
    timeout: int = 10,
    statement_timeout_ms: int = 0,
    also_migrate: Sequence[MigrationTrack] = (),
) -> psycopg.Connection[Any]:
    """An autocommit connection with pgvector's types, after the index's migrations are applied (and
    those of the tracks in `also_migrate`, after them); with `statement_timeout_ms`, every statement on
    it stops after that long.

    DatabaseError, in one line, when the server cannot be reached or lacks the vector extension."""
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError as error:
        raise DatabaseError(
            f"the PostgreSQL backend needs {error.name}, which is not installed",
            "run `make run` again (or pip install 'psycopg[binary]' pgvector)",
        ) from None
    try:
        conninfo_to_dict_checked(url)
        libpq: dict[str, Any] = (
            {"options": f"-c statement_timeout={int(statement_timeout_ms)}"} if statement_timeout_ms else {}
        )
        connection = psycopg.connect(url, autocommit=True, connect_timeout=timeout, **libpq)
    except psycopg.Error as error:
        reason = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
        raise DatabaseError(
            f"cannot reach the database at {redacted(url)} ({without_secrets(reason, url)})",
            "start PostgreSQL, or fix [store] url (or NEWSBOT_DATABASE_URL)",
        ) from None
    try:
        _ensure_utf8(connection, url)
        _ensure_vector(connection, url)
        register_vector(connection)
        if migrate:
            for track in (INDEX_MIGRATIONS, *also_migrate):
                apply_migrations(connection, track)
    except psycopg.Error as error:
        connection.close()
        reason = without_secrets((str(error).strip().splitlines() or [type(error).__name__])[0], url)
        hint = without_secrets(str(getattr(error.diag, "message_hint", None) or ""), url).strip().rstrip(".")
        if error.sqlstate == "55P03":  # lock_timeout, the role's or the server's: another process held the tables
            fix = "another process held newsbot's tables longer than the database's lock_timeout: start newsbot again when it is done"
        elif hint and error.sqlstate != "42501":  # insufficient_privilege: the grant below
            # the server's own hint, such as "increase max_locks_per_transaction" when a migration ran out
            fix = f"{hint} in PostgreSQL's settings, restart it, then start newsbot again"
        else:
            fix = (
                "let newsbot's role create the newsbot schema once (GRANT CREATE ON DATABASE), or have "
                "the database's owner run newsbot once"
            )
        raise DatabaseError(f"the database at {redacted(url)} refused newsbot's schema ({reason})", fix) from None
    except BaseException:
        connection.close()
        raise
    return connection


def conninfo_to_dict_checked(url: str) -> dict[str, Any]:
    """The URL's parts; DatabaseError, with no part of the URL in it, when libpq cannot read it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(url)
    except Exception:
        raise DatabaseError(
            f"{UNNAMED} is not a URL PostgreSQL can read",
            "write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with no spaces around it, "
            "and a %, @, : or / in the password written as %25, %40, %3A or %2F",
        ) from None


def _password(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(url).get("password") or "")
    except Exception:
        return ""


def _secrets(url: str) -> list[str]:
    """Every text in the URL that may be (part of) its password, however the URL gives it or mangles it."""
    found = [_password(url)]
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    if "@" in authority:
        userinfo = authority.rsplit("@", 1)[0]
        password = userinfo.split(":", 1)[1] if ":" in userinfo else ""
        found += [password, *re.split(r"[@:/]", password)]
    found += re.findall(r"password\s*=\s*'?([^'&\s]+)", url)
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def without_secrets(text: str, url: str) -> str:
    """`text` (a driver's message about `url`) without any piece of the URL's password in it: the
    whole message gives way when a piece is too short to be cut out safely."""
    for secret in _secrets(url):
        if len(secret) < 4 and secret in text:
            return "details withheld: they would show part of the password"
        text = text.replace(secret, "***")
    return text


def _ensure_utf8(connection: psycopg.Connection[Any], url: str) -> None:
    """Articles are stored as they are written, in any script: a database in another encoding cannot hold them."""
    encoding = str(connection.execute("SHOW server_encoding").fetchone()[0])  # type: ignore[index]
    if encoding.upper() != "UTF8":
        raise DatabaseError(
            f"the database at {redacted(url)} is encoded in {encoding}, and newsbot stores text in UTF-8",
            "create newsbot's database with ENCODING 'UTF8' (createdb -E UTF8 -T template0 NAME), and point [store] url at it",
        )


def _ensure_vector(connection: psycopg.Connection[Any], url: str) -> None:
    import psycopg

    if not connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
        # a search_path naming no schema that exists leaves CREATE EXTENSION nowhere to go: the default's
        where = "" if one_value(connection.execute("SELECT current_schema() IS NOT NULL")) else " SCHEMA public"
        try:
            connection.execute(f"CREATE EXTENSION IF NOT EXISTS vector{where}")
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0]
            raise DatabaseError(
                f"the database at {redacted(url)} lacks the vector extension ({reason})",
                "install pgvector on the server, then have a superuser (on a managed service, its "
                "admin role) run CREATE EXTENSION vector in this database",
            ) from None
    _find_vector_type(connection, url)


def _find_vector_type(connection: psycopg.Connection[Any], url: str) -> None:
    """Put pgvector's schema at the end of this session's search_path when the path leaves it out (a URL
    with `options=-csearch_path=...`, or a role's own setting): newsbot's tables are named with their
    schema, but pgvector's types and operators are found through the path."""
    row = connection.execute(
        "SELECT to_regtype('vector') IS NULL, e.extnamespace::regnamespace::text "
        "FROM pg_extension e WHERE e.extname = 'vector'"
    ).fetchone()
    if row and row[0]:
        connection.execute(
            "SELECT set_config('search_path', concat_ws(', ', nullif(current_setting('search_path'), ''), %s::text), false)",
            (row[1],),
        )
        if one_value(connection.execute("SELECT to_regtype('vector') IS NULL")):
            raise DatabaseError(
                f"the database at {redacted(url)} keeps pgvector in the schema {row[1]}, which newsbot's role may not use",
                f"have the schema's owner run GRANT USAGE ON SCHEMA {row[1]} TO the role in [store] url",
            )


def exists_in_schema(connection: psycopg.Connection[Any], name: str) -> bool:
    """Whether the newsbot schema has a table or index of this name (ours: hex digits and underscores)."""
    return connection.execute("SELECT to_regclass(%s)", (f"newsbot.{name}",)).fetchone() != (None,)


def applied_migrations(connection: psycopg.Connection[Any], track: MigrationTrack | None = None) -> set[int]:
    """The migrations of a track (the index's unless given) the database has (none before the first): a read, no DDL."""
    track = track or INDEX_MIGRATIONS
    if not exists_in_schema(connection, track.table):
        return set()
    return {row[0] for row in connection.execute(f"SELECT number FROM newsbot.{track.table}")}


def apply_migrations(connection: psycopg.Connection[Any], track: MigrationTrack | None = None) -> int:
    """Apply the migrations of a track (the index's unless given) the database lacks; returns how many
    were applied. A database whose schema is current is only read, so a role without CREATE on it can use it."""
    track = track or INDEX_MIGRATIONS
    done = applied_migrations(connection, track)
    if set(range(1, len(track.migrations) + 1)) <= done:
        return _check_not_newer(done, track)
    import psycopg

    try:  # at once when nothing else holds the tables; else say what the wait is, then wait
        return _apply(connection, track, lock_timeout_ms=LOCK_PATIENCE_MS)
    except psycopg.errors.LockNotAvailable:
        log.warning(
            "waiting to upgrade %s: another process holds its tables (another newsbot upgrading it, "
            "or an older one building a corpus); this goes on when it lets go",
            track.what,
        )
    return _apply(connection, track, lock_timeout_ms=None)


def _apply(connection: psycopg.Connection[Any], track: MigrationTrack, *, lock_timeout_ms: int | None) -> int:
    """Apply the track's missing migrations in one transaction, under its advisory lock; with
    `lock_timeout_ms`, LockNotAvailable when a lock (that one, or a table's) is not had in that long."""
    applied = 0
    with connection.transaction():
        if lock_timeout_ms is not None:
            connection.execute("SELECT set_config('lock_timeout', %s, true)", (f"{int(lock_timeout_ms)}ms",))
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (track.lock,))
        connection.execute("CREATE SCHEMA IF NOT EXISTS newsbot")
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS newsbot.{track.table} "
            "(number integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in connection.execute(f"SELECT number FROM newsbot.{track.table}")}
        for number, sql in enumerate(track.migrations, start=1):
            if number in done:
                continue
            connection.execute(sql.replace("CREATE SCHEMA IF NOT EXISTS newsbot;", ""))
            connection.execute(f"INSERT INTO newsbot.{track.table} (number) VALUES (%s)", (number,))
            applied += 1
    return _check_not_newer(done, track) + applied


def one_value(cursor: Any) -> Any:
    """The first column of the one row a statement returns."""
    row = cursor.fetchone()
    if row is None:
        raise DatabaseError("the database returned no row where one was expected", "try again")
    return row[0]


def _check_not_newer(done: set[int], track: MigrationTrack) -> int:
    newer = max(done, default=0)
    if newer > len(track.migrations):
        raise DatabaseError(
            f"the database holds {track.what} version {newer}, this newsbot knows {len(track.migrations)}",
            "upgrade newsbot on this machine",
        )
    return 0
