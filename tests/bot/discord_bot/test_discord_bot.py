"""End to end: the real discord.py client against the fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from bot.core.service import corpus_key
from bot.discord_bot.state import BotState, open_state
from index import Embedder, build_index
from tests.conftest import SEEDS
from tests.discord_harness import copy_index, make_app, running_bot
from tests.fake_discord import payloads as p
from tests.fakes import FakeEmbedder

pytestmark = pytest.mark.model

FLOUR = "How much flour did Russia deliver to North Korea?"
REUNION = "What did North Korea's foreign ministry call the 2019 summit between Kim Jong Un and Putin?"


def embed_of(message: dict) -> dict:
    [embed] = message["embeds"]
    return embed


def passage_count(embed: dict) -> int:
    """Passages are block quotes separated by a blank line."""
    return len(embed["description"].split("\n\n"))


def sources_text(embed: dict) -> str:
    return "\n".join(f["value"] for f in embed.get("fields", []))


async def test_ask_answers_with_quotes_and_the_seed_citation(fake, seed_app):
    async with running_bot(fake, seed_app()):
        assert fake.identify["token"] == "fake-token-not-a-secret"
        assert set(fake.commands) == {
            "ask",
            "sources",
            "stats",
            "timeline",
            "reindex",
            "add",
            "remove",
            "restore",
            "gaps",
            "feed",
        }
        token = await fake.slash("ask", question=FLOUR)
        deferred = await fake.callback(token)
        assert deferred.body["type"] == 5  # deferred at once: "newsbot is thinking..."
        message = await fake.followup(token)
    embed = embed_of(message)
    assert embed["title"] == FLOUR
    assert "**" in embed["description"] and "2,400 tons of flour" in embed["description"]
    assert embed["description"].startswith("> ")
    assert (
        "North Korea praises Russia's Putin on joint declaration anniversary · UPI · <t:1500465600:D> (<t:1500465600:R>)"
        in sources_text(embed)
    )
    assert [b.get("label") or b["emoji"]["name"] for b in fake.buttons(message).values()] == ["More", "👍", "👎"]
    assert not message["flags"] & 64


async def test_a_private_answer_can_be_posted_publicly(fake, seed_app):
    async with running_bot(fake, seed_app()):
        token = await fake.slash("ask", question=REUNION, private=True, passages=1)
        assert (await fake.callback(token)).body["data"]["flags"] == 64
        private = await fake.followup(token)
        assert private["flags"] & 64
        assert "historic reunion" in embed_of(private)["description"]
        public_button = next(cid for cid in fake.buttons(private) if cid.startswith("nb:public:"))
        click = await fake.click(private, public_button)
        shared = await fake.followup(click)
    assert not shared["flags"] & 64
    assert "historic reunion" in embed_of(shared)["description"]
    assert "UPI · <t:1626782400:D> (<t:1626782400:R>)" in sources_text(
        embed_of(shared)
    )  # each reader's own locale, and the age
    assert "shared this answer" in shared["content"]


async def test_a_mention_gets_the_same_answer_as_a_reply(fake, seed_app):
    async with running_bot(fake, seed_app()):
        asked = await fake.say(f"<@{p.BOT_USER_ID}> {FLOUR}")
        request = await fake.wait_for(lambda r: r.method == "POST" and r.path == f"/channels/{p.CHANNEL_ID}/messages")
        hint_at = len(fake.requests)
        await fake.say(f"<@{p.BOT_USER_ID}>")
        hint = await fake.wait_for(lambda r: r.method == "POST" and r.path.endswith("/messages"), after=hint_at)
    assert str(request.body["message_reference"]["message_id"]) == asked["id"]
    assert "2,400 tons of flour" in request.body["embeds"][0]["description"]
    assert request.body["allowed_mentions"]["replied_user"] is False
    assert "Ask me a question after the mention" in hint.body["content"]


async def test_reindex_is_for_moderators_only(fake, seed_app):
    async with running_bot(fake, seed_app()):
        assert int(fake.commands["reindex"]["default_member_permissions"]) == p.MANAGE_GUILD
        token = await fake.slash("reindex", who=p.MEMBER)
        refused = await fake.callback(token)
        role_token = await fake.slash("reindex", who=p.ROLE_HOLDER)  # a configured moderator role
        done = await fake.wait_for(
            lambda r: r.method == "PATCH" and role_token in r.path and "Reindex done" in (r.body.get("content") or ""),
            timeout=60,
        )
    assert refused.body["type"] == 4 and refused.body["data"]["flags"] == 64
    assert refused.body["data"]["content"].startswith("Only moderators can do that")
    assert (
        "Nothing had changed" in done.body["content"]
        and "(2 articles, 9 passages) stays in use" in done.body["content"]
    )


class GatedEmbedder(Embedder):
    """The real model, whose build-time embedding waits until the test opens the gate."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dimension, self.max_tokens = inner, inner.name, inner.dimension, inner.max_tokens
        self.gate, self.waiting = threading.Event(), threading.Event()

    def embed_batch(self, texts):
        return self.inner.embed_batch(texts)

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def token_offsets(self, text):
        return self.inner.token_offsets(text)

    def embed(self, texts, batch_size=32, progress=None):
        self.waiting.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return super().embed(texts, batch_size, progress)


