"""Answers as Discord messages, and the buttons under them and under source lists.

`answer_message` is the one sequence every way of asking goes through (/ask, a mention, More,
Post publicly): ask the app in a worker thread, keep the answer for its buttons, render the embed,
build the buttons.

Every button is a `DynamicItem`: its custom id carries what it needs (an answer id, a page), and
the answer behind an id lives in SQLite, so buttons keep working after the bot restarts. An id
whose answer is gone says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from index import NewsbotError, SearchFilters

from ..core.answer import NOT_COVERED, Answer, echo, filters_note
from ..core.describe import sorted_sources
from ..core.service import corpus_key, speakable
from .cooldown import cooldown_message
from .errors import friendly_errors
from .render import INFO_COLOUR, NO_PINGS, answer_embed, clip, escape_markdown, source_line
from .state import StoredAnswer

if TYPE_CHECKING:
    from ..core.service import Newsbot
    from .client import NewsbotClient

log = logging.getLogger("newsbot.discord")

MAX_PASSAGES = 10
SOURCES_PER_PAGE = 10
EXPIRED = "This answer has expired (it is no longer stored). Ask again with /ask."
THANKS = {1: "Thanks! Your 👍 was recorded.", -1: "Thanks! Your 👎 was recorded: it helps us find weak answers."}
NEVER = r"(?!)"
"""The template of the base classes below, which are never buttons themselves."""


@dataclass(frozen=True)
class AnswerMessage:
    answer: Answer
    answer_id: str
    embed: discord.Embed
    view: discord.ui.View


async def answer_message(
    client: NewsbotClient,
    guild_id: int | None,
    question: str,
    k: int | None,
    *,
    private: bool,
    filters: SearchFilters = SearchFilters(),
    follows: str | None = None,
    answer_id: str | None = None,
    cut: bool = False,
) -> AnswerMessage:
    """Answer in this guild, keep the answer for its buttons (unless it is kept already as `answer_id`:
    More), and render it with its buttons. The question is kept with its filters, for the buttons."""
    k = k or client.app_for(guild_id).config.search.k
    answer = await client.answer(guild_id, question, k, filters, follows)
    if cut:  # the member's text was cut before it became the question
        answer = dataclasses.replace(answer, cut=True)
    if answer_id is None:
        answer_id = await client.in_state(
            client.state.save_answer, filters.to_query() + question, k, private, passage_ids(answer), follows
        )
        if answer.abstained and (answer.time_window is not None or not answer.filtered_out):
            closest = answer.closest[0].title if answer.closest else ""  # a filter the member chose is no gap
            await keep_gap(client, guild_id, question, closest, "not answered")
    more = len(answer.passages) == k and k < MAX_PASSAGES
    embed = await asyncio.to_thread(answer_embed, answer, footer(answer))  # escaping passages is work too
    return AnswerMessage(
        answer, answer_id, embed, answer_view(answer_id, answered=not answer.abstained, private=private, more=more)
    )


async def keep_gap(client: NewsbotClient, guild_id: int | None, question: str, closest: str, reason: str) -> None:
    """Keep a question the articles did not answer for the moderators' /gaps (never who asked); the member's
    answer never waits on it failing."""
    try:
        await client.in_state(client.state.record_gap, corpus_key(client.app_for(guild_id)), question, closest, reason)
    except NewsbotError as error:
        log.warning("could not keep a question for /gaps: %s", error.one_line())


def passage_ids(answer: Answer) -> list[str]:
    return [passage.hit.chunk.chunk_id for passage in answer.passages]


def footer(answer: Answer) -> str:
    notes = (f" · {note}" if (note := filters_note(answer)) else "") + (
        " · only the question's first 2,000 characters were read" if answer.cut else ""
    )
    if answer.abstained:
        return f"newsbot quotes news articles; it found none that answer this{notes}"
    searched = f" · searched for: {echo(answer.searched_for)}" if answer.searched_for else ""
    shown = f"Passages 1–{len(answer.passages)}" if len(answer.passages) > 1 else "1 passage"
    return f"{shown} · quoted from the articles, not written by a model{notes}{searched}"


def answer_view(answer_id: str, *, answered: bool, private: bool, more: bool) -> discord.ui.View:
    """More and the votes under an answer (none under an abstention), and Post publicly under a private one."""
    view = discord.ui.View(timeout=None)
    if answered:
        view.add_item(MoreButton(answer_id, disabled=not more))
        view.add_item(VoteButton(answer_id, "up"))
        view.add_item(VoteButton(answer_id, "down"))
    if private:
        view.add_item(PublicButton(answer_id))
    return view


def client_of(interaction: discord.Interaction) -> NewsbotClient:
    return interaction.client  # type: ignore[return-value]  # discord.py types it as any Client; ours is this one


class Button(discord.ui.DynamicItem[discord.ui.Button], template=NEVER):
    """A button made again from its custom id: the template's named groups are the arguments of
    the subclass's constructor."""

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]):
        # each subclass's constructor takes its template's named groups, which mypy cannot see from here
        return cls(**match.groupdict())  # type: ignore[arg-type]


