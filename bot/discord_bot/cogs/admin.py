"""Moderators: /reindex, /add, /remove, /restore. Members keep asking while they run."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from ...answer import format_date
from ...corpus_admin import (
    MAX_ARTICLE_BYTES,
    TRASH,
    CorpusChange,
    add_article,
    corpus_folder,
    remove_article,
    restore_article,
)
from ...describe import build_summary, sorted_sources
from ..errors import NotModerator, message_for
from ..render import INFO_COLOUR, NO_PINGS, clip

if TYPE_CHECKING:
    from ...service import Newsbot
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
        app = self.bot.app_for(interaction.guild_id)
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
                report = await asyncio.to_thread(app.rebuild, None, progress)
            except Exception as error:
                await interaction.edit_original_response(
                    content=f"❌ Reindex failed; members still get answers from the previous index. {message_for(error)}",
                    allowed_mentions=NO_PINGS,
                )
                return
            finally:
                reporter.cancel()
            summary = build_summary(report)
            self.bot.state.record_reindex(app.index_dir, interaction.user.id, interaction.user.display_name, summary)
            log.info("reindex by %s done in %.1f s", interaction.user.id, time.perf_counter() - started)
            await interaction.edit_original_response(content=f"✅ Reindex done. {summary}", allowed_mentions=NO_PINGS)


    async def _corpus_change(self, interaction: discord.Interaction,
                             change_in_thread: Callable[[Newsbot], CorpusChange]) -> None:
        """Run one corpus change on the guild's app in a thread, one at a time with reindexes, and report it."""
        if self.reindexing.locked():
            await interaction.response.send_message("A reindex is running; try again when it has finished.",
                                                    ephemeral=True)
            return
        async with self.reindexing:
            await interaction.response.defer(ephemeral=True, thinking=True)
            app = self.bot.app_for(interaction.guild_id)
            change = await asyncio.to_thread(change_in_thread, app)
            if change.report:
                self.bot.state.record_reindex(app.index_dir, interaction.user.id, interaction.user.display_name,
                                              build_summary(change.report))
            await interaction.followup.send(embed=change_embed(change), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="add", description="Add an article to the corpus and index it (moderators)")
    @app_commands.describe(file="An article file (.txt, .md, .html)", url="Or a link to an article",
                           dry_run="Only show what would be added")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def add(self, interaction: discord.Interaction, file: discord.Attachment | None = None,
                  url: str | None = None, dry_run: bool = False) -> None:
        if (file is None) == (url is None):
            await interaction.response.send_message("Give either a file or a url.", ephemeral=True)
            return
        if file is not None and file.size > MAX_ARTICLE_BYTES:
            await interaction.response.send_message(f"{file.filename} is over 5 MB: give a single article.",
                                                    ephemeral=True)
            return
        if url is not None:
            await self._corpus_change(interaction, lambda app: add_article(app, url.strip(), dry_run=dry_run))
            return
        data = await file.read()
        with tempfile.TemporaryDirectory(prefix="newsbot-upload-") as scratch:
            path = Path(scratch) / Path(file.filename).name
            path.write_bytes(data)
            await self._corpus_change(interaction, lambda app: add_article(app, str(path), dry_run=dry_run))

    @app_commands.command(name="remove", description="Remove an article from the corpus (moderators)")
    @app_commands.describe(article="The article's title")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def remove(self, interaction: discord.Interaction, article: str) -> None:
        await self._corpus_change(interaction, lambda app: remove_article(app, article))

    @remove.autocomplete("article")
    async def remove_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.casefold()
        articles = sorted_sources(self.bot.app_for(interaction.guild_id).index.articles)
        matches = [a for a in articles if wanted in a.title.casefold() or wanted in a.doc_id.casefold()]
        return [app_commands.Choice(name=clip(a.title, 100), value=a.doc_id[:100]) for a in matches[:25]]

    @app_commands.command(name="restore", description="Bring a removed article back (moderators)")
    @app_commands.describe(article="The removed article's id")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @moderators_only()
    async def restore(self, interaction: discord.Interaction, article: str) -> None:
        await self._corpus_change(interaction, lambda app: restore_article(app, article))

    @restore.autocomplete("article")
    async def restore_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        trash = corpus_folder(self.bot.app_for(interaction.guild_id)) / TRASH
        names = sorted(p.stem for p in trash.glob("*") if p.is_file() and not p.name.endswith(".meta.toml"))
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names if current.casefold() in n.casefold()][:25]


def change_embed(change: CorpusChange) -> discord.Embed:
    if change.article is not None:
        meta = change.article.meta
        verb = "Would add" if change.report is None else "Added"
        embed = discord.Embed(title=clip(f"{verb}: {meta.title}", 256), colour=INFO_COLOUR)
        embed.add_field(name="Outlet", value=meta.outlet or "unknown")
        embed.add_field(name="Date", value=format_date(meta) or "unknown")
        embed.add_field(name="Passages", value=str(change.passages))
    else:
        embed = discord.Embed(title=clip(f"Done: {change.path.name}", 256), colour=INFO_COLOUR)
    if change.report:
        embed.description = build_summary(change.report)
    return embed


async def setup(bot: NewsbotClient) -> None:
    await bot.add_cog(AdminCog(bot))