async def test_members_get_answers_from_the_old_index_during_a_reindex(fake, tmp_path, real_embedder, seed_index_dir):
    gated = GatedEmbedder(real_embedder)
    index_dir = copy_index(seed_index_dir, tmp_path / "index")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "harbour.txt").write_text(
        "Harbour bridge reopens after repairs\n\nBy Ana Lima\n\nMarch 5 (AP) -- "
        "The harbour bridge reopened on Tuesday after eight months of repairs.\n"
    )
    app = make_app(fake, tmp_path, gated, index_dir, (SEEDS, extra))
    async with running_bot(fake, app):
        reindex = await fake.slash("reindex", who=p.MODERATOR)
        started = await fake.callback(reindex)
        assert "Reindex started" in started.body["data"]["content"]
        assert await asyncio.to_thread(gated.waiting.wait, 30)  # the build is under way, and held

        busy = await fake.slash("reindex", who=p.MODERATOR)
        assert "Another change to this server" in (await fake.callback(busy)).body["data"]["content"]
        asked = await fake.slash("ask", question=FLOUR)
        during = await fake.followup(asked)  # answered while the build is held: the loop is free
        harbour = await fake.slash("ask", question="When did the harbour bridge reopen?")
        before = await fake.followup(harbour)

        gated.gate.set()
        await fake.wait_for(
            lambda r: r.method == "PATCH" and reindex in r.path and "Reindex done" in (r.body.get("content") or ""),
            timeout=60,
        )
        after_token = await fake.slash("ask", question="When did the harbour bridge reopen?", passages=1)
        after = await fake.followup(after_token)
        stats = await fake.slash("stats", who=p.MEMBER)
        stats_message = await fake.followup(stats)  # acknowledged first, then answered
    assert "2,400 tons of flour" in embed_of(during)["description"]
    assert "harbour bridge reopened" not in json.dumps(before)  # the old index has no such article
    assert "harbour bridge reopened on Tuesday" in embed_of(after)["description"]
    stats_fields = {f["name"]: f["value"] for f in stats_message["embeds"][0]["fields"]}
    assert stats_fields["Articles"] == "3"
    assert ": Indexed 3 articles" in stats_fields["Last reindex"] and "moderator" not in stats_fields["Last reindex"]


async def test_the_cooldown_answers_try_again(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_questions=1, cooldown_seconds=60)):
        first = await fake.slash("ask", question=FLOUR)
        await fake.followup(first)
        second = await fake.slash("ask", question=REUNION)
        refused = await fake.callback(second)
        at = len(fake.requests)
        await fake.say(f"<@{p.BOT_USER_ID}> {FLOUR}")
        mention = await fake.wait_for(lambda r: r.path.endswith("/messages") and r.method == "POST", after=at)
    assert refused.body["data"]["flags"] == 64
    assert refused.body["data"]["content"].startswith("You're asking quickly: try again in ")
    assert mention.body["content"].startswith("You're asking quickly: try again in ")


