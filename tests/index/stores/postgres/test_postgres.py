"""The PostgreSQL backend against a real server: versions and rollback, one version per search while
another process switches, the bot's shared state, migration, and one-line errors."""

from __future__ import annotations

import re
import shutil
import socket

import pytest

from bot.core.config import Config, CorpusSettings, StoreSettings
from bot.core.service import Newsbot
from index import (
    IndexMissingError,
    PostgresStore,
    VersionChanged,
    build_index,
    load_corpus_file,
    open_index,
    serve_previous_version,
    update_index,
)
from tests.conftest import SEED_2017, SEEDS
from tests.fakes import FakeEmbedder
from tests.postgres import database_url

HARBOUR = (
    "Harbour bridge reopens\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday after two years of repairs.\n"
)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "harbour.txt").write_text(HARBOUR)
    return folder


def harbour_story(corpus):
    """The harbour story written into the corpus folder, loaded as an article to add."""
    (corpus / "harbour.txt").write_text(HARBOUR)
    [harbour] = load_corpus_file(corpus / "harbour.txt", corpus).articles
    return harbour


@pytest.fixture
def writer_and_reader(corpus, postgres_url, tmp_path):
    """Two processes on one corpus (without the harbour story yet), whose index folders are on other paths
    of other machines: the writer makes the versions, the reader answers from them."""
    embedder = FakeEmbedder()
    config = postgres_config(corpus, tmp_path, postgres_url)
    (corpus / "harbour.txt").unlink()
    writer = Newsbot(config, embedder=embedder, index_dir=tmp_path / "index")
    reader = Newsbot(config, embedder=embedder, index_dir=tmp_path / "elsewhere" / "index")  # another machine's path
    try:
        writer.rebuild()
        yield writer, reader
    finally:
        writer.close()
        reader.close()


def test_rollback_returns_to_the_version_before_and_old_versions_go(corpus, index_at):
    embedder = FakeEmbedder()
    (corpus / "harbour.txt").unlink()
    first = build_index([corpus], index_at, embedder, keep_versions=2)
    harbour = harbour_story(corpus)
    update_index(index_at, embedder, add=[harbour], keep_versions=2)
    assert "harbour" in open_index(index_at, embedder).articles
    assert serve_previous_version(index_at) == first.version_name
    back = open_index(index_at, embedder)
    assert "harbour" not in back.articles and back.search("harbour bridge", k=1)[0].article.doc_id != "harbour"
    with pytest.raises(IndexMissingError, match="no version older than"):
        serve_previous_version(index_at)
    update_index(index_at, embedder, add=[harbour], keep_versions=2)
    update_index(index_at, embedder, remove=[SEED_2017], keep_versions=2)
    assert serve_previous_version(index_at)  # the version with the harbour story
    assert {"harbour", SEED_2017} <= set(open_index(index_at, embedder).articles)
    with pytest.raises(IndexMissingError, match="no version older than"):
        serve_previous_version(index_at)  # two kept: the first one is gone


def test_a_search_sees_one_version_and_the_other_process_answers_from_the_new_one(corpus, writer_and_reader):
    writer, reader = writer_and_reader
    before = reader.ask("When did the harbour bridge reopen?")
    opened = reader.index
    writer.update(add=[harbour_story(corpus)])
    with pytest.raises(VersionChanged):
        opened.search("harbour bridge", k=1)  # a version no longer in use is never read half-changed
    after = reader.ask("When did the harbour bridge reopen?")
    assert all(p.hit.article.doc_id != "harbour" for p in before.passages)
    assert after.passages[0].hit.article.doc_id == "harbour"


def test_the_vectors_searched_beside_bm25_are_the_same_versions(corpus, writer_and_reader, monkeypatch):
    """The nearest passages are asked for on a background connection while BM25 is summed: a version
    switched between the two snapshots' starts is caught (VersionChanged), never mixed into the answer."""
    import threading

    from index import PostgresStore
    from index.stores.postgres import store as store_module

    writer, reader = writer_and_reader
    opened = reader.index
    store = opened.store
    assert isinstance(store, PostgresStore)
    searched_by = []
    started = store.in_background

    def watched(work):
        searched_by.append(threading.current_thread().name)
        return started(work)

    monkeypatch.setattr(store, "in_background", watched)
    plain = [hit.chunk.chunk_id for hit in opened.search("harbour bridge", k=3)]
    assert searched_by and plain
    monkeypatch.setattr(store_module, "BACKGROUND_THREADS", 0)  # every background thread busy: done here
    assert [hit.chunk.chunk_id for hit in opened.search("harbour bridge", k=3)] == plain
    monkeypatch.setattr(store_module, "BACKGROUND_THREADS", 2)

    def after_a_switch(work):  # another process changes the corpus between the two snapshots
        writer.update(add=[harbour_story(corpus)])
        return started(work)

    monkeypatch.setattr(store, "in_background", after_a_switch)
    with pytest.raises(VersionChanged):
        opened.search("harbour bridge", k=3)
    monkeypatch.setattr(store, "in_background", started)
    assert reader.ask("When did the harbour bridge reopen?").passages[0].hit.article.doc_id == "harbour"


def test_a_news_passage_and_its_vector_stay_in_one_row(postgres_url):
    """Migration 5: a passage of news text with a vector of 384 numbers passes PostgreSQL's 2,032 bytes,
    and its vector went to the TOAST table (a second write, and a second read for every search)."""
    from index import PostgresStore

    store = PostgresStore(postgres_url, "whole")
    try:
        build_index([SEEDS], store, FakeEmbedder(dimension=384, max_tokens=256))
        with store.snapshot() as connection:
            longest, toasted = connection.execute(
                "SELECT max(pg_column_size(chunk) + pg_column_size(embedding)), "
                "(SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'newsbot.passages'::regclass) "
                "FROM newsbot.passages WHERE corpus = 'whole'"
            ).fetchone()
    finally:
        store.close()
    assert longest > 2032  # past the default threshold, and yet:
    assert toasted == 0


