"""The `newsbot` command.

    newsbot                          build the index if needed, then run the bot (token set) or the REPL
    newsbot run                      run the Discord bot (DISCORD_TOKEN)
    newsbot index build [--corpus PATH ...]
    newsbot index stats [--json]
    newsbot index sources            the indexed articles, numbered, with their ids
    newsbot index dump --json        every passage as a JSON line
    newsbot index rollback           serve the previous index version again
    newsbot index add PATH|URL [--dry-run]   newsbot index remove ARTICLE   newsbot index restore ARTICLE
    newsbot ask "question" [--k N] [--json]
    newsbot ask --batch FILE --json  one question per line in, one JSON line per question out
    newsbot repl
    newsbot gaps                     what members asked that the articles could not answer, grouped
    newsbot timeline TOPIC           the passages that answer a topic, one per article, oldest first
    newsbot feed add URL [--name NAME] [--every MIN]   newsbot feed list|remove|pause|resume|poll
    newsbot bench [--corpus PATH] [--queries FILE]   time a build and question latency
    newsbot bench --compare [--corpus PATH] [--queries FILE] [--qrels FILE] [--runs N]   against the generic pipeline
    newsbot bench-changes --corpus PATH --article FILE   time a full build, a no-change reindex, add, remove
    newsbot eval --corpus PATH --queries FILE --qrels FILE [--mode M]   nDCG@10, recall, MRR
    newsbot eval --abstention [--eval-dir DIR] [--show]   answered and abstained, per question set
    newsbot eval --training-years DIR [--weeks-step N]    each reader on RealTime QA 2023-2025

Every command that reads or writes an index takes `--index DIR`, and `--guild ID` to work on the
corpus and index a [guilds.ID] section gives a guild; `--config PATH` picks the config.
Known errors end in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from index import ConfigError, NewsbotError, UsageError

from ..core.config import corpus_name, load_config, utf8_folder
from ..core.describe import (
    FILTERS_HELP,
    build_summary,
    sorted_sources,
    source_line,
    stats_rows,
)
from ..core.questions import question_lines
from ..core.service import Newsbot
from ..measure.commands import MEASURE_COMMANDS
from .commands import CommandTable, add_to_parser, option
from .feed_commands import FEED_COMMANDS
from .json_output import SCHEMA_VERSION, answer_json
from .progress import build_with_progress, tell, terminal_progress
from .render import print_answer
from .summaries import change_summary, rollback_summary

log = logging.getLogger("newsbot")

EXAMPLES = """\
examples:
  newsbot                                   build the index from the corpus if needed, then open the REPL
                                            (or run the Discord bot when DISCORD_TOKEN is set)
  newsbot ask "How much flour did Russia deliver to North Korea?"
  newsbot ask "since:2021 what did the ministry say" --json
  newsbot index add https://example.com/story.html --dry-run
  newsbot index stats --guild 123456789012345678
  newsbot COMMAND --help                    the options of one command