async def test_more_and_feedback_buttons(fake, seed_app, tmp_path):
    app = seed_app(cooldown_seconds=0)
    async with running_bot(fake, app):
        token = await fake.slash("ask", question=REUNION, passages=1)
        message = await fake.followup(token)
        assert passage_count(embed_of(message)) == 1
        buttons = fake.buttons(message)
        more = next(cid for cid in buttons if cid.startswith("nb:more:"))
        at = len(fake.requests)
        click = await fake.click(message, more)
        assert (await fake.callback(click, after=at)).body["type"] == 6
        edit = await fake.wait_for(lambda r: r.method == "PATCH" and click in r.path, after=at)
        up = next(cid for cid in buttons if cid.endswith(":up"))
        down = next(cid for cid in buttons if cid.endswith(":down"))
        thanks = await fake.callback(await fake.click(message, up, who=p.MEMBER))
        await fake.callback(await fake.click(message, up, who=p.MODERATOR))
        await fake.callback(await fake.click(message, down, who=p.MEMBER))  # changes the member's vote
    assert passage_count(edit.body["embeds"][0]) > 1
    assert thanks.body["data"]["content"].startswith("Thanks! Your 👍")
    state = open_state(app, tmp_path / "data" / "bot.sqlite")
    rows = state.feedback_rows()
    assert sorted(vote for _, _, vote, _, _ in rows) == [-1, 1]
    assert all(row[3] == REUNION for row in rows)
    assert not any(p.MEMBER["id"] in json.dumps(row) for row in rows)  # a salted hash, not the id
    assert state.feedback_counts() == (1, 1)
    state.close()


async def test_buttons_keep_working_after_a_restart_or_say_they_expired(fake, seed_app):
    app = seed_app(cooldown_seconds=0)
    async with running_bot(fake, app):
        token = await fake.slash("ask", question=REUNION, passages=1)
        message = await fake.followup(token)
    more = next(cid for cid in fake.buttons(message) if cid.startswith("nb:more:"))
    async with running_bot(fake, app):  # a new client: nothing in memory
        at = len(fake.requests)
        click = await fake.click(message, more)
        edit = await fake.wait_for(lambda r: r.method == "PATCH" and click in r.path, after=at)
        forged = {
            **message,
            "components": [
                {
                    "type": 1,
                    "components": [{"type": 2, "style": 2, "label": "More", "custom_id": "nb:more:0123456789abcdef"}],
                }
            ],
        }
        expired = await fake.callback(await fake.click(forged, "nb:more:0123456789abcdef"))
    assert "historic reunion" in edit.body["embeds"][0]["description"]
    assert expired.body["data"]["content"].startswith("This answer has expired")


async def test_everyone_and_role_pings_in_passages_and_questions_ping_nobody(fake, tmp_path, real_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ping.txt").write_text(
        "Club notice about the annual meeting\n\nBy Club Staff\n\nMay 1 (AP) -- The secretary wrote @everyone and "
        "@here and <@&1100000000000000300> and <@1100000000000000401> to announce the annual meeting of the chess "
        "club on Friday at the library.\n"
    )
    build_index([corpus], tmp_path / "index", real_embedder)
    app = make_app(fake, tmp_path, real_embedder, tmp_path / "index", (corpus,))
    async with running_bot(fake, app):
        token = await fake.slash("ask", question="@everyone when is the annual meeting of the chess club?")
        message = await fake.followup(token)
        at = len(fake.requests)
        await fake.say(f"<@{p.BOT_USER_ID}> @here when is the chess club meeting?")
        reply = await fake.wait_for(lambda r: r.method == "POST" and r.path.endswith("/messages"), after=at)
    # the words are quoted, with a zero-width space that keeps them from ever being a mention
    assert "@\u200beveryone" in embed_of(message)["description"] and "@everyone" not in json.dumps(message)
    assert "everyone" not in embed_of(message)["title"]  # a ping in a question is no word of it
    for body in (fake.requests[-1].body, reply.body):
        assert body["allowed_mentions"]["parse"] == []
    # and the fake has checked every message the bot sent (see the fixture)