def test_a_version_number_used_again_after_a_rollback_is_another_version(corpus, writer_and_reader):
    """A rollback drops the newest version, and the next change takes its number: a process holding the
    dropped one must not read the new one's rows as its own."""
    writer, reader = writer_and_reader
    writer.update(add=[harbour_story(corpus)])
    opened = reader.index
    assert opened.search("harbour bridge", k=1)[0].article.doc_id == "harbour"
    assert serve_previous_version(writer.store)
    writer.update(remove=[SEED_2017])  # the next change: the number the rollback freed
    assert writer.index.number == opened.number and writer.index.version != opened.version
    with pytest.raises(VersionChanged):
        opened.search("harbour bridge", k=1)


def test_closing_the_store_waits_for_another_threads_statement(postgres_url, monkeypatch):
    """close() used to free a connection under a statement another thread was running (the process died
    in libpq's realloc); now it waits for the statement, and cancels one that runs on."""
    import threading
    import time

    from index import PostgresStore
    from index.stores.postgres import store as store_module

    store = PostgresStore(postgres_url, "closing")
    said: list[str] = []

    asleep = threading.Event()
    told: list[str] = []

    def asking(seconds: float) -> None:
        try:
            with store.snapshot() as connection:
                asleep.set()
                connection.execute("SELECT pg_sleep(%s)", (seconds,))
                said.append("done")
                connection.execute("SELECT 1")
        except Exception as error:  # the statement after close: one line, as any database failure
            said.append(type(error).__name__)
            told.append(str(error))

    for seconds, patience, expected in ((1.0, 10.0, ["done", "DatabaseError"]), (30.0, 0.3, ["DatabaseError"])):
        monkeypatch.setattr(store_module, "CLOSE_PATIENCE_S", patience)
        said.clear()
        asleep.clear()
        thread = threading.Thread(target=asking, args=(seconds,))
        thread.start()
        assert asleep.wait(timeout=30)
        time.sleep(0.2)  # in pg_sleep
        began = time.perf_counter()
        store.close()
        waited = time.perf_counter() - began
        thread.join(timeout=10)
        assert said == expected, said
        assert all("store was closed while this ran" in line or "cancel" in line for line in told), told
        assert (0.3 < waited < 2) if seconds == 1.0 else (waited < 5), waited  # 0.2 s in: about 0.8 s to go


