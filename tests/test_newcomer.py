"""A newcomer's first day (issue 20): what got in the way of someone trying newsbot from README alone,
one test per finding that is behaviour."""

from __future__ import annotations

import json

import pytest

from bot.core.corpus_admin import add_upload, remove_article, restore_article
from bot.measure.bench_compare import Figures, format_table
from index import load_corpus, open_index

from .fakes import FakeEmbedder

FERRY = "Ferry strike ends\n\nApril 2 (Reuters) -- Ferry crews ended their strike on Monday after a week of talks.\n"
CONFIG = '[corpus]\npaths = ["corpus"]\nadded_dir = "added"\n\n[index]\ndir = "ix"\n'


@pytest.fixture
def newsbot(tmp_path, cli):
    """`newsbot ...` in a folder with a small corpus and its config (FakeEmbedder for the model)."""
    (tmp_path / "config.toml").write_text(CONFIG)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "council.txt").write_text(
        "Council approves harbour budget\n\nMarch 3 (AP) -- The council approved the harbour budget on Friday.\n"
    )
    return cli


# ---- ask --batch ---------------------------------------------------------------------------------------


def test_a_batch_line_that_fails_is_told_on_stderr_too(newsbot, tmp_path):
    (tmp_path / "questions.txt").write_text("What did the council approve?\nsince:yesterday what happened\n")
    status, out, err = newsbot("ask", "--batch", str(tmp_path / "questions.txt"), "--json")
    assert status == 2
    assert [("error" in json.loads(line)) for line in out.splitlines()] == [False, True]
    assert "line 2: since:yesterday is not a date" in err and "1 of 2 questions failed" in err


def test_a_question_and_batch_together_are_refused(newsbot, tmp_path):
    (tmp_path / "questions.txt").write_text("What did the council approve?\n")
    status, _, err = newsbot("ask", "what?", "--batch", str(tmp_path / "questions.txt"))
    assert status == 2 and "a question and --batch were both given" in err


def test_a_question_starting_with_a_dash_is_told_how_to_ask_it(newsbot, capsys):
    with pytest.raises(SystemExit) as stopped:
        newsbot("ask", "-how much did the council approve")
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1
    assert 'a question or topic that starts with "-" needs -- before it' in err
    status, out, _ = newsbot("ask", "--", "-how much did the council approve")
    assert status == 0 and "harbour budget" in out
    with pytest.raises(SystemExit):
        newsbot("index", "build", "--corpuss", "other")  # a mistyped option is no question
    assert "needs --" not in capsys.readouterr().err


# ---- settings ------------------------------------------------------------------------------------------


def test_a_missing_device_is_named_as_the_device(newsbot, tmp_path):
    (tmp_path / "config.toml").write_text(CONFIG + 'device = "cuda"\nruntime = "onnx"\n')
    from index import ModelError, load_embedder

    with pytest.raises(ModelError, match=r"\[index\] device is 'cuda', but this machine has no cuda device"):
        load_embedder("all-MiniLM-L6-v2", "onnx", "cuda")


def test_a_mistyped_index_folder_is_an_error_not_a_new_index(newsbot, tmp_path):
    assert newsbot("index", "build")[0] == 0
    status, _, err = newsbot("ask", "What did the council approve?", "--index", "ixx")
    assert status == 2 and "there is no index in ixx (given with --index)" in err
    assert not (tmp_path / "ixx").exists()
    assert newsbot("index", "build", "--index", "ix2")[0] == 0  # an explicit build makes one there


# ---- rollback does what the user meant -----------------------------------------------------------------


def test_rollback_sets_the_added_article_aside_so_the_next_start_keeps_it_out(newsbot, tmp_path):
    assert newsbot("index", "build")[0] == 0
    (tmp_path / "ferry.txt").write_text(FERRY)
    assert newsbot("index", "add", str(tmp_path / "ferry.txt"))[0] == 0
    status, out, _ = newsbot("index", "rollback")
    assert status == 0 and "Moved to the trash, as this version lacks it" in out and "Ferry strike ends" in out
    assert not (tmp_path / "added" / "ferry.txt").exists()
    status, _, err = newsbot("ask", "When did the ferry strike end?")  # the next start builds nothing back in
    assert status == 0 and "building" not in err
    assert "ferry" not in open_index(tmp_path / "ix", FakeEmbedder()).articles
    status, out, _ = newsbot("index", "restore", "ferry.txt")  # by the file name add printed
    assert status == 0 and "ferry" in open_index(tmp_path / "ix", FakeEmbedder()).articles


