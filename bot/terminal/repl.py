"""The developer REPL: ask questions and manage the index, with the same answers as Discord.

On a terminal it has line editing and history (prompt_toolkit); with piped input it reads one
line at a time, so it can be driven through stdin.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from index import NewsbotError

from ..core.describe import (
    FILTERS_HELP,
    build_summary,
    sorted_sources,
    source_line,
    stats_rows,
)
from ..core.service import Newsbot
from .progress import terminal_progress
from .render import print_answer
from .summaries import change_summary, rollback_summary

ID_COLUMN_WIDTH = 24
"""An id wider than this (a feed article's: feeds/1-Outlet/20261204-Title-2c5483a3) folds in :sources."""
HELP = """\
Type a question and press Enter. Commands:
  :help              this help
  :sources           the indexed articles, numbered, with their ids
  :stats             what the index holds and when it was built
  :reindex           bring the index up to date with the corpus
  :add PATH|URL      check an article, save it among the added articles and index it
  :remove ARTICLE    take an added article out: its id, its number in :sources, or its title
  :restore ARTICLE   bring a removed article back: its id or its title
  :rollback          serve the previous index version again
  :timeline TOPIC    the passages that answer a topic, one per article, oldest first
  :feeds             the subscribed feeds; :feeds add URL [NAME], :feeds remove|pause|resume FEED,
                     :feeds poll (one cycle now)
  :k N               quote N passages per answer (now {k})
  :quit              leave (or Ctrl-D)

"""
USAGE = {
    "add": ":add PATH|URL",
    "remove": ":remove ARTICLE (an id, a number from :sources, or a title)",
    "restore": ":restore ARTICLE (an id or a title)",
}


class Repl:
    def __init__(self, app: Newsbot, console: Console | None = None) -> None:
        self.app = app
        self.console = console or Console()
        self.k = app.config.search.k
        self.commands: dict[str, Callable[[str], bool]] = {
            ":help": self.show_help,
            ":sources": self.show_sources,
            ":stats": self.show_stats,
            ":reindex": self.reindex,
            ":add": lambda argument: self.change_corpus("add", argument),
            ":remove": lambda argument: self.change_corpus("remove", argument),
            ":restore": lambda argument: self.change_corpus("restore", argument),
            ":rollback": self.rollback,
            ":feeds": self.feeds,
            ":timeline": self.timeline,
            ":k": self.set_k,
            ":quit": lambda _: False,
            ":exit": lambda _: False,
            ":q": lambda _: False,
        }

    def run(self, lines: Iterator[str] | None = None) -> None:
        self.say(f"newsbot: {self.app.index.stats().articles} articles indexed. :help for commands.")
        for line in lines if lines is not None else self._input_lines():
            if not self.handle(line):
                break

    def handle(self, line: str) -> bool:
        """Answer one line; False when the user asked to leave."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                name, _, argument = line.partition(" ")
                command = self.commands.get(name)
                if command is None:
                    self.say(f"Unknown command {name}. Type :help for the list.")
                    return True
                return command(argument.strip())
            print_answer(self.console, self.app.ask(line, k=self.k, today=dt.date.today()))
        except NewsbotError as error:
            self.console.print(
                Text("error: ", style="red") + Text(error.one_line()), soft_wrap=not self.console.is_terminal
            )
        return True

    def say(self, text: str) -> None:
        """Print plain text: no markup, so "[corpus]" or a title in brackets shows as written; wrapped
        between words on a terminal only."""
        self.console.print(text, markup=False, highlight=False, soft_wrap=not self.console.is_terminal)

    def show_help(self, _: str) -> bool:
        self.say(HELP.format(k=self.k) + FILTERS_HELP)
        return True

    def show_sources(self, _: str) -> bool:
        """The articles, numbered as `index remove` takes them; a long id (a feed article's) folds in a
        column of its own rather than squeeze the title to a word a line."""
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(ratio=1)  # the title wraps in its own column on a narrow terminal
        table.add_column(max_width=ID_COLUMN_WIDTH, overflow="fold", style="dim")  # a feed's long id folds
        for number, article in enumerate(sorted_sources(self.app.current_index().articles), start=1):
            table.add_row(f"{number}.", Text(source_line(article)), Text(article.doc_id))
        self.console.print(table)
        return True

    def show_stats(self, _: str) -> bool:
        table = Table(show_header=False, box=None)
        for label, value in stats_rows(self.app.current_index().stats()):
            table.add_row(Text(label), Text(value))
        self.console.print(table)
        return True

    def reindex(self, _: str) -> bool:
        with terminal_progress() as update:
            report = self.app.rebuild(progress=update)
        self.say(build_summary(report))
        return True

    def change_corpus(self, action: str, argument: str) -> bool:
        from ..core.corpus_admin import add_source, remove_article, restore_article

        if not argument:
            self.say(f"Usage: {USAGE[action]}")
            return True
        if action == "add":
            change = add_source(self.app, argument)
        else:
            change = (remove_article if action == "remove" else restore_article)(self.app, argument)
        for line in change_summary(change, action):
            self.say(line)
        return True

    def rollback(self, _: str) -> bool:
        from ..core.corpus_admin import roll_back

        for line in rollback_summary(roll_back(self.app)):
            self.say(line)
        return True

    def timeline(self, argument: str) -> bool:
        from .render import render_timeline

        if not argument:
            self.say("Usage: :timeline TOPIC")
            return True
        self.say(render_timeline(self.app.timeline(argument, today=dt.date.today())))
        return True

    def feeds(self, argument: str) -> bool:
        from .feed_commands import feed_action

        action, _, rest = argument.partition(" ")
        action, rest = action or "list", rest.strip()
        if action not in ("list", "add", "remove", "pause", "resume", "poll") or (
            action in ("add", "remove", "pause", "resume") and not rest
        ):
            self.say("Usage: :feeds, :feeds add URL [NAME], :feeds remove|pause|resume FEED, :feeds poll")
            return True
        if action == "add":
            url, _, name = rest.partition(" ")
            lines = feed_action(self.app, "add", url, name=name.strip() or None)
        else:
            lines = feed_action(self.app, action, rest, now=True)
        for line in lines:
            self.say(line)
        return True

    def set_k(self, argument: str) -> bool:
        if argument.isdigit() and 1 <= int(argument) <= 20:
            self.k = int(argument)
            self.say(f"Answers now quote up to {self.k} passages.")
        else:
            self.say("Usage: :k N, with N from 1 to 20.")
        return True

    def _input_lines(self) -> Iterator[str]:
        if not sys.stdin.isatty():
            yield from sys.stdin
            return
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.history import FileHistory

        history = Path(self.app.index_dir).parent / "repl_history"
        history.parent.mkdir(parents=True, exist_ok=True)
        session: PromptSession = PromptSession(
            history=FileHistory(str(history)), completer=WordCompleter(list(self.commands), sentence=True)
        )
        while True:
            try:
                yield session.prompt("ask> ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                return