def test_a_thread_that_ends_leaves_no_connection_open(postgres_url):
    """Each thread has its own connection: one that ends used to leave it open until close(), and fresh
    threads filled the server's max_connections."""
    import gc
    import threading

    import psycopg

    from index import PostgresStore

    store = PostgresStore(postgres_url, "threads")
    try:

        def ask_once() -> None:
            with store.snapshot() as connection:
                connection.execute("SELECT 1")

        for _ in range(12):
            thread = threading.Thread(target=ask_once)
            thread.start()
            thread.join()
        gc.collect()
        with psycopg.connect(postgres_url, autocommit=True) as watcher:
            (open_now,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
    finally:
        store.close()
    assert open_now <= 1, open_now


def test_the_bot_state_is_one_for_every_process(postgres_url):
    from bot.discord_bot.state import PostgresBotState

    one, two = PostgresBotState(postgres_url), PostgresBotState(postgres_url)
    try:
        answer_id = one.save_answer("Who?", 3, False, ["a#0", "b#1"], follows="Where?")
        stored = two.answer(answer_id)
        assert (stored.question, stored.shown, stored.passage_ids, stored.follows) == (
            "Who?",
            3,
            ["a#0", "b#1"],
            "Where?",
        )
        two.update_answer(answer_id, 5, ["a#0"])
        assert one.answer(answer_id).shown == 5
        one.vote(stored, 42, 1)
        two.vote(stored, 42, -1)  # the same person changing their vote
        two.vote(stored, 43, 1)
        assert one.feedback_counts() == (1, 1) and one.user_hash(42) == two.user_hash(42)
        one.remember_conversation([7, 8], "Who?")
        assert two.conversation(8) == "Who?"
        from pathlib import Path

        one.record_reindex(Path("/srv/a/index"), "Indexed 3")
        assert two.last_reindex(Path("/home/b/index")).summary == "Indexed 3"  # the corpus's name, not the path
        assert [one.cooldown(9, 2, 30), two.cooldown(9, 2, 30)] == [0.0, 0.0]
        assert 0 < one.cooldown(9, 2, 30) <= 30 and 0 < two.cooldown(9, 2, 30) <= 30
        assert one.cooldown(10, 2, 30) == 0.0  # another member
        import psycopg

        with psycopg.connect(postgres_url, autocommit=True) as admin:  # the server drops it, as at a restart
            admin.execute("SELECT pg_terminate_backend(%s)", (one._db.info.backend_pid,))
        assert one.answer(answer_id).question == "Who?"  # made again, and the statement run on the new one
    finally:
        one.close()
        two.close()


def test_migrate_copies_an_index_folder_without_embedding_and_answers_alike(cli, tmp_path, postgres_url):
    (tmp_path / "config.toml").write_text(f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\nurl = "{postgres_url}"\n')
    status, _, err = cli("index", "build")
    assert status == 0, err
    status, faiss_answer, _ = cli("ask", "--json", "How much flour did Russia deliver to North Korea?")
    status, out, err = cli("index", "migrate", "--to", "postgres")
    assert status == 0, err
    assert "nothing was embedded again" in out and 'backend = "postgres"' in out
    status, out, err = cli("index", "migrate", "--to", "postgres")
    assert status == 0 and "holds these 2 articles already" in out and "nothing was copied" in out, err
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\nbackend = "postgres"\n' f'url = "{postgres_url}"\n'
    )
    status, postgres_answer, err = cli("ask", "--json", "How much flour did Russia deliver to North Korea?")
    assert status == 0, err
    assert _passages(postgres_answer) == _passages(faiss_answer) != ["abstained"]
    status, out, _ = cli("index", "stats")
    assert status == 0 and "22" in out and out.startswith("Index:     corpus 'index' of postgresql://postgres@/test_")

    questions = tmp_path / "queries.jsonl"
    questions.write_text('{"_id": "1", "text": "flour Russia"}\n{"_id": "2", "text": "Pyongyang anniversary"}\n')
    status, out, err = cli("bench-search", "--queries", str(questions), "--passes", "2")
    assert status == 0, err
    for way in ("postgres, word postings cached", "postgres, word postings read from the database", "faiss"):
        for part in ("BM25 alone", "hybrid question"):
            assert re.search(rf"^{way}[^:]*: {part} p50 [\d.]+ ms, p99 [\d.]+ ms$", out, re.MULTILINE), (way, part, out)


def _passages(answer_json: str) -> list:
    import json

    return [(p["doc_id"], p["chunk_id"], round(p["score"], 4)) for p in json.loads(answer_json)["hits"]] or [
        "abstained"
    ]


def test_an_unreachable_database_is_one_line_without_the_password(cli, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\nbackend = "postgres"\n'
        f'url = "postgresql://newsbot:s3cret@127.0.0.1:{port}/news"\n'
    )
    status, _, err = cli("index", "stats")
    assert status == 2
    assert err.count("\n") == 1 and "s3cret" not in err and "Traceback" not in err
    assert err.startswith(f"newsbot: error: cannot reach the database at postgresql://newsbot@127.0.0.1:{port}/news (")
    assert err.rstrip().endswith("Start PostgreSQL, or fix [store] url (or NEWSBOT_DATABASE_URL)")


@pytest.mark.parametrize(
    "store", ['backend = "postgres"\nurl = "postgresql://u:p@127.0.0.1:1/news"', 'backend = "faiss"']
)
def test_an_index_folder_whose_name_is_not_utf8_is_one_line(cli, tmp_path, store):
    """A corpus in PostgreSQL is named after the folder, and the database's text is UTF-8; FAISS writes
    only to paths in UTF-8."""
    import os

    (tmp_path / "config.toml").write_text(f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\n{store}\n')
    for command in (("index", "stats"), ("index", "build")):
        status, _, err = cli(*command, "--index", str(tmp_path / os.fsdecode(b"news\xff")))
        assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
        assert "news\\xff' is not named in UTF-8" in err and "Rename the folder" in err


def test_a_database_not_encoded_in_utf8_is_refused_in_one_line(cli, tmp_path, postgres_server):
    import psycopg

    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute("CREATE DATABASE latin ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    try:
        (tmp_path / "config.toml").write_text(
            f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\nbackend = "postgres"\n'
            f'url = "{database_url(postgres_server, "latin")}"\n'
        )
        status, _, err = cli("index", "build")
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute("DROP DATABASE latin WITH (FORCE)")
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "is encoded in LATIN1" in err and "ENCODING 'UTF8'" in err


def test_bench_store_never_drops_a_corpus_it_did_not_make(cli, corpus, tmp_path, postgres_url):
    config = postgres_config(corpus, tmp_path, postgres_url)
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "bench-300")
    question = "When did the harbour bridge reopen?"
    before, _ = answered_then_closed(app, question)
    (tmp_path / "config.toml").write_text(f'[store]\nurl = "{postgres_url}"\n')
    status, _, err = cli("bench-store", "--passages", "300", "--queries", "5")
    assert status == 2 and "holds a corpus named bench-300 that bench-store did not make" in err, err
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "bench-300")
    try:
        assert answers(app, question) == before
    finally:
        app.close()


def test_a_failed_statement_says_what_to_do_by_what_failed(corpus, tmp_path, postgres_url):
    """A change that met another is tried again; a lost server is started; a statement the schema
    refuses points at processes of another newsbot sharing the database."""
    import psycopg

    from index import DatabaseError
    from index.stores.postgres.store import fix_for

    assert "try again" in fix_for(psycopg.errors.DeadlockDetected()) and "running" not in fix_for(
        psycopg.errors.DeadlockDetected()
    )
    assert "lock_timeout" in fix_for(psycopg.errors.LockNotAvailable())
    assert "is running and reachable" in fix_for(psycopg.OperationalError())
    store = PostgresStore(postgres_url, "told")
    try:
        with pytest.raises(DatabaseError) as raised, store.told():
            store.connection().execute("SELECT * FROM newsbot.no_such_table")
        assert "upgrade every process together" in str(raised.value) and "no_such_table" in str(raised.value)
    finally:
        store.close()


def test_only_a_search_s_own_timeout_is_called_a_slow_search(postgres_url):
    """A statement the database cancels by its own statement_timeout (as managed services set) while a
    corpus is written is said to be that, not a question too long."""
    from index import DatabaseError, SearchTimeoutError

    store = PostgresStore(postgres_url, "cancelled")
    try:
        with pytest.raises(SearchTimeoutError), store.snapshot(timeout_ms=100) as connection:
            connection.execute("SELECT pg_sleep(2)")
        connection = store.connection()
        connection.execute("SET statement_timeout = 100")  # as a database's own setting would
        with pytest.raises(DatabaseError, match="cancelled the statement") as raised, store.told():
            connection.execute("SELECT pg_sleep(2)")
        assert "shorter question" not in str(raised.value)
    finally:
        store.close()


def test_a_migration_the_server_has_no_room_for_says_what_the_server_hints(postgres_url, monkeypatch):
    """Migration 4 takes locks per corpus in one transaction: out of them, the fix is the server's hint."""
    import psycopg

    from index import DatabaseError
    from index.stores.postgres import schema

    def out_of_locks(connection, track=None):
        connection.execute(
            "DO $$ BEGIN RAISE EXCEPTION 'out of shared memory' USING ERRCODE = '53200', "
            "HINT = 'You might need to increase \"max_locks_per_transaction\".'; END $$"
        )

    monkeypatch.setattr(schema, "apply_migrations", out_of_locks)
    with pytest.raises(DatabaseError) as raised:
        schema.connect(postgres_url)
    said = str(raised.value)
    assert "out of shared memory" in said and 'increase "max_locks_per_transaction" in PostgreSQL\'s settings' in said
    assert "GRANT" not in said and psycopg  # the grant is the fix only for a refused privilege


def test_a_migration_that_must_wait_for_a_lock_says_so_then_waits(postgres_url, monkeypatch, caplog):
    """Another process holding the tables (here: the track's lock) no longer leaves a start silent."""
    import threading

    import psycopg

    from index.stores.postgres import schema

    track = schema.MigrationTrack("a test's schema", "test_wait_migrations", ("SELECT 1",), 0x7761_6974)
    monkeypatch.setattr(schema, "LOCK_PATIENCE_MS", 200)
    holder = psycopg.connect(postgres_url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (track.lock,))
    connection = schema.connect(postgres_url)
    applied: list[int] = []
    worker = threading.Thread(target=lambda: applied.append(schema.apply_migrations(connection, track)))
    try:
        with caplog.at_level("WARNING", logger=schema.__name__):
            worker.start()
            worker.join(timeout=5)
            assert worker.is_alive() and not applied  # still waiting, and it said so
            assert "waiting to upgrade a test's schema: another process holds its tables" in caplog.text
            holder.execute("SELECT pg_advisory_unlock(%s)", (track.lock,))
            worker.join(timeout=30)
        assert applied == [1]
    finally:
        holder.close()
        connection.close()


def test_a_fresh_database_whose_search_path_names_no_schema_gets_pgvector_in_public(postgres_url):
    from index.stores.postgres import schema

    url = with_options(postgres_url, "-csearch_path%3Dnosuch")
    connection = schema.connect(url)  # CREATE EXTENSION had no schema to go into
    try:
        assert connection.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'"
        ).fetchone() == ("public",)
    finally:
        connection.close()