def test_rollback_of_a_removal_brings_the_article_back(fake_corpus_app, tmp_path):
    from bot.core.corpus_admin import roll_back

    (tmp_path / "ferry.txt").write_text(FERRY)
    app = fake_corpus_app
    add_upload(app, "ferry.txt", FERRY.encode())
    remove_article(app, "ferry")
    rolled = roll_back(app)
    assert rolled.brought_back == ["Ferry strike ends"] and (tmp_path / "added" / "ferry.txt").exists()
    assert app.ensure_index() is None  # the folder and the index agree: nothing to build
    with pytest.raises(Exception, match="no removed article"):
        restore_article(app, "ferry")


# ---- articles keep what they say -------------------------------------------------------------------------


def test_an_article_added_by_url_keeps_its_url(fake_corpus_app, tmp_path):
    page = (
        b"<html><body><article><p>"
        + b"The ferry crews ended their strike on Monday. " * 5
        + b"</p></article></body></html>"
    )
    change = add_upload(fake_corpus_app, "ferry.html", page, "https://news.example/ferry")
    assert change.article.meta.url == "https://news.example/ferry"
    assert (tmp_path / "added" / "ferry.meta.toml").read_text() == 'url = "https://news.example/ferry"\n'
    assert fake_corpus_app.index.articles["ferry"].url == "https://news.example/ferry"
    removed = remove_article(fake_corpus_app, "ferry")  # the sidecar goes with it
    assert (removed.path.parent / "ferry.meta.toml").exists()


def test_html_keeps_its_paragraphs_without_its_title_and_byline(tmp_path):
    (tmp_path / "story.html").write_text(
        "<html><head><title>Harbour bridge reopens</title><meta name='author' content='Ana Lima'></head><body>"
        "<article><h1>Harbour bridge reopens</h1><p>By Ana Lima</p>"
        "<p>The harbour bridge reopened on Tuesday after eight months of repairs, the city said.</p>"
        "<p>Engineers replaced the deck and two of the supporting cables over the winter.</p></article></body></html>"
    )
    [article] = load_corpus([tmp_path]).articles
    assert article.text.startswith("The harbour bridge reopened")
    assert "\n\nEngineers replaced" in article.text and "By Ana Lima" not in article.text


def test_datelines_and_bylines_with_outlet_and_date_are_read(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Council approves harbour budget\n\nMarch 3, 2023 (Coastal Gazette) -- "
        "The council approved the harbour budget on Friday after a long debate.\n"
    )
    (tmp_path / "b.md").write_text(
        "# Ferry strike ends\n\n*By Tom Green, Island Herald, 2022-11-08*\n\n"
        "Ferry crews ended their strike on Monday after a week of talks.\n"
    )
    by_id = {a.doc_id: a.meta for a in load_corpus([tmp_path]).articles}
    assert (by_id["a"].outlet, str(by_id["a"].date)) == ("Coastal Gazette", "2023-03-03")
    assert (by_id["b"].byline, by_id["b"].outlet, str(by_id["b"].date)) == ("Tom Green", "Island Herald", "2022-11-08")


# ---- progress and output when piped ---------------------------------------------------------------------


def test_summaries_are_not_wrapped_when_not_on_a_terminal(monkeypatch, capsys):
    from bot.terminal import progress

    long = "Indexed 2,109 articles into 39,868 passages in 303.0 s: " + "word " * 40
    progress.tell(long)
    assert capsys.readouterr().err == long + "\n"