Global options (--config, --index, --guild, -v) go before or after the command."""

ASK_EXAMPLES = """\
examples:
  newsbot ask "How much flour did Russia deliver to North Korea?"
  newsbot ask "source:UPI flour deliveries" --k 5
  newsbot ask --batch questions.txt --json > answers.jsonl"""
EXIT_ERROR = 2

COMMANDS = CommandTable()
"""The terminal's commands, each declared where it is written; the measurements' are in bot/measure/commands.py."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class OneLineErrors(argparse.ArgumentParser):
    """Usage mistakes end in one line and status 2, like every other error; --help has the rest.
    Subcommands' parsers are made by this class too (argparse uses the parent's class)."""

    def error(self, message: str) -> NoReturn:
        explicit = re.search(r"ignored explicit argument '(.*)'$", message)
        if explicit and " " in explicit.group(1):  # words, not an option's value: "-how much" is -h, "ow much"
            message += '; a question or topic that starts with "-" needs -- before it: newsbot ask -- "-5 degrees?"'
        self.exit(EXIT_ERROR, f"newsbot: error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    """The whole command line: the options before any command, then each command as its table declares it."""
    parser = OneLineErrors(
        prog="newsbot",
        description="Answer questions by quoting news articles.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"newsbot {_version()}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $NEWSBOT_CONFIG or ./config.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--index", metavar="DIR", type=Path, help="index folder (default: [index] dir)")
    parser.add_argument("--guild", metavar="ID", type=int, help="work on the corpus and index of [guilds.ID]")
    add_to_parser(parser, [COMMANDS, FEED_COMMANDS, MEASURE_COMMANDS])
    return parser


class CurrentStderrHandler(logging.StreamHandler):
    """Logs to whatever sys.stderr is when a line is logged, so that lines logged while progress is
    drawn (which redirects stderr) are printed above the bars instead of through them."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _) -> None:
        pass


class PlainFormatter(logging.Formatter):
    """`newsbot: what happens`, and `newsbot: warning: ...` for what went wrong, like the error lines."""

    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno <= logging.INFO else f"{record.levelname.lower()}: "
        line = f"newsbot: {level}{record.getMessage()}"
        return f"{line}\n{self.formatException(record.exc_info)}" if record.exc_info else line


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = CurrentStderrHandler()
    handler.setFormatter(PlainFormatter())
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler], force=True)
    for noisy in ("sentence_transformers", "bm25s", "transformers", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for extractor in ("trafilatura", "htmldate", "courlan", "justext"):  # "discarding data: None" means nothing
        logging.getLogger(extractor).setLevel(logging.INFO if args.verbose else logging.ERROR)  # to a user: ours say it
    logging.getLogger("index.embedding.onnx_export").setLevel(logging.INFO)  # the one-time export says what the wait is
    root: Newsbot | None = None
    try:
        config = load_config(args.config)
        root = app = Newsbot(config, index_dir=None if args.index is None else utf8_folder(args.index))
        if args.guild is not None:
            if args.guild not in config.guilds:
                raise ConfigError(
                    f"no [guilds.{args.guild}] section in the config",
                    "add one with the guild's paths and index_dir, or leave out --guild",
                )
            app = app.for_guild(args.guild)
        _check_index_given(app, args, args.command or "start")
        return getattr(args, "run", cmd_start)(app, args)
    except NewsbotError as error:
        print(f"newsbot: error: {_for_this_call(error.one_line(), args)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if root is not None:
            root.close()


def _for_this_call(text: str, args: argparse.Namespace) -> str:
    """An error's commands as this call needs them: `newsbot index build` names the guild or index it was given."""
    given = (f" --guild {args.guild}" if args.guild is not None else "") + (
        f" --index {args.index}" if args.index else ""
    )
    return text.replace("`newsbot index build`", f"`newsbot index build{given}`") if given else text


def _check_index_given(app: Newsbot, args: argparse.Namespace, command: str) -> None:
    """Only the configured index is built on its own: an --index that names no index is an error
    (a typo must not build a second index), except for `index build`, which makes one there."""
    if args.index is None:
        return
    if app.config.store.backend == "postgres":  # a corpus is named after its folder: never a guild's by accident
        name = corpus_name(args.index)
        for guild_id, guild in app.config.guilds.items():
            if args.guild is None and corpus_name(guild.index_dir) == name:
                raise UsageError(
                    f"--index {args.index} names the corpus {name!r} in the database, which [guilds.{guild_id}] "
                    "index_dir uses",
                    f"work on that guild's corpus with --guild {guild_id}, or give a folder of another name",
                )
        return
    if (command, getattr(args, "index_command", None)) == ("index", "build"):
        return
    if not (args.index / "current").exists():
        raise UsageError(
            f"there is no index in {args.index} (given with --index)",
            f"check the path, or build one there with `newsbot index build --index {args.index}`",
        )


def ensure_built(app: Newsbot, *, when_stale: bool = False) -> None:
    """Build the index from the configured corpus when there is none yet (or, `when_stale`, when it
    no longer fits the corpus or the settings), saying why and then what the build did."""
    with terminal_progress() as update:
        report = app.ensure_index(progress=update, say=lambda line: tell(f"newsbot: {line}"), when_stale=when_stale)
    if report:
        tell(build_summary(report))


@COMMANDS.command("start", "build the index if needed, then run the bot (token set) or the REPL")
def cmd_start(app: Newsbot, args: argparse.Namespace) -> int:
    ensure_built(app, when_stale=True)
    if app.config.discord.resolved_token():
        return cmd_run(app, args)
    return cmd_repl(app, args)


@COMMANDS.command("run", "run the Discord bot (needs DISCORD_TOKEN)")
def cmd_run(app: Newsbot, args: argparse.Namespace) -> int:
    from ..discord_bot.runner import require_token, run_bot

    require_token(app)
    logging.getLogger().setLevel(logging.INFO)  # a running bot says what it does: connected, registered, stopping
    if not args.verbose:
        logging.getLogger("discord").setLevel(logging.WARNING)
    ensure_built(app)
    for guild_app in app.every_app()[1:]:  # guilds with a corpus of their own: built if missing or changed
        report = guild_app.ensure_index()
        if report:
            print(f"{guild_app.index_dir}: {build_summary(report)}", file=sys.stderr)
    run_bot(app)
    return 0


COMMANDS.group("index", "build and inspect the index")


@COMMANDS.command(
    "index build",
    "build a new index from the corpus",
    option(
        "--corpus",
        metavar="PATH",
        type=Path,
        action="append",
        help="a file or folder of articles (repeatable; in place of [corpus] paths: the added articles stay)",
    ),
)
def cmd_build(app: Newsbot, args: argparse.Namespace) -> int:
    # --corpus stands for [corpus] paths: the articles added with `index add` and feeds are still the corpus's
    corpus = dataclasses.replace(app.config.corpus, paths=tuple(args.corpus)).read_paths if args.corpus else None
    build_with_progress(app, corpus)
    return 0


@COMMANDS.command("index stats", "what the index holds", option("--json", action="store_true", help="print JSON"))
def cmd_stats(app: Newsbot, args: argparse.Namespace) -> int:
    stats = app.current_index().stats()
    if args.json:
        print(json.dumps(stats.__dict__, indent=2))
    else:
        for label, value in [("Index", app.store.location), *stats_rows(stats)]:
            print(f"{label + ':':<10} {value}")
    return 0


@COMMANDS.command("index sources", "the indexed articles, newest first, numbered, with their ids")
def cmd_sources(app: Newsbot, args: argparse.Namespace) -> int:
    """The numbers `index remove` takes, as the REPL's :sources gives them."""
    for number, article in enumerate(sorted_sources(app.current_index().articles), start=1):
        print(f"{number:>4}. {source_line(article)}  [{article.doc_id}]")
    return 0


@COMMANDS.command(
    "index restore",
    "bring a removed article back, reindex",
    option("doc_id", metavar="ARTICLE", help="its id or its title"),
)
@COMMANDS.command(
    "index remove",
    "move an added article to the trash, reindex",
    option("doc_id", metavar="ARTICLE", help="its id, its number in `newsbot index sources`, or its title"),
)
@COMMANDS.command(
    "index add",
    "add an article file or URL to the corpus and index it",
    option("source", metavar="PATH|URL"),
    option("--dry-run", action="store_true", help="show what would be added, change nothing"),
)
def cmd_corpus_change(app: Newsbot, args: argparse.Namespace) -> int:
    from ..core.corpus_admin import add_source, remove_article, restore_article

    if args.index_command == "add":
        change = add_source(app, args.source, dry_run=args.dry_run)
    else:
        ensure_built(app)
        change = (remove_article if args.index_command == "remove" else restore_article)(app, args.doc_id)
    for line in change_summary(change, args.index_command):
        print(line)
    return 0


@COMMANDS.command("index rollback", "serve the previous index version again")
def cmd_rollback(app: Newsbot, args: argparse.Namespace) -> int:
    from ..core.corpus_admin import roll_back

    for line in rollback_summary(roll_back(app)):
        print(line)
    return 0


@COMMANDS.command(
    "index migrate",
    "copy the index folder's version in use into PostgreSQL ([store] url), without " "embedding again",
    option("--to", choices=["postgres"], required=True, help="the backend to copy it to"),
)
def cmd_migrate(app: Newsbot, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    stored, target, name = app.copy_to_postgres()
    m = stored.manifest
    if name is None:
        print(
            f"The {target.location} holds these {m.articles:,} articles already (the same corpus, model and "
            "settings): nothing was copied."
        )
    else:
        print(
            f"Copied version {stored.name} of {app.index_dir} ({m.articles:,} articles, {m.chunks:,} "
            f"passages, model {m.model}) into the {target.location}, where it is version {name}, in "
            f"{time.perf_counter() - started:.1f} s; nothing was embedded again."
        )
    if app.config.store.backend != "postgres":
        print('Serve it with [store] backend = "postgres" in the config file.')
    return 0


@COMMANDS.command(
    "index dump",
    "every passage as a JSON line",
    option("--json", action="store_true", help="JSON lines (the only format)"),
)
def cmd_dump(app: Newsbot, args: argparse.Namespace) -> int:
    for chunk in app.current_index().chunks:
        record = {
            "doc_id": chunk.doc_id,
            "chunk_id": chunk.chunk_id,
            "span": [chunk.start, chunk.end],
            "tokens": chunk.tokens,
            "text": chunk.text,
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


@COMMANDS.command(
    "ask",
    "answer a question from the articles",
    option("question", nargs="?", help="the question"),
    option("--k", type=int, metavar="N", help="passages to quote (default: [search] k)"),
    option("--json", action="store_true", help="print the answer as JSON (schema: bot/terminal/json_output.py)"),
    option("--batch", metavar="FILE", help="read one question per line from FILE (- for stdin)"),
    epilog=f"{FILTERS_HELP}\n\n{ASK_EXAMPLES}",
)
def cmd_ask(app: Newsbot, args: argparse.Namespace) -> int:
    """Answer one question, or every line of a --batch file: a line that fails is reported in its
    place (a JSON line with "error", or a line on stderr) and the batch goes on; exit status 2 then."""
    if args.k is not None and not 1 <= args.k <= 20:
        raise UsageError(f"--k {args.k} is out of range", "give a number of passages from 1 to 20")
    if args.batch and args.question:
        raise UsageError(
            "a question and --batch were both given", "ask one question, or give the questions in --batch FILE"
        )
    if args.batch:
        questions = question_lines(args.batch)
    elif args.question and args.question.strip():
        questions = [(1, args.question)]
    else:
        raise UsageError("no question given", 'ask like this: newsbot ask "What did the ministry say?"')
    ensure_built(app)
    console = Console()
    failed = 0
    for number, question in questions:
        try:
            answer = app.ask(question, k=args.k, today=dt.date.today())  # this machine's day, not UTC's
        except NewsbotError as error:
            if not args.batch:
                raise
            failed += 1
            message = " ".join(error.one_line().split())
            print(f"newsbot: error: line {number}: {message}", file=sys.stderr)
            if not args.json:
                continue
            record = {"schema": SCHEMA_VERSION, "question": question, "error": message}
        else:
            if not args.json:
                print_answer(console, answer)
                continue
            record = answer_json(answer)
        line = json.dumps(record, ensure_ascii=False)
        for separator in ("\x85", "\u2028", "\u2029"):  # a JSON line ends at its line feed, even for splitlines()
            line = line.replace(separator, f"\\u{ord(separator):04x}")
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    if failed:
        print(f"newsbot: error: {failed} of {len(questions)} questions failed (the lines above)", file=sys.stderr)
    return EXIT_ERROR if failed else 0


@COMMANDS.command(
    "timeline",
    "the passages that answer a topic across the corpus, one per article, oldest first",
    option("topic", metavar="TOPIC", help='e.g. "flour deliveries to North Korea" (filters and time words work)'),
)
def cmd_timeline(app: Newsbot, args: argparse.Namespace) -> int:
    from .render import render_timeline

    print(render_timeline(app.timeline(args.topic, today=dt.date.today())))
    return 0


@COMMANDS.command("gaps", "what members asked on Discord that the articles could not answer, grouped, newest first")
def cmd_gaps(app: Newsbot, args: argparse.Namespace) -> int:
    from ..core.gaps import group_gaps
    from ..core.service import corpus_key
    from ..core.state_migrations import STATE_FILE
    from ..discord_bot.state import open_state

    state = open_state(app, app.config.discord.data_dir / STATE_FILE)
    try:
        rows = state.gaps(corpus_key(app))
    finally:
        state.close()
    groups = group_gaps(rows)
    if not groups:
        print(
            f"Nothing recorded in the last {app.config.discord.answer_days} days: the Discord bot keeps the questions "
            "it could not answer (and answers voted down) as members ask them."
        )
    for group in groups:
        print(group.line())
    return 0


@COMMANDS.command("repl", "ask questions interactively")
def cmd_repl(app: Newsbot, args: argparse.Namespace) -> int:
    from .repl import Repl

    ensure_built(app)
    app.sentence_reader()  # a "cross-encoder" reader's model: loaded (or refused in one line) before the prompt
    Repl(app).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