def test_a_role_that_may_not_use_pgvectors_schema_is_told_the_grant(postgres_server):
    import psycopg

    from index import DatabaseError
    from index.stores.postgres import schema

    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute("CREATE ROLE outsider LOGIN")
        admin.execute("CREATE DATABASE elsewhere_ext OWNER outsider")
    admin_url = database_url(postgres_server, "elsewhere_ext")
    try:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("CREATE SCHEMA ext")
            admin.execute("CREATE EXTENSION vector SCHEMA ext")
        with pytest.raises(DatabaseError) as raised:
            schema.connect(admin_url.replace("postgres:@", "outsider:@", 1))
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute("DROP DATABASE elsewhere_ext WITH (FORCE)")
            admin.execute("DROP ROLE outsider")
    said = str(raised.value)
    assert "keeps pgvector in the schema ext, which newsbot's role may not use" in said
    assert "GRANT USAGE ON SCHEMA ext" in said and "GRANT CREATE" not in said


def test_a_migration_past_the_databases_own_lock_timeout_says_to_start_again(postgres_url, monkeypatch):
    import psycopg

    from index import DatabaseError
    from index.stores.postgres import schema

    track = schema.MigrationTrack("a test's schema", "test_timeout_migrations", ("SELECT 1",), 0x7469_6D65)
    monkeypatch.setattr(schema, "LOCK_PATIENCE_MS", 100)
    url = with_options(postgres_url, "-clock_timeout%3D300")
    with psycopg.connect(postgres_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (track.lock,))
        with pytest.raises(DatabaseError) as raised:
            schema.connect(url, also_migrate=[track])
    said = str(raised.value)
    assert "lock timeout" in said and "longer than the database's lock_timeout: start newsbot again" in said
    assert "GRANT" not in said and "\n" not in said


def test_a_url_whose_search_path_leaves_out_pgvector_still_works(postgres_url):
    """`options=-csearch_path=...` in the URL used to end in "vector type not found" and a fix about grants."""
    from index.stores.postgres import schema

    schema.connect(postgres_url).close()  # pgvector made in the default path (public)
    url = with_options(postgres_url, "-csearch_path%3Dsomething_else")
    connection = schema.connect(url)
    try:
        assert connection.execute("SELECT '[1,2]'::vector <#> '[3,4]'::vector").fetchone() == (-11.0,)
        assert connection.execute("SHOW search_path").fetchone()[0].startswith("something_else")
    finally:
        connection.close()


def test_an_index_folder_given_on_the_command_line_never_takes_a_guilds_corpus(cli, tmp_path, postgres_url):
    """A corpus is named after its folder: `--index /elsewhere/1234` would have rebuilt guild 1234's corpus
    from the main corpus's paths."""
    guild = tmp_path / "guild-articles"
    guild.mkdir()
    (guild / "harbour.txt").write_text(HARBOUR)
    (tmp_path / "config.toml").write_text(
        f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\nbackend = "postgres"\nurl = "{postgres_url}"\n\n'
        f'[guilds.1234]\npaths = ["{guild}"]\nindex_dir = "{tmp_path / "g" / "1234"}"\n'
    )
    status, _, err = cli("--index", str(tmp_path / "elsewhere" / "1234"), "index", "build")
    assert status == 2 and err.count("\n") == 1, err
    assert "names the corpus '1234' in the database, which [guilds.1234] index_dir uses" in err
    assert "--guild 1234" in err


