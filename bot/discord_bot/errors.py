"""One error handler for the bot.

Decision table, first match wins:
  1. NotModerator (a check)          -> "Only moderators can ..." (ephemeral)
     NotCorpusEditor (a check)       -> "This server shares the bot's articles ..." (ephemeral)
  2. IndexMissingError               -> "No index yet: a moderator can build one with /reindex."
  3. IndexBusyError                  -> "A reindex is already running ..."
  4. FilterError                     -> what is wrong with the filter and how to write it
  5. SearchTimeoutError              -> "That question took too long to search ...", the details to the log
  6. DatabaseError, a state call     -> "The bot cannot reach its database ...", the details to the log
     that timed out                     (they name the database's host: members need not know it)
  7. IndexMismatchError              -> "The index does not fit the bot's settings ...", the details to the log
                                        (they name the index's folder or database)
  8. ConfigError, ModelError,        -> "Something in the bot's setup needs its host ...", the details to the log
     StorageError                       (the host's settings, folders and disks: no member's business)
  9. any other NewsbotError          -> its problem and its fix, in one line (a member's or moderator's own
                                        input: a question, a filter, an uploaded article)
 10. other check failures            -> "You can't use this command here."
 11. anything else                   -> "Sorry, something went wrong ...", traceback to the log

Users never see a traceback or `str()` of an unexpected exception; the log gets the traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands

from index import (
    ConfigError,
    DatabaseError,
    FilterError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    ModelError,
    NewsbotError,
    SearchTimeoutError,
    StorageError,
)

from .render import NO_PINGS, clip

log = logging.getLogger("newsbot.discord")

DATABASE_DOWN = (
    "The bot cannot reach its database right now; try again in a minute. The moderators can find "
    "the details in the bot's log."
)
TOO_COSTLY = "That question took too long to search; ask a shorter question, with fewer common words."
INDEX_MISFITS = (
    "The bot's index does not fit its settings; a moderator can rebuild it with /reindex. The details "
    "are in the bot's log."
)
HOST_MUST_FIX = (
    "Something in the bot's setup needs its host's attention; the moderators can find the details in " "the bot's log."
)
SOMETHING_WENT_WRONG = "Sorry, something went wrong there. The moderators can find the details in the bot's log."


class NotModerator(app_commands.CheckFailure):
    """The member lacks Manage Server and every configured moderator role."""


class NotCorpusEditor(app_commands.CheckFailure):
    """A moderator of a guild that shares the bot's corpus without being allowed to change it."""


def message_for(error: BaseException) -> str:
    if isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)) and error.__cause__:
        error = error.__cause__
    if isinstance(error, NotModerator):
        return "Only moderators can do that: it needs the Manage Server permission or a moderator role."
    if isinstance(error, NotCorpusEditor):
        return (
            "This server answers from the articles the bot shares with other servers, and only the bot's owner "
            "and the servers its host names may change them. Ask the bot's host to give this server articles "
            "of its own (a [guilds.ID] section in the bot's config)."
        )
    if isinstance(error, IndexMissingError):
        return "There is no index yet: a moderator can build one with /reindex."
    if isinstance(error, IndexBusyError):
        return "A reindex is already running; try again when it has finished."
    if isinstance(error, FilterError):
        return clip(error.one_line(), 1800)
    if isinstance(error, SearchTimeoutError):
        log.warning("%s", error.one_line())
        return TOO_COSTLY
    if isinstance(error, (DatabaseError, TimeoutError)):
        log.warning("%s", error.one_line() if isinstance(error, DatabaseError) else "a call to the database timed out")
        return DATABASE_DOWN
    if isinstance(error, IndexMismatchError):
        log.warning("%s", error.one_line())
        return INDEX_MISFITS
    if isinstance(error, (ConfigError, ModelError, StorageError)):
        log.warning("%s", error.one_line())
        return HOST_MUST_FIX
    if isinstance(error, NewsbotError):  # what is wrong, and what to do about it
        text = error.one_line()
        return clip(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."), 1800)
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    log.error("unexpected error", exc_info=error)
    return SOMETHING_WENT_WRONG


async def reply_with_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user, ephemerally, whether or not the interaction was already answered."""
    if interaction.client.is_closed():  # stopping (SIGTERM): the connection is gone, and so is the reply
        log.info("stopping: the answer to an interaction was dropped")
        return
    text = message_for(error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not tell the user about an error: the interaction is gone")


Item = TypeVar("Item", bound=discord.ui.Item[Any])


def friendly_errors(
    callback: Callable[[Item, discord.Interaction], Awaitable[None]],
) -> Callable[[Item, discord.Interaction], Coroutine[Any, Any, None]]:
    """For button callbacks: route every exception through the same handler."""

    @functools.wraps(callback)
    async def wrapper(self: Item, interaction: discord.Interaction) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:  # the one place errors of a button end
            await reply_with_error(interaction, error)

    return wrapper


def install(tree: app_commands.CommandTree) -> None:
    @tree.error
    async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await reply_with_error(interaction, error)
