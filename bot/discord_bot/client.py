"""The Discord client: built with the app core, loads one cog per feature, syncs in setup_hook."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import discord
import yarl
from discord.ext import commands

from index import DatabaseError

from ..core.answer import Answer
from ..core.config import DiscordSettings
from ..core.service import Newsbot
from . import errors
from .cogs import EXTENSIONS
from .cooldown import QuestionCooldown, SharedCooldown
from .render import NO_PINGS
from .state import BotState, PostgresBotState

log = logging.getLogger("newsbot.discord")

STATE_TIMEOUT = 2.0
"""Seconds a call to the bot's state (answers, votes, conversations, the shared cooldown) may take
before the member hears the database is unreachable: within Discord's 3 s to acknowledge."""
ANSWER_TIMEOUT = 60.0
"""Seconds an answer may take before the member hears the database is unreachable (a deferred
interaction lives 15 minutes; a frozen database would otherwise hold the question forever)."""
STATE_WORKERS = 1
"""Threads that call the state: one, so calls run in the order they are made (an answer's conversation
is kept before a follow-up to it is looked up), and a frozen database holds it, never the answer threads."""

T = TypeVar("T")


def point_at(settings: DiscordSettings) -> None:
    """Send REST calls and the gateway connection where the settings say (Discord by default)."""
    discord.http.Route.BASE = settings.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


if TYPE_CHECKING:  # what the behaviour is mixed into, so its uses of the client are checked
    _Client = commands.Bot
else:
    _Client = object


class NewsbotBehaviour(_Client):
    """The bot, whichever discord.py client carries it: one connection, or shards (`make_client`)."""

    def __init__(self, app: Newsbot, state: BotState | PostgresBotState, **options) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # the bot never joins voice
        intents = discord.Intents.default()  # guilds and messages; a mention's text comes without message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_PINGS,
            help_command=None,
            **options,
        )
        self.app = app
        self.state = state
        settings = app.config.discord
        self.cooldown: QuestionCooldown | SharedCooldown = (
            SharedCooldown(state, settings.cooldown_questions, settings.cooldown_seconds)
            if isinstance(state, PostgresBotState)
            else QuestionCooldown(settings.cooldown_questions, settings.cooldown_seconds)
        )
        """Shared by /ask, mentions and the More button (and by every bot process, with PostgreSQL)."""
        self._state_workers = ThreadPoolExecutor(STATE_WORKERS, thread_name_prefix="newsbot-state")

    async def in_state(self, call: Callable[..., T], *args: object) -> T:
        """A call to the bot's state, in a worker thread of its own, within `STATE_TIMEOUT`: the event
        loop never waits on the database, and a frozen one is told as DatabaseError in time."""
        work = asyncio.get_running_loop().run_in_executor(self._state_workers, functools.partial(call, *args))
        try:
            return await asyncio.wait_for(work, STATE_TIMEOUT)
        except TimeoutError:
            raise DatabaseError(
                f"the bot's state did not answer within {STATE_TIMEOUT:g} s",
                "check that the database is running and reachable",
            ) from None

    async def retry_after(self, user_id: int) -> float:
        """0 when the user may ask now (the question is counted), else seconds to wait."""
        if isinstance(self.cooldown, SharedCooldown):
            return await self.in_state(self.cooldown.retry_after, user_id)
        return self.cooldown.retry_after(user_id)

    async def in_index(self, call: Callable[..., T], *args: object) -> T:
        """A call that reads the index (answers, sources, stats), in a worker thread, within `ANSWER_TIMEOUT`."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(call, *args), ANSWER_TIMEOUT)
        except TimeoutError:
            raise DatabaseError(
                f"reading the index took longer than {ANSWER_TIMEOUT:g} s",
                "check that the database is running and reachable",
            ) from None

    async def answer(self, guild_id: int | None, *args: object) -> Answer:
        """`Newsbot.ask` for this guild (question, k, filters, follows), off the event loop."""
        return await self.in_index(self.app_for(guild_id).ask, *args)

    async def close(self) -> None:
        """Stop, then let the state calls under way end (within `STATE_TIMEOUT`), so the state can be closed."""
        await super().close()
        ending = asyncio.to_thread(self._state_workers.shutdown, wait=True, cancel_futures=True)
        try:
            await asyncio.wait_for(ending, STATE_TIMEOUT)
        except TimeoutError:
            log.warning("a call to the bot's state was still waiting on the database at the stop")

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
        log.info(
            "connected as %s to %d guild(s)%s",
            self.user,
            len(self.guilds),
            f" on shard(s) {', '.join(map(str, shards))} of {self.app.config.discord.shard_count}"
            if self.app.config.discord.shard_count
            else "",
        )

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
    return ShardedNewsbotClient(
        app, state, shard_count=settings.shard_count, shard_ids=list(settings.shard_ids) or None, **options
    )
