"""/ask and mentions: members' questions, answered with quoted passages and citations."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from index import NewsbotError, SearchFilters, parse_filter_date

from ...core.service import MAX_QUESTION_CHARS, speakable
from ..cooldown import cooldown_message
from ..errors import message_for
from ..markup import channel_names, plain_question
from ..render import NO_PINGS
from ..views import DYNAMIC_ITEMS, answer_message

if TYPE_CHECKING:
    from ..client import NewsbotClient

log = logging.getLogger("newsbot.discord")

MENTION_HINT = "Ask me a question after the mention, for example: @newsbot What did the foreign ministry say?"
MAX_CONTEXT_CHARS = 600
"""A follow-up of a follow-up carries the questions before it, up to this many characters."""
MAX_FILTER_CHARS = 100
"""/ask's source, since and before are read up to this many characters (an outlet's name, a date)."""


class AskCog(commands.Cog):
    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot
        self.cooldown = bot.cooldown

    async def remember(self, sent: discord.Message, question: str, follows: str | None) -> None:
        """Keep what this answer answered, for a reply to it or a mention later in its thread."""
        keys = [sent.id, *([sent.channel.id] if isinstance(sent.channel, discord.Thread) else [])]
        context = f"{follows} {question}"[-MAX_CONTEXT_CHARS:] if follows else question
        try:
            await self.bot.in_state(self.bot.state.remember_conversation, keys, context)
        except NewsbotError as error:  # the answer is out; only a follow-up to it will lack its context
            log.warning("could not keep the conversation: %s", error.one_line())

    async def follows(self, message: discord.Message) -> str | None:
        """For a reply to one of the bot's answers, or a mention in a thread it answered in: what it follows."""
        state = self.bot.state
        reference = message.reference
        # a reply is in the channel of what it replies to; a reference to elsewhere (a forward) follows nothing
        if reference and reference.message_id and reference.channel_id == message.channel.id:
            earlier = await self.bot.in_state(state.conversation, reference.message_id)
            if earlier:
                return earlier
        if isinstance(message.channel, discord.Thread):  # a thread opened on an answer has the answer's id
            return await self.bot.in_state(state.conversation, message.channel.id)
        return None

    @app_commands.command(name="ask", description="Answer a question by quoting the news articles")
    @app_commands.describe(
        question="What you want to know (its first 2,000 characters are read)",
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
        # the cooldown first, then the acknowledgement: nothing a question holds is read before both
        wait = await self.bot.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True)
            return
        source, since, before = (
            speakable(option[:MAX_FILTER_CHARS]).strip() if option else None for option in (source, since, before)
        )
        filters = SearchFilters(  # a bad date is told privately, before the answer is begun
            source=source or None,
            since=parse_filter_date(since, "since") if since else None,
            before=parse_filter_date(before, "before") if before else None,
        )
        await interaction.response.defer(ephemeral=private, thinking=True)
        cut = len(question) > MAX_QUESTION_CHARS
        question = await asyncio.to_thread(plain_question, question, channel_names(interaction.guild))
        shown = await answer_message(
            self.bot, interaction.guild_id, question, passages, private=private, filters=filters, cut=cut
        )
        sent = await interaction.followup.send(
            embed=shown.embed, view=shown.view, ephemeral=private, allowed_mentions=NO_PINGS, wait=True
        )
        if not private:
            await self.remember(sent, filters.to_query() + question, None)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None or me not in message.mentions:
            return
        try:
            # the cooldown first: an empty mention counts too, and a member told to wait is told once a window
            wait = await self.bot.retry_after(message.author.id)
            if wait:
                if self.cooldown.first_notice(message.author.id, wait):
                    await message.reply(cooldown_message(wait), mention_author=False, allowed_mentions=NO_PINGS)
                return
            cut = len(message.content) > MAX_QUESTION_CHARS
            question = await asyncio.to_thread(plain_question, message.content, channel_names(message.guild, message))
            if not question:
                await message.reply(MENTION_HINT, mention_author=False, allowed_mentions=NO_PINGS)
                return
            follows = await self.follows(message)
            async with message.channel.typing():
                shown = await answer_message(
                    self.bot,
                    message.guild.id if message.guild else None,
                    question,
                    None,
                    private=False,
                    follows=follows,
                    cut=cut,
                )
            sent = await message.reply(
                embed=shown.embed, view=shown.view, mention_author=False, allowed_mentions=NO_PINGS
            )
            await self.remember(sent, question, follows)
        except asyncio.CancelledError:  # the bot is stopping: the reply is dropped quietly
            raise
        except Exception as error:  # a mention has no interaction: the same table, as a reply
            if self.bot.is_closed():  # stopping (SIGTERM): the connection is gone, and so is the reply
                log.info("stopping: the answer to a mention was dropped")
                return
            text = message_for(error)
            try:
                await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.warning("could not reply to a mention with an error message")


async def setup(bot: NewsbotClient) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(AskCog(bot))
