"""How a `newsbot` command is declared: its name, help, options and handler in one place.

    COMMANDS = CommandTable()

    @COMMANDS.command("index stats", "what the index holds", option("--json", action="store_true", help="print JSON"))
    def cmd_stats(app: Newsbot, args: argparse.Namespace) -> int: ...

A table belongs to the module that fills it (the terminal's commands in cli.py, the measurements in
bot/measure/commands.py); `add_to_parser` makes the argparse subcommands of the tables it is given.
A name of two words ("index stats") is an action of a group ("index") the table declares first.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.service import Newsbot

Handler = Callable[["Newsbot", argparse.Namespace], int]


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]
    settings: dict[str, Any]


def option(*names: str, **settings: Any) -> Option:
    """One argument of a command, as `ArgumentParser.add_argument` takes it."""
    return Option(names, settings)


INDEX_OPTIONS = (
    option("--index", metavar="DIR", type=Path, default=argparse.SUPPRESS, help="index folder (default: [index] dir)"),
    option(
        "--guild", metavar="ID", type=int, default=argparse.SUPPRESS, help="work on the corpus and index of [guilds.ID]"
    ),
)
"""What every command that reads or writes an index takes after its name (given there, they win)."""


@dataclass(frozen=True)
class Command:
    name: str
    """"ask", or "index stats" for an action of the group "index"."""
    help: str
    run: Handler
    options: tuple[Option, ...] = ()
    on_index: bool = True
    """Whether it takes --index and --guild after its name."""
    epilog: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    help: str


@dataclass
class CommandTable:
    """The commands one module declares, in the order `--help` lists them."""

    entries: list[Command | Group] = field(default_factory=list)

    def group(self, name: str, help: str) -> None:
        """A command whose actions are commands of their own (`newsbot index ACTION`)."""
        self.entries.append(Group(name, help))

    def command(
        self, name: str, help: str, *options: Option, on_index: bool = True, epilog: str | None = None
    ) -> Callable[[Handler], Handler]:
        def declare(run: Handler) -> Handler:
            self.entries.append(Command(name, help, run, options, on_index, epilog))
            return run

        return declare

    def __iter__(self) -> Iterator[Command | Group]:
        return iter(self.entries)


def add_to_parser(parser: argparse.ArgumentParser, tables: list[CommandTable]) -> None:
    """Each table's commands as subcommands of `parser`; a command's handler is `args.run`. The options
    --config and -v are taken after any command too, and --index and --guild after those `on_index`."""
    anywhere = argparse.ArgumentParser(add_help=False)
    anywhere.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file")
    anywhere.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}  # argparse names no public type for it
    for table in tables:
        for entry in table:
            if isinstance(entry, Group):
                group = commands.add_parser(entry.name, parents=[anywhere], help=entry.help)
                groups[entry.name] = group.add_subparsers(dest=f"{entry.name}_command", metavar="ACTION", required=True)
                continue
            *group_name, name = entry.name.split()
            where = groups[group_name[0]] if group_name else commands
            if entry.epilog:
                sub = where.add_parser(
                    name,
                    parents=[anywhere],
                    help=entry.help,
                    epilog=entry.epilog,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                )
            else:
                sub = where.add_parser(name, parents=[anywhere], help=entry.help)
            for each in (*(INDEX_OPTIONS if entry.on_index else ()), *entry.options):
                sub.add_argument(*each.names, **each.settings)
            sub.set_defaults(run=entry.run)
