"""Hardening (issue 20): what one member, a moderator or an operator could make the bot do that
stalls it for everyone or shows a secret. One test per finding, through the front end the attack
used; timed findings assert a bound on work done (the event loop's lag, the terms sent to SQL, the
searches run), never a wall time of the whole.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from bot.core.service import MAX_QUESTION_CHARS
from bot.discord_bot import markup
from bot.discord_bot.errors import DATABASE_DOWN, INDEX_MISFITS, message_for
from bot.discord_bot.markup import plain_question
from index import IndexMismatchError, build_index, open_index
from index.search.lexical import MAX_QUERY_TERMS, MAX_TERM_WEIGHT, query_terms

from . import discord_harness
from .discord_harness import running_bot
from .fake_discord import payloads as p

HOSTILE = "[" * 2000 + "](" * 2000
"""discord.py's remove_markdown backtracked cubically on this: 5.2 s on the event loop."""
FLOUR = "How much flour did Russia deliver to North Korea?"


@dataclass
class Lag:
    worst: float = 0.0


@asynccontextmanager
async def loop_lag(tick: float = 0.01):
    """The longest the event loop was held between two ticks of a task that only sleeps."""
    lag = Lag()
    stop = asyncio.Event()

    async def watch() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(tick)
            now = time.perf_counter()
            lag.worst = max(lag.worst, now - last - tick)
            last = now

    watcher = asyncio.create_task(watch())
    try:
        yield lag
    finally:
        stop.set()
        await watcher


