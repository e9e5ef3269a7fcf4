"""Moderators: /reindex, /add, /remove, /restore, /gaps. Members keep asking while they run.

Who may change which corpus (checked when the command runs; `default_permissions` only hides the
commands in the client):
  - a guild with a [guilds.ID] section: its moderators change its own corpus, nobody else's;
  - the shared corpus ([corpus] and [index]): the moderators of the guilds named in
    [discord] shared_corpus_guild_ids, and the bot's owner; every other guild's moderators are
    refused with a sentence that says why, since a moderator of one guild is a stranger to the rest.

One change runs at a time per corpus (a lock per index); changes of other guilds' corpora go on.
Discord adds never read a path of the host: an attachment's bytes, or a URL through the guarded
fetcher (public addresses only, one deadline, a size limit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from index import NewsbotError

from ...core.answer import format_date
from ...core.corpus_admin import (
    MAX_ARTICLE_BYTES,
    CorpusChange,
    add_upload,
    removable_articles,
    remove_article,
    removed_articles,
    restore_article,
)
from ...core.describe import build_summary
from ...core.fetch import fetch_page
from ...core.gaps import group_gaps
from ...core.service import corpus_key
from ..errors import NotCorpusEditor, NotModerator, message_for
from ..render import INFO_COLOUR, NO_PINGS, clip, escape_markdown, no_mentions

if TYPE_CHECKING:
    from ...core.service import Newsbot
    from ..client import NewsbotClient

log = logging.getLogger("newsbot.discord")

PROGRESS_EVERY = 2.0
"""Seconds between edits of the progress message (Discord rate-limits edits)."""
STAGES = {
    "chunking": "splitting articles into passages",
    "embedding": "embedding passages",
    "writing": "writing the index",
}
MAX_PASSAGES_FROM_DISCORD = 1000
"""An article added from Discord may have at most this many passages (a news article has 5 to 50):
embedding it stays within a couple of minutes, well inside the 15 minutes an interaction lives."""
INTERACTION_LIFETIME = 15 * 60.0
"""Seconds an interaction token can send follow-ups; past it, the result goes to the channel."""
Upload = tuple[str, bytes, str | None]
"""A file name, its bytes and where it was fetched from: an attachment (no URL), or a page fetched from a URL."""
BUSY = (
    "Another change to this server's articles (a reindex, add, remove or restore) is running; "
    "try again when it has finished."
)


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in this guild, or one of the configured moderator roles."""
    client: NewsbotClient = interaction.client  # type: ignore[assignment]  # discord.py types it as any Client
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    roles = getattr(interaction.user, "roles", [])
    return any(role.id in client.app.config.discord.moderator_role_ids for role in roles)


async def may_change_corpus(interaction: discord.Interaction) -> bool:
    """Whether this user may change the corpus this guild answers from (see the module's docstring)."""
    client: NewsbotClient = interaction.client  # type: ignore[assignment]  # discord.py types it as any Client
    config = client.app.config
    if await client.is_owner(interaction.user):
        return True
    if not is_moderator(interaction):
        return False
    return interaction.guild_id in config.guilds or interaction.guild_id in config.discord.shared_corpus_guild_ids


async def _may_change_corpus_or_refuse(interaction: discord.Interaction) -> bool:
    if await may_change_corpus(interaction):
        return True
    raise NotCorpusEditor() if is_moderator(interaction) else NotModerator()


corpus_editors_only = app_commands.check(_may_change_corpus_or_refuse)
"""The check, when it runs, of a command on the guild's corpus (`may_change_corpus`); a subcommand takes
this alone, its group being the one shown to moderators only and in guilds only."""


def for_corpus_editors(command):
    """A moderator command on the guild's corpus: shown to Manage Server holders (default_permissions
    only hides it), in guilds only, and checked when it runs (`may_change_corpus`)."""
    command = corpus_editors_only(command)
    return app_commands.default_permissions(manage_guild=True)(app_commands.guild_only()(command))


