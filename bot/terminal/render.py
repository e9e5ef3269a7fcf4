"""An answer for the terminal, laid out like the Discord embed: quoted passages with the best
sentences marked, citation numbers after each, and the numbered sources below.

On a terminal it is a panel with the marked sentences in bold (and colour, unless NO_COLOR is
set); piped or redirected, it is plain text, one line per passage, with the marked sentences
between ** **, so that `newsbot ask ... > file` reads well and greps well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from ..core.answer import (
    CUT_NOTE,
    NOT_COVERED,
    Answer,
    Passage,
    abstention_hint,
    age,
    citation_text,
    echo,
    filters_note,
    format_date,
)
from ..core.timeline import Timeline

ACCENT = "blue"
ABSTAIN_ACCENT = "yellow"
MARK = "**"


def print_answer(console: Console, answer: Answer) -> None:
    """The panel on a terminal, plain text anywhere else."""
    if console.is_terminal:
        console.print(render_answer(answer))
    else:
        console.print(render_plain(answer), markup=False, highlight=False, soft_wrap=True, end="\n\n")


def render_plain(answer: Answer) -> str:
    lines = [f"Q: {answer.question}"]
    if answer.cut:
        lines.append(CUT_NOTE)
    if note := filters_note(answer):
        lines.append(note)
    lines.append("")
    if answer.abstained:
        lines.append(NOT_COVERED)
        if answer.did_you_mean:
            lines.append(f"Did you mean: {echo(answer.did_you_mean)}{'' if answer.did_you_mean.endswith('?') else '?'}")
        if answer.closest:
            lines.extend(["", "Closest articles:", *(f"- {citation_text(article)}" for article in answer.closest)])
        lines.extend(["", abstention_hint(answer)])
        return "\n".join(lines)
    if answer.searched_for:
        lines.extend([f"Showing passages for {echo(answer.searched_for)}", ""])
    for passage in answer.passages:
        lines.extend([f"> {_marked(passage)} {''.join(f'[{n}]' for n in passage.citations)}", ""])
    lines.append("Sources")
    today = dt.date.today()  # the terminal's user is on this machine: its own day
    lines.extend(f"[{c.number}] {citation_text(c.article, today)}" for c in answer.citations)
    return "\n".join(lines)


def _marked(passage: Passage) -> str:
    """The passage on one line, its marked sentences between ** **."""
    parts, cursor = [], 0
    for start, end in passage.highlights:
        parts.extend([passage.text[cursor:start], MARK, passage.text[start:end], MARK])
        cursor = end
    parts.append(passage.text[cursor:])
    return " ".join("".join(parts).split())


def passage_text(passage: Passage) -> Text:
    """The passage as a quote: a bar before it, the marked sentences in bold, citations after."""
    text = Text()
    text.append("▌ ", style="dim")  # the bar only: a style given to Text() would dim the whole passage
    cursor = 0
    for start, end in passage.highlights:
        text.append(passage.text[cursor:start])
        text.append(passage.text[start:end], style="bold yellow")
        cursor = end
    text.append(passage.text[cursor:])
    text.append(" " + "".join(f"[{n}]" for n in passage.citations), style="cyan")
    return text


def render_answer(answer: Answer) -> Panel:
    title = Text(answer.question if len(answer.question) <= 80 else answer.question[:79] + "…", style="bold")
    notes = [
        *([note] if (note := filters_note(answer)) else []),
        *([CUT_NOTE] if answer.cut else []),
    ]
    # the notes lead the panel and wrap (a subtitle would be cut at the border: "quoting other dates" with it)
    lead = [Text(" · ".join(notes), style="dim"), Text()] if notes else []
    if answer.abstained:
        body: list[Text] = [*lead, Text(NOT_COVERED, style="bold")]
        if answer.did_you_mean:
            body.append(
                Text.assemble(
                    "Did you mean: ",
                    (echo(answer.did_you_mean), "bold"),
                    "" if answer.did_you_mean.endswith("?") else "?",
                )
            )
        if answer.closest:
            body.append(Text("\nClosest articles:", style="dim"))
            body.extend(Text(f"• {citation_text(article)}") for article in answer.closest)
        body.append(Text("\n" + abstention_hint(answer), style="dim"))
        return Panel(
            Group(*body),
            title=title,
            title_align="left",
            border_style=ABSTAIN_ACCENT,
        )
    parts: list[Text] = list(lead)
    if answer.searched_for:
        parts.extend([Text.assemble("Showing passages for ", (echo(answer.searched_for), "bold"), style="dim"), Text()])
    for passage in answer.passages:
        parts.extend([passage_text(passage), Text()])
    parts.append(Text("Sources", style="bold"))
    today = dt.date.today()  # the terminal's user is on this machine: its own day
    parts.extend(Text(f"[{c.number}] {citation_text(c.article, today)}") for c in answer.citations)
    return Panel(Group(*parts), title=title, title_align="left", border_style=ACCENT)


def render_timeline(timeline: Timeline, today: dt.date | None = None) -> str:
    """A timeline as plain text: per entry its date and age, its citation, and the sentence that matches."""
    today = today or dt.date.today()
    lines = [f"Timeline: {timeline.topic}"]
    if timeline.filters:
        lines.append(f"filters: {timeline.filters.describe()}")
    if not timeline.entries:
        return "\n".join([*lines, "", NOT_COVERED, "Try other words, or a wider window."])
    lines.append(f"{len(timeline.entries)} article{'s' * (len(timeline.entries) != 1)}, oldest first")
    for entry in timeline.entries:
        article = entry.article
        when = f"{format_date(article)} ({age(article.date, today)})" if article.date else "undated"
        undated = dataclasses.replace(article, date=None)  # the date leads the line already
        lines.extend(["", f"{when} · {citation_text(undated)}", f"  > {' '.join(entry.sentence.split())}"])
        lines.extend(f"  also: {citation_text(other)}" for other in entry.also)
    return "\n".join(lines)