class AnswerButton(Button, template=NEVER):
    """A button under an answer: pressing it finds the stored answer (or says it expired) and
    hands it to `pressed`."""

    def __init__(self, answer_id: str, button: discord.ui.Button) -> None:
        super().__init__(button)
        self.answer_id = answer_id

    @friendly_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        client = client_of(interaction)
        stored = await client.in_state(client.state.answer, self.answer_id)
        if stored is None:
            await interaction.response.send_message(EXPIRED, ephemeral=True)
            return
        await self.pressed(interaction, client, stored)

    async def pressed(self, interaction: discord.Interaction, client: NewsbotClient, stored: StoredAnswer) -> None:
        raise NotImplementedError


class MoreButton(AnswerButton, template=r"nb:more:(?P<answer_id>[0-9a-f]{16})"):
    def __init__(self, answer_id: str, disabled: bool = False) -> None:
        super().__init__(
            answer_id,
            discord.ui.Button(
                label="More",
                emoji="➕",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nb:more:{answer_id}",
                disabled=disabled,
            ),
        )

    async def pressed(self, interaction: discord.Interaction, client: NewsbotClient, stored: StoredAnswer) -> None:
        wait = await client.retry_after(interaction.user.id)  # More asks again: it counts like a question
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True)
            return
        await interaction.response.defer()
        wanted = min(MAX_PASSAGES, stored.shown + client.app_for(interaction.guild_id).config.search.k)
        shown = await answer_message(
            client,
            interaction.guild_id,
            stored.question,
            wanted,
            private=stored.private,
            follows=stored.follows,
            answer_id=stored.id,
        )
        if len(shown.answer.passages) <= stored.shown:
            await interaction.edit_original_response(
                view=answer_view(stored.id, answered=not shown.answer.abstained, private=stored.private, more=False)
            )
            await interaction.followup.send("That's every passage that answers this question.", ephemeral=True)
            return
        await client.in_state(
            client.state.update_answer, stored.id, len(shown.answer.passages), passage_ids(shown.answer)
        )
        await interaction.edit_original_response(embed=shown.embed, view=shown.view)


class VoteButton(AnswerButton, template=r"nb:vote:(?P<answer_id>[0-9a-f]{16}):(?P<vote>up|down)"):
    def __init__(self, answer_id: str, vote: str) -> None:
        super().__init__(
            answer_id,
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nb:vote:{answer_id}:{vote}",
            ),
        )
        self.vote = 1 if vote == "up" else -1

    async def pressed(self, interaction: discord.Interaction, client: NewsbotClient, stored: StoredAnswer) -> None:
        await client.in_state(client.state.vote, stored, interaction.user.id, self.vote)
        await interaction.response.send_message(THANKS[self.vote], ephemeral=True)
        if self.vote < 0:
            await keep_gap(client, interaction.guild_id, stored.question, "", "voted down")


class PublicButton(AnswerButton, template=r"nb:public:(?P<answer_id>[0-9a-f]{16})"):
    def __init__(self, answer_id: str) -> None:
        super().__init__(
            answer_id,
            discord.ui.Button(
                label="Post publicly", emoji="📣", style=discord.ButtonStyle.primary, custom_id=f"nb:public:{answer_id}"
            ),
        )

    async def pressed(self, interaction: discord.Interaction, client: NewsbotClient, stored: StoredAnswer) -> None:
        """Post the answer the member sees, as it is: no search again, and it counts like a question."""
        wait = await client.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        shown = interaction.message.embeds if interaction.message else []
        if not shown:
            await interaction.followup.send(EXPIRED, ephemeral=True)
            return
        answer_id = await client.in_state(
            client.state.save_answer, stored.question, stored.shown, False, stored.passage_ids, stored.follows
        )
        more = len(stored.passage_ids) == stored.shown and stored.shown < MAX_PASSAGES
        view = answer_view(answer_id, answered=bool(stored.passage_ids), private=False, more=more)
        name = escape_markdown(speakable(interaction.user.display_name))  # no Markdown, no reversing U+202E
        await interaction.followup.send(
            content=clip(f"{name} shared this answer.", 2000), embeds=shown[:1], view=view, allowed_mentions=NO_PINGS
        )


