"""/feed add|list|remove|pause|resume (moderators, the same guild rules as /add), and the poller that keeps
every corpus's feeds fresh while the bot runs.

The poller wakes every POLL_TICK seconds and runs one cycle per corpus (bot/feeds/polling.py) in a worker
thread: fetching, cleaning and indexing never run on the event loop, and members keep getting answers
from the version in use while a cycle builds the next. With PostgreSQL every process runs the poller;
a feed is claimed by the first that finds it due, so each is polled once. What a cycle indexes is
posted, as title, outlet and link, in the channel a feed names (never pinging anyone); a feed paused for
failing, or ended by its server, is said there too, and in `/feed list`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from index import NewsbotError

from ...core.service import corpus_key
from ...feeds import subscriptions
from ...feeds.polling import CycleReport, poll_corpus
from ...feeds.state import FeedState, open_feed_state
from ..render import INFO_COLOUR, NO_PINGS, clip, escape_markdown, link_target, no_mentions
from .admin import corpus_editors_only

if TYPE_CHECKING:
    from ..client import NewsbotClient

log = logging.getLogger("newsbot.discord")

POLL_TICK = 60.0
"""Seconds between the poller's looks for feeds that are due (each feed has its own interval)."""


def plain(text: str, limit: int) -> str:
    """A feed's text as Discord shows it as written: Markdown escaped, mentions defused, cut to `limit`."""
    return no_mentions(escape_markdown(clip(" ".join(text.split()), limit)))


class FeedCog(commands.Cog):
    feed = app_commands.Group(
        name="feed",
        description="Subscribe feeds: their new articles are indexed as they come (moderators)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot
        self.state: FeedState | None = None
        self._poller: asyncio.Task | None = None
        self._cycle = asyncio.Lock()

    async def cog_load(self) -> None:
        self.state = await asyncio.to_thread(open_feed_state, self.bot.app)
        self._poller = asyncio.create_task(self._poll_forever(), name="newsbot-feeds")

    async def cog_unload(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        async with self._cycle:  # a cycle under way ends first: its thread still uses the state
            if self.state is not None:
                self.state.close()

    async def _poll_forever(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            await self.poll_once()
            await asyncio.sleep(POLL_TICK)

    async def poll_once(self) -> list[CycleReport]:
        """One cycle of every corpus's feeds; failures are logged, never raised (the poller goes on)."""
        reports = []
        async with self._cycle:
            for app in self.bot.app.every_app():
                try:
                    report = await asyncio.to_thread(poll_corpus, app, self._state())
                except NewsbotError as error:
                    log.warning("the feeds of %s could not be polled: %s", app.index_dir, error.one_line())
                    continue
                except Exception:
                    log.exception("the feeds of %s could not be polled", app.index_dir)
                    continue
                reports.append(report)
                if report.polled:
                    log.info("feeds of %s: %s", app.index_dir, report.summary())
                for feed, reason in [*report.failures, *report.skipped, *report.fell_back]:
                    log.info("feed %s: %s", feed.name, reason)
                await self._tell(report)
        return reports

    async def _tell(self, report: CycleReport) -> None:
        for channel_id, articles in report.announcements:
            lines = [  # a feed's words are a stranger's: no Markdown, no link text, no mention of theirs acts
                f"📰 **{plain(a.meta.title, 200)}** · {plain(a.meta.outlet or 'unknown', 80)}"
                + (f"\n<{target}>" if (target := link_target(a.meta.url)) else "")
                for a in articles
            ]
            await self._send(channel_id, "\n".join(lines))
        for feed, reason in [*report.paused, *report.ended]:
            if feed.channel_id:
                await self._send(feed.channel_id, f"⚠️ Feed **{plain(feed.name, 100)}**: {plain(reason, 1500)}")

    async def _send(self, channel_id: int, content: str) -> None:
        channel = self.bot.get_channel(channel_id)
        try:
            if channel is None:
                channel = await self.bot.fetch_channel(channel_id)
            await channel.send(clip(content, 2000), allowed_mentions=NO_PINGS)  # type: ignore[union-attr]  # a text channel, as /feed add required
        except (discord.HTTPException, AttributeError) as error:
            log.warning("could not post in channel %s: %s", channel_id, error)

    def _state(self) -> FeedState:
        if self.state is None:
            raise RuntimeError("the feeds' state is opened when the cog loads")
        return self.state

    async def _in_thread(self, interaction: discord.Interaction, call, *args) -> None:
        """Acknowledge at once, run the call off the event loop, and answer with the lines it returns."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lines = await asyncio.to_thread(call, *args)
        embed = discord.Embed(description=clip("\n".join(lines), 4000), colour=INFO_COLOUR)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @feed.command(name="add", description="Subscribe this server's articles to a feed, or a site's feed")
    @app_commands.describe(
        url="The feed's link (RSS or Atom), or the site whose page names it",
        name="How citations name it (default: the feed's title)",
        every="Minutes between polls, at least 5 (default 15)",
        channel="Where each newly indexed article is posted (title, outlet, link)",
    )
    @corpus_editors_only
    async def add(
        self,
        interaction: discord.Interaction,
        url: str,
        name: str | None = None,
        every: app_commands.Range[int, 5, 10_080] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        app = self.bot.app_for(interaction.guild_id)

        def subscribe() -> list[str]:
            feed = subscriptions.subscribe(
                app, self._state(), url.strip(), name, every, channel.id if channel else None
            )
            where = f"; new articles are posted in <#{feed.channel_id}>" if feed.channel_id else ""
            return [
                f"Subscribed **{clip(feed.name, 100)}** <{feed.feed_url}>, every {feed.every_minutes} min: its "
                f"newest {app.config.feeds.first_entries} entries are indexed within a minute or two{where}."
            ]

        await self._in_thread(interaction, subscribe)

    @feed.command(name="list", description="This server's feeds: last success, articles, next poll, failures")
    @corpus_editors_only
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        app = self.bot.app_for(interaction.guild_id)

        def listed() -> list[str]:
            now = time.time()
            feeds = self._state().feeds(corpus_key(app))
            return [subscriptions.feed_line(f, now) for f in feeds] or ["No feeds yet: `/feed add url:`."]

        await self._in_thread(interaction, listed)

    @feed.command(name="remove", description="End a subscription (the articles it brought stay)")
    @app_commands.describe(feed="The feed's number in /feed list, its name or its link")
    @corpus_editors_only
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        app = self.bot.app_for(interaction.guild_id)
        await self._in_thread(
            interaction,
            lambda: [f"Unsubscribed **{clip(subscriptions.unsubscribe(app, self._state(), feed).name, 100)}**."],
        )

    @feed.command(name="pause", description="Stop polling a feed until it is resumed")
    @app_commands.describe(feed="The feed's number in /feed list, its name or its link")
    @corpus_editors_only
    async def pause(self, interaction: discord.Interaction, feed: str) -> None:
        app = self.bot.app_for(interaction.guild_id)
        await self._in_thread(
            interaction, lambda: [f"Paused **{clip(subscriptions.pause(app, self._state(), feed).name, 100)}**."]
        )

    @feed.command(name="resume", description="Poll a paused feed again, from now")
    @app_commands.describe(feed="The feed's number in /feed list, its name or its link")
    @corpus_editors_only
    async def resume(self, interaction: discord.Interaction, feed: str) -> None:
        app = self.bot.app_for(interaction.guild_id)
        await self._in_thread(
            interaction, lambda: [f"Resumed **{clip(subscriptions.resume(app, self._state(), feed).name, 100)}**."]
        )


async def setup(bot: NewsbotClient) -> None:
    await bot.add_cog(FeedCog(bot))