async def test_an_overlong_question_stays_within_discord_limits(fake, seed_app):
    question = ("Tell me everything about North Korea and Russia " * 120).strip()
    async with running_bot(fake, seed_app()):
        token = await fake.slash("ask", question=question, passages=5)
        message = await fake.followup(token)
    embed = embed_of(message)
    assert len(embed["title"]) <= 256 and embed["title"].endswith("…")


async def test_a_429_from_the_rest_api_is_waited_out(fake, seed_app):
    fake.rate_limit("POST", rf"/webhooks/{p.APPLICATION_ID}/[^/]+", times=1, retry_after=0.3)
    async with running_bot(fake, seed_app()):
        token = await fake.slash("ask", question=FLOUR)
        message = await fake.followup(token)
    attempts = [r for r in fake.requests if r.path == f"/webhooks/{p.APPLICATION_ID}/{token}"]
    assert len(attempts) == 2 and attempts[1].at - attempts[0].at >= 0.25
    assert "2,400 tons of flour" in embed_of(message)["description"]


async def test_sources_are_paginated(fake, tmp_path):
    corpus = tmp_path / "many.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(
                {
                    "_id": f"a{i:02}",
                    "title": f"Story number {i}",
                    "source": "Wire",
                    "date": f"2024-01-{i + 1:02}",
                    "text": f"Story {i} text.",
                }
            )
            for i in range(23)
        )
    )
    embedder = FakeEmbedder()
    build_index([corpus], tmp_path / "index", embedder)
    app = make_app(fake, tmp_path, embedder, tmp_path / "index", (corpus,))
    async with running_bot(fake, app):
        token = await fake.slash("sources")
        first = dict(await fake.followup(token))  # acknowledged first, then answered (turning edits it)
        at = len(fake.requests)
        turned = await fake.callback(await fake.click(first, "nb:sources:1:next"), after=at)
    assert first["embeds"][0]["title"] == "Indexed articles (23)"
    assert first["embeds"][0]["footer"]["text"] == "Page 1 of 3"
    assert "Story number 22" in first["embeds"][0]["description"]  # newest first
    assert turned.body["type"] == 7
    assert turned.body["data"]["embeds"][0]["footer"]["text"] == "Page 2 of 3"


async def test_ask_filters_by_date_and_source(fake, seed_app):
    question = "What did Putin and Kim Jong Il agree to in 2000?"
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        recent = await fake.followup(await fake.slash("ask", question=question, since="2021"))
        old = await fake.followup(await fake.slash("ask", question=question, before="2018-01-01", source="upi"))
        none = await fake.followup(await fake.slash("ask", question=question, source="CNN"))
        bad = await fake.callback(await fake.slash("ask", question=question, since="yesterday"))
    assert "<t:1626782400:D>" in sources_text(embed_of(recent)) and "<t:1500465600" not in sources_text(
        embed_of(recent)
    )
    assert embed_of(recent)["footer"]["text"].endswith("filters: since 2021-01-01")
    assert "<t:1500465600:D>" in sources_text(embed_of(old)) and "<t:1626782400" not in sources_text(embed_of(old))
    assert (
        embed_of(none)["description"]
        == (
            "The articles I have don't cover this.\n"  # the filter is the reason
            "No article matches the filters (source: CNN). Try again without them, "
            "or with others."
        )
    )
    assert bad.body["data"]["content"] == (
        "since:yesterday is not a date. Write it as since:2021, since:2021-07 " "or since:2021-07-20"
    )


