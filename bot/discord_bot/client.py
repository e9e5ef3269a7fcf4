"""The Discord client: built with the app core, loads one cog per feature, syncs in setup_hook."""

from __future__ import annotations

import logging

import discord
import yarl
from discord.ext import commands

from ..core.config import DiscordSettings
from ..core.service import Newsbot
from . import errors
from .cogs import EXTENSIONS
from .cooldown import QuestionCooldown, SharedCooldown
from .render import NO_PINGS
from .state import BotState, PostgresBotState

log = logging.getLogger("newsbot.discord")


def point_at(settings: DiscordSettings) -> None:
    """Send REST calls and the gateway connection where the settings say (Discord by default)."""
    discord.http.Route.BASE = settings.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


class NewsbotBehaviour:
    """The bot, whichever discord.py client carries it: one connection, or shards (`make_client`)."""

    def __init__(self, app: Newsbot, state: BotState | PostgresBotState, **options) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # the bot never joins voice
        intents = discord.Intents.default()  # guilds and messages; a mention's text comes without message_content
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, allowed_mentions=NO_PINGS,
                         help_command=None, **options)
        self.app = app
        self.state = state
        settings = app.config.discord
        self.cooldown: QuestionCooldown | SharedCooldown = (
            SharedCooldown(state, settings.cooldown_questions, settings.cooldown_seconds)
            if isinstance(state, PostgresBotState) else QuestionCooldown(settings.cooldown_questions, settings.cooldown_seconds))
        """Shared by /ask, mentions and the More button (and by every bot process, with PostgreSQL)."""

    def app_for(self, guild_id: int | None) -> Newsbot:
        """The app that answers in this guild: its own corpus and index if configured, else the shared one."""
        return self.app.for_guild(guild_id)

    async def setup_hook(self) -> None:
        errors.install(self.tree)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        guild_id = self.app.config.discord.sync_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("registered %d commands in guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("registered %d commands globally", len(synced))

    async def on_ready(self) -> None:
        shards = self.app.config.discord.shard_ids or range(self.app.config.discord.shard_count)
        log.info("connected as %s to %d guild(s)%s", self.user, len(self.guilds),
                 f" on shard(s) {', '.join(map(str, shards))} of {self.app.config.discord.shard_count}"
                 if self.app.config.discord.shard_count else "")

    async def on_shard_connect(self, shard_id: int) -> None:
        log.info("shard %d of %d connected", shard_id, self.app.config.discord.shard_count)

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: mentions are questions, handled by the ask cog's listener."""


class NewsbotClient(NewsbotBehaviour, commands.Bot):
    """One gateway connection for every guild: the default."""


class ShardedNewsbotClient(NewsbotBehaviour, commands.AutoShardedBot):
    """The shards [discord] shard_ids names (all of shard_count when empty), each a gateway connection."""


def make_client(app: Newsbot, state: BotState | PostgresBotState, **options) -> NewsbotClient | ShardedNewsbotClient:
    settings = app.config.discord
    if not settings.shard_count:
        return NewsbotClient(app, state, **options)
    return ShardedNewsbotClient(app, state, shard_count=settings.shard_count,
                                shard_ids=list(settings.shard_ids) or None, **options)
