"""Security findings of issue 9 (moderator commands turned against the host, the network or other
guilds): one test per finding, through the same front ends an attacker uses (the Discord bot on the
fake Discord, the CLI, corpus_admin). The fetcher's address policy has its own module
(test_security_fetch.py), as do corpus inputs (test_security_inputs.py) and damaged index versions
(test_security_index.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sqlite3
import sys
import threading
from dataclasses import replace

import pytest

from bot.core.service import Newsbot
from bot.discord_bot.state import BotState
from index import IndexBusyError, NewsbotError, open_index

from .conftest import SEED_2021, SEEDS
from .discord_harness import running_bot
from .fake_discord import payloads as p
from .fakes import FakeEmbedder

HARBOUR = (
    b"Harbour bridge reopens after repairs\n\nBy Ana Lima\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday.\n"
)
FERRY = b"Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike on Monday after a week.\n"
FLOUR = "How much flour did Russia deliver to North Korea?"
SECRET = "The host's secret launch code is swordfish-4711.\n\nIt must never be quoted to anyone.\n"


@pytest.fixture
def app(fake_corpus_app):
    return fake_corpus_app


@pytest.fixture
def newsbot(app, tmp_path, cli):
    """`newsbot ...` as a user types it, on the corpus and index of `app` (config.toml in the working folder)."""
    (tmp_path / "config.toml").write_text('[corpus]\npaths = ["corpus"]\nadded_dir = "added"\n\n[index]\ndir = "ix"\n')
    return cli


def articles(tmp_path) -> set[str]:
    return set(open_index(tmp_path / "ix", FakeEmbedder()).articles)


def trash_files(tmp_path) -> dict[str, bytes]:
    """Every article file kept in the trash, by name, with its bytes (several of one name: name#2, ...)."""
    kept: dict[str, bytes] = {}
    for path in sorted((tmp_path / "added" / ".trash").rglob("*.txt")):
        name = path.name
        while name in kept:
            name += "#"
        kept[name] = path.read_bytes()
    return kept


def embed_of(message: dict) -> dict:
    [embed] = message["embeds"]
    return embed


def text_of(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


# ---- 1. local paths through /add url: and `HTTP://` taken for a path ------------------------------


async def test_add_url_from_discord_never_reads_a_path_of_the_host(fake, corpus_app, tmp_path):
    secret = tmp_path / "host-secret.txt"
    secret.write_text(SECRET)
    async with running_bot(fake, corpus_app):
        as_path = await fake.followup(await fake.slash("add", who=p.MODERATOR, url=str(secret)))
        missing = await fake.followup(await fake.slash("add", who=p.MODERATOR, url=str(tmp_path / "no-such-file.txt")))
        dry = await fake.followup(await fake.slash("add", who=p.MODERATOR, url=f"file://{secret}", dry_run=True))
        asked = await fake.followup(await fake.slash("ask", question="What is the secret launch code?"))
    assert "swordfish" not in text_of(as_path) + text_of(dry) + text_of(asked)
    assert "host-secret" not in json.dumps(sorted(corpus_app.index.articles))
    # the same reply whether or not the path exists: nothing is learnt about the host's files
    assert as_path["content"].replace(str(secret), "X") == missing["content"].replace(
        str(tmp_path / "no-such-file.txt"), "X"
    )
    assert "http" in as_path["content"]


def test_cli_takes_upper_case_http_for_a_url_not_a_path(newsbot, tmp_path):
    """`HTTP://...` was taken as a local path; it is a URL, and this one points at the host itself."""
    folder = tmp_path / "HTTP:" / "127.0.0.1"  # the path that `HTTP://127.0.0.1/x.txt` names, taken as a path
    folder.mkdir(parents=True)
    (folder / "x.txt").write_text(SECRET)
    status, _, err = newsbot("index", "add", "HTTP://127.0.0.1/x.txt")
    assert status == 2 and "not a public address" in err
    assert "x" not in articles(tmp_path)


# ---- 2. SSRF through /add url: ------------------------------------------------------------------------


async def test_add_url_from_discord_refuses_the_hosts_own_network(fake, corpus_app):
    """The fake Discord itself listens on 127.0.0.1: the bot must not fetch from it, even in a dry run."""
    fake.files["internal.html"] = (
        b"<html><head><title>Internal admin panel</title></head><body><p>" + b"x " * 50 + b"</p></body></html>"
    )
    urls = [
        f"http://127.0.0.1:{fake.port}/attachments/internal.html",
        f"http://localhost:{fake.port}/attachments/internal.html",
        f"http://0x7f000001:{fake.port}/attachments/internal.html",
        f"http://[::1]:{fake.port}/attachments/internal.html",
    ]
    async with running_bot(fake, corpus_app):
        replies = [await fake.followup(await fake.slash("add", who=p.MODERATOR, url=url, dry_run=True)) for url in urls]
    assert fake.attachment_requests == 0
    for reply in replies:
        assert "Internal admin panel" not in text_of(reply)
        assert "not a public address" in reply["content"] or "cannot reach" in reply["content"].lower()


# ---- 3. a moderator of another guild changes the shared corpus ------------------------------------


async def test_a_stranger_guilds_moderator_cannot_change_the_shared_corpus(fake, corpus_app, tmp_path):
    async with running_bot(fake, corpus_app):  # the config names only p.GUILD_ID in shared_corpus_guild_ids
        other = {"who": p.STRANGER, "guild_id": p.OTHER_GUILD_ID}
        add = await fake.callback(await fake.slash("add", files={"file": ("harbour.txt", HARBOUR)}, **other))
        remove = await fake.callback(await fake.slash("remove", article=SEED_2021, **other))
        reindex = await fake.callback(await fake.slash("reindex", **other))
        restore = await fake.callback(await fake.slash("restore", article=SEED_2021, **other))
        titles = await fake.callback(await fake.slash("remove", focused="article", article="", **other))
        member_titles = await fake.callback(await fake.slash("remove", who=p.MEMBER, focused="article", article=""))
        trash = await fake.callback(await fake.slash("restore", who=p.MEMBER, focused="article", article=""))
        # a moderator of a listed guild may
        allowed = await fake.followup(await fake.slash("add", who=p.ROLE_HOLDER, files={"file": ("ferry.txt", FERRY)}))
    for refused in (add, remove, reindex, restore):
        content = refused.body["data"]["content"]
        assert refused.body["data"]["flags"] == 64 and "articles of its own" in content, content
    assert titles.body["data"]["choices"] == [] and member_titles.body["data"]["choices"] == []
    assert trash.body["data"]["choices"] == []
    assert SEED_2021 in corpus_app.index.articles and "harbour" not in corpus_app.index.articles
    assert not (tmp_path / "corpus" / "harbour.txt").exists()
    assert embed_of(allowed)["title"] == "Added: Ferry strike ends"


async def test_the_bots_owner_may_change_the_shared_corpus_from_any_guild(fake, corpus_app):
    async with running_bot(fake, corpus_app):  # p.MODERATOR owns the application in the fake
        added = await fake.followup(
            await fake.slash("add", who=p.MODERATOR, guild_id=p.OTHER_GUILD_ID, files={"file": ("ferry.txt", FERRY)})
        )
    assert embed_of(added)["title"] == "Added: Ferry strike ends"


# ---- 4. one download blocks every guild, and shutdown ---------------------------------------------


async def test_a_slow_add_in_one_guild_does_not_block_another_guilds_reindex(
    fake, tmp_path, real_embedder, seed_index_dir
):
    from bot.core.config import GuildSettings

    from .discord_harness import copy_index, make_app

    club = tmp_path / "club"
    club.mkdir()
    (club / "ferry.txt").write_bytes(FERRY)
    shutil.copytree(SEEDS, tmp_path / "shared")
    app = make_app(
        fake, tmp_path, real_embedder, copy_index(seed_index_dir, tmp_path / "index"), (tmp_path / "shared",)
    )
    app.config = replace(
        app.config, guilds={p.OTHER_GUILD_ID: GuildSettings(paths=(club,), index_dir=tmp_path / "club-ix")}
    )
    app.for_guild(p.OTHER_GUILD_ID).rebuild()
    fake.attachment_gate = release = asyncio.Event()  # the upload is slow to download
    async with running_bot(fake, app):
        slow = await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)})
        deferred = await fake.callback(slow)
        same_guild = await fake.callback(await fake.slash("reindex", who=p.MODERATOR))
        other = await fake.slash("reindex", who=p.STRANGER, guild_id=p.OTHER_GUILD_ID)
        done = await fake.wait_for(
            lambda r: r.method == "PATCH" and other in r.path and "Reindex done" in (r.body.get("content") or ""),
            timeout=60,
        )
        release.set()
        added = await fake.followup(slow)
    assert deferred.body["type"] == 5  # acknowledged before the download
    assert "Another change to this server's articles" in same_guild.body["data"]["content"]
    assert "(1 article, 1 passage) stays in use" in done.body["content"]
    assert embed_of(added)["title"] == "Added: Harbour bridge reopens after repairs"


