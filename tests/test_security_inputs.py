"""Hostile or broken input never crashes newsbot: corpus records, filters, questions, batch files, links.

Each finding of the input review has a test here that failed before its fix.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import re

import pytest

from bot.core.answer import Answer, Citation, Passage
from bot.core.config import Config
from bot.core.service import Newsbot
from bot.discord_bot.render import answer_embed, source_line
from bot.terminal.cli import main
from index import ArticleMeta, Chunk, FilterError, Hit, UsageError, build_index, load_corpus, parse_query

from .conftest import SEEDS, use_fake_model
from .fakes import FakeEmbedder

GOOD = {"_id": "good", "text": "The harbour bridge reopened on Tuesday after repairs.", "source": "Coastal Times"}
INTACT_MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>")


@pytest.fixture
def fake_model(monkeypatch):
    """Every Newsbot the CLI makes uses a FakeEmbedder instead of loading the real model."""
    use_fake_model(monkeypatch)


@pytest.fixture
def seed_fake_index(tmp_path):
    index_dir = tmp_path / "seed-index"
    build_index([SEEDS], index_dir, FakeEmbedder())
    return index_dir


def write_jsonl(path: pathlib.Path, *records) -> pathlib.Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


# ---- 1. corpus records of the wrong type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("title", 123, '"title" must be a string, not a number'),
        ("title", ["a"], '"title" must be a string, not a list'),
        ("url", {"href": "x"}, '"url" must be a string, not an object'),
        ("url", 5, '"url" must be a string, not a number'),
        ("source", ["a", "b"], '"source" must be a string, not a list'),
        ("byline", True, '"byline" must be a string, not a boolean'),
        ("date", [2021], '"date" must be a string, not a list'),
        ("text", 42, '"text" must be a string, not a number'),
        ("_id", ["x"], '"_id" must be a string or an integer, not a list'),
        ("_id", {"x": 1}, '"_id" must be a string or an integer, not an object'),
        ("_id", True, '"_id" must be a string or an integer, not a boolean'),
        ("_id", 1.5, '"_id" must be a string or an integer, not a number'),
        ("_id", "  ", '"_id" must not be empty'),
    ],
)
def test_jsonl_fields_of_the_wrong_type_skip_the_line_with_a_warning(tmp_path, field, value, problem):
    bad = {"_id": "bad", "text": "Another story about the bridge.", field: value}
    corpus = write_jsonl(tmp_path / "corpus.jsonl", GOOD, bad)
    loaded = load_corpus([corpus])
    assert [a.doc_id for a in loaded.articles] == ["good"]
    assert loaded.warnings == [f"{corpus}:2: skipped line: {problem}"]


def test_integer_ids_are_kept_as_text(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", {"_id": 7, "text": "Seven."}, {"id": 0, "text": "Zero."})
    loaded = load_corpus([corpus])
    assert [a.doc_id for a in loaded.articles] == ["7", "0"] and loaded.warnings == []


def test_a_list_source_never_reaches_the_index_or_a_question(tmp_path):
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl", GOOD, {"_id": "list", "text": "Bridge story.", "source": ["a", "b"]}
    )
    report = build_index([corpus], tmp_path / "ix", FakeEmbedder())
    assert report.warnings == [f'{corpus}:2: skipped line: "source" must be a string, not a list']
    app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=tmp_path / "ix")
    assert app.ask("source:a harbour bridge repairs").filters.source == "a"
    assert sorted(app.index.articles) == ["good"]


def test_lone_surrogates_in_a_jsonl_record_do_not_break_the_build(tmp_path, capsys, fake_model):
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        '{"_id": "s\\ud800", "text": "Bridge \\udcff repairs harbour.", ' '"title": "T\\ud800"}',
    )
    build_index([corpus], tmp_path / "ix", FakeEmbedder())
    assert main(["ask", "--json", "--index", str(tmp_path / "ix"), "harbour bridge repairs"]) == 0
    json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("sidecar", "problem"),
    [
        ("title = 123\n", "ignored title: it must be a string, not an integer"),
        ('title = "  "\n', "ignored title: it is empty"),
        ("outlet = [1, 2]\n", "ignored outlet: it must be a string, not an array"),
        ("url = {a = 1}\n", "ignored url: it must be a string, not a table"),
        ("byline = true\n", "ignored byline: it must be a string, not a boolean"),
        ("date = 12:30:00\n", "ignored date 12:30:00: write it as 2021-07-20"),
        ("date = 2021\n", "ignored date 2021: write it as 2021-07-20"),
    ],
)
def test_sidecar_values_of_the_wrong_type_are_ignored_with_a_warning(tmp_path, sidecar, problem):
    (tmp_path / "story.txt").write_text("A short title here\n\nJune 2 (AP) -- Something happened today.\n")
    (tmp_path / "story.meta.toml").write_text(sidecar)
    loaded = load_corpus([tmp_path])
    [article] = loaded.articles
    assert article.meta.title == "A short title here"
    assert loaded.warnings == [f"{tmp_path / 'story.meta.toml'}: {problem}"]
    build_index([tmp_path], tmp_path / "ix", FakeEmbedder())


def test_a_folder_named_like_a_sidecar_is_ignored_with_a_warning(tmp_path):
    (tmp_path / "story.txt").write_text("A short title here\n\nJune 2 (AP) -- Something happened today.\n")
    (tmp_path / "story.meta.toml").mkdir()
    loaded = load_corpus([tmp_path])
    assert [a.doc_id for a in loaded.articles] == ["story"]
    [warning] = loaded.warnings
    assert warning.startswith(f"{tmp_path / 'story.meta.toml'}: ignored: cannot read it (")


def test_an_unreadable_article_file_is_skipped_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text("A good title here\n\nThe story itself is here.\n")
    (tmp_path / "locked.txt").write_text("A locked title\n\nNobody may read this.\n")
    real_read_bytes = pathlib.Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":  # as a file the bot's user may not read (root reads everything)
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    loaded = load_corpus([tmp_path])
    assert [a.doc_id for a in loaded.articles] == ["good"]
    assert loaded.warnings == [f"{tmp_path / 'locked.txt'}: skipped: cannot read it (Permission denied)"]


def test_links_out_of_the_corpus_folder_are_skipped_and_named(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (corpus / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret title here\n\nThe private notes of the admin.\n")
    (corpus / "real.txt").write_text("A real title here\n\nThe story itself is here.\n")
    (corpus / "sub" / "deep.txt").write_text("A deep title here\n\nAnother story is here.\n")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")  # a file link out
    (corpus / "leakdir").symlink_to(outside, target_is_directory=True)  # a folder link out
    (corpus / "alias.txt").symlink_to(corpus / "real.txt")  # a file link that stays inside
    (corpus / "subalias").symlink_to(corpus / "sub", target_is_directory=True)  # a folder link inside
    loaded = load_corpus([corpus])
    assert sorted(a.doc_id for a in loaded.articles) == ["alias", "real", "sub/deep"]
    assert loaded.warnings == [
        f"{corpus / 'leak.txt'}: skipped: a symbolic link to a place outside {corpus}",
        f"{corpus / 'leakdir'}: skipped: a symbolic link to a place outside {corpus}",
    ]
    assert all("private notes" not in a.text for a in loaded.articles)


# ---- 2. filter syntax --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "question", "source"),
    [
        ('source:"unclosed flour', "flour", "unclosed"),
        ("source:'unclosed", "", "unclosed"),
        ('source:" flour', "flour", None),
        ('source:"a\\" flour', "flour", "a\\"),
    ],
)
def test_an_unclosed_quote_takes_the_rest_of_the_word(text, question, source):
    asked, filters = parse_query(text)
    assert (asked, filters.source or None) == (question, source)


def test_unclosed_quotes_give_an_answer_not_a_traceback(tmp_path, seed_fake_index, capsys, fake_model):
    assert main(["ask", "--json", "--index", str(seed_fake_index), 'source:"upi flour Russia North Korea']) == 0
    assert json.loads(capsys.readouterr().out)["filters"]["source"] == "upi"


@pytest.mark.parametrize("text", ['"', "'", 'source:"', "since:'", 'before:"2021', "source:'a' since:\"x", "source:\\"])
def test_parse_query_gives_a_question_or_a_filter_error(text):
    with contextlib.suppress(FilterError):
        parse_query(text)


# ---- 3. lone surrogates and control characters in a question --------------------------------------


@pytest.mark.parametrize("question", ["flour \ud800 Russia", "flour \udcff Russia", "flour\x00 Russia\x07\x1b[31m"])  # noqa: PT014 - two different lone surrogates
def test_lone_surrogates_and_controls_in_a_cli_question(seed_fake_index, capsys, fake_model, question):
    assert main(["ask", "--json", "--index", str(seed_fake_index), question]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert re.search(r"[\ud800-\udfff\x00-\x08\x0b-\x1f]", answer["question"]) is None
    assert main(["ask", "--index", str(seed_fake_index), question]) == 0


@pytest.mark.parametrize(
    "question",
    [
        "how much fl\u00adour did Russia deliver",  # a soft hyphen
        "\uff48\uff4f\uff57 \uff4d\uff55\uff43\uff48 flour did Russia deliver",  # fullwidth letters
    ],
)
def test_look_alike_and_invisible_characters_are_searched_as_the_letters_they_show(seed_fake_index, question):
    app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=seed_fake_index)
    answer = app.ask(question)
    assert answer.question == "how much flour did Russia deliver"
    assert answer.passages == app.ask("how much flour did Russia deliver").passages


def test_compatibility_forms_articles_write_are_searched_as_written(seed_fake_index):
    app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=seed_fake_index)
    assert app.ask("how much CO\u2082 per km\u00b2 did the \ufb01rm emit").question == (
        "how much CO\u2082 per km\u00b2 did the \ufb01rm emit"  # as an article would write them
    )


def test_an_empty_question_is_told_as_empty_not_as_missing_after_filters(seed_fake_index):
    app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=seed_fake_index)
    with pytest.raises(UsageError) as error:
        app.ask("\x01\x02 \u200b")
    assert error.value.one_line() == "the question is empty. Write a question"


def test_a_question_too_long_is_flagged_in_json_and_its_hint_names_no_huge_word(seed_fake_index, capsys, fake_model):
    assert main(["ask", "--json", "--index", str(seed_fake_index), "Zqxw" * 1000]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["cut"] is True and len(answer["question"]) == 2000
    assert answer["abstained"] and "“Zqxw" in answer["hint"] and len(answer["hint"]) < 300


def test_lone_surrogates_and_controls_through_the_service(seed_fake_index):
    app = Newsbot(Config(), embedder=FakeEmbedder(), index_dir=seed_fake_index)
    answer = app.ask("flour \ud800 Russia\x00 \x01North\tKorea \udcff")
    assert answer.question == "flour \ufffd Russia North Korea \ufffd"
    answer.question.encode("utf-8")


# ---- 4. --batch --------------------------------------------------------------------------------------


def test_a_bad_line_in_a_batch_fails_alone(tmp_path, seed_fake_index, capsys, fake_model):
    questions = tmp_path / "questions.txt"
    questions.write_text("flour Russia North Korea\nsource:upi\n\nsince:notadate flour\nPutin Kim agreed\n")
    assert main(["ask", "--batch", str(questions), "--json", "--index", str(seed_fake_index)]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.split("\n") if line]
    assert [line.get("error", "")[:20] for line in lines] == ["", "the question is empt", "since:notadate is no", ""]
    assert lines[1] == {
        "schema": 1,
        "question": "source:upi",
        "error": "the question is empty. Write a question after the filters",
    }
    assert lines[2]["question"] == "since:notadate flour"

    assert main(["ask", "--batch", str(questions), "--index", str(seed_fake_index)]) == 2
    err = capsys.readouterr().err
    assert "newsbot: error: line 2: the question is empty" in err
    assert "newsbot: error: line 4: since:notadate is not a date" in err


def test_a_batch_splits_on_newlines_only(tmp_path, seed_fake_index, capsys, fake_model):
    questions = tmp_path / "questions.txt"
    questions.write_text(
        "flour Russia\u2028North Korea\r\nPutin\x85Kim agreed\r\nsince:x a\u2028b\x85c\r\n", newline=""
    )
    assert main(["ask", "--batch", str(questions), "--json", "--index", str(seed_fake_index)]) == 2
    out = capsys.readouterr().out
    assert out.count("\n") == 3 and len(out.splitlines()) == 3  # separators inside a line are escaped
    assert [json.loads(line)["question"] for line in out.splitlines()] == [
        "flour Russia North Korea",
        "Putin Kim agreed",
        "since:x a\u2028b\x85c",
    ]


def test_invalid_utf8_in_a_batch_is_replaced_per_line(tmp_path, seed_fake_index, capsys, fake_model):
    questions = tmp_path / "questions.txt"
    questions.write_bytes(b"flour \xff Russia\nPutin Kim agreed\n")
    assert main(["ask", "--batch", str(questions), "--json", "--index", str(seed_fake_index)]) == 0
    assert [json.loads(line)["question"] for line in capsys.readouterr().out.splitlines()] == [
        "flour \ufffd Russia",
        "Putin Kim agreed",
    ]


# ---- 5. Discord rendering ----------------------------------------------------------------------------


def article(url: str | None, title: str = "Bridge reopens", outlet: str = "Coastal Times") -> ArticleMeta:
    return ArticleMeta(doc_id="d1", title=title, outlet=outlet, url=url)


@pytest.mark.parametrize(
    ("url", "line"),
    [
        ("https://example.org/a_(b)", "**[1]** [Bridge reopens](https://example.org/a_%28b%29) · Coastal Times"),
        (
            "https://example.org/a b<c>[d]",
            "**[1]** [Bridge reopens](https://example.org/a%20b%3Cc%3E%5Bd%5D) · Coastal Times",
        ),
        (
            "https://example.org/x) [click](https://evil.example",
            "**[1]** [Bridge reopens](https://example.org/x%29%20%5Bclick%5D%28https://evil.example) · Coastal Times",
        ),
        ("javascript:alert(1)", "**[1]** Bridge reopens · Coastal Times"),
        ("ftp://example.org/file", "**[1]** Bridge reopens · Coastal Times"),
        ("https:///no-host", "**[1]** Bridge reopens · Coastal Times"),
        ("http://[::1", "**[1]** Bridge reopens · Coastal Times"),
        ("www.example.org/a", "**[1]** Bridge reopens · Coastal Times"),
    ],
)
def test_only_http_links_are_made_and_never_break_out(url, line):
    assert source_line(1, article(url)) == line


def test_a_title_cannot_close_its_link_early():
    line = source_line(1, article("https://example.org/a", title="a](https://evil.example) [b"))
    assert line == "**[1]** [a)(https://evil.example) (b](https://example.org/a) · Coastal Times"


def test_mentions_from_questions_and_articles_are_neutralised():
    meta = article("https://example.org/a", title="Title @everyone <@123>", outlet="Outlet @here <@&55>")
    text = "The secretary wrote @everyone and @here and <@!42> and <@&7> and <@1100000000000000401>."
    chunk = Chunk("d1#0", "d1", 0, len(text), text, 30)
    passage = Passage(Hit(chunk, meta, 1.0, 0.9), [(0, len(text))], [1])
    answer = Answer("@everyone <@123> when?", [passage], [Citation(1, meta)], abstained=False)
    embed = answer_embed(answer, footer="filters: source: @everyone")
    closest = answer_embed(Answer("@here?", [], [], abstained=True, closest=[meta]), footer="<@&9>")
    for rendered in (embed, closest):
        data = json.dumps(rendered.to_dict(), ensure_ascii=False)
        assert INTACT_MENTION.search(data) is None, data
    assert "@\u200beveryone" in embed.title and "@\u200beveryone" in embed.description