def test_a_database_without_the_vector_extension_says_so(cli, tmp_path, postgres_server):
    import psycopg

    with psycopg.connect(postgres_server, autocommit=True) as admin:  # a role that may not create extensions
        admin.execute("CREATE ROLE plain LOGIN")
        admin.execute("CREATE DATABASE novector")
    url = database_url(postgres_server, "novector").replace("postgres:@", "plain:@", 1)
    try:
        (tmp_path / "config.toml").write_text(
            f'[corpus]\npaths = ["{SEEDS}"]\n\n[store]\nbackend = "postgres"\n' f'url = "{url}"\n'
        )
        status, _, err = cli("index", "build")
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute("DROP DATABASE novector WITH (FORCE)")
            admin.execute("DROP ROLE plain")
    assert status == 2 and err.count("\n") == 1, err
    assert "lacks the vector extension" in err and "have a superuser" in err


def test_postgres_without_a_url_and_shards_without_a_count_are_refused(tmp_path, monkeypatch):
    from bot.core.config import load_config
    from index import ConfigError

    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    app = Newsbot(Config(store=StoreSettings(backend="postgres")), embedder=FakeEmbedder(), index_dir=tmp_path / "ix")
    with pytest.raises(ConfigError, match="no database URL is set"):
        app.store  # noqa: B018
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", "postgresql://u:p@db.example/news")
    assert isinstance(app.store, PostgresStore) and app.store.corpus == "ix"
    (tmp_path / "c.toml").write_text("[discord]\nshard_ids = [1]\n")
    with pytest.raises(ConfigError, match="shard_ids is set but shard_count is not"):
        load_config(tmp_path / "c.toml")
    (tmp_path / "c.toml").write_text("[discord]\nshard_count = 2\nshard_ids = [2]\n")
    with pytest.raises(ConfigError, match="beyond shard_count 2"):
        load_config(tmp_path / "c.toml")
    (tmp_path / "c.toml").write_text(
        '[store]\nbackend = "postgres"\n\n[guilds.42]\npaths = ["club"]\n' 'index_dir = "elsewhere/index"\n'
    )
    with pytest.raises(
        ConfigError, match="\\[guilds.42\\] index_dir and \\[index\\] dir would share the corpus 'index'"
    ):
        load_config(tmp_path / "c.toml")


def test_bench_store_prints_both_stores_figures(cli, tmp_path, postgres_url):
    (tmp_path / "config.toml").write_text(f'[store]\nurl = "{postgres_url}"\n')
    status, out, err = cli("bench-store", "--passages", "3000", "--queries", "20", "--keep")
    assert status == 0, err
    assert "faiss (flat, exact): inserted" in out and "postgres: inserted" in out
    split = re.search(r"passages and vectors ([\d.]+) s, postings ([\d.]+) s of which ([\d.]+) s building", out)
    assert split and float(split[3]) <= float(split[2]), out  # a first load: its postings' indexes built after them
    recalls = [float(line.rsplit(" ", 1)[1]) for line in out.splitlines() if "recall@10 against exact search" in line]
    assert len(recalls) == 3 and recalls == sorted(recalls) and recalls[-1] > 0.5  # more candidates, more found
    assert "postgres hybrid question (words read from the database): p50" in out
    assert "postgres hybrid question (words cached): p50" in out
    added = re.search(r"one article of (\d+) passages added by another process: .* \(([\d,]+) passages after\)", out)
    assert added and int(added[2].replace(",", "")) == 3000 + int(added[1]) > 3000, out
    assert re.search(r"one article of \d+ passages removed by another process: .* \(3,000 passages after\)", out)
    status, out, err = cli("bench-store", "--passages", "3000", "--queries", "20", "--reuse")
    assert status == 0 and "reusing the corpus bench-3000" in out, err
    status, out, err = cli("bench-store", "--passages", "3000", "--queries", "20")
    assert status == 0 and "dropped the corpus bench-3000" in out, err


def test_members_are_not_told_where_the_database_is():
    from bot.discord_bot.errors import DATABASE_DOWN, message_for
    from index import DatabaseError

    error = DatabaseError(
        "the database at postgresql://newsbot:***@db.internal.example/news failed: connection lost",
        "check that PostgreSQL is running and reachable, then try again",
    )
    assert message_for(error) == DATABASE_DOWN and "internal" not in DATABASE_DOWN


def test_a_corpus_another_deployment_built_is_not_rebuilt_behind_its_back(corpus, tmp_path, postgres_url):
    from index import IndexMismatchError

    store = StoreSettings(backend="postgres", url=postgres_url)
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("Harbour note\n\nThe harbour opened a gate today.\n")
    first = Newsbot(
        Config(corpus=CorpusSettings(paths=(corpus,), added_dir=tmp_path / "a"), store=store),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "one" / "index",
    )
    second = Newsbot(
        Config(corpus=CorpusSettings(paths=(other,), added_dir=tmp_path / "b"), store=store),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "two" / "index",
    )  # the same corpus name
    try:
        first.ensure_index()
        with pytest.raises(IndexMismatchError, match="another deployment may be using it"):
            second.ensure_index()
        assert set(first.current_index().articles) == {"harbour", SEED_2017, "001_4589706aa8a54f74"}  # untouched
        second.rebuild()  # asked for in so many words: `newsbot index build`
        assert set(first.current_index().articles) == {"note"}
    finally:
        first.close()
        second.close()