def corpus_of_words(tmp_path, articles: int, vocabulary: int):
    """A folder of small articles, each 30 words drawn in turn from w0 ... w{vocabulary - 1}."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(articles):
        words = " ".join(f"w{(i * 7 + j) % vocabulary}" for j in range(30))
        (corpus / f"a{i:02d}.txt").write_text(f"Story {i}\n\nMay 1 (AP) -- The council met. {words} council vote.\n")
    return corpus


# ---- 1. one question stalls the event loop ---------------------------------------------------------


def test_markup_work_is_bounded_by_the_cut_question(monkeypatch):
    seen: list[int] = []
    real = markup.MARKDOWN

    class Spy:
        def sub(self, replace, text):
            seen.append(len(text))
            return real.sub(replace, text)

    monkeypatch.setattr(markup, "MARKDOWN", Spy())
    monkeypatch.setattr(markup.discord.utils, "remove_markdown", lambda *a, **k: pytest.fail("backtracks"))
    assert plain_question(HOSTILE * 3) == "[" * MAX_QUESTION_CHARS
    assert seen and max(seen) <= MAX_QUESTION_CHARS
    # what discord.py removed, still removed; a masked link keeps its words
    assert plain_question("> **bold** __under__ ~~gone~~ ||spoiler|| `code` [the text](https://x.example/y)") == (
        "bold under gone spoiler code the text"
    )
    assert plain_question("see https://news.example/a_b_c") == "see https://news.example/a_b_c"


async def test_a_hostile_question_does_not_hold_up_another_members(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)), loop_lag() as lag:
        hostile = await fake.slash("ask", question=HOSTILE, who=p.STRANGER)
        mention = await fake.say(f"<@{p.BOT_USER_ID}> " + "[" * 2000 + "](" * 1000, who=p.STRANGER)
        other = await fake.slash("ask", question=FLOUR, who=p.MEMBER)
        acknowledged = await fake.callback(other)
        answered = await fake.followup(other)
        await fake.followup(hostile)
        await fake.reply_to(mention)
    assert acknowledged.body["type"] == 5  # deferred at once
    assert "2,400 tons of flour" in answered["embeds"][0]["description"]
    assert lag.worst < 0.5, f"the event loop was held {lag.worst:.2f} s"


# ---- 2. one question costs a minute of database time -----------------------------------------------


def test_a_question_is_searched_for_each_word_once_weighted_and_capped():
    frequency = {"council": 10, "vote": 3}.get
    assert query_terms("council " * 248 + "vote", lambda t: frequency(t, 0)) == {"council": MAX_TERM_WEIGHT, "vote": 1}
    many = " ".join(f"word{i:03d}x" for i in range(300))
    rare_last = query_terms(many, lambda t: 1000 - int(t[4:7]))  # the later words are the rarer
    assert len(rare_last) == MAX_QUERY_TERMS and min(int(t[4:7]) for t in rare_last) == 300 - MAX_QUERY_TERMS


def test_both_stores_score_a_hostile_question_alike_with_its_terms_capped(tmp_path, postgres_url, monkeypatch):
    from index import PostgresStore
    from index.stores.postgres.reads import PostgresLexical

    from .fakes import FakeEmbedder

    corpus = corpus_of_words(tmp_path, articles=40, vocabulary=90)
    store = PostgresStore(postgres_url, "hostile")
    try:
        build_index([corpus], store, FakeEmbedder())
        build_index([corpus], tmp_path / "ix", FakeEmbedder())
        question = "council " * 248 + " ".join(f"w{j}" for j in range(80))
        sent: list[dict] = []
        execute = type(store.connection()).execute

        def spy(connection, query, params=None, **kwargs):
            if isinstance(params, dict) and "terms" in params:
                sent.append(params)
            return execute(connection, query, params, **kwargs)

        monkeypatch.setattr(type(store.connection()), "execute", spy)
        lexical = store.open(FakeEmbedder()).parts()[1]
        assert isinstance(lexical, PostgresLexical)
        in_sql = lexical.search(question, 10)
        in_memory = open_index(tmp_path / "ix", FakeEmbedder()).parts()[1].search(question, 10)
    finally:
        store.close()
    [params] = sent  # one read of the postings of the words scored: each once, the rarest MAX_QUERY_TERMS
    assert len(params["terms"]) == len(set(params["terms"])) == MAX_QUERY_TERMS
    assert len(in_sql) == len(in_memory) == 10
    assert [round(score, 3) for _, score in in_sql] == [round(score, 3) for _, score in in_memory]


def test_a_search_on_postgres_runs_under_a_statement_timeout(tmp_path, postgres_url, monkeypatch):
    from index import PostgresStore
    from index.stores.postgres.reads import SEARCH_TIMEOUT_MS, PostgresLexical

    from .fakes import FakeEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Council vote\n\nThe council voted on the harbour on Monday.\n")
    store = PostgresStore(postgres_url, "timeout")
    seen: list[str] = []
    search = PostgresLexical.search

    def watched(self, *args, **kwargs):
        with store.snapshot() as connection:
            seen.append(connection.execute("SHOW statement_timeout").fetchone()[0])
        return search(self, *args, **kwargs)

    monkeypatch.setattr(PostgresLexical, "search", watched)
    try:
        build_index([corpus], store, FakeEmbedder())
        store.open(FakeEmbedder()).search("what did the council vote on?", k=3)
    finally:
        store.close()
    assert seen == [f"{SEARCH_TIMEOUT_MS // 1000}s"]


# ---- 3. Post publicly: no search again, and it counts ---------------------------------------------


async def test_post_publicly_posts_the_stored_answer_and_counts_against_the_cooldown(fake, seed_app):
    app = seed_app(cooldown_questions=3, cooldown_seconds=60)
    asked = []
    ask = type(app).ask

    def counted(self, *args, **kwargs):
        asked.append(args[0])
        return ask(self, *args, **kwargs)

    async with running_bot(fake, app):
        type(app).ask = counted  # every app (guild apps too) counts its searches
        try:
            private = await fake.followup(await fake.slash("ask", question=FLOUR, private=True))
            public_button = next(c for c in fake.buttons(private) if c.startswith("nb:public:"))
            replies = []
            for _ in range(6):
                at = len(fake.requests)
                token = await fake.click(private, public_button)
                replies.append(
                    await fake.wait_for(
                        lambda r, t=token: t in r.path
                        and (
                            (r.path.endswith("/callback") and r.body["type"] == 4)
                            or (r.method == "POST" and "webhooks" in r.path)
                        ),
                        after=at,
                    )
                )
        finally:
            type(app).ask = ask
    posted = [r for r in replies if "webhooks" in r.path]
    refused = [r for r in replies if r.path.endswith("/callback")]
    assert asked == [FLOUR]  # the one search the question made; posting never searches again
    assert len(posted) == 2 and len(refused) == 4  # 3 a minute: the question and two posts
    assert "asking quickly" in refused[0].body["data"]["content"]
    message = fake.messages[posted[0].message_id]
    assert message["embeds"] == private["embeds"] and not message.get("flags")  # public, as the member saw it
    assert "shared this answer" in message["content"]


# ---- 4. a frozen database freezes every interaction -----------------------------------------------


class FrozenState:
    """The bot's state behind a database that stopped answering: every call waits until `thaw`."""

    def __init__(self, state) -> None:
        self._state = state
        self.thawed = __import__("threading").Event()

    def __getattr__(self, name):
        real = getattr(self._state, name)
        if name == "close" or not callable(real):
            return real

        def frozen(*args, **kwargs):
            self.thawed.wait(30)
            return real(*args, **kwargs)

        return frozen


