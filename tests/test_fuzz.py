"""Fuzzing what members and corpus files can hand newsbot, through the path every front end takes.

Questions (any text, filter syntax, Discord markup) and corpus records (any JSON value in any
field, any TOML value in a sidecar) must end in an answer or one of newsbot's own errors, never a
traceback; and whatever they hold, the JSON, terminal and Discord renderings of the answer must
work, the embed must fit Discord's limits and must hold no mention that could ping.

Run with `--hypothesis-show-statistics` to see how many examples ran and what they ended in.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import math
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.console import Console

from bot.core.config import Config
from bot.core.service import Newsbot
from bot.discord_bot.render import answer_embed
from bot.discord_bot.views import footer
from bot.terminal.json_output import answer_json
from bot.terminal.render import render_answer
from index import ConfigError, NewsbotError, build_index, load_corpus, open_index

from .conftest import SEEDS
from .fake_discord.server import message_problems
from .fakes import FakeEmbedder

INTACT_MENTION = re.compile(r"@everyone|@here|<@\d+>|<@!\d+>|<@&\d+>")
FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""The autouse fixture of conftest only moves into an empty folder: nothing to reset between examples."""
CORPUS_FUZZ = settings(FUZZ, max_examples=120)

EXAMPLES: collections.Counter[str] = collections.Counter()
"""Examples run per test, printed at the end of each (pytest -s) for the record."""

# ---- strategies -----------------------------------------------------------------------------------

NASTY = [
    "\ud800",
    "\udcff",
    "\udfff",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r",
    "\x0b",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u202d",
    "\u2066",
    "\ufeff",
    "\u200b",
    "\ufffd",
    "e\u0301",
    "🙂",
    "\U0001f1fa\U0001f1f8",
    "ﷺ",
    "\t",
    "\n",
    "<@123>",
    "<@!1100000000000000401>",
    "<@&456>",
    "@everyone",
    "@here",
    "@\u200beveryone",
    "<#789>",
    "</ask:1>",
    "**",
    "__",
    "`",
    "```",
    "||spoiler||",
    "> ",
    "# ",
    "-# ",
    "[x](javascript:alert(1))",
    "](https://evil.example)",
    "\\",
    '"',
    "'",
    "%",
    "{",
    "}",
]
FILTER_FRAGMENTS = [
    "source:upi",
    "SOURCE:UPI",
    'source:"a b"',
    'source:"unclosed',
    "source:'",
    'source:"',
    "source:",
    'source:""',
    "source:@everyone",
    "source:<@123>",
    "source:\ud800",
    "since:2021",
    "before:2022-07",
    "since:2017-07-19",
    "since:bogus",
    "before:2021-13",
    "since:0000",
    "since:9999-12-31",
    "before:0001",
    'before:"2020"',
    "since:'2019'",
    "since:2022 before:2021",
    '"',
    "'",
    "source:a:b",
    "since:２０２１",
]
WORDS = [
    "flour",
    "Russia",
    "North",
    "Korea",
    "Putin",
    "Kim",
    "summit",
    "historic",
    "reunion",
    "2019",
    "ministry",
    "harbour",
    "bridge",
    "What",
    "did",
    "the",
    "say",
    "?",
]
CHARS = st.characters() | st.characters(categories=["Cs"]) | st.sampled_from([c for c in NASTY if len(c) == 1])
TEXT = st.text(CHARS, max_size=40)
PIECE = st.one_of(TEXT, st.sampled_from(NASTY), st.sampled_from(FILTER_FRAGMENTS), st.sampled_from(WORDS))
QUESTIONS = st.one_of(
    st.lists(PIECE, max_size=14).map(" ".join),
    st.lists(PIECE, max_size=14).map("".join),
    st.text(CHARS, max_size=300),
    st.builds(lambda piece, times: (piece + " ") * times, PIECE, st.integers(50, 1500)),  # very long
)


def _json_values() -> st.SearchStrategy:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        TEXT,
        st.sampled_from(NASTY + WORDS),
    )
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
    )


JSON_VALUES = _json_values()
RECORD_FIELDS = ["_id", "id", "text", "title", "url", "date", "source", "byline"]
SENTENCE = st.lists(
    st.sampled_from(
        [
            "The",
            "harbour",
            "bridge",
            "reopened",
            "after",
            "repairs",
            "council",
            "said",
            "engineers",
            "replaced",
            "rivets",
            "on",
            "Tuesday",
        ]
    ),
    min_size=6,
    max_size=20,
)
CLEAN_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
URLS = st.sampled_from(
    [
        "https://www.cnn.com/2022/06/12/world/harbour-bridge-reopens/index.html",
        "http://[::1",
        "javascript:alert(1)",
        "https://example.org/a_(b) c<d>[e]",
        "https://x@everyone.example/@here",
        "ftp://example.org/f",
        "https:///nohost",
        "not a url",
        "",
    ]
)
VALID_RECORDS = st.fixed_dictionaries(
    {
        "_id": st.integers(0, 10**6) | CLEAN_TEXT.filter(str.strip),
        "text": st.builds(lambda words: " ".join(words) + ".", SENTENCE),
    },
    optional={
        "title": CLEAN_TEXT | st.sampled_from(NASTY) | st.none(),
        "url": URLS | CLEAN_TEXT | st.none(),
        "date": st.sampled_from(["2021-07-20", "2021/07/20", "July 20, 2021", "bogus", "", "2021-02-30"]) | st.none(),
        "source": CLEAN_TEXT | st.sampled_from(["UPI", "@everyone", "<@&123>", 'a"b', "USA Today"]) | st.none(),
        "byline": CLEAN_TEXT | st.none(),
        "extra": JSON_VALUES,
    },
)
RANDOM_RECORDS = st.dictionaries(st.sampled_from([*RECORD_FIELDS, "extra"]) | TEXT, JSON_VALUES, max_size=9)
OTHER_LINES = st.sampled_from(["", "   ", "{", "[1, 2]", "null", '"text"', '{"_id": "x", "text": ', "\ufeff{}"])
LINES = st.lists(
    st.one_of(
        VALID_RECORDS.map(lambda r: ("valid", r)),
        RANDOM_RECORDS.map(lambda r: ("random", r)),
        OTHER_LINES.map(lambda line: ("raw", line)),
    ),
    max_size=12,
)