# ---- 5. add and remove during a build ------------------------------------------------------------------


class BlockingEmbedder(FakeEmbedder):
    """Blocks in its first embedding call until released, signalling that it got there."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.release = threading.Event(), threading.Event()

    def embed_batch(self, texts):
        self.inside.set()
        assert self.release.wait(30)
        return super().embed_batch(texts)


def test_an_add_during_a_build_leaves_no_article_without_its_file(app, newsbot, tmp_path, monkeypatch):
    """A reindex that starts while an add is under way sees the whole add or none of it."""
    added = tmp_path / "added"
    builder_embedder = BlockingEmbedder()
    builder = Newsbot(app.config, embedder=builder_embedder, index_dir=app.index_dir)
    outcome = run_with_a_build_in_between(monkeypatch, builder, builder_embedder)
    (tmp_path / "harbour.txt").write_bytes(HARBOUR)
    outcome["add"] = newsbot("index", "add", str(tmp_path / "harbour.txt"))
    assert ("harbour" in articles(tmp_path)) == (added / "harbour.txt").exists(), outcome
    assert isinstance(outcome.get("build"), IndexBusyError) or outcome["add"][0] != 0


def test_a_remove_during_a_build_leaves_no_article_without_its_file(app, newsbot, tmp_path, monkeypatch):
    (tmp_path / "harbour.txt").write_bytes(HARBOUR)
    assert newsbot("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    (tmp_path / "corpus" / "ferry.txt").write_bytes(FERRY)  # an article the reindex must embed, so that it blocks there
    builder_embedder = BlockingEmbedder()
    builder = Newsbot(app.config, embedder=builder_embedder, index_dir=app.index_dir)
    outcome = run_with_a_build_in_between(monkeypatch, builder, builder_embedder)
    outcome["remove"] = newsbot("index", "remove", "harbour")
    assert ("harbour" in articles(tmp_path)) == (tmp_path / "added" / "harbour.txt").exists(), outcome


def run_with_a_build_in_between(monkeypatch, builder: Newsbot, embedder: BlockingEmbedder) -> dict:
    """When the change reaches its index update, a reindex by another process starts and gets as far as it can."""
    outcome: dict[str, object] = {}
    original_update = Newsbot.update

    def build():
        try:
            outcome["build"] = builder.rebuild()
        except NewsbotError as error:
            outcome["build"] = error

    def update_with_a_build_in_between(self, *args, **kwargs):
        if self is builder:
            return original_update(self, *args, **kwargs)
        thread = threading.Thread(target=build)
        thread.start()
        while thread.is_alive() and not embedder.inside.is_set():
            thread.join(0.01)
        try:
            return original_update(self, *args, **kwargs)
        finally:
            embedder.release.set()
            thread.join(30)

    monkeypatch.setattr(Newsbot, "update", update_with_a_build_in_between)
    return outcome


# ---- 8. the trash ------------------------------------------------------------------------------------


def test_removing_two_articles_of_the_same_name_keeps_both(app, newsbot, tmp_path):
    corpus = tmp_path / "added"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "harbour.txt").write_bytes(HARBOUR)
    (corpus / "harbour.txt").write_bytes(FERRY)
    assert newsbot("index", "build")[0] == 0
    assert newsbot("index", "remove", "sub/harbour")[0] == 0
    assert newsbot("index", "remove", "harbour")[0] == 0
    assert sorted(trash_files(tmp_path).values()) == sorted([HARBOUR, FERRY])


def test_remove_add_again_remove_again_keeps_every_removed_version(newsbot, tmp_path):
    friday = HARBOUR.replace(b"Tuesday", b"Friday")
    (tmp_path / "harbour.txt").write_bytes(HARBOUR)
    assert newsbot("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    assert newsbot("index", "remove", "harbour")[0] == 0
    (tmp_path / "harbour.txt").write_bytes(friday)
    assert newsbot("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    assert newsbot("index", "remove", "harbour")[0] == 0
    assert sorted(trash_files(tmp_path).values()) == sorted([HARBOUR, friday])
    assert newsbot("index", "restore", "harbour")[0] == 0  # the newest removal
    assert (tmp_path / "added" / "harbour.txt").read_bytes() == friday


def test_restore_puts_a_nested_article_back_where_it_was_with_its_id(newsbot, tmp_path):
    corpus = tmp_path / "added"
    (corpus / "world" / "asia").mkdir(parents=True)
    (corpus / "world" / "asia" / "harbour.txt").write_bytes(HARBOUR)
    assert newsbot("index", "build")[0] == 0
    assert newsbot("index", "remove", "world/asia/harbour")[0] == 0
    assert newsbot("index", "restore", "world/asia/harbour")[0] == 0
    assert (corpus / "world" / "asia" / "harbour.txt").read_bytes() == HARBOUR
    assert "world/asia/harbour" in articles(tmp_path) and "harbour" not in articles(tmp_path)
    assert not (corpus / "harbour.txt").exists()


@pytest.mark.parametrize("pattern", ["*", "?arbour", "[h]arbour", "harbour*", "../corpus/harbour"])
def test_restore_takes_an_id_not_a_pattern(newsbot, tmp_path, pattern):
    (tmp_path / "harbour.txt").write_bytes(HARBOUR)
    assert newsbot("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    assert newsbot("index", "remove", "harbour")[0] == 0
    status, _, err = newsbot("index", "restore", pattern)
    assert status == 2 and "no removed article" in err
    assert "harbour" not in articles(tmp_path)


def test_a_trash_that_is_a_link_is_refused_and_nothing_outside_is_touched(newsbot, tmp_path):
    outside = tmp_path / "outside"
    (outside / "private_notes").mkdir(parents=True)
    (outside / "private_notes" / "diary.txt").write_text(SECRET)
    (outside / "private_notes" / "other.dat").write_text("keep me")
    (tmp_path / "harbour.txt").write_bytes(HARBOUR)
    assert newsbot("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    (tmp_path / "added" / ".trash").symlink_to(outside)
    status, _, err = newsbot("index", "restore", "private_notes")
    assert status == 2 and "is a link" in err
    status, _, err = newsbot("index", "remove", "harbour")
    assert status == 2 and "is a link" in err
    assert sorted(p.name for p in (outside / "private_notes").iterdir()) == ["diary.txt", "other.dat"]
    assert (tmp_path / "added" / "harbour.txt").exists() and "harbour" in articles(tmp_path)
    assert "diary" not in articles(tmp_path)


def test_a_removal_folder_made_by_hand_with_links_is_never_restored(newsbot, tmp_path):
    corpus, outside = tmp_path / "added", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.toml").write_text('title = "from outside"\n')
    corpus.mkdir()
    (corpus / "live.txt").write_bytes(FERRY)
    assert newsbot("index", "build")[0] == 0
    planted = corpus / ".trash" / "20260101T000000.000000-abcdef"
    planted.mkdir(parents=True)
    (planted / "planted.txt").write_bytes(HARBOUR)
    (planted / "planted.meta.toml").symlink_to(outside / "secret.toml")
    (planted / "live.txt").symlink_to(outside / "secret.toml")  # the name of a live article
    status, _, err = newsbot("index", "restore", "planted")
    assert status == 2 and "no removed article" in err
    assert (corpus / "live.txt").read_bytes() == FERRY and not (corpus / "planted.txt").exists()


def test_a_restore_never_overwrites_a_file_of_the_corpus(newsbot, tmp_path):
    corpus = tmp_path / "added"
    corpus.mkdir()
    (corpus / "harbour.txt").write_bytes(HARBOUR)
    (corpus / "harbour.meta.toml").write_text('title = "the sidecar it had"\n')
    assert newsbot("index", "build")[0] == 0
    assert newsbot("index", "remove", "harbour")[0] == 0  # an article with a sidecar
    (corpus / "harbour.meta.toml").write_text('title = "a new sidecar, written since"\n')
    status, _, err = newsbot("index", "restore", "harbour")
    assert status == 2 and "exists again" in err
    assert "written since" in (corpus / "harbour.meta.toml").read_text()
    assert len(trash_files(tmp_path)) == 1  # still in the trash, whole


def test_a_sidecar_that_is_a_link_is_not_read(app, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.toml").write_text('title = "TOP-SECRET from outside"\nbyline = "db_password=hunter2"\n')
    (tmp_path / "corpus" / f"{SEED_2021}.meta.toml").symlink_to(outside / "secret.toml")
    report = app.rebuild()
    meta = app.index.articles[SEED_2021]
    assert "SECRET" not in meta.title and meta.byline != "db_password=hunter2"
    assert any("not a link" in warning for warning in report.warnings)


# ---- 10. Discord: acknowledge first, big articles, .jsonl, names --------------------------------------


async def test_an_attachment_is_downloaded_only_after_the_interaction_is_acknowledged(fake, corpus_app):
    async with running_bot(fake, corpus_app):
        token = await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)})
        added = await fake.followup(token)
    callback = next(i for i, r in enumerate(fake.requests) if r.path.endswith(f"/{token}/callback"))
    download = next(i for i, r in enumerate(fake.requests) if r.path.startswith("/attachments/"))
    assert callback < download
    assert embed_of(added)["title"].startswith("Added:")


async def test_an_article_too_big_to_embed_in_time_is_refused_with_a_reason(fake, corpus_app, monkeypatch):
    long = b"Long report on the harbour\n\n" + b"\n\n".join(
        b"Paragraph %d tells of ships, cranes, tides and the harbour bridge repairs in great detail. " % i * 6
        for i in range(40)
    )
    async with running_bot(fake, corpus_app):
        admin = sys.modules["bot.discord_bot.cogs.admin"]  # the module as the bot loaded it, as an extension
        monkeypatch.setattr(admin, "MAX_PASSAGES_FROM_DISCORD", 3, raising=False)  # 40 passages: too many
        reply = await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("long.txt", long)}))
    assert "passages" in reply["content"] and "command line" in reply["content"], reply["embeds"]
    assert "long" not in corpus_app.index.articles


async def test_a_jsonl_attachment_is_refused_with_a_sentence_that_says_why(fake, corpus_app):
    record = json.dumps({"_id": "a", "text": "Ferry crews ended their strike."}).encode()
    async with running_bot(fake, corpus_app):
        reply = await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("many.jsonl", record)}))
    assert "holds many articles" in reply["content"]


NAMES = {  # what a member's upload is called -> the file it is saved as (None: refused)
    "": None,
    "..": None,
    ".hidden.txt": "hidden.txt",
    "a" * 300 + ".txt": "a" * 80 + ".txt",
    "evil\u202etxt.md": "evil-txt.md",
    "../../escape.txt": "escape.txt",
    "CON .TXT": "CON.txt",
}


async def test_uploaded_file_names_are_made_safe_and_survive_a_reindex(fake, corpus_app, tmp_path):
    corpus = corpus_app.config.corpus.added_dir
    replies = {}
    async with running_bot(fake, corpus_app):
        for number, name in enumerate(NAMES):
            story = HARBOUR.replace(b"Harbour bridge", b"Bridge %d" % number)
            replies[name] = await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": (name, story)}))
        token = await fake.slash("reindex", who=p.MODERATOR)
        await fake.wait_for(
            lambda r: r.method == "PATCH" and token in r.path and "Reindex done" in (r.body.get("content") or ""),
            timeout=60,
        )
    indexed = set(corpus_app.index.articles)
    for name, saved_as in NAMES.items():
        if saved_as is None:
            assert "not a .txt, .md or .html file" in replies[name]["content"], replies[name]
        else:
            assert embed_of(replies[name])["title"].startswith("Added: Bridge"), (name, replies[name])
            assert (corpus / saved_as).is_file() and saved_as.rsplit(".", 1)[0] in indexed, name
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("data", "index")) == ["corpus"]


# ---- Low: More and the cooldown, stored answers, user ids ---------------------------------------------


async def test_more_counts_against_the_cooldown(fake, seed_app):
    app = seed_app(cooldown_questions=1, cooldown_seconds=60)
    async with running_bot(fake, app):
        answer = await fake.followup(await fake.slash("ask", question=FLOUR, passages=1))
        more = next(cid for cid in fake.buttons(answer) if cid.startswith("nb:more:"))
        click = await fake.click(answer, more)
        reply = await fake.callback(click)
    assert reply.body["type"] == 4 and "try again in" in reply.body["data"]["content"]


def test_stored_answers_expire(tmp_path):
    state = BotState(tmp_path / "bot.sqlite", keep_days=30)
    old = state.save_answer("old question", 3, False, ["a#0"])
    fresh = state.save_answer("new question", 3, False, ["a#1"])
    state._db.execute("UPDATE answers SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    assert state.answer(old) is None and state.answer(fresh) is not None
    state.close()
    reopened = BotState(tmp_path / "bot.sqlite", keep_days=30)  # pruned at start
    rows = reopened._db.execute("SELECT id FROM answers").fetchall()
    reopened.close()
    assert rows == [(fresh,)]


async def test_no_user_ids_or_names_are_stored_or_logged(fake, corpus_app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="newsbot")
    async with running_bot(fake, corpus_app):
        answer = await fake.followup(await fake.slash("ask", question=FLOUR))
        vote = next(cid for cid in fake.buttons(answer) if cid.startswith("nb:vote:"))
        await fake.callback(await fake.click(answer, vote))
        await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)}))
        token = await fake.slash("reindex", who=p.MODERATOR)
        await fake.wait_for(
            lambda r: r.method == "PATCH" and token in r.path and "Reindex done" in (r.body.get("content") or ""),
            timeout=60,
        )
    database = sqlite3.connect(tmp_path / "data" / "bot.sqlite")
    dump = "\n".join(database.iterdump())
    database.close()
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("newsbot"))
    for who in (p.MEMBER, p.MODERATOR):
        assert who["id"] not in dump, [line for line in dump.splitlines() if who["id"] in line]
        assert who["id"] not in logged
        assert who["username"] not in dump.replace("'moderators'", "")
