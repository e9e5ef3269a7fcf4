"""Discord markup in a question, turned into the plain words a member meant.

Discord sends mentions, channels, custom emoji and timestamps as markup (`<@123>`, `<@&456>`,
`<#789>`, `<:thinking:1>`, `<t:1626000000:R>`, `</ask:1>`) and formatting as Markdown. Searched as
they are, their digits count as names and numbers of the question that no article has, and a
question the articles answer is abstained on. Every question from Discord (/ask, mentions,
follow-ups) passes through `plain_question` first: channels become their names where the bot knows
them, timestamps become dates in words, and emoji, the bot's own mention and the mentions of
members and roles go. Those address people of the community, who are not in the news: written as
names they would still count as names the articles lack ("Alice how much flour did Russia
deliver?" is abstained on, "how much flour did Russia deliver?" answered).

Whatever a member sends, the work here is bounded by the question's cut length: the text is cut to
`MAX_QUESTION_CHARS` first, and every pattern is a run of one character class or has bounded
quantifiers between delimiters it cannot contain, so none backtracks (discord.py's
`remove_markdown` took 5 s on `"[" * 2000 + "](" * 2000`). Call it in a worker thread all the same.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import discord

from ..core.service import MAX_QUESTION_CHARS

MARKUP = re.compile(
    r"<(?:@!?(?P<user>\d+)|@&(?P<role>\d+)|#(?P<channel>\d+)|a?:(?P<emoji>\w+):\d+"
    r"|t:(?P<time>-?\d{1,20})(?::[tTdDfFR])?|/(?P<command>[\w -]{1,100}):\d+)>"
)
EVERYONE = re.compile(r"@(?:everyone|here)\b")
MARKDOWN = re.compile(
    r"(?P<url><[^:<> \n]{1,64}:/[^<> \n]{1,1000}>|(?:https?|steam)://[^\s<]{1,1000})"  # links stay as they are
    r"|\[(?P<text>[^\[\]\n]{0,256})\]\(<?[^()<>\s]{0,1000}>?\)"  # a masked link: its words
    r"|^(?:>>>|>) |^#{1,3} |^-# |^[ \t]{0,8}[-*] "  # quotes, headers, subtext, list items at a line's start
    r"|[_\\~|*`]",  # emphasis, strike, spoiler, code
    re.MULTILINE,
)
"""Discord's Markdown, as discord.py's `remove_markdown` reads it, in patterns that cannot backtrack:
every repeat is bounded and stops at a delimiter it cannot contain."""

ChannelName = Callable[[int], "str | None"]
"""A channel's (or thread's) id -> its name, or None when unknown."""


def plain_question(text: str, channel_name: ChannelName = lambda channel_id: None) -> str:
    """The question as plain words: markup replaced by names and dates (or dropped), Markdown gone.

    Only the first `MAX_QUESTION_CHARS` characters are read: the rest would be cut anyway."""

    def replace(match: re.Match[str]) -> str:
        if match["channel"]:
            return f" {channel_name(int(match['channel'])) or ''} "
        if match["time"]:
            try:
                day = dt.datetime.fromtimestamp(int(match["time"]), dt.UTC).date()
            except (OverflowError, OSError, ValueError):
                return " "
            return f" {day.day} {day:%B %Y} "
        if match["command"]:
            return f" /{match['command']} "
        return " "  # a member, a role (the bot itself too), or a custom emoji: no word of the question

    def unmark(match: re.Match[str]) -> str:
        return match["url"] or match["text"] or ""

    text = MARKUP.sub(replace, text[:MAX_QUESTION_CHARS])
    text = " ".join(MARKDOWN.sub(unmark, EVERYONE.sub(" ", text)).split())
    return re.sub(r" (?=[?!.,;:](?:\s|$))", "", text)  # "deliver 14 July 2017 ?" -> "deliver 14 July 2017?"


def channel_names(guild: discord.Guild | None, message: discord.Message | None = None) -> ChannelName:
    """Names of the channels a message mentions, else of the guild's cached ones."""
    known = {c.id: c.name for c in (message.channel_mentions if message else []) if getattr(c, "name", None)}

    def name_of(channel_id: int) -> str | None:
        found = guild.get_channel_or_thread(channel_id) if guild is not None else None
        return known.get(channel_id) or getattr(found, "name", None)

    return name_of
