"""/ask and mentions: members' questions, answered with quoted passages and citations."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from index import SearchFilters
from index.filters import parse_filter_date

from ..cooldown import cooldown_message
from ..errors import message_for
from ..render import NO_PINGS, answer_embed
from ..views import DYNAMIC_ITEMS, answer_view, footer

if TYPE_CHECKING:
    from ...answer import Answer
    from ...service import Newsbot
    from ..client import NewsbotClient

log = logging.getLogger("newsbot.discord")

MENTION_HINT = "Ask me a question after the mention, for example: @newsbot What did the foreign ministry say?"


class AskCog(commands.Cog):
    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot
        self.cooldown = bot.cooldown

    async def answer(
        self, app: Newsbot, question: str, k: int | None, private: bool, filters: SearchFilters = SearchFilters()
    ) -> tuple[Answer, str, discord.ui.View]:
        k = k or app.config.search.k
        answer = await asyncio.to_thread(app.ask, question, k, filters)
        question = filters.to_query() + question  # buttons re-ask with the same filters
        answer_id = self.bot.state.save_answer(question, k, private, [p.hit.chunk.chunk_id for p in answer.passages])
        view = answer_view(answer_id, answer, private=private, more=len(answer.passages) == k)
        return answer, answer_id, view

    @app_commands.command(name="ask", description="Answer a question by quoting the news articles")
    @app_commands.describe(
        question="What you want to know",
        passages="How many passages to quote (1 to 5)",
        private="Only you see the answer (you can post it publicly afterwards)",
        source="Only articles from this outlet (e.g. UPI)",
        since="Only articles published on or after this date (2021, 2021-07 or 2021-07-20)",
        before="Only articles published before this date",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        passages: app_commands.Range[int, 1, 5] | None = None,
        private: bool = False,
        source: str | None = None,
        since: str | None = None,
        before: str | None = None,
    ) -> None:
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True)
            return
        filters = SearchFilters(
            source=source.strip() if source and source.strip() else None,
            since=parse_filter_date(since, "since") if since else None,
            before=parse_filter_date(before, "before") if before else None,
        )
        await interaction.response.defer(ephemeral=private, thinking=True)
        app = self.bot.app_for(interaction.guild_id)
        answer, _, view = await self.answer(app, question, passages, private, filters)
        await interaction.followup.send(embed=answer_embed(answer, footer(answer)), view=view, ephemeral=private,
                                        allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None or me not in message.mentions:
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        try:
            if not question:
                await message.reply(MENTION_HINT, mention_author=False, allowed_mentions=NO_PINGS)
                return
            wait = self.cooldown.retry_after(message.author.id)
            if wait:
                await message.reply(cooldown_message(wait), mention_author=False, allowed_mentions=NO_PINGS)
                return
            async with message.channel.typing():
                app = self.bot.app_for(message.guild.id if message.guild else None)
                answer, _, view = await self.answer(app, question, None, private=False)
            await message.reply(embed=answer_embed(answer, footer(answer)), view=view, mention_author=False,
                                allowed_mentions=NO_PINGS)
        except Exception as error:  # a mention has no interaction: the same table, as a reply
            text = message_for(error)
            try:
                await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.warning("could not reply to a mention with an error message")


async def setup(bot: NewsbotClient) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(AskCog(bot))