def sources_page(app: Newsbot, page: int) -> tuple[discord.Embed, discord.ui.View]:
    """One page of the indexed articles, newest first, with buttons to turn it (reads the index: call it
    in a worker thread)."""
    articles = sorted_sources(app.index.articles)
    pages = max(1, -(-len(articles) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * SOURCES_PER_PAGE
    lines = [source_line(first + i + 1, a, limit=380) for i, a in enumerate(articles[first : first + SOURCES_PER_PAGE])]
    embed = discord.Embed(
        title=f"Indexed articles ({len(articles):,})",
        colour=INFO_COLOUR,
        description=clip("\n".join(lines) or "No articles are indexed.", 4096),
    )
    embed.set_footer(text=f"Page {page + 1} of {pages}")
    view = discord.ui.View(timeout=None)
    view.add_item(SourcesPageButton(max(page - 1, 0), "prev", disabled=page == 0))
    view.add_item(SourcesPageButton(page + 1, "next", disabled=page >= pages - 1))
    return embed, view


class SourcesPageButton(Button, template=r"nb:sources:(?P<page>\d+):(?P<direction>prev|next)"):
    """Turns the /sources list to another page; the page number is all it needs."""

    def __init__(self, page: int | str, direction: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nb:sources:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.page = int(page)

    @friendly_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        app = client_of(interaction).app_for(interaction.guild_id)
        embed, view = await client_of(interaction).in_index(sources_page, app, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


TIMELINE_PER_PAGE = 6


def timeline_page(app: Newsbot, topic: str, timeline_id: str, page: int) -> tuple[discord.Embed, discord.ui.View]:
    """One page of a topic's timeline, oldest first, each entry dated (Discord timestamps) and cited, with
    buttons to turn it (reads the index: call it in a worker thread)."""
    timeline = app.timeline(topic)
    entries = timeline.entries
    pages = max(1, -(-len(entries) // TIMELINE_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * TIMELINE_PER_PAGE
    blocks = []
    for number, entry in enumerate(entries[first : first + TIMELINE_PER_PAGE], start=first + 1):
        cited = "\n".join(source_line(None, article, limit=300) for article in [entry.article, *entry.also])
        sentence = escape_markdown(clip(" ".join(entry.sentence.split()), 500))
        blocks.append(f"**{number}.** {cited}\n> {sentence}")
    embed = discord.Embed(
        title=clip(f"Timeline: {topic}", 256),
        colour=INFO_COLOUR,
        description=clip("\n\n".join(blocks) or NOT_COVERED + " Try other words.", 4096),
    )
    shown = f"{len(entries)} article{'s' * (len(entries) != 1)}, oldest first" if entries else "no articles"
    embed.set_footer(text=f"Page {page + 1} of {pages} · {shown} · quoted from the articles, not written by a model")
    view = discord.ui.View(timeout=None)
    if pages > 1:
        view.add_item(TimelinePageButton(timeline_id, max(page - 1, 0), "prev", disabled=page == 0))
        view.add_item(TimelinePageButton(timeline_id, page + 1, "next", disabled=page >= pages - 1))
    return embed, view


class TimelinePageButton(
    AnswerButton, template=r"nb:timeline:(?P<timeline_id>[0-9a-f]{16}):(?P<page>\d+):(?P<direction>prev|next)"
):
    """Turns a timeline to another page: its topic is kept under the id, like an answer's question."""

    def __init__(self, timeline_id: str, page: int | str, direction: str, disabled: bool = False) -> None:
        super().__init__(
            timeline_id,
            discord.ui.Button(
                label="Earlier" if direction == "prev" else "Later",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nb:timeline:{timeline_id}:{page}:{direction}",
                disabled=disabled,
            ),
        )
        self.page = int(page)

    async def pressed(self, interaction: discord.Interaction, client: NewsbotClient, stored: StoredAnswer) -> None:
        app = client.app_for(interaction.guild_id)
        embed, view = await client.in_index(timeline_page, app, stored.question, self.answer_id, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


DYNAMIC_ITEMS = (MoreButton, VoteButton, PublicButton, SourcesPageButton, TimelinePageButton)