def choices(
    items: Iterable, current: str, name: Callable[[Any], str], value: Callable[[Any], str]
) -> list[app_commands.Choice[str]]:
    """Autocomplete: the items (articles or removals) whose title or id holds what was typed, 25 at most."""
    wanted = current.casefold()
    matches = [item for item in items if wanted in item.title.casefold() or wanted in item.doc_id.casefold()]
    return [app_commands.Choice(name=clip(name(item), 100), value=value(item)[:100]) for item in matches[:25]]


class AdminCog(commands.Cog):
    def __init__(self, bot: NewsbotClient) -> None:
        self.bot = bot
        self._changing: dict[Path, asyncio.Lock] = {}

    def _lock_for(self, app: Newsbot) -> asyncio.Lock:
        """One change at a time per corpus: the lock of the guild's index."""
        return self._changing.setdefault(app.index_dir.resolve(), asyncio.Lock())

    @app_commands.command(name="reindex", description="Rebuild the index from the corpus folder (moderators)")
    @for_corpus_editors
    async def reindex(self, interaction: discord.Interaction) -> None:
        app = self.bot.app_for(interaction.guild_id)
        lock = self._lock_for(app)
        if lock.locked():
            await interaction.response.send_message(BUSY, ephemeral=True)
            return
        async with lock:
            await interaction.response.send_message(
                "🔄 Reindex started: reading the corpus…", allowed_mentions=NO_PINGS
            )
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
            await self._record(app, summary)
            log.info("reindex of %s done in %.1f s", app.index_dir, time.perf_counter() - started)
            await interaction.edit_original_response(content=f"✅ Reindex done. {summary}", allowed_mentions=NO_PINGS)

    async def _record(self, app: Newsbot, summary: str) -> None:
        """Note a change in the reindex history; the change is made whether or not the note can be."""
        try:
            await self.bot.in_state(self.bot.state.record_reindex, app.index_dir, summary)
        except NewsbotError as error:
            log.warning("could not record the change in the reindex history: %s", error.one_line())

    async def _corpus_change(
        self,
        interaction: discord.Interaction,
        change_in_thread: Callable[[Newsbot, Upload | None], CorpusChange],
        download: Callable[[], Awaitable[Upload]] | None = None,
    ) -> None:
        """Acknowledge at once, then download (if anything), then run one change of the guild's corpus in a
        thread, one at a time per corpus, and report it."""
        app = self.bot.app_for(interaction.guild_id)
        lock = self._lock_for(app)
        if lock.locked():
            await interaction.response.send_message(BUSY, ephemeral=True)
            return
        async with lock:
            await interaction.response.defer(ephemeral=True, thinking=True)
            started = time.monotonic()
            upload = await download() if download else None
            change = await asyncio.to_thread(change_in_thread, app, upload)
            if change.report:
                await self._record(app, build_summary(change.report))
            embed = change_embed(change)
            if time.monotonic() - started < INTERACTION_LIFETIME - 60:
                await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
            elif interaction.channel is not None:  # the interaction's token is about to expire: tell the channel
                await interaction.channel.send(embed=embed, allowed_mentions=NO_PINGS)  # type: ignore[union-attr]  # a category or forum channel cannot be where a command was used

    @app_commands.command(name="gaps", description="What members asked that the articles could not answer (moderators)")
    @for_corpus_editors
    async def gaps(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        app = self.bot.app_for(interaction.guild_id)
        rows = await self.bot.in_state(self.bot.state.gaps, corpus_key(app))
        embed = await asyncio.to_thread(gaps_embed, rows, self.bot.app.config.discord.answer_days)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="add", description="Add an article to the corpus and index it (moderators)")
    @app_commands.describe(
        file="An article file (.txt, .md, .html)",
        url="Or a link to a public news page",
        dry_run="Only show what would be added",
    )
    @for_corpus_editors
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        url: str | None = None,
        dry_run: bool = False,
    ) -> None:
        if (file is None) == (url is None):
            await interaction.response.send_message("Give either a file or a url.", ephemeral=True)
            return
        if file is not None and file.size > MAX_ARTICLE_BYTES:
            await interaction.response.send_message("That file is over 5 MB: give a single article.", ephemeral=True)
            return
        policy = self.bot.app.config.fetch.policy()

        async def download() -> Upload:
            if file is not None:  # read only after the interaction is acknowledged: Discord waits 3 s at most
                return file.filename, await file.read(), None
            page = await fetch_page((url or "").strip(), policy)
            return (*page.as_file(), page.url)

        await self._corpus_change(
            interaction,
            lambda app, upload: add_upload(
                app, *(upload or ("", b"", None)), dry_run=dry_run, max_passages=MAX_PASSAGES_FROM_DISCORD
            ),
            download,
        )

    @app_commands.command(name="remove", description="Remove an article from the corpus (moderators)")
    @app_commands.describe(article="An added article (the bundled and the host's folders are never changed)")
    @for_corpus_editors
    async def remove(self, interaction: discord.Interaction, article: str) -> None:
        await self._corpus_change(interaction, lambda app, _: remove_article(app, article))

    @remove.autocomplete("article")
    async def remove_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if not await may_change_corpus(interaction):
            return []  # the titles of a corpus are for those who may change it
        try:
            articles = await asyncio.to_thread(removable_articles, self.bot.app_for(interaction.guild_id))
        except NewsbotError:
            return []  # no index, or no usable added folder: /remove itself says why
        return choices(articles, current, lambda article: article.title, lambda article: article.doc_id)

    @app_commands.command(name="restore", description="Bring a removed article back (moderators)")
    @app_commands.describe(article="The removed article (its id, or pick one)")
    @for_corpus_editors
    async def restore(self, interaction: discord.Interaction, article: str) -> None:
        await self._corpus_change(interaction, lambda app, _: restore_article(app, article))

    @restore.autocomplete("article")
    async def restore_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if not await may_change_corpus(interaction):
            return []  # what was removed is for those who may change the corpus
        try:
            removals = await asyncio.to_thread(removed_articles, self.bot.app_for(interaction.guild_id))
        except NewsbotError:
            return []  # no usable trash: /restore itself says why
        return choices(
            removals,
            current,
            lambda removal: f"{removal.title} (removed {removal.removed_at})",
            lambda removal: removal.id,
        )


