"""/sources (the indexed articles, paginated), /stats (what the index holds, feedback) and /timeline (a story, oldest first)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ...core.describe import stats_rows
from ...core.service import MAX_QUESTION_CHARS
from ..cooldown import cooldown_message
from ..markup import channel_names, plain_question
from ..render import INFO_COLOUR, NO_PINGS, clip
from ..state import Reindex
from ..views import sources_page, timeline_page
from .admin import is_moderator

if TYPE_CHECKING:
    from ...core.service import Newsbot
    from ..client import NewsbotClient


MODERATORS_ONLY_ROWS = {"Corpus"}
"""Rows of /stats that name the host's folders: shown to moderators only."""


def stats_embed(app: Newsbot, last: Reindex | None, feedback: tuple[int, int], moderator: bool) -> discord.Embed:
    """What the index holds (reads it: call it in a worker thread), the last change and the votes."""
    embed = discord.Embed(title="newsbot index", colour=INFO_COLOUR)
    for label, value in stats_rows(app.current_index().stats()):
        if label in MODERATORS_ONLY_ROWS and not moderator:
            continue
        embed.add_field(name=label, value=clip(value, 1024), inline=label not in ("Corpus", "Built"))
    embed.add_field(
        name="Last reindex",
        value=clip(f"{last.at}: {last.summary}", 1024) if last else "none from Discord yet",
        inline=False,
    )
    up, down = feedback
    embed.add_field(name="Feedback", value=f"👍 {up} · 👎 {down}", inline=False)
    return embed


class InfoCog(commands.Cog):
    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles the bot answers from")
    async def sources(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed, view = await self.bot.in_index(sources_page, self.bot.app_for(interaction.guild_id), 0)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="stats", description="What the index holds, when it was built, and feedback")
    async def stats(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        app = self.bot.app_for(interaction.guild_id)
        last = await self.bot.in_state(self.bot.state.last_reindex, app.index_dir)
        feedback = await self.bot.in_state(self.bot.state.feedback_counts)
        embed = await self.bot.in_index(stats_embed, app, last, feedback, is_moderator(interaction))
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="timeline", description="A story's articles, oldest first: what each said")
    @app_commands.describe(topic="What the timeline is of (filters and time words work, as in /ask)")
    async def timeline(self, interaction: discord.Interaction, topic: str) -> None:
        wait = await self.bot.retry_after(interaction.user.id)  # it searches as a question does
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        topic = await asyncio.to_thread(plain_question, topic[:MAX_QUESTION_CHARS], channel_names(interaction.guild))
        timeline_id = await self.bot.in_state(self.bot.state.save_answer, topic, 0, True, [])
        app = self.bot.app_for(interaction.guild_id)
        embed, view = await self.bot.in_index(timeline_page, app, topic, timeline_id, 0)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: NewsbotClient) -> None:
    await bot.add_cog(InfoCog(bot))