HARBOUR = b"Harbour bridge reopens after repairs\n\nBy Ana Lima\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday after eight months of repairs.\n"


async def test_moderators_add_files_and_urls_and_members_cannot(fake, corpus_app, tmp_path):
    from dataclasses import replace

    from bot.core.config import FetchSettings
    from tests.index.text.test_loaders import HTML_PAGE

    # pages can be fetched only from public addresses, unless the host names a private one
    corpus_app.config = replace(corpus_app.config, fetch=FetchSettings(private_hosts=("127.0.0.1",)))

    async with running_bot(fake, corpus_app):
        refused = await fake.callback(await fake.slash("add", who=p.MEMBER, files={"file": ("harbour.txt", HARBOUR)}))
        dry = await fake.followup(
            await fake.slash("add", who=p.MODERATOR, dry_run=True, files={"file": ("harbour.txt", HARBOUR)})
        )
        assert not (tmp_path / "corpus" / "harbour.txt").exists()
        added = await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)}))
        answer = await fake.followup(await fake.slash("ask", question="When did the harbour bridge reopen?"))
        fake.files["bridge.html"] = HTML_PAGE.encode()
        by_url = await fake.followup(
            await fake.slash("add", who=p.MODERATOR, url=f"http://127.0.0.1:{fake.port}/attachments/bridge.html")
        )
        bad = await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("blob.txt", b"\x00\x01")}))
    assert refused.body["data"]["content"].startswith("Only moderators can do that")
    assert embed_of(dry)["title"] == "Would add: Harbour bridge reopens after repairs"
    fields = {f["name"]: f["value"] for f in embed_of(added)["fields"]}
    assert embed_of(added)["title"] == "Added: Harbour bridge reopens after repairs"
    assert fields == {"Outlet": "AP", "Date": "unknown", "Passages": "1"}
    assert "1 added" in embed_of(added)["description"]
    assert "harbour bridge reopened on Tuesday" in embed_of(answer)["description"]
    assert embed_of(by_url)["title"] == "Added: Harbour bridge reopens after repairs"
    assert {f["name"]: f["value"] for f in embed_of(by_url)["fields"]}["Outlet"] == "Coastal Times"
    assert bad["content"].startswith("Cannot add it:") and "binary" in bad["content"]


async def test_remove_with_autocomplete_and_restore(fake, corpus_app, tmp_path):
    harbour_question = "When did the harbour bridge reopen?"
    async with running_bot(fake, corpus_app):
        await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)}))
        choices = await fake.callback(await fake.slash("remove", who=p.MODERATOR, focused="article", article=""))
        [choice] = choices.body["data"]["choices"]  # only what was added can be removed: not the seeds
        removed = await fake.followup(await fake.slash("remove", who=p.MODERATOR, article=choice["value"]))
        gone = await fake.followup(await fake.slash("ask", question=harbour_question))
        trash_choices = await fake.callback(
            await fake.slash("restore", who=p.MODERATOR, focused="article", article="harb")
        )
        restored = await fake.followup(await fake.slash("restore", who=p.MODERATOR, article=choice["value"]))
        again = await fake.followup(await fake.slash("ask", question=harbour_question))
        member = await fake.callback(await fake.slash("remove", who=p.MEMBER, article=choice["value"]))
        seed = await fake.followup(await fake.slash("remove", who=p.MODERATOR, article="000_d9337505ec262534"))
    assert choice == {"name": "Harbour bridge reopens after repairs", "value": "harbour"}
    assert "1 removed" in embed_of(removed)["description"]
    assert "reopened on Tuesday" not in json.dumps(gone)
    [removal] = trash_choices.body["data"]["choices"]
    assert removal["name"].startswith("Harbour bridge reopens after repairs (removed ")
    assert "1 added" in embed_of(restored)["description"]
    assert "reopened on Tuesday" in embed_of(again)["description"]
    assert member.body["data"]["content"].startswith("Only moderators can do that")
    assert "was not added here" in seed["content"]  # the seeds' folder is never changed
    assert (tmp_path / "corpus" / "000_d9337505ec262534.meta.toml").exists()