async def test_a_frozen_database_is_told_in_time_and_holds_no_other_command(fake, seed_app, monkeypatch):
    frozen: list[FrozenState] = []
    open_state = discord_harness.open_state
    monkeypatch.setattr(
        discord_harness, "open_state", lambda *a: frozen.append(FrozenState(open_state(*a))) or frozen[-1]
    )
    app = seed_app(cooldown_seconds=0)
    if app.config.store.backend == "postgres":
        pytest.skip("the frozen state stands in for either database; once is enough")
    async with running_bot(fake, app):
        try:
            async with loop_lag() as lag:
                ask = await fake.slash("ask", question=FLOUR)
                sources = await fake.slash("sources")
                ask_ack = await fake.callback(ask)
                sources_ack = await fake.callback(sources)
                listed = await fake.followup(sources)
                told = await fake.followup(ask, timeout=10)
        finally:
            frozen[0].thawed.set()
    assert ask_ack.body["type"] == 5 and sources_ack.body["type"] == 5
    assert "Indexed articles" in listed["embeds"][0]["title"]
    assert told["content"] == DATABASE_DOWN
    assert lag.worst < 0.5


# ---- 9. members never hear where the database is ----------------------------------------------------


def test_a_mismatch_tells_members_nothing_of_the_database():
    error = IndexMismatchError(
        "the index in corpus 'index' of postgresql://newsbot@db.internal:5432/news was made " "by another model",
        "rebuild it",
    )
    assert message_for(error) == INDEX_MISFITS and "db.internal" not in INDEX_MISFITS
    assert message_for(TimeoutError()) == DATABASE_DOWN


async def test_stats_shows_the_corpus_folders_to_moderators_only(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        member = await fake.followup(await fake.slash("stats", who=p.MEMBER))
        moderator = await fake.followup(await fake.slash("stats", who=p.MODERATOR))
    assert "Corpus" not in {f["name"] for f in member["embeds"][0]["fields"]}
    assert "Corpus" in {f["name"] for f in moderator["embeds"][0]["fields"]}


# ---- 10. a display name's Markdown ------------------------------------------------------------------


async def test_a_display_name_is_not_rendered_as_markdown(fake, seed_app):
    sly = p.user(1_100_000_000_000_000_499, "sly")
    sly["global_name"] = "[click me](https://evil.example) # big\u202e\u200b"
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        private = await fake.followup(await fake.slash("ask", question=FLOUR, private=True, who=sly))
        button = next(c for c in fake.buttons(private) if c.startswith("nb:public:"))
        posted = await fake.followup(await fake.click(private, button, who=sly))
    assert posted["content"].startswith("\\[click me\\](https://evil.example)")  # literal brackets, no link
    assert "\u202e" not in posted["content"] and "\u200b" not in posted["content"]  # nothing reversed or hidden


# ---- 11. empty mentions and "asking quickly" replies -------------------------------------------------


async def test_empty_mentions_and_wait_notices_are_limited(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_questions=2, cooldown_seconds=60)):
        at = len(fake.requests)
        for _ in range(8):
            await fake.say(f"<@{p.BOT_USER_ID}>")
        await fake.say(f"<@{p.BOT_USER_ID}> {FLOUR}", who=p.MODERATOR)  # someone else's question, answered
        await fake.wait_for(lambda r: r.method == "POST" and "embeds" in (r.body or {}), after=at)
        await asyncio.sleep(0.5)
    replies = [r for r in fake.requests[at:] if r.method == "POST" and r.path.endswith("/messages")]
    texts = [json.dumps(r.body) for r in replies]
    assert sum("Ask me a question" in t for t in texts) == 2
    assert sum("asking quickly" in t for t in texts) == 1
    assert len(replies) == 4


# ---- 12. the first question after a PostgreSQL restart -----------------------------------------------


def test_a_search_after_the_server_dropped_the_connection_is_answered(tmp_path, postgres_url):
    import psycopg

    from index import PostgresStore

    from .fakes import FakeEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Council vote\n\nThe council voted on the harbour on Monday.\n")
    store = PostgresStore(postgres_url, "restart")
    try:
        build_index([corpus], store, FakeEmbedder())
        index = store.open(FakeEmbedder())
        assert index.search("council harbour", k=1)
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # as a restart does to every session
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        assert "council voted" in index.search("council harbour", k=1)[0].chunk.text
    finally:
        store.close()