def test_each_migration_track_records_its_own_numbers(postgres_url):
    """The bot's state changes its tables on a track of its own: its numbers never collide with the
    index's, each is applied once, and a database newer than this newsbot is refused in one line."""
    import psycopg

    from index import DatabaseError, MigrationTrack, connect_database
    from index.stores.postgres.schema import INDEX_MIGRATIONS, applied_migrations, apply_migrations

    track = MigrationTrack(
        "a test's schema",
        "test_track_migrations",
        (
            "CREATE TABLE newsbot.test_track_one (n integer)",
            "ALTER TABLE newsbot.test_track_one ADD COLUMN m integer",
        ),
        0x7465_7374,
    )
    connection = connect_database(postgres_url, also_migrate=[track])
    try:
        index_numbers = applied_migrations(connection, INDEX_MIGRATIONS)
        assert applied_migrations(connection, track) == {1, 2}
        assert index_numbers == set(range(1, len(INDEX_MIGRATIONS.migrations) + 1))  # untouched by the other track
        assert apply_migrations(connection, track) == 0  # applied once
        connection.execute("INSERT INTO newsbot.test_track_one (n, m) VALUES (1, 2)")
        shorter = MigrationTrack("a test's schema", "test_track_migrations", track.migrations[:1], track.lock)
        with pytest.raises(DatabaseError, match="holds a test's schema version 2, this newsbot knows 1"):
            apply_migrations(connection, shorter)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("DROP TABLE IF EXISTS newsbot.test_track_one, newsbot.test_track_migrations")
        connection.close()
    with psycopg.connect(
        postgres_url, autocommit=True
    ) as admin:  # the bot's own track has its table only once it has a migration
        bot_track = admin.execute("SELECT to_regclass('newsbot.bot_migrations')").fetchone()
    assert bot_track == (None,)


def test_the_hnsw_graph_is_built_as_the_store_settings_say(corpus, tmp_path, postgres_url):
    from bot.core.config import load_config
    from index import ConfigError

    definitions = {}
    for name, store in (
        ("default", StoreSettings(backend="postgres", url=postgres_url)),
        ("small", StoreSettings(backend="postgres", url=postgres_url, hnsw_m=8, hnsw_ef_construction=24)),
    ):
        app = Newsbot(
            Config(corpus=CorpusSettings(paths=(corpus,), added_dir=tmp_path / name), store=store),
            embedder=FakeEmbedder(),
            index_dir=tmp_path / name / f"graph-{name}",
        )
        try:
            app.ensure_index()
            assert not app.ask("When did the harbour bridge reopen?").abstained
            assert isinstance(app.store, PostgresStore)
            with app.store.snapshot() as connection:
                (definitions[name],) = connection.execute(
                    "SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'passages_hnsw_%%' AND indexdef LIKE %s",
                    (f"%graph-{name}%",),
                ).fetchone()
        finally:
            app.close()
    assert all("halfvec_ip_ops" in definition for definition in definitions.values())
    assert "m='16'" in definitions["default"] and "ef_construction='64'" in definitions["default"]
    assert "m='8'" in definitions["small"] and "ef_construction='24'" in definitions["small"]
    (tmp_path / "c.toml").write_text("[store]\nhnsw_m = 16\nhnsw_ef_construction = 24\n")
    with pytest.raises(ConfigError, match="hnsw_ef_construction 24 is less than twice hnsw_m 16"):
        load_config(tmp_path / "c.toml")