def test_an_unsteady_ratio_is_marked_and_the_legend_names_only_rows_there():
    ours, theirs = Figures(), Figures()
    ours.cold_seconds, theirs.cold_seconds = [0.6, 0.6, 2.5], [5.0, 5.1, 5.2]
    ours.cold_rss_mb = theirs.cold_rss_mb = ours.build_rss_mb = theirs.build_rss_mb = [100.0]
    ours.build_seconds, theirs.build_seconds = [1.0, 1.1], [5.0, 5.2]
    ours.query_ms, theirs.query_ms = [3.0, 3.1], [7.0, 7.5]
    ours.word_pieces = theirs.word_pieces = 100
    table = format_table(ours, theirs, passes=1, questions=2)
    cold = next(line for line in table.splitlines() if line.startswith("cold start"))
    build = next(line for line in table.splitlines() if line.startswith("full build"))
    assert cold.endswith("x ?") and not build.endswith("?") and "not to be trusted" in table
    assert "nDCG" not in table


# ---- hints that point to the right place ----------------------------------------------------------------


def test_the_cli_lists_the_numbers_remove_takes(newsbot, tmp_path):
    assert newsbot("index", "build")[0] == 0
    status, out, _ = newsbot("index", "sources")
    assert status == 0 and out.startswith("   1. Council approves harbour budget") and "[council]" in out
    status, _, err = newsbot("index", "remove", "99")
    assert status == 2 and "`newsbot index sources`" in err and ":sources in the REPL" in err


def test_a_missing_guild_index_hint_names_the_guild(newsbot, tmp_path):
    (tmp_path / "club").mkdir()
    (tmp_path / "config.toml").write_text(CONFIG + '\n[guilds.42]\npaths = ["club"]\nindex_dir = "club-ix"\n')
    status, _, err = newsbot("index", "stats", "--guild", "42")
    assert status == 2 and "`newsbot index build --guild 42`" in err


def test_a_filter_no_article_passes_is_named_as_the_reason(newsbot, tmp_path):
    assert newsbot("index", "build")[0] == 0
    status, out, _ = newsbot("ask", "source:Reuters what did the council approve?")
    assert status == 0 and "No article matches the filters (source: Reuters)" in out


# ---- wording ---------------------------------------------------------------------------------------------


def test_error_fixes_open_with_a_capital_and_a_missing_file_is_said_missing(newsbot, tmp_path):
    assert newsbot("index", "build")[0] == 0
    status, _, err = newsbot("index", "add", "nope.txt")
    assert status == 2 and err == (
        "newsbot: error: nope.txt does not exist. Give the path of an article file or an " "http(s) URL\n"
    )


def test_a_cut_question_says_so_and_its_echo_is_short(newsbot, tmp_path):
    assert newsbot("index", "build")[0] == 0
    status, out, _ = newsbot("ask", "what did the councl aprove " * 200)
    assert status == 0 and "only the question's first 2,000 characters were read" in out
    for line in out.splitlines():
        if line.startswith(("Did you mean", "Showing passages for")):
            assert len(line) < 260


def test_one_passage_is_one_passage():
    from bot.core.describe import what_changed

    assert what_changed(0, 0, 0, 0, 1) == "nothing had changed, so its 1 passage was kept from the version before"


# ---- Ctrl-C and long first runs ---------------------------------------------------------------------------


def test_an_interrupted_first_build_leaves_no_lock_behind(tmp_path):
    from index import build_index

    from .conftest import SEEDS

    class Interrupted(FakeEmbedder):
        def embed_batch(self, texts):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index([SEEDS], tmp_path / "ix", Interrupted())
    assert not (tmp_path / "ix").exists()  # no empty folder, no .build.lock to puzzle over
    build_index([SEEDS], tmp_path / "ix", FakeEmbedder())
    assert (tmp_path / "ix" / "current").exists()


def test_ctrl_c_says_it_was_interrupted(newsbot, monkeypatch):
    from bot.terminal import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_with_progress", interrupted)
    status, _, err = newsbot("index", "build")
    assert status == 130 and err == "newsbot: interrupted\n"


def test_a_first_evaluation_build_is_announced_with_its_estimate(fake_corpus_app, tmp_path, capsys):
    from bot.measure.evaluate import app_for_corpus, build_estimate

    assert build_estimate(20_277_087) == "7 minutes"  # realtimeqa-dev's articles: 303 s and 382 s measured
    app_for_corpus(fake_corpus_app, [tmp_path / "corpus"], tmp_path / "cache")
    said = capsys.readouterr().err
    assert "building an index of" in said and "(2 articles)" in said and "about 1 s on two cores" in said
