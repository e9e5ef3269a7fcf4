"""/reindex: moderators rebuild the index from the corpus folder while members keep asking."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ...describe import build_summary
from ..errors import NotModerator, message_for
from ..render import NO_PINGS

if TYPE_CHECKING:
    from ..client import NewsbotClient

log = logging.getLogger("newsbot.discord")

PROGRESS_EVERY = 2.0
"""Seconds between edits of the progress message (Discord rate-limits edits)."""
STAGES = {"chunking": "splitting articles into passages", "embedding": "embedding passages", "writing": "writing the index"}


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in this guild, or one of the configured moderator roles."""
    client: NewsbotClient = interaction.client  # type: ignore[assignment]
    if interaction.guild is None:
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    roles = getattr(interaction.user, "roles", [])
    return any(role.id in client.app.config.discord.moderator_role_ids for role in roles)


def moderators_only():
    """The run-time half of the permission check (default_permissions only hides the command)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if not is_moderator(interaction):
            raise NotModerator()
        return True

    return app_commands.check(predicate)


class AdminCog(commands.Cog):
    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot
        self.reindexing = asyncio.Lock()

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus folder (moderators)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        if self.reindexing.locked():
            await interaction.response.send_message("A reindex is already running; its message shows the progress.",
                                                    ephemeral=True)
            return
        async with self.reindexing:
            await interaction.response.send_message("🔄 Reindex started: reading the corpus…", allowed_mentions=NO_PINGS)
            loop = asyncio.get_running_loop()
            progress_text: dict[str, str] = {}

            def progress(stage: str, done: int, total: int) -> None:  # runs in the build thread
                progress_text["now"] = f"🔄 Reindexing: {STAGES.get(stage, stage)} ({done:,}/{total:,})…"

            async def report_progress() -> None:
                shown = None
                while True:
                    await asyncio.sleep(PROGRESS_EVERY)
                    text = progress_text.get("now")
                    if text and text != shown:
                        shown = text
                        try:
                            await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
                        except discord.HTTPException as error:
                            log.warning("could not update the reindex progress message: %s", error)

            started = time.perf_counter()
            reporter = loop.create_task(report_progress())
            try:
                report = await asyncio.to_thread(self.bot.app.rebuild, None, progress)
            except Exception as error:
                await interaction.edit_original_response(
                    content=f"❌ Reindex failed; members still get answers from the previous index. {message_for(error)}",
                    allowed_mentions=NO_PINGS,
                )
                return
            finally:
                reporter.cancel()
            summary = build_summary(report)
            self.bot.state.record_reindex(interaction.user.id, interaction.user.display_name, summary)
            log.info("reindex by %s done in %.1f s", interaction.user.id, time.perf_counter() - started)
            await interaction.edit_original_response(content=f"✅ Reindex done. {summary}", allowed_mentions=NO_PINGS)


async def setup(bot: NewsbotClient) -> None:
    await bot.add_cog(AdminCog(bot))
