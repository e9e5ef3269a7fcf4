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
    newsbot bench [--corpus PATH] [--queries FILE]   time a build and question latency
    newsbot bench --compare [--corpus PATH] [--queries FILE] [--qrels FILE] [--runs N]   against the generic pipeline
    newsbot bench-changes --corpus PATH --article FILE   time a full build, a no-change reindex, add, remove
    newsbot eval --corpus PATH --queries FILE --qrels FILE [--mode M]   nDCG@10, recall, MRR
    newsbot eval --abstention [--eval-dir DIR] [--show]   answered and abstained, per question set

Every command that reads or writes an index takes `--index DIR`, and `--guild ID` to work on the
corpus and index a [guilds.ID] section gives a guild; `--config PATH` picks the config.
Known errors end in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from index import SEARCH_MODES, ConfigError, NewsbotError, UsageError

from ..core.config import load_config
from ..core.describe import (
    FILTERS_HELP,
    build_summary,
    change_summary,
    rollback_summary,
    sorted_sources,
    source_line,
    stats_rows,
)
from ..core.questions import question_lines
from ..core.service import Newsbot
from .json_output import SCHEMA_VERSION, answer_json
from .progress import build_with_progress, tell, terminal_progress
from .render import print_answer

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
        self.exit(EXIT_ERROR, f"newsbot: error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="newsbot", description="Answer questions by quoting news articles.",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"newsbot {_version()}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $NEWSBOT_CONFIG or ./config.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--index", metavar="DIR", type=Path, help="index folder (default: [index] dir)")
    parser.add_argument("--guild", metavar="ID", type=int, help="work on the corpus and index of [guilds.ID]")
    # the same options after the command too (`newsbot ask --config FILE ...`); given there, they win
    anywhere = argparse.ArgumentParser(add_help=False)
    anywhere.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file")
    anywhere.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add_command(group, name: str, **options) -> argparse.ArgumentParser:
        return group.add_parser(name, parents=[anywhere], **options)

    def with_index(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--index", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                         help="index folder (default: [index] dir)")
        sub.add_argument("--guild", metavar="ID", type=int, default=argparse.SUPPRESS,
                         help="work on the corpus and index of [guilds.ID]")
        return sub

    with_index(add_command(commands, "start", help="build the index if needed, then run the bot (token set) or the REPL"))
    with_index(add_command(commands, "run", help="run the Discord bot (needs DISCORD_TOKEN)"))
    index = add_command(commands, "index", help="build and inspect the index")
    index_commands = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    build = with_index(add_command(index_commands, "build", help="build a new index from the corpus"))
    build.add_argument("--corpus", metavar="PATH", type=Path, action="append",
                       help="a file or folder of articles (repeatable; default: [corpus] paths)")
    stats = with_index(add_command(index_commands, "stats", help="what the index holds"))
    stats.add_argument("--json", action="store_true", help="print JSON")
    with_index(add_command(index_commands, "rollback", help="serve the previous index version again"))
    add = with_index(add_command(index_commands, "add", help="add an article file or URL to the corpus and index it"))
    add.add_argument("source", metavar="PATH|URL")
    add.add_argument("--dry-run", action="store_true", help="show what would be added, change nothing")
    remove = with_index(add_command(index_commands, "remove", help="move an added article to the trash, reindex"))
    remove.add_argument("doc_id", metavar="ARTICLE", help="its id, its number in `newsbot index sources`, or its title")
    with_index(add_command(index_commands, "sources", help="the indexed articles, newest first, numbered, with their ids"))
    restore = with_index(add_command(index_commands, "restore", help="bring a removed article back, reindex"))
    restore.add_argument("doc_id", metavar="ARTICLE", help="its id or its title")
    migrate = with_index(add_command(index_commands, "migrate", help="copy the index folder's version in use into "
                                     "PostgreSQL ([store] url), without embedding again"))
    migrate.add_argument("--to", choices=["postgres"], required=True, help="the backend to copy it to")
    dump = with_index(add_command(index_commands, "dump", help="every passage as a JSON line"))
    dump.add_argument("--json", action="store_true", help="JSON lines (the only format)")

    ask = with_index(add_command(commands, "ask", help="answer a question from the articles",
                                 epilog=f"{FILTERS_HELP}\n\n{ASK_EXAMPLES}",
                                 formatter_class=argparse.RawDescriptionHelpFormatter))
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--k", type=int, metavar="N", help="passages to quote (default: [search] k)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON (schema: bot/terminal/json_output.py)")
    ask.add_argument("--batch", metavar="FILE", help="read one question per line from FILE (- for stdin)")

    with_index(add_command(commands, "repl", help="ask questions interactively"))

    evaluation = add_command(commands, "eval", help="measure retrieval on a question set with relevance judgments, "
                                     "or (--abstention) how often the bot answers")
    evaluation.add_argument("--corpus", metavar="PATH", type=Path, action="append",
                            help="corpus file or folder (BEIR corpus.jsonl)")
    evaluation.add_argument("--queries", metavar="FILE", type=Path, help="BEIR queries.jsonl")
    evaluation.add_argument("--qrels", metavar="FILE", type=Path, help="BEIR qrels .tsv")
    evaluation.add_argument("--abstention", action="store_true",
                            help="instead: the share of questions answered and abstained on, per standard set "
                            "(docs/quality.md), with the default settings")
    evaluation.add_argument("--eval-dir", metavar="DIR", type=Path, default=Path("../shared/eval"),
                            help="with --abstention: the folder holding realtimeqa-dev/ and scifact/ "
                            "(default ../shared/eval)")
    evaluation.add_argument("--show", action="store_true",
                            help="with --abstention: list each question decided against its set's target")
    evaluation.add_argument("--mode", action="append", choices=SEARCH_MODES,
                            help="search mode to measure (repeatable; default: [search] mode)")
    evaluation.add_argument("--cache", metavar="DIR", type=Path, default=Path(".newsbot/eval"),
                            help="where indexes of evaluated corpora are kept (default .newsbot/eval)")
    evaluation.add_argument("--json", action="store_true", help="one JSON line per mode")

    bench = with_index(add_command(commands, "bench", help="time a full build and question latency (prints figures)"))
    bench.add_argument("--corpus", metavar="PATH", type=Path, action="append", help="default: [corpus] paths")
    bench.add_argument("--queries", metavar="FILE", type=Path, help="questions: one a line, or BEIR queries.jsonl")
    bench.add_argument("--builds", type=int, default=1, metavar="N", help="full builds to time (default 1)")
    bench.add_argument("--passes", type=int, default=5, metavar="N", help="passes over the questions (default 5)")
    bench.add_argument("--compare", action="store_true",
                       help="race the generic pipeline (LangChain's recipe) on the same corpus and questions")
    bench.add_argument("--runs", type=int, default=3, metavar="N",
                       help="with --compare: builds and cold starts of each (default 3)")
    bench.add_argument("--qrels", metavar="FILE", type=Path,
                       help="with --compare: relevance judgments for --queries (BEIR qrels .tsv): adds nDCG@10")
    store_bench = add_command(commands, "bench-store", help="the PostgreSQL store beside FAISS on synthetic data: "
                              "rows/s inserted, query p50/p99, HNSW recall@10 (prints figures; writes a corpus "
                              "bench-N into the database of [store] url, and drops it)")
    store_bench.add_argument("--passages", type=int, default=1_000_000, metavar="N", help="default 1,000,000")
    store_bench.add_argument("--queries", type=int, default=500, metavar="N", help="default 500")
    store_bench.add_argument("--clusters", type=int, default=0, metavar="N",
                             help="gather the vectors around N random centres, as real embeddings are (default 0: "
                             "spread at random, HNSW's worst case)")
    store_bench.add_argument("--keep", action="store_true",
                             help="leave the corpus bench-N in the database for a later --reuse (else it is dropped)")
    store_bench.add_argument("--reuse", action="store_true",
                             help="search the corpus bench-N an earlier --keep run stored instead of storing it again")
    changes = add_command(commands, "bench-changes", help="time a full build, a no-change reindex, adding and "
                                  "removing an article (prints figures)")
    changes.add_argument("--corpus", metavar="PATH", type=Path, action="append", help="default: [corpus] paths")
    changes.add_argument("--article", metavar="FILE", type=Path, required=True, help="the article file to add")
    changes.add_argument("--repeats", type=int, default=3, metavar="N", help="runs of each change (default 3)")
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
    logging.getLogger("index.onnx_export").setLevel(logging.INFO)  # the one-time export says what the wait is
    root: Newsbot | None = None
    try:
        config = load_config(args.config)
        root = app = Newsbot(config, index_dir=args.index)
        if args.guild is not None:
            if args.guild not in config.guilds:
                raise ConfigError(f"no [guilds.{args.guild}] section in the config",
                                   "add one with the guild's paths and index_dir, or leave out --guild")
            app = app.for_guild(args.guild)
        command = args.command or "start"
        _check_index_given(app, args, command)
        if command == "index":
            actions = {"build": cmd_build, "stats": cmd_stats, "sources": cmd_sources, "dump": cmd_dump, "rollback": cmd_rollback,
                       "migrate": cmd_migrate,
                       "add": cmd_corpus_change, "remove": cmd_corpus_change, "restore": cmd_corpus_change}
            return actions[args.index_command](app, args)
        handlers = {"start": cmd_start, "run": cmd_run, "ask": cmd_ask, "repl": cmd_repl, "bench": cmd_bench,
                    "bench-changes": cmd_bench_changes, "bench-store": cmd_bench_store, "eval": cmd_eval}
        return handlers[command](app, args)
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
    given = (f" --guild {args.guild}" if args.guild is not None else "") + (f" --index {args.index}" if args.index else "")
    return text.replace("`newsbot index build`", f"`newsbot index build{given}`") if given else text


def _check_index_given(app: Newsbot, args: argparse.Namespace, command: str) -> None:
    """Only the configured index is built on its own: an --index that names no index is an error
    (a typo must not build a second index), except for `index build`, which makes one there."""
    if args.index is None or app.config.store.backend == "postgres":
        return
    if (command, getattr(args, "index_command", None)) == ("index", "build"):
        return
    if not (args.index / "current").exists():
        raise UsageError(f"there is no index in {args.index} (given with --index)",
                         f"check the path, or build one there with `newsbot index build --index {args.index}`")


def ensure_built(app: Newsbot, *, when_stale: bool = False) -> None:
    """Build the index from the configured corpus when there is none yet (or, `when_stale`, when it
    no longer fits the corpus or the settings), saying why and then what the build did."""
    with terminal_progress() as update:
        report = app.ensure_index(progress=update, say=lambda line: tell(f"newsbot: {line}"), when_stale=when_stale)
    if report:
        tell(build_summary(report))


def cmd_start(app: Newsbot, args: argparse.Namespace) -> int:
    ensure_built(app, when_stale=True)
    if app.config.discord.resolved_token():
        return cmd_run(app, args)
    return cmd_repl(app, args)


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


def cmd_build(app: Newsbot, args: argparse.Namespace) -> int:
    build_with_progress(app, args.corpus)
    return 0


def cmd_stats(app: Newsbot, args: argparse.Namespace) -> int:
    stats = app.current_index().stats()
    if args.json:
        print(json.dumps(stats.__dict__, indent=2))
    else:
        for label, value in [("Index", app.store.location), *stats_rows(stats)]:
            print(f"{label + ':':<10} {value}")
    return 0


def cmd_sources(app: Newsbot, args: argparse.Namespace) -> int:
    """The numbers `index remove` takes, as the REPL's :sources gives them."""
    for number, article in enumerate(sorted_sources(app.current_index().articles), start=1):
        print(f"{number:>4}. {source_line(article)}  [{article.doc_id}]")
    return 0


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


def cmd_rollback(app: Newsbot, args: argparse.Namespace) -> int:
    from ..core.corpus_admin import roll_back

    for line in rollback_summary(roll_back(app)):
        print(line)
    return 0


def cmd_migrate(app: Newsbot, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    stored, target, name = app.copy_to_postgres()
    m = stored.manifest
    if name is None:
        print(f"The {target.location} holds these {m.articles:,} articles already (the same corpus, model and "
              "settings): nothing was copied.")
    else:
        print(f"Copied version {stored.version_dir.name} of {app.index_dir} ({m.articles:,} articles, {m.chunks:,} "
              f"passages, model {m.model}) into the {target.location}, where it is version {name}, in "
              f"{time.perf_counter() - started:.1f} s; nothing was embedded again.")
    if app.config.store.backend != "postgres":
        print('Serve it with [store] backend = "postgres" in the config file.')
    return 0


def cmd_dump(app: Newsbot, args: argparse.Namespace) -> int:
    for chunk in app.current_index().chunks:
        record = {"doc_id": chunk.doc_id, "chunk_id": chunk.chunk_id, "span": [chunk.start, chunk.end],
                  "tokens": chunk.tokens, "text": chunk.text}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def cmd_ask(app: Newsbot, args: argparse.Namespace) -> int:
    """Answer one question, or every line of a --batch file: a line that fails is reported in its
    place (a JSON line with "error", or a line on stderr) and the batch goes on; exit status 2 then."""
    if args.k is not None and not 1 <= args.k <= 20:
        raise UsageError(f"--k {args.k} is out of range", "give a number of passages from 1 to 20")
    if args.batch and args.question:
        raise UsageError("a question and --batch were both given", "ask one question, or give the questions in --batch FILE")
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
            answer = app.ask(question, k=args.k)
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


def cmd_repl(app: Newsbot, args: argparse.Namespace) -> int:
    from .repl import Repl

    ensure_built(app)
    Repl(app).run()
    return 0


def cmd_eval(app: Newsbot, args: argparse.Namespace) -> int:
    if args.abstention:
        from ..measure.abstention import run_abstention_eval, standard_sets

        run_abstention_eval(app, standard_sets(args.eval_dir, args.cache), args.cache, args.show)
        return 0
    if not (args.corpus and args.queries and args.qrels):
        raise UsageError("newsbot eval needs --corpus, --queries and --qrels (or --abstention)",
                           "give the judged corpus, its queries and its qrels")
    from ..measure.evaluate import run_eval

    run_eval(app, args.corpus, args.queries, args.qrels, args.mode or [app.config.search.mode], args.cache, args.json)
    return 0


def cmd_bench(app: Newsbot, args: argparse.Namespace) -> int:
    from ..measure.bench import read_questions, run_bench

    if args.builds < 1 or args.passes < 1 or args.runs < 1:
        raise UsageError("--builds, --passes and --runs must be at least 1", "give positive counts")
    if args.compare:
        return _bench_compare(app, args)
    run_bench(app, args.corpus or list(app.config.corpus.read_paths), read_questions(args.queries), args.builds, args.passes,
              existing_index=args.index)
    return 0


def _bench_compare(app: Newsbot, args: argparse.Namespace) -> int:
    from ..measure.bench import read_questions
    from ..measure.bench_compare import format_table, run_compare

    try:
        import langchain_text_splitters  # noqa: F401
    except ImportError:
        raise UsageError("the generic pipeline needs LangChain's text splitter, which is not installed",
                           "pip install -e '.[bench]'") from None
    if args.qrels and not args.queries:
        raise UsageError("--qrels needs --queries", "give the judged questions with --queries")
    questions = read_questions(args.queries)
    ours, generic = run_compare(app, args.corpus or list(app.config.corpus.read_paths), questions, args.runs, args.passes,
                                args.queries, args.qrels, say=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_table(ours, generic, args.passes, len(questions)))
    return 0


def cmd_bench_store(app: Newsbot, args: argparse.Namespace) -> int:
    from ..measure.bench_store import run_bench_store

    if args.passages < 100 or args.queries < 1 or args.queries > args.passages:
        raise UsageError("--passages must be at least 100, and --queries from 1 to --passages", "give other counts")
    run_bench_store(app, args.passages, args.queries, reuse=args.reuse, keep=args.keep, clusters=max(args.clusters, 0))
    return 0


def cmd_bench_changes(app: Newsbot, args: argparse.Namespace) -> int:
    from ..measure.bench_changes import run_change_bench

    if args.repeats < 1:
        raise UsageError("--repeats must be at least 1", "give a positive count")
    run_change_bench(app, args.corpus or list(app.config.corpus.read_paths), args.article, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
