"""Answers as Discord embeds, always within Discord's limits.

The passages are quoted (one block quote each) with the best-matching sentences in bold and the
citation numbers after them; the sources follow as a numbered list with links. Passage text is
escaped for Discord markdown, and long passages are cut around their highlighted sentence so that
the message fits, however long the question or the passages.

Text from members and from the corpus never pings (mentions get a zero-width space after "@"),
and only http(s) URLs become links, percent-encoded so that no character ends the link early.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import discord

from index import ArticleMeta

from ..core.answer import NOT_COVERED, Answer, Passage, abstention_hint

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_TOTAL_LIMIT = 6000
FIELDS_PER_EMBED = 25

SOURCES_BUDGET = 2400
"""Characters the numbered sources may take, so that the passages keep most of the 6,000."""

ANSWER_COLOUR = discord.Colour.blurple()
ABSTAIN_COLOUR = discord.Colour.gold()
INFO_COLOUR = discord.Colour.dark_teal()
ELLIPSIS = "…"
NO_PINGS = discord.AllowedMentions.none()

MENTION = re.compile(r"@(?=everyone|here|[!&]?\d)", re.IGNORECASE)
"""@everyone, @here, <@123>, <@!123>, <@&123>: the "@" that would make them a mention."""
BREAKS_LINK = re.compile(r"[\x00-\x20\x7f-\x9f\s()<>\[\]\\\"'@`]")
"""Characters percent-encoded in a link's URL: they could end the link or make it ping."""


MARKDOWN_CHARACTERS = re.compile(r"[\\*_~`|\[\]>]|^#|^-(?=#| )", re.MULTILINE)
"""What Discord reads as Markdown: emphasis, code, spoilers, masked links' brackets, quotes, headers, lists."""


def escape_markdown(text: str) -> str:
    """Text shown as written: every Markdown character escaped, in one pass that cannot backtrack
    (discord.py's `escape_markdown` took 0.9 s on "[" * 1000 + "](" * 1000)."""
    return MARKDOWN_CHARACTERS.sub(lambda match: "\\" + match.group(0), text)


def no_mentions(text: str) -> str:
    """Text with every mention broken by a zero-width space after its "@", safe even as message content."""
    return MENTION.sub("@\u200b", text)