def test_a_pgvector_without_half_precision_gets_a_graph_of_whole_vectors(corpus, tmp_path, postgres_url, monkeypatch):
    from index import connect_database
    from index.stores.postgres import writes

    real = writes.one_value

    def older_pgvector(cursor):
        value = real(cursor)
        return "0.6.2" if value == real_version else value

    with connect_database(postgres_url) as connection:
        real_version = real(connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
        assert writes.graph_type_supported(connection) == "halfvec"
        monkeypatch.setattr(writes, "one_value", older_pgvector)
        assert writes.graph_type_supported(connection) == "vector"
    app = Newsbot(
        postgres_config(corpus, tmp_path, postgres_url),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "older-pgvector",
    )
    try:
        app.ensure_index()
        assert isinstance(app.store, PostgresStore)
        assert app.store.vector_type(FakeEmbedder().dimension) == "vector"
        assert not app.ask("When did the harbour bridge reopen?").abstained
    finally:
        app.close()


def test_a_corpus_whose_graph_holds_whole_vectors_is_searched_through_it_as_one_of_half_precision_is(
    corpus, tmp_path, postgres_url
):
    """Corpora made before the graph went half precision keep their index of `vector`; both are used."""
    import numpy as np
    from psycopg import sql

    from index.stores.postgres.reads import PostgresVectors
    from index.stores.postgres.writes import vector_index_name

    app = Newsbot(
        postgres_config(corpus, tmp_path, postgres_url),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "halfvec 5% and 100%% news",  # a name holding what the SQL holds
    )
    try:
        app.ensure_index()
        store = app.store
        assert isinstance(store, PostgresStore)
        dimension = FakeEmbedder().dimension
        query = FakeEmbedder().embed_batch(["When did the harbour bridge reopen?"])[0]
        answers = {}
        for graph_type in ("halfvec", "vector"):
            if graph_type == "vector":  # the index as an older newsbot made it
                connection = store.connection()
                name = vector_index_name(store.corpus, dimension)
                with connection.transaction():
                    connection.execute(sql.SQL("DROP INDEX newsbot.{}").format(sql.Identifier(name)))
                    connection.execute(
                        sql.SQL(
                            "CREATE INDEX {} ON newsbot.passages USING hnsw ((embedding::vector({d})) vector_ip_ops) "
                            "WHERE corpus = {c} AND removed_in IS NULL AND vector_dims(embedding) = {d}"
                        ).format(sql.Identifier(name), d=sql.Literal(dimension), c=sql.Literal(store.corpus))
                    )
                store.forget_vector_types()
            assert store.vector_type(dimension) == graph_type
            vectors = PostgresVectors(store, dimension)
            with store.snapshot() as connection:
                connection.execute("SET LOCAL enable_seqscan = off")  # few rows: the planner would scan them
                plan = " ".join(
                    row[0]
                    for row in connection.execute(
                        sql.SQL("EXPLAIN ") + vectors._query(False, graph_type, connection),
                        {"query": np.asarray(query, dtype=np.float32), "k": 5, "allowed": None},
                    )
                )
                answers[graph_type] = vectors.search(query, 5)
            assert f"Index Scan using {vector_index_name(store.corpus, dimension)}" in plan
        assert len(answers["halfvec"]) == 5
        assert [row for row, _ in answers["halfvec"]] == [row for row, _ in answers["vector"]]
        assert [score for _, score in answers["halfvec"]] == pytest.approx([score for _, score in answers["vector"]])
        assert not app.ask("When did the harbour bridge reopen?").abstained
    finally:
        app.close()


def with_options(url: str, options: str) -> str:
    """The URL with libpq's `options` (server settings for the session, URL-encoded) added to its query."""
    return url + ("&" if "?" in url else "?") + "options=" + options


def postgres_config(corpus, tmp_path, postgres_url) -> Config:
    return Config(
        corpus=CorpusSettings(paths=(corpus,), added_dir=tmp_path / "added"),
        store=StoreSettings(backend="postgres", url=postgres_url),
    )


def answers(app: Newsbot, question: str) -> list[tuple[str, str, float]]:
    return [(p.hit.article.doc_id, p.hit.chunk.text, p.hit.score) for p in app.ask(question).passages]


def answered_then_closed(app: Newsbot, question: str) -> tuple[list[tuple[str, str, float]], str]:
    """The app's index built, its answer to `question` and its corpus's name, and the app closed."""
    app.ensure_index()
    assert isinstance(app.store, PostgresStore)
    found, name = answers(app, question), app.store.corpus
    app.close()
    return found, name


POSTINGS_COLUMNS = (
    "SELECT a.attname, coalesce(c.collname, '') FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation "
    "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
)
POSTINGS_INDEXES = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'newsbot' AND tablename = %s ORDER BY indexdef"


def test_each_corpus_has_its_postings_in_a_table_of_its_own_loaded_before_its_indexes_are_built(
    corpus, tmp_path, postgres_url
):
    """A corpus's first version writes its postings into a table of its own, without the corpus's name in
    its rows or indexes, builds them after the rows, and changes write into it."""
    import psycopg

    from index.stores.postgres.reads import postings_table

    config = postgres_config(corpus, tmp_path, postgres_url)
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "own")
    try:
        app.ensure_index()
        assert isinstance(app.store, PostgresStore)
        table = postings_table(app.store.corpus)
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            columns = admin.execute(POSTINGS_COLUMNS, (f"newsbot.{table}",)).fetchall()
            assert columns == [("term", "C"), ("passage_id", ""), ("tf", ""), ("length", "")]
            indexes = [row[0] for row in admin.execute(POSTINGS_INDEXES, (table,))]
            assert len(indexes) == 2
            assert "(passage_id)" in indexes[0]
            assert "UNIQUE" in indexes[1] and "(term, passage_id) INCLUDE (tf, length)" in indexes[1]
            assert admin.execute(f"SELECT count(*) FROM newsbot.{table}").fetchone()[0] > 0
            assert admin.execute("SELECT to_regclass('newsbot.postings')").fetchone() == (None,)
        before = app.ask("When did the harbour bridge reopen?")
        assert not before.abstained
        app.update(remove=["harbour"])  # a change, written into the table: the article leaves the version
        after = app.ask("When did the harbour bridge reopen?")
        assert all(passage.hit.article.doc_id != "harbour" for passage in after.passages)
        app.update(add=[harbour_story(corpus)])
        assert app.ask("When did the harbour bridge reopen?").passages[0].hit.article.doc_id == "harbour"
    finally:
        app.close()


def as_migration_3_left_it(admin, corpus_name: str) -> None:
    """The corpus's postings put back as migration 3 left them: a partition of newsbot.postings, with the
    corpus's name in each row and key, words compared under the database's locale."""
    from psycopg import sql

    from index.stores.postgres.reads import postings_table

    table = sql.Identifier("newsbot", postings_table(corpus_name))
    admin.execute(sql.SQL("CREATE TEMPORARY TABLE moved AS SELECT * FROM {}").format(table))
    admin.execute(sql.SQL("DROP TABLE {}").format(table))
    admin.execute(
        "CREATE TABLE newsbot.postings (corpus text NOT NULL, term text NOT NULL, passage_id bigint NOT NULL, "
        "tf real NOT NULL, length real NOT NULL, PRIMARY KEY (corpus, term, passage_id) INCLUDE (tf, length)) "
        "PARTITION BY LIST (corpus)"
    )
    admin.execute("CREATE INDEX postings_by_passage ON newsbot.postings (passage_id)")
    admin.execute(
        sql.SQL("CREATE TABLE {} PARTITION OF newsbot.postings FOR VALUES IN ({})").format(
            table, sql.Literal(corpus_name)
        )
    )
    admin.execute("INSERT INTO newsbot.postings SELECT %s, term, passage_id, tf, length FROM moved", (corpus_name,))