class PublishGate:
    """Holds each index change just before the new version goes live, until the test lets it through."""

    def __init__(self) -> None:
        self.held, self.released = threading.Event(), threading.Event()

    def around(self, publish):
        def held_publish(*args, **kwargs):
            self.held.set()
            assert self.released.wait(60), "the test never let the change through"
            self.released.clear()
            self.held.clear()
            return publish(*args, **kwargs)

        return held_publish

    async def wait_until_held(self) -> None:
        assert await asyncio.to_thread(self.held.wait, 60), "the change never reached its switch"


async def test_members_get_correct_answers_while_add_remove_and_restore_run(fake, corpus_app, monkeypatch):
    gate = PublishGate()
    monkeypatch.setattr(corpus_app.store, "publish", gate.around(corpus_app.store.publish))
    harbour_question = "When did the harbour bridge reopen?"

    async def ask(question: str) -> str:
        return json.dumps(await fake.followup(await fake.slash("ask", question=question)))

    async with running_bot(fake, corpus_app):
        add = await fake.slash("add", who=p.MODERATOR, files={"file": ("harbour.txt", HARBOUR)})
        await gate.wait_until_held()
        during_add = await ask(FLOUR), await ask(harbour_question)
        gate.released.set()
        assert "1 added" in embed_of(await fake.followup(add))["description"]
        after_add = await ask(harbour_question)

        remove = await fake.slash("remove", who=p.MODERATOR, article="harbour")
        await gate.wait_until_held()
        during_remove = await ask(harbour_question)
        gate.released.set()
        assert "1 removed" in embed_of(await fake.followup(remove))["description"]
        after_remove = await ask(harbour_question)

        restore = await fake.slash("restore", who=p.MODERATOR, article="harbour")
        await gate.wait_until_held()
        during_restore = await ask(harbour_question)
        gate.released.set()
        assert "1 added" in embed_of(await fake.followup(restore))["description"]
        after_restore = await ask(harbour_question)

    # While a change runs, answers come from the version in use, as they did before it started.
    reopened = "harbour bridge reopened on Tuesday"
    assert "2,400 tons of flour" in during_add[0] and "harbour bridge reopened" not in during_add[1]
    assert reopened in after_add
    assert reopened in during_remove and reopened not in after_remove
    assert reopened not in during_restore and reopened in after_restore


async def test_a_guild_with_its_own_corpus_answers_and_changes_only_that_corpus(
    fake, tmp_path, real_embedder, seed_index_dir
):
    from dataclasses import replace

    from bot.core.config import GuildSettings

    club = tmp_path / "club"
    club.mkdir()
    (club / "harbour.txt").write_bytes(HARBOUR)
    import shutil

    shutil.copytree(SEEDS, tmp_path / "shared")  # were /add to reach the shared corpus, it would not be the repo's
    shared = make_app(
        fake,
        tmp_path,
        real_embedder,
        copy_index(seed_index_dir, tmp_path / "index"),
        (tmp_path / "shared",),
        cooldown_seconds=0,
    )
    shared.config = replace(
        shared.config, guilds={p.GUILD_ID: GuildSettings(paths=(club,), index_dir=tmp_path / "club-ix")}
    )
    shared.for_guild(p.GUILD_ID).rebuild()  # as `newsbot run` does at start for each guild's own corpus

    async with running_bot(fake, shared):
        flour = await fake.followup(await fake.slash("ask", question=FLOUR))
        harbour = await fake.followup(await fake.slash("ask", question="When did the harbour bridge reopen?"))
        ferry = b"Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike on Monday.\n"
        added = await fake.followup(await fake.slash("add", who=p.MODERATOR, files={"file": ("ferry.txt", ferry)}))
        sources = await fake.followup(await fake.slash("sources"))
        stats = await fake.followup(await fake.slash("stats"))
    stats_fields = {f["name"]: f["value"] for f in stats["embeds"][0]["fields"]}
    assert stats_fields["Articles"] == "2" and "1 added" in stats_fields["Last reindex"]
    state = BotState(tmp_path / "data" / "bot.sqlite")
    assert state.last_reindex(tmp_path / "club-ix") is not None and state.last_reindex(shared.index_dir) is None
    state.close()
    assert "2,400 tons of flour" not in json.dumps(flour)  # the shared seeds are not this guild's corpus
    assert "harbour bridge reopened on Tuesday" in embed_of(harbour)["description"]
    assert (
        embed_of(added)["title"] == "Added: Ferry strike ends"
        and (tmp_path / "club-ix-articles" / "ferry.txt").exists()
    )
    assert sorted(p.name for p in club.iterdir()) == ["harbour.txt"]
    assert "Indexed articles (2)" in json.dumps(sources) and "Ferry strike ends" in json.dumps(sources)
    assert sorted(shared.index.articles) == ["000_d9337505ec262534", "001_4589706aa8a54f74"]  # untouched
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == sorted(p.name for p in SEEDS.iterdir())


