"""/feed on the fake Discord: moderators subscribe, the poller indexes, members get answers from the new
article, and the announcement is posted without pinging anyone."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.core.config import FetchSettings
from bot.core.service import Newsbot
from bot.discord_bot.cogs import feeds as feed_cog
from tests.conftest import SEEDS
from tests.discord_harness import copy_index, make_app, running_bot
from tests.fake_discord import payloads as p
from tests.feed_server import FeedServer, Route, page, rss

pytestmark = pytest.mark.model

LIGHTHOUSE = (
    "The old harbour lighthouse of Port Ellery reopened to visitors on Friday after two years of repairs "
    "that cost $4.2 million, the town council said."
)


@pytest.fixture
def feed_server():
    with FeedServer() as server:
        server.routes["/lighthouse.html"] = Route(
            page(
                "Port Ellery lighthouse reopens after repairs",
                LIGHTHOUSE,
                "The repairs replaced the lantern room and the iron stairs, which had rusted through.",
                "The money came from a state heritage grant and from local donations collected since 2019.",
            ),
            content_type="text/html",
        )
        server.routes["/rss"] = Route(
            rss(
                "Ellery Gazette",
                [
                    {
                        "title": "Port Ellery lighthouse reopens after repairs",
                        "link": server.url("/lighthouse.html"),
                        "guid": "lighthouse-1",
                        "date": dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC),
                    }
                ],
            )
        )
        yield server


@pytest.fixture
def feed_app(fake, tmp_path, real_embedder, seed_index_dir, monkeypatch):
    monkeypatch.setattr(feed_cog, "POLL_TICK", 3600.0)  # the test runs the cycles itself
    made = make_app(fake, tmp_path, real_embedder, copy_index(seed_index_dir, tmp_path / "index"), (SEEDS,))
    config = dataclasses.replace(made.config, fetch=FetchSettings(private_hosts=("127.0.0.1",)))
    app = Newsbot(config, embedder=real_embedder, index_dir=made.index_dir)
    yield app
    app.close()


async def test_a_subscribed_feeds_new_article_is_answered_after_one_cycle(fake, feed_app, feed_server):
    async with running_bot(fake, feed_app) as client:
        assert "feed" in fake.commands
        assert int(fake.commands["feed"]["default_member_permissions"]) == p.MANAGE_GUILD
        refused = await fake.callback(await fake.slash("feed add", who=p.MEMBER, url=feed_server.url("/rss")))
        assert refused.body["data"]["content"].startswith("Only moderators can do that")

        token = await fake.slash(
            "feed add", who=p.MODERATOR, url=feed_server.url("/rss"), channel=p.TextChannelOption(p.CHANNEL_ID)
        )
        added = await fake.followup(token)
        assert "Subscribed **Ellery Gazette**" in added["embeds"][0]["description"] and added["flags"] & 64

        before = len(fake.requests)
        [report] = await client.get_cog("FeedCog").poll_once()
        posted = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"/channels/{p.CHANNEL_ID}/messages", after=before
        )
        assert len(report.added) == 1 or not report.polled  # the poller's own first cycle may have taken it
        assert "Port Ellery lighthouse reopens after repairs" in posted.body["content"]
        assert (
            "Ellery Gazette" in posted.body["content"] and feed_server.url("/lighthouse.html") in posted.body["content"]
        )

        token = await fake.slash("ask", question="How much did the repairs of the Port Ellery lighthouse cost?")
        answer = await fake.followup(token)
        embed = answer["embeds"][0]
        assert "$4.2 million" in embed["description"]
        assert "Ellery Gazette" in "\n".join(f["value"] for f in embed.get("fields", []))

        listed = await fake.followup(await fake.slash("feed list", who=p.MODERATOR))
        line = listed["embeds"][0]["description"]
        assert "Ellery Gazette" in line and "1 article," in line and "next poll in" in line

        error = await fake.followup(await fake.slash("feed remove", who=p.MODERATOR, feed="nonesuch"))
        text = error.get("content") or error["embeds"][0].get("description", "")
        assert "No feed 'nonesuch'" in text and "Traceback" not in text
        gone = await fake.followup(await fake.slash("feed remove", who=p.MODERATOR, feed="Ellery Gazette"))
        assert "Unsubscribed" in gone["embeds"][0]["description"]
