"""Starting the real discord.py client against the fake Discord, and stopping it cleanly."""

from __future__ import annotations

import asyncio
import logging
import shutil
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import discord

from bot.core.config import Config, CorpusSettings, DiscordSettings
from bot.core.service import Newsbot
from bot.discord_bot.client import make_client, point_at
from bot.discord_bot.state import open_state
from index import Embedder

from .fake_discord import FakeDiscord
from .fake_discord import payloads as p


class ErrorRecords(logging.Handler):
    """Collects ERROR records from discord.* (command exceptions are logged there, not raised)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def bot_config(fake: FakeDiscord, data_dir: Path, corpus: tuple[Path, ...], **discord_settings) -> Config:
    settings = DiscordSettings(
        api_base_url=fake.api_base,
        gateway_url=fake.gateway_url,
        data_dir=data_dir,
        sync_guild_id=p.GUILD_ID,
        moderator_role_ids=(p.MODERATOR_ROLE_ID,),
        shared_corpus_guild_ids=(p.GUILD_ID,),
    )
    return Config(
        corpus=CorpusSettings(paths=corpus, added_dir=data_dir / "articles"),
        discord=replace(settings, **discord_settings),
    )


@asynccontextmanager
async def running_bot(fake: FakeDiscord, app: Newsbot):
    """The bot connected to the fake and ready; closed (and checked) on the way out."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    point_at(app.config.discord)
    state = open_state(app, app.config.discord.data_dir / "bot.sqlite")
    client = make_client(app, state, guild_ready_timeout=0.05)
    task = asyncio.create_task(client.start("fake-token-not-a-secret"))
    try:
        await fake.wait_ready()
        for _ in range(200):
            if client.is_ready() or task.done():
                break
            await asyncio.sleep(0.05)
        assert client.is_ready(), task.exception() if task.done() else "the client never became ready"
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
        if task.done() and not task.cancelled() and task.exception():
            fake.problems.append(f"the client task died: {task.exception()!r}")
        state.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def copy_index(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def make_app(
    fake: FakeDiscord, tmp_path: Path, embedder: Embedder, index_dir: Path, corpus: tuple[Path, ...], **discord_settings
) -> Newsbot:
    config = bot_config(fake, tmp_path / "data", corpus, **discord_settings)
    return Newsbot(config, embedder=embedder, index_dir=index_dir)