GAPS_SHOWN = 15


def gaps_embed(rows: list, days: int) -> discord.Embed:
    """The gaps grouped, newest first: a moderator's view only (members never see others' questions)."""
    groups = group_gaps(rows)
    lines = [f"• {no_mentions(escape_markdown(clip(group.line(), 300)))}" for group in groups[:GAPS_SHOWN]]
    embed = discord.Embed(
        title="What members asked that the articles could not answer",
        colour=INFO_COLOUR,
        description=clip("\n".join(lines) or "Nothing yet: every question was answered.", 4096),
    )
    more = f" · {len(groups) - GAPS_SHOWN} more" if len(groups) > GAPS_SHOWN else ""
    embed.set_footer(
        text=f"{len(rows)} questions in {len(groups)} groups, the last {days} days{more}; who asked is never kept"
    )
    return embed


def change_embed(change: CorpusChange) -> discord.Embed:
    if change.article is not None:
        meta = change.article.meta
        verb = "Would add" if change.report is None else "Added"
        embed = discord.Embed(title=clip(f"{verb}: {meta.title}", 256), colour=INFO_COLOUR)
        embed.add_field(name="Outlet", value=clip(meta.outlet or "unknown", 1024))
        embed.add_field(name="Date", value=format_date(meta) or "unknown")
        embed.add_field(name="Passages", value=str(change.passages))
    else:
        embed = discord.Embed(title=clip(f"Done: {change.path.name}", 256), colour=INFO_COLOUR)
    if change.report:
        embed.description = build_summary(change.report)
    return embed


async def setup(bot: NewsbotClient) -> None:
    await bot.add_cog(AdminCog(bot))