# ---- 5. no message shows a password or a token, however malformed ----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://nb:S3cr%ZZet@127.0.0.1:1/news",  # a bad percent escape
        "postgresql://nb:S3cret@[127.0.0.1:1/news",  # an unclosed [
        "postgresql://nb:S3c@ret@127.0.0.1:1/news",  # an @ inside the password
        "postgresql+psycopg://nb:S3cret@127.0.0.1:1/news",  # SQLAlchemy's scheme
        " postgresql://nb:S3cret@127.0.0.1:1/news",  # a leading space
        "host=127.0.0.1 port=1 password=S3cret dbname=news",  # key=value
    ],
)
def test_a_malformed_database_url_never_shows_its_password(cli, tmp_path, monkeypatch, url):
    (tmp_path / "config.toml").write_text('[store]\nbackend = "postgres"\n')
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", url)
    status, out, err = cli("index", "stats")
    assert status == 2 and err.startswith("newsbot: error: ") and err.count("\n") == 1, err
    assert "S3c" not in out + err and "ret@" not in err and "ZZet" not in err
    monkeypatch.delenv("NEWSBOT_DATABASE_URL")
    (tmp_path / "config.toml").write_text(f'[store]\nbackend = "postgres"\nurl = "{url}"\n')
    status, out, err = cli("index", "stats")
    assert status == 2 and err.count("\n") == 1 and "S3c" not in out + err and "ZZet" not in err, err


@pytest.mark.parametrize(
    "toml",
    [
        "[discord]\ntoken = 1234567890123\n",
        'token = "MTIzNDU2Nzg5.secret"\n',
        '[discord]\ntoken = ["MTIzNDU2Nzg5.secret"]\n',
        'DISCORD_TOKEN = "MTIzNDU2Nzg5.secret"\n',
        'bot_token = "MTIzNDU2Nzg5.secret"\n',
        'secrets = ["MTIzNDU2Nzg5.secret"]\n',
    ],
)
def test_a_malformed_token_is_never_echoed(cli, tmp_path, toml):
    (tmp_path / "config.toml").write_text(toml)
    status, _, err = cli("index", "stats")
    assert status == 2 and err.count("\n") == 1
    assert "1234567890123" not in err and "MTIzNDU2Nzg5" not in err and toml.split("=")[0].split()[-1] in err


def test_a_url_whose_user_hides_the_password_is_not_shown():
    from index.stores.postgres.schema import UNNAMED, redacted

    assert redacted("postgresql://nb%3AS3cret@127.0.0.1:1/news") == UNNAMED


# ---- 6. a role without CREATE on the database ---------------------------------------------------------


def test_a_role_without_create_uses_a_current_schema_without_ddl(postgres_url):
    import uuid

    import psycopg

    from index import connect_database

    connect_database(postgres_url).close()  # the owner applies the migrations once
    role = "reader_" + uuid.uuid4().hex[:8]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA newsbot TO {role}")
        admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA newsbot TO {role}")
    before, _, after = postgres_url.partition("://")[2].partition("@")
    as_reader = f"postgresql://{role}@{after}"
    with connect_database(as_reader) as connection:  # no CREATE SCHEMA, no CREATE TABLE: nothing refused
        assert connection.execute("SELECT count(*) FROM newsbot.migrations").fetchone()[0] >= 2
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")


# ---- 7. a full disk during `index add` -------------------------------------------------------------


def test_a_full_disk_during_add_is_one_line_and_leaves_nothing_behind(cli, tmp_path, monkeypatch):
    import errno

    from index.stores.files import store as file_store

    (tmp_path / "config.toml").write_text('[corpus]\npaths = ["corpus"]\nadded_dir = "added"\n\n[index]\ndir = "ix"\n')
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Council vote\n\nMarch 3 (AP) -- The council voted on the harbour.\n")
    assert cli("index", "build")[0] == 0
    served = (tmp_path / "ix" / "current").resolve()
    article = tmp_path / "ferry.txt"
    article.write_text("Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike on Monday.\n")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(file_store, "write_word_counts", full)
    status, _, err = cli("index", "add", str(article))
    assert status == 2 and err.count("\n") == 1 and "No space left on device" in err and "index version in ix" in err
    assert not list((tmp_path / "ix" / "versions").glob(".partial-*"))
    assert (tmp_path / "ix" / "current").resolve() == served and article.exists()
    assert not (tmp_path / "added" / "ferry.txt").exists()  # the corpus folder is as it was


