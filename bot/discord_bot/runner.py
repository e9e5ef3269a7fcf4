"""`newsbot run`: start the bot until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp
import discord

from index import ConfigError

from ..core.config import TOKEN_ENV
from ..core.errors import DiscordError
from ..core.service import Newsbot
from ..core.state_migrations import STATE_FILE
from .client import NewsbotClient, ShardedNewsbotClient, make_client, point_at
from .state import open_state

log = logging.getLogger("newsbot.discord")


def require_token(app: Newsbot) -> str:
    token = app.config.discord.resolved_token()
    if not token:
        raise ConfigError(
            "no Discord bot token is set",
            f"export {TOKEN_ENV}=<your bot token> (or set [discord] token in config.toml), then run again",
        )
    return token


def run_bot(app: Newsbot, **client_options) -> None:
    token = require_token(app)
    point_at(app.config.discord)
    app.sentence_reader()  # a "cross-encoder" reader's model: loaded (or refused in one line) before connecting
    state = open_state(app, app.config.discord.data_dir / STATE_FILE)
    try:
        asyncio.run(_serve(make_client(app, state, **client_options), token))
    finally:
        state.close()


async def _serve(client: NewsbotClient | ShardedNewsbotClient, token: str) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with client:
        running = asyncio.create_task(client.start(token), name="discord-client")
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running in done:
            stopping.cancel()
            try:
                running.result()
            except discord.LoginFailure:
                raise DiscordError(
                    "Discord refused the bot token",
                    f"check {TOKEN_ENV}: copy the token again from the Developer Portal",
                ) from None
            except (TimeoutError, aiohttp.ClientConnectionError, OSError) as error:
                raise DiscordError(
                    f"could not reach Discord at {discord.http.Route.BASE} ({_reason(error)})",
                    "check the network connection (or [discord] api_base_url), then run again",
                ) from None
            except discord.PrivilegedIntentsRequired:
                raise DiscordError(
                    "Discord refused the requested intents", "enable them for the bot in the Developer Portal"
                ) from None
            return
        log.info("shutting down")
        await client.close()
        await asyncio.gather(running, return_exceptions=True)


def _reason(error: BaseException) -> str:
    """The innermost cause, in a few words: "Connect call failed ('127.0.0.1', 9)", "timed out"."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error).strip() or type(error).__name__
