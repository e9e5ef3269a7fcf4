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
from index import IndexMismatchError, NewsIndex, build_index
from index.lexical import MAX_QUERY_TERMS, MAX_TERM_WEIGHT, query_terms

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
        "bold under gone spoiler code the text")
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
    from index.postgres_store import PostgresLexical

    from .fakes import FakeEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        words = " ".join(f"w{(i * 7 + j) % 90}" for j in range(30))
        (corpus / f"a{i:02d}.txt").write_text(f"Story {i}\n\nThe council met. {words} council vote.\n")
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
        lexical = store.open(FakeEmbedder())._parts()[1]
        assert isinstance(lexical, PostgresLexical)
        in_sql = lexical.search(question, 10)
        in_memory = NewsIndex.open(tmp_path / "ix", FakeEmbedder())._parts()[1].search(question, 10)
    finally:
        store.close()
    [params] = sent
    assert params["terms"].count("council") == 1 and max(params["weights"]) <= MAX_TERM_WEIGHT
    assert params["most"] == MAX_QUERY_TERMS
    assert len(in_sql) == len(in_memory) == 10
    assert [round(score, 3) for _, score in in_sql] == [round(score, 3) for _, score in in_memory]


def test_a_search_on_postgres_runs_under_a_statement_timeout(tmp_path, postgres_url, monkeypatch):
    from index import PostgresStore
    from index.postgres_store import SEARCH_TIMEOUT_MS, PostgresLexical

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
                replies.append(await fake.wait_for(lambda r, t=token: t in r.path and (
                    (r.path.endswith("/callback") and r.body["type"] == 4) or (r.method == "POST" and "webhooks" in r.path)),
                    after=at))
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
    monkeypatch.setattr(discord_harness, "open_state", lambda *a: frozen.append(FrozenState(open_state(*a))) or frozen[-1])
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
    error = IndexMismatchError("the index in corpus 'index' of postgresql://newsbot@db.internal:5432/news was made "
                               "by another model", "rebuild it")
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
    sly["global_name"] = "[click me](https://evil.example) # big"
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        private = await fake.followup(await fake.slash("ask", question=FLOUR, private=True, who=sly))
        button = next(c for c in fake.buttons(private) if c.startswith("nb:public:"))
        posted = await fake.followup(await fake.click(private, button, who=sly))
    assert posted["content"].startswith("\\[click me](https://evil.example)")  # a literal [, no link


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