# ---- 8. control characters in an article's metadata --------------------------------------------------


def test_control_characters_in_metadata_are_cleaned_for_both_stores(tmp_path, index_at):
    from index import load_corpus

    from .fakes import FakeEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    record = {
        "_id": "a1",
        "title": "Bridge\u0000 reopens\u0007\u202e\u200b",
        "byline": "Ana\u0000 Lima",
        "source": "Gazette\u001b[31m",
        "text": "The bridge reopened\u0000 on Tuesday after repairs.",
    }
    (corpus / "news.jsonl").write_text(json.dumps(record) + "\n")
    [article] = load_corpus([corpus]).articles
    assert (article.meta.title, article.meta.byline, article.meta.outlet) == (
        "Bridge reopens",
        "Ana Lima",
        "Gazette [31m",
    )
    assert "\x00" not in article.text
    report = build_index([corpus], index_at, FakeEmbedder())
    assert report.manifest.articles == 1


# ---- 13. config files a user may write ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ('[guilds."²"]\npaths = ["x"]\nindex_dir = "y"\n'.encode(), "is not a guild section"),
        ("[search]\nk = 3\n".encode("utf-16"), "is UTF-16 text"),
        (b"[search]\nk = \xff\n", "is not UTF-8 text (line 2)"),
        (("x = " + "[" * 5000 + "]" * 5000 + "\n").encode(), "nests arrays or tables too deeply"),
        (b"[search]\nk = [1,\n2\n\n[index]\n", "it was opened on an earlier line"),
        (b"[search]\nk" + b".a" * 1000 + b" = 1\n", "[search] k = {'a': {'a': {...}}} is not allowed"),
        (b'[discord]\ndata_dir = "da\\u0000ta"\n', "[discord] data_dir = 'da\\x00ta' is not allowed"),
        (b'[index]\ndir = "i\\u0000x"\n', "[index] dir = 'i\\x00x' is not allowed"),
    ],
)
def test_a_config_file_newsbot_cannot_read_is_one_line(cli, tmp_path, data, said):
    (tmp_path / "config.toml").write_bytes(data)
    status, _, err = cli("index", "stats")
    assert status == 2 and err.count("\n") == 1 and said in err, err


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path):
    from bot.core.config import load_config

    (tmp_path / "config.toml").write_bytes(b"\xef\xbb\xbf[search]\nk = 4\n")
    assert load_config().search.k == 4


def test_a_data_dir_that_cannot_be_written_is_one_line(tmp_path):
    from bot.core.config import Config, DiscordSettings
    from bot.core.service import Newsbot
    from bot.discord_bot.state import open_state
    from index import ConfigError

    (tmp_path / "taken").write_text("a file where a folder should be")
    app = Newsbot(Config(discord=DiscordSettings(data_dir=tmp_path / "taken")))
    with pytest.raises(ConfigError, match=r"cannot keep its state in .*taken/bot\.sqlite.*data_dir"):
        open_state(app, tmp_path / "taken" / "bot.sqlite")


# ---- 14. an article too long for Discord is refused before any model work ------------------------------


def test_a_huge_single_paragraph_is_refused_before_it_is_tokenized(fake_corpus_app, monkeypatch):
    from bot.core import corpus_admin
    from index import CorpusError

    monkeypatch.setattr(corpus_admin, "chunk_article", lambda *a, **k: pytest.fail("tokenized"))
    text = "Huge story\n\nMay 1 (AP) -- " + "The council met again and talked. " * 150_000 + "\n"
    assert len(text) > 4_000_000
    with pytest.raises(CorpusError, match="word pieces, more than the 1,000 passages"):
        corpus_admin.add_upload(fake_corpus_app, "huge.txt", text.encode(), dry_run=True, max_passages=1000)
    long_words = "Huge story\n\nMay 1 (AP) -- " + ("a" * 100 + " ") * 49_000  # 49,000 words: 4 pieces each at least
    with pytest.raises(CorpusError, match="word pieces, more than the 1,000 passages"):
        corpus_admin.add_upload(fake_corpus_app, "long.txt", long_words.encode(), dry_run=True, max_passages=1000)