def test_postings_stored_before_partitions_are_moved_into_their_corpus_table(corpus, tmp_path, postgres_url):
    """Migrations 3 and 4 on a database an older newsbot wrote: the same answers, and changes go on."""
    import psycopg

    from index.stores.postgres.reads import postings_table

    config = postgres_config(corpus, tmp_path, postgres_url)
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "older")
    question = "When did the harbour bridge reopen?"
    before, corpus_name = answered_then_closed(app, question)
    table = postings_table(corpus_name)
    with psycopg.connect(postgres_url, autocommit=True) as admin, admin.transaction():  # as migrations 1-2 left it
        admin.execute(
            f'CREATE TABLE newsbot.postings AS SELECT %s::text AS corpus, term::text COLLATE "default" AS term, '
            f"passage_id, tf, length FROM newsbot.{table}",
            (corpus_name,),
        )
        admin.execute(f"DROP TABLE newsbot.{table}")
        admin.execute("ALTER TABLE newsbot.postings ADD PRIMARY KEY (corpus, term, passage_id) INCLUDE (tf, length)")
        admin.execute("CREATE INDEX postings_by_passage ON newsbot.postings (passage_id)")
        admin.execute("DELETE FROM newsbot.migrations WHERE number >= 3")
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "older")
    try:
        assert answers(app, question) == before
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            moved = admin.execute(f"SELECT count(*) FROM newsbot.{table}").fetchone()[0]
            assert moved > 0
            for gone in ("postings", "postings_unpartitioned"):
                assert admin.execute("SELECT to_regclass(%s)", (f"newsbot.{gone}",)).fetchone() == (None,)
        app.update(remove=["harbour"])  # a change, written into the table the migrations made
        assert all(p.hit.article.doc_id != "harbour" for p in app.ask(question).passages)
    finally:
        app.close()


def test_postings_partitioned_by_migration_3_get_a_table_of_their_own(corpus, tmp_path, postgres_url):
    """Migration 4 on a database migration 3 left: each corpus's partition becomes its own table, without
    the corpus's column, keyed by word (byte by byte) and passage; a corpus without postings gets an empty
    table; nothing answered moves, and changes go on."""
    import psycopg

    from index.stores.postgres.reads import postings_table

    config = postgres_config(corpus, tmp_path, postgres_url)
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "keyed")
    question = "When did the harbour bridge reopen?"
    before, corpus_name = answered_then_closed(app, question)
    table = postings_table(corpus_name)
    with psycopg.connect(postgres_url, autocommit=True) as admin, admin.transaction():
        as_migration_3_left_it(admin, corpus_name)
        admin.execute("INSERT INTO newsbot.corpora (name) VALUES ('empty')")  # no version yet, no partition
        admin.execute("DELETE FROM newsbot.migrations WHERE number >= 4")
    app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "keyed")
    try:
        assert answers(app, question) == before
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            for name in (table, postings_table("empty")):
                columns = admin.execute(POSTINGS_COLUMNS, (f"newsbot.{name}",)).fetchall()
                assert columns == [("term", "C"), ("passage_id", ""), ("tf", ""), ("length", "")]
                indexes = [row[0] for row in admin.execute(POSTINGS_INDEXES, (name,))]
                assert len(indexes) == 2 and "(term, passage_id) INCLUDE (tf, length)" in indexes[1]
            assert admin.execute("SELECT to_regclass('newsbot.postings')").fetchone() == (None,)
        app.update(remove=["harbour"])  # a change, written into the detached table
        assert all(p.hit.article.doc_id != "harbour" for p in app.ask(question).passages)
    finally:
        app.close()


def test_the_postings_cache_is_as_large_as_the_store_settings_say(tmp_path):
    from bot.core.config import load_config
    from index import ConfigError

    store = StoreSettings(backend="postgres", url="postgresql://u:p@db.example/news", postings_cache_mb=512)
    app = Newsbot(Config(store=store), embedder=FakeEmbedder(), index_dir=tmp_path / "ix")
    assert isinstance(app.store, PostgresStore) and app.store.postings_cache.most_bytes == 512 * 1024 * 1024
    default = Newsbot(Config(store=StoreSettings(backend="postgres", url=store.url)), index_dir=tmp_path / "other")
    assert isinstance(default.store, PostgresStore) and default.store.postings_cache.most_bytes == 128 * 1024 * 1024
    (tmp_path / "c.toml").write_text("[store]\npostings_cache_mb = 8\n")
    with pytest.raises(ConfigError, match="postings_cache_mb = 8 is not allowed"):
        load_config(tmp_path / "c.toml")


def test_vectors_written_as_pgvector_reads_them_come_back_bit_for_bit(postgres_url):
    import numpy as np

    from index import connect_database
    from index.stores.postgres.reads import array_of
    from index.stores.postgres.writes import vectors_as_received

    vectors = np.random.default_rng(3).standard_normal((5, 7)).astype(np.float32)
    vectors[0, :3] = (0.0, -1e-30, 3.4e38)
    encoded, size = vectors_as_received(vectors)
    connection = connect_database(postgres_url)
    try:
        connection.execute("CREATE TEMPORARY TABLE written (row_number int, embedding vector)")
        with connection.cursor().copy("COPY written FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "bytea"])
            for row in range(len(vectors)):
                copy.write_row((row, encoded[row * size : (row + 1) * size]))
        read = dict(connection.execute("SELECT row_number, embedding FROM written").fetchall())
    finally:
        connection.close()
    assert all(np.array_equal(array_of(read[row]).astype(np.float32), vectors[row]) for row in range(len(vectors)))
