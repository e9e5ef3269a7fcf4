"""Buttons under answers and source lists.

Every button is a `DynamicItem`: its custom id carries what it needs (an answer id, a page), and
the answer behind an id lives in SQLite, so buttons keep working after the bot restarts. An id
whose answer is gone says so.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import discord

from ..core.answer import Answer
from .cooldown import cooldown_message
from .errors import friendly_errors
from .render import NO_PINGS, answer_embed
from .state import StoredAnswer

if TYPE_CHECKING:
    from .client import NewsbotClient

MAX_PASSAGES = 10
EXPIRED = "This answer has expired (it is no longer stored). Ask again with /ask."
THANKS = {1: "Thanks! Your 👍 was recorded.", -1: "Thanks! Your 👎 was recorded: it helps us find weak answers."}


def footer(answer: Answer) -> str:
    filters = f" · filters: {answer.filters.describe()}" if answer.filters else ""
    if answer.abstained:
        return f"newsbot quotes news articles; it found none that answer this{filters}"
    searched = f" · searched for: {answer.searched_for}" if answer.searched_for else ""
    return f"Passages 1–{len(answer.passages)} · quoted from the articles, not written by a model{filters}{searched}"


def answer_view(answer_id: str, answer: Answer, *, private: bool, more: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if not answer.abstained:
        view.add_item(MoreButton(answer_id, disabled=not more))
        view.add_item(VoteButton(answer_id, 1))
        view.add_item(VoteButton(answer_id, -1))
    if private:
        view.add_item(PublicButton(answer_id))
    return view


def client_of(interaction: discord.Interaction) -> NewsbotClient:
    return interaction.client  # type: ignore[return-value]


async def stored_answer(interaction: discord.Interaction, answer_id: str) -> StoredAnswer | None:
    """The answer behind a button, or None after telling the user it expired."""
    stored = client_of(interaction).state.answer(answer_id)
    if stored is None:
        await interaction.response.send_message(EXPIRED, ephemeral=True)
    return stored


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:more:(?P<answer>[0-9a-f]{16})"):
    def __init__(self, answer_id: str, disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label="More", emoji="➕", style=discord.ButtonStyle.secondary,
                                           custom_id=f"nb:more:{answer_id}", disabled=disabled))
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["answer"])

    @friendly_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        client = client_of(interaction)
        stored = await stored_answer(interaction, self.answer_id)
        if stored is None:
            return
        wait = client.cooldown.retry_after(interaction.user.id)  # More asks again: it counts like a question
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True)
            return
        await interaction.response.defer()
        app = client.app_for(interaction.guild_id)
        wanted = min(MAX_PASSAGES, stored.shown + app.config.search.k)
        answer = await asyncio.to_thread(app.ask, stored.question, wanted, follows=stored.follows)
        more = len(answer.passages) == wanted and wanted < MAX_PASSAGES
        if len(answer.passages) <= stored.shown:
            await interaction.edit_original_response(view=answer_view(stored.id, answer, private=stored.private, more=False))
            await interaction.followup.send("That's every passage that answers this question.", ephemeral=True)
            return
        client.state.update_answer(stored.id, len(answer.passages), [p.hit.chunk.chunk_id for p in answer.passages])
        await interaction.edit_original_response(
            embed=answer_embed(answer, footer(answer)), view=answer_view(stored.id, answer, private=stored.private, more=more)
        )


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:vote:(?P<answer>[0-9a-f]{16}):(?P<vote>up|down)"):
    def __init__(self, answer_id: str, vote: int) -> None:
        name = "up" if vote > 0 else "down"
        super().__init__(discord.ui.Button(emoji="👍" if vote > 0 else "👎", style=discord.ButtonStyle.secondary,
                                           custom_id=f"nb:vote:{answer_id}:{name}"))
        self.answer_id = answer_id
        self.vote = vote

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["answer"], 1 if match["vote"] == "up" else -1)

    @friendly_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        client = client_of(interaction)
        stored = await stored_answer(interaction, self.answer_id)
        if stored is None:
            return
        client.state.vote(stored, interaction.user.id, self.vote)
        await interaction.response.send_message(THANKS[self.vote], ephemeral=True)


class PublicButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:public:(?P<answer>[0-9a-f]{16})"):
    def __init__(self, answer_id: str) -> None:
        super().__init__(discord.ui.Button(label="Post publicly", emoji="📣", style=discord.ButtonStyle.primary,
                                           custom_id=f"nb:public:{answer_id}"))
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["answer"])

    @friendly_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        client = client_of(interaction)
        stored = await stored_answer(interaction, self.answer_id)
        if stored is None:
            return
        await interaction.response.defer(thinking=True)
        answer = await asyncio.to_thread(client.app_for(interaction.guild_id).ask, stored.question, stored.shown,
                                         follows=stored.follows)
        public_id = client.state.save_answer(stored.question, len(answer.passages), False,
                                             [p.hit.chunk.chunk_id for p in answer.passages], stored.follows)
        more = len(answer.passages) == stored.shown and stored.shown < MAX_PASSAGES
        await interaction.followup.send(
            content=f"{interaction.user.display_name} shared this answer.",
            embed=answer_embed(answer, footer(answer)),
            view=answer_view(public_id, answer, private=False, more=more),
            allowed_mentions=NO_PINGS,
        )


class SourcesPageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nb:sources:(?P<page>\d+):(?P<dir>prev|next)"):
    """Turns the /sources list to another page; the page number is all it needs."""

    def __init__(self, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label="Previous" if direction == "prev" else "Next",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"nb:sources:{page}:{direction}", disabled=disabled))
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["page"]), match["dir"])

    @friendly_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        from .cogs.info import sources_page

        embed, view = sources_page(client_of(interaction).app_for(interaction.guild_id), self.page)
        await interaction.response.edit_message(embed=embed, view=view)


DYNAMIC_ITEMS = (MoreButton, VoteButton, PublicButton, SourcesPageButton)