async def test_timeline_lists_a_storys_articles_oldest_first_with_timestamps(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        token = await fake.slash("timeline", topic="North Korea and Russia friendship declaration anniversary")
        message = await fake.followup(token)
    embed = embed_of(message)
    assert embed["title"].startswith("Timeline: North Korea")
    description = embed["description"]
    assert description.index("<t:1500465600:D>") < description.index("<t:1626782400:D>")  # 2017, then 2021
    assert description.count("\n> ") == 2 and message["flags"] & 64
    assert "oldest first" in embed["footer"]["text"]


async def test_timeline_pages_turn_with_their_buttons(fake, seed_app, monkeypatch):
    monkeypatch.setattr("bot.discord_bot.views.TIMELINE_PER_PAGE", 1)  # the seeds' two articles: two pages
    async with running_bot(fake, seed_app(cooldown_seconds=0)):
        first = dict(await fake.followup(await fake.slash("timeline", topic="North Korea and Russia friendship")))
        later = next(cid for cid in fake.buttons(first) if cid.endswith(":1:next"))
        at = len(fake.requests)
        turned = await fake.callback(await fake.click(first, later), after=at)
    assert embed_of(first)["footer"]["text"].startswith("Page 1 of 2")
    assert "<t:1500465600:D>" in embed_of(first)["description"]
    assert turned.body["type"] == 7  # the message edited in place
    page_two = turned.body["data"]["embeds"][0]
    assert page_two["footer"]["text"].startswith("Page 2 of 2") and "<t:1626782400:D>" in page_two["description"]


async def test_gaps_show_moderators_what_members_asked_that_was_not_answered(fake, seed_app):
    async with running_bot(fake, seed_app(cooldown_seconds=0)) as client:
        for question in (
            "How many missiles did North Korea launch in 2023?",
            "how many missiles has north korea launched in 2023",
        ):
            await fake.followup(await fake.slash("ask", question=question))
        answered = await fake.followup(await fake.slash("ask", question=FLOUR))
        down = next(cid for cid in fake.buttons(answered) if cid.endswith(":down"))
        await fake.callback(await fake.click(answered, down))
        refused = await fake.callback(await fake.slash("gaps", who=p.MEMBER))
        shown = await fake.followup(await fake.slash("gaps", who=p.MODERATOR))
        rows = await client.in_state(client.state.gaps, corpus_key(client.app))
    assert refused.body["data"]["content"].startswith("Only moderators can do that")
    text = embed_of(shown)["description"]
    assert "2× “how many missiles has north korea launched in 2023”" in text or "2× “How many missiles" in text
    assert "voted down" in text and FLOUR in text
    assert all(str(p.MEMBER["id"]) not in repr(row) and p.MEMBER["username"] not in repr(row) for row in rows)