def link_target(url: str | None) -> str | None:
    """The URL to link to, percent-encoded where markdown would end the link; None unless http(s) with a host."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # "http://[::1" and the like
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None  # not a web page, or "https://trusted.example@elsewhere.example"
    return BREAKS_LINK.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "replace")), url)


def clip(text: str, limit: int) -> str:
    """Text within `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + ELLIPSIS


def window(passage: Passage, budget: int) -> tuple[str, list[tuple[int, int]]]:
    """At most `budget` characters of the passage around its first highlight, highlights shifted."""
    text = passage.text
    if len(text) <= budget:
        return text, list(passage.highlights)
    first_start = passage.highlights[0][0] if passage.highlights else 0
    start = max(0, min(first_start - budget // 4, len(text) - budget))
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + budget)
    if end < len(text) and " " in text[start:end]:
        end = text.rfind(" ", start, end)
    shifted = [(max(s, start) - start, min(e, end) - start) for s, e in passage.highlights if e > start and s < end]
    prefix, suffix = (ELLIPSIS if start else ""), (ELLIPSIS if end < len(text) else "")
    return prefix + text[start:end] + suffix, [(s + len(prefix), e + len(prefix)) for s, e in shifted]


def quote(passage: Passage, budget: int) -> str:
    """One passage as a Discord block quote with bold highlights and citation numbers."""
    text, highlights = window(passage, budget)
    parts, cursor = [], 0
    for start, end in highlights:
        parts.append(escape_markdown(text[cursor:start]))
        marked = text[start:end].strip()
        if marked:
            lead = text[start:end][: len(text[start:end]) - len(text[start:end].lstrip())]
            parts.append(f"{escape_markdown(lead)}**{escape_markdown(marked)}**")
        cursor = end
    parts.append(escape_markdown(text[cursor:]))
    body = no_mentions("".join(parts))
    refs = " " + "".join(f"[{n}]" for n in passage.citations)
    lines = [line for line in body.split("\n") if line.strip()]
    return "\n".join(f"> {line}" for line in lines) + refs


def discord_date(article: ArticleMeta) -> str:
    """The date as Discord timestamps: each reader sees it in their own locale, and its age ("3 days ago").
    Noon UTC of the day, so that no time zone shows it as the day before or after."""
    if article.date is None:
        return ""
    moment = int(dt.datetime.combine(article.date, dt.time(12), tzinfo=dt.UTC).timestamp())
    return f"<t:{moment}:D> (<t:{moment}:R>)"


def source_line(number: int | None, article: ArticleMeta, limit: int = 300) -> str:
    """ "[1] Title · Outlet · <t:...:D> (<t:...:R>)", the title linked (http(s) URLs only) when the whole line fits in
    `limit`; the date as Discord timestamps (`discord_date`)."""
    plain_title = clip(" ".join(article.title.split()), 150)
    title = no_mentions(escape_markdown(plain_title))
    outlet = " ".join((article.outlet or "").split())
    details = " · ".join(
        part for part in (no_mentions(escape_markdown(outlet)) if outlet else "", discord_date(article)) if part
    )
    marker = f"**[{number}]**" if number is not None else "•"
    tail = f" · {details}" if details else ""
    target = link_target(article.url)
    if target:
        text = no_mentions(
            escape_markdown(plain_title.replace("[", "(").replace("]", ")"))
        )  # a bracket could end the link text early
        linked = f"{marker} [{text}]({target}){tail}"
        if len(linked) <= limit:
            return linked
    return clip(f"{marker} {title}{tail}", limit)  # a link cut short would break: drop it instead


def _fields_from_lines(name: str, lines: list[str]) -> list[tuple[str, str]]:
    """Pack lines into as few fields as fit FIELD_VALUE_LIMIT each."""
    fields: list[tuple[str, str]] = []
    current = ""
    for line in lines:
        line = clip(line, FIELD_VALUE_LIMIT)
        if current and len(current) + 1 + len(line) > FIELD_VALUE_LIMIT:
            fields.append((name if not fields else f"{name} (continued)", current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        fields.append((name if not fields else f"{name} (continued)", current))
    return fields


def answer_embed(answer: Answer, footer: str | None = None) -> discord.Embed:
    """The whole answer as one embed that respects every limit."""
    title = clip(no_mentions(answer.question.replace("\n", " ")), TITLE_LIMIT)
    follows = (
        f"↪ Following up on: *{clip(escape_markdown(no_mentions(answer.follows.replace(chr(10), ' '))), 200)}*" "\n\n"
        if answer.follows
        else ""
    )
    if answer.abstained:
        description = follows + NOT_COVERED
        if answer.did_you_mean:
            suggestion = clip(escape_markdown(no_mentions(answer.did_you_mean)), 300)
            description += f"\nDid you mean: **{suggestion}**{'' if suggestion.endswith('?') else '?'}"
        description += f"\n{escape_markdown(no_mentions(abstention_hint(answer)))}"
        embed = discord.Embed(title=title, colour=ABSTAIN_COLOUR, description=clip(description, DESCRIPTION_LIMIT))
        if answer.closest:
            lines = [source_line(None, article) for article in answer.closest]
            for name, value in _fields_from_lines("Closest articles", lines)[:3]:
                embed.add_field(name=name, value=value, inline=False)
        return _with_footer(embed, footer)

    line_limit = min(300, max(80, SOURCES_BUDGET // max(1, len(answer.citations))))
    source_fields = _fields_from_lines(
        "Sources", [source_line(c.number, c.article, line_limit) for c in answer.citations]
    )
    source_fields = source_fields[:FIELDS_PER_EMBED]
    fixed = len(title) + sum(len(n) + len(v) for n, v in source_fields) + len(footer or "")
    room = min(DESCRIPTION_LIMIT, EMBEDS_TOTAL_LIMIT - fixed - 50)
    budget = max(120, (room - len(follows)) // max(1, len(answer.passages)) - 40)
    while True:
        description = follows + "\n\n".join(quote(p, budget) for p in answer.passages)
        if len(description) <= room or budget <= 120:
            break
        budget = int(budget * 0.85)
    embed = discord.Embed(title=title, colour=ANSWER_COLOUR, description=clip(description, room))
    for name, value in source_fields:
        embed.add_field(name=name, value=value, inline=False)
    return _with_footer(embed, footer)


def _with_footer(embed: discord.Embed, footer: str | None) -> discord.Embed:
    if footer:
        embed.set_footer(text=clip(no_mentions(footer), FOOTER_LIMIT))
    return embed