def _toml_value(value) -> str:
    """A value written as TOML (an inline table or array for the nested ones)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, dt.date, dt.time)):  # dt.datetime is a dt.date
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string (a lone surrogate makes the file invalid TOML: also fine)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


TOML_SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    TEXT,
    st.sampled_from([*NASTY, "2021-07-20", "July 20, 2021", "bogus", ""]),
    st.dates(),
    st.datetimes(),
    st.times(),
)
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
SIDECARS = st.one_of(
    st.dictionaries(
        st.sampled_from(["title", "outlet", "url", "date", "byline", "other"]), TOML_VALUES, max_size=6
    ).map(lambda table: "".join(f"{key} = {_toml_value(value)}\n" for key, value in table.items())),
    st.text(CHARS, max_size=60),  # not TOML at all, mostly
)

# ---- the path every front end takes -----------------------------------------------------------------


def ask_and_render(app: Newsbot, text: str) -> None:
    """Ask as the front ends do and render the answer three ways; newsbot's own errors are answers too."""
    try:
        answer = app.ask(text)
    except NewsbotError as error:
        event(f"{type(error).__name__}")
        error.one_line().encode("utf-8")
        return
    event("abstained" if answer.abstained else "answered")
    json.dumps(answer_json(answer), ensure_ascii=False).encode("utf-8")  # what `newsbot ask --json` writes
    Console(file=io.StringIO(), width=100).print(render_answer(answer))
    data = answer_embed(answer, footer(answer)).to_dict()
    assert message_problems({"embeds": [data]}) == []
    sent = json.dumps(data, ensure_ascii=False)
    sent.encode("utf-8")
    assert INTACT_MENTION.search(sent) is None, sent


@pytest.fixture(scope="module")
def seed_app(tmp_path_factory) -> Newsbot:
    index_dir = tmp_path_factory.mktemp("fuzz-seed-index")
    build_index([SEEDS], index_dir, FakeEmbedder())
    return Newsbot(Config(), embedder=FakeEmbedder(), index_dir=index_dir)


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print("\nfuzz examples run:", dict(EXAMPLES))


# ---- a) questions and filter syntax ---------------------------------------------------------------


@FUZZ
@given(text=QUESTIONS)
def test_any_question_gets_an_answer_or_a_newsbot_error(seed_app, text):
    EXAMPLES["questions"] += 1
    ask_and_render(seed_app, text)


# ---- b) corpus records and sidecars -----------------------------------------------------------------


@CORPUS_FUZZ
@given(lines=LINES, source=st.one_of(st.sampled_from(["upi", "UPI", "@everyone", 'a"b', ""]), CLEAN_TEXT))
def test_any_jsonl_corpus_builds_and_answers(lines, source):
    EXAMPLES["jsonl corpora"] += 1
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        written = [line if kind == "raw" else json.dumps(line) for kind, line in lines]
        (corpus / "c.jsonl").write_text("\n".join(written) + "\n", encoding="utf-8")
        loaded = load_corpus([corpus])
        valid = [
            (number, str(record["_id"])) for number, (kind, record) in enumerate(lines, start=1) if kind == "valid"
        ]
        try:
            build_index([corpus], Path(scratch) / "ix", FakeEmbedder())
        except ConfigError:  # no article in the host's folders: a setting to fix
            assert not loaded.articles and not valid
            event("no valid article")
            return
        index = open_index(Path(scratch) / "ix", FakeEmbedder())
        assert set(index.articles) == {a.doc_id for a in loaded.articles}
        for number, doc_id in valid:
            assert doc_id in index.articles, (number, doc_id, loaded.warnings)
            first = int(index.articles[doc_id].source_path.rsplit(":", 1)[1])
            assert first <= number  # the first record with an id wins
        for meta in index.articles.values():
            assert all(isinstance(v, str) or v is None for v in (meta.title, meta.outlet, meta.url, meta.byline))
            assert meta.doc_id and meta.title
        event(f"{len(index.articles)} articles indexed")
        app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=Path(scratch) / "ix")
        ask_and_render(app, f'source:"{source}" harbour bridge repairs')
        ask_and_render(app, "harbour bridge reopened after repairs")


@CORPUS_FUZZ
@given(sidecar=SIDECARS)
def test_any_sidecar_is_used_or_ignored(sidecar):
    EXAMPLES["sidecars"] += 1
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        (corpus / "story.txt").write_text(
            "Harbour bridge reopens\n\nMarch 5 (AP) -- The harbour bridge reopened on "
            "Tuesday after two years of repairs.\n"
        )
        (corpus / "story.meta.toml").write_text(sidecar, encoding="utf-8", errors="surrogatepass")
        [article] = load_corpus([corpus]).articles
        meta = article.meta
        assert isinstance(meta.title, str) and meta.title.strip()
        assert all(isinstance(v, str) or v is None for v in (meta.outlet, meta.url, meta.byline))
        assert meta.date is None or type(meta.date) is dt.date
        build_index([corpus], Path(scratch) / "ix", FakeEmbedder())
        app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=Path(scratch) / "ix")
        ask_and_render(app, f"source:{meta.outlet or 'AP'} harbour bridge repairs")
        ask_and_render(app, "who won the world cup")
