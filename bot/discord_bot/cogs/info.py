"""/sources (the indexed articles, paginated) and /stats (what the index holds, feedback)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ...core.describe import stats_rows
from ..render import INFO_COLOUR, NO_PINGS, clip
from ..views import sources_page

if TYPE_CHECKING:
    from ...core.service import Newsbot
    from ..client import NewsbotClient


def stats_embed(bot: NewsbotClient, app: Newsbot) -> discord.Embed:
    embed = discord.Embed(title="newsbot index", colour=INFO_COLOUR)
    for label, value in stats_rows(app.current_index().stats()):
        embed.add_field(name=label, value=clip(value, 1024), inline=label not in ("Corpus", "Built"))
    last = bot.state.last_reindex(app.index_dir)
    embed.add_field(name="Last reindex", value=clip(f"{last.at}: {last.summary}", 1024)
                    if last else "none from Discord yet", inline=False)
    up, down = bot.state.feedback_counts()
    embed.add_field(name="Feedback", value=f"👍 {up} · 👎 {down}", inline=False)
    return embed


class InfoCog(commands.Cog):
    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles the bot answers from")
    async def sources(self, interaction: discord.Interaction) -> None:
        embed, view = await asyncio.to_thread(sources_page, self.bot.app_for(interaction.guild_id), 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="stats", description="What the index holds, when it was built, and feedback")
    async def stats(self, interaction: discord.Interaction) -> None:
        embed = await asyncio.to_thread(stats_embed, self.bot, self.bot.app_for(interaction.guild_id))
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)


async def setup(bot: NewsbotClient) -> None:
    await bot.add_cog(InfoCog(bot))