def test_a_sentence_with_no_end_is_tokenized_in_bounded_calls_and_a_passage_in_bounded_characters():
    from index import Article, ArticleMeta
    from index.text.chunking import MAX_PASSAGE_CHARS, MAX_SENTENCE_CHARS, ChunkerSettings, chunk_article

    from .fakes import FakeEmbedder

    seen: list[int] = []

    class Watching(FakeEmbedder):
        def token_offsets(self, text):
            seen.append(len(text))
            return super().token_offsets(text)

        def count_tokens(self, texts):
            seen.extend(len(text) for text in texts)
            return super().count_tokens(texts)

    digits = "May 1 (AP) -- The council voted. " + "1234567890" * 50_000  # one 500,000-character "word"
    chunks = chunk_article(Article(ArticleMeta("d", "Digits"), digits), Watching(), ChunkerSettings())
    assert max(seen) <= MAX_SENTENCE_CHARS + 200  # a title and a passage at most: never the whole text
    assert max(len(chunk.text) for chunk in chunks) <= MAX_PASSAGE_CHARS


# ---- found by attacking it again: host details in Discord, SQL statements a question sends -------------


def test_members_and_moderators_never_see_the_hosts_settings():
    from bot.discord_bot.errors import HOST_MUST_FIX
    from index import ConfigError, ModelError, StorageError

    for error in (
        ConfigError("corpus path /srv/news does not exist", "fix the path"),
        ModelError("cannot write the model cache /srv/models (Not a directory)", "set [index] model_cache"),
        StorageError("cannot write the new index version in /srv/ix (No space left on device)", "free space"),
    ):
        assert message_for(error) == HOST_MUST_FIX


async def test_a_failed_reindex_does_not_show_the_corpus_folder(fake, corpus_app, tmp_path):
    import shutil

    async with running_bot(fake, corpus_app):
        shutil.rmtree(tmp_path / "corpus")
        token = await fake.slash("reindex", who=p.MODERATOR)
        edited = await fake.wait_for(
            lambda r: r.method == "PATCH" and token in r.path and "failed" in (r.body.get("content") or ""), timeout=30
        )
    assert str(tmp_path) not in edited.body["content"] and "corpus" not in edited.body["content"].split("index.")[-1]


def test_a_question_sends_a_bounded_number_of_statements_to_postgres(tmp_path, postgres_url, monkeypatch):
    from bot.core.config import Config, CorpusSettings, StoreSettings
    from bot.core.service import Newsbot

    from .fakes import FakeEmbedder

    corpus = corpus_of_words(tmp_path, articles=30, vocabulary=400)
    app = Newsbot(
        Config(corpus=CorpusSettings(paths=(corpus,)), store=StoreSettings(backend="postgres", url=postgres_url)),
        embedder=FakeEmbedder(),
        index_dir=tmp_path / "ix",
    )
    try:
        app.rebuild()
        app.ask("warm up the council")
        sent: list[str] = []
        execute = type(app.store.connection()).execute

        def counted(connection, query, params=None, **kwargs):
            sent.append(str(query)[:40])
            return execute(connection, query, params, **kwargs)

        monkeypatch.setattr(type(app.store.connection()), "execute", counted)
        app.ask(" ".join(f"w{i}" for i in range(400)) + " " + " ".join(f"zz{i}q" for i in range(100)))
    finally:
        app.close()
    assert len(sent) <= 40, sent  # not one look-up per word: 1,000 statements before


def test_a_filter_given_apart_is_cleaned_like_the_question(fake_corpus_app):
    from index import SearchFilters

    answer = fake_corpus_app.ask("what did the ministry say?", filters=SearchFilters(source="U\x00P\u202eI"))
    assert answer.filters.source == "UPI"


def test_a_paragraph_the_segmenter_is_slow_on_is_read_in_bounded_windows(monkeypatch):
    import sentencex

    from index.text import sentences

    seen: list[int] = []
    segment = sentencex.segment
    monkeypatch.setattr(
        sentences.sentencex, "segment", lambda language, text: seen.append(len(text)) or segment(language, text)
    )
    spans = sentences.sentence_spans("May 1 (AP) -- " + ";!" * 160_000)  # quadratic for sentencex: 21 s whole
    assert spans and max(seen) <= sentences.SEGMENT_CHARS


async def test_filter_options_are_cleaned_before_they_are_read_or_told(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        bad = await fake.callback(await fake.slash("ask", question=FLOUR, since="\u202eyester\u200bday\x00"))
    assert bad.body["data"]["content"].startswith("since:yesterday is not a date")
