"""Adding, removing and restoring articles from the CLI, each an incremental build."""

from __future__ import annotations

import http.server
import shutil
import threading
from dataclasses import replace

import pytest

from bot.core.config import Config, CorpusSettings, FetchSettings
from bot.core.corpus_admin import add_source, remove_article, restore_article
from bot.core.service import Newsbot
from index import CorpusError, NewsbotError
from tests.conftest import SEED_2021, SEEDS
from tests.fakes import FakeEmbedder
from tests.index.text.test_loaders import HTML_PAGE

STORY = (
    "Harbour bridge reopens after repairs\n\nBy Ana Lima\n\nMarch 5 (AP) -- The harbour bridge reopened on Tuesday.\n"
)


@pytest.fixture
def app(fake_corpus_app):
    return fake_corpus_app


def test_add_a_file_then_remove_and_restore_it(app, tmp_path):
    (tmp_path / "harbour.txt").write_text(STORY)
    added = add_source(app, str(tmp_path / "harbour.txt"))
    assert added.article.meta.title == "Harbour bridge reopens after repairs" and added.article.meta.outlet == "AP"
    assert added.passages == 1
    assert (added.report.added, added.report.embedded) == (1, 1)
    assert "harbour" in app.index.articles

    removed = remove_article(app, "harbour")
    assert removed.path.parent.parent == tmp_path / "added" / ".trash" and removed.path.name == "harbour.txt"
    assert "harbour" not in app.index.articles and removed.report.removed == 1

    restored = restore_article(app, "harbour")
    assert restored.path == tmp_path / "added" / "harbour.txt"
    assert "harbour" in app.index.articles and restored.report.added == 1
    assert restored.report.embedded == 1  # the version it was removed from is no longer the one in use
    assert remove_article(app, "harbour.txt").report.removed == 1  # the file name `index add` printed does too


def test_added_articles_go_to_the_added_folder_and_the_corpus_folders_are_never_changed(app, tmp_path):
    corpus = tmp_path / "corpus"
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    (tmp_path / "harbour.txt").write_text(STORY)
    add_source(app, str(tmp_path / "harbour.txt"))
    with pytest.raises(
        CorpusError,
        match=f"article '{SEED_2021}' was not added here but comes with the corpus "
        "folders .* which newsbot never changes, so it cannot be removed",
    ):
        remove_article(app, SEED_2021)
    remove_article(app, "harbour")
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == before
    assert SEED_2021 in app.index.articles


def test_an_added_article_with_its_sidecar_moves_to_the_trash_and_back(app, tmp_path):
    added = tmp_path / "added"
    added.mkdir()
    (added / "harbour.txt").write_text(STORY)
    (added / "harbour.meta.toml").write_text("date = 2019-03-05\n")
    app.rebuild()
    removed = remove_article(app, "harbour")
    assert (removed.path.parent / "harbour.meta.toml").exists()
    restore_article(app, "harbour")
    assert app.index.articles["harbour"].date.year == 2019  # the sidecar is back with it


def test_a_local_file_is_added_with_the_sidecar_beside_it(app, tmp_path):
    (tmp_path / "harbour.txt").write_text(STORY)
    (tmp_path / "harbour.meta.toml").write_text('date = 2019-03-05\nurl = "https://example.org/harbour"\n')
    added = add_source(app, str(tmp_path / "harbour.txt"))
    assert added.article.meta.date.year == 2019
    assert (tmp_path / "added" / "harbour.meta.toml").read_text() == (tmp_path / "harbour.meta.toml").read_text()
    assert app.index.articles["harbour"].url == "https://example.org/harbour"


def test_a_damaged_sidecar_beside_a_file_is_one_line_and_adds_nothing(app, tmp_path):
    (tmp_path / "harbour.txt").write_text(STORY)
    (tmp_path / "harbour.meta.toml").write_text("date = [unclosed\n")
    with pytest.raises(CorpusError) as refused:
        add_source(app, str(tmp_path / "harbour.txt"))
    line = refused.value.one_line()
    assert line.startswith("cannot add it: harbour.meta.toml: not valid TOML") and "ignored" not in line
    assert line.endswith(
        "Fix harbour.meta.toml (title, outlet, url, date as 2021-07-20, byline), or move it away "
        "to add the article without it"
    )
    assert not (tmp_path / "added" / "harbour.txt").exists() and "harbour" not in app.index.articles


def test_a_dry_run_changes_nothing(app, tmp_path):
    (tmp_path / "harbour.txt").write_text(STORY)
    version = app.index.version
    change = add_source(app, str(tmp_path / "harbour.txt"), dry_run=True)
    assert change.report is None and change.passages == 1
    assert not (tmp_path / "added" / "harbour.txt").exists()
    assert app.index.version == version


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("blob.txt", b"\x00\x01\x02 binary", "cannot add it: .* the file is binary, not text"),
        ("empty.md", b"", "cannot add it: .* the file is empty"),
        ("data.csv", b"a,b\n1,2\n", "data.csv is not a .txt, .md or .html file"),
    ],
)
def test_unreadable_input_is_refused_and_changes_nothing(app, tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    version = app.index.version
    with pytest.raises(CorpusError, match=message):
        add_source(app, str(tmp_path / name))
    assert app.index.version == version
    assert not (tmp_path / "corpus" / name).exists()


def test_an_oversized_file_is_refused(app, tmp_path):
    (tmp_path / "huge.txt").write_text("word " * 1_200_000)
    with pytest.raises(CorpusError, match="huge.txt is over 5 MB"):
        add_source(app, str(tmp_path / "huge.txt"))


def test_an_existing_name_and_unknown_ids_are_refused(app, tmp_path):
    (tmp_path / "001_4589706aa8a54f74.txt").write_text(STORY)
    with pytest.raises(CorpusError, match="the corpus already has an article with the id '001_4589706aa8a54f74'"):
        add_source(app, str(tmp_path / "001_4589706aa8a54f74.txt"))
    (tmp_path / "harbour.txt").write_text(STORY)
    add_source(app, str(tmp_path / "harbour.txt"))
    with pytest.raises(CorpusError, match="harbour.txt already exists among the added articles"):
        add_source(app, str(tmp_path / "harbour.txt"))
    with pytest.raises(CorpusError, match="no article 'nope' in the index"):
        remove_article(app, "nope")
    with pytest.raises(NewsbotError, match="no removed article 'nope'"):
        restore_article(app, "nope")
    assert SEED_2021 in app.index.articles


def test_an_add_killed_before_the_index_took_it_is_finished_by_adding_again(app, tmp_path):
    """A killed `index add` (SIGTERM, no cleanup) left its file saved but not indexed; adding it again said
    it "already exists" and removing it said there was no such article."""
    from bot.core.corpus_admin import corpus_folder

    (tmp_path / "harbour.txt").write_text(STORY)
    folder = corpus_folder(app, create=True)
    (folder / "harbour.txt").write_text(STORY)  # what the killed add left
    change = add_source(app, str(tmp_path / "harbour.txt"))
    assert change.passages >= 1 and any("harbour" in doc_id for doc_id in app.index.articles)
    (folder / "ferry.txt").write_text("Ferry\n\nAnother story of that name.\n")  # not what is added now
    (tmp_path / "ferry.txt").write_text(STORY)
    with pytest.raises(CorpusError, match="ferry.txt is among the added articles but not in the index") as raised:
        add_source(app, str(tmp_path / "ferry.txt"))
    assert "newsbot index build" in str(raised.value)
    assert (folder / "ferry.txt").read_text().startswith("Ferry")  # left as it was found


def test_add_a_url_served_by_a_local_server(app, tmp_path):
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = HTML_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config = replace(app.config, fetch=FetchSettings(private_hosts=("127.0.0.1",)))  # an intranet host, allowed
    try:
        change = add_source(app, f"http://127.0.0.1:{server.server_port}/news/bridge-reopens")
    finally:
        server.shutdown()
        server.server_close()
    assert change.article.meta.title == "Harbour bridge reopens after repairs"
    assert change.article.meta.outlet == "Coastal Times"
    assert change.path == tmp_path / "added" / "bridge-reopens.html"
    assert "bridge-reopens" in app.index.articles


def test_remove_never_touches_files_outside_the_corpus_folder(tmp_path):
    """An index built from another folder names files there: remove must not move them."""
    outside = tmp_path / "outside"
    shutil.copytree(SEEDS, outside)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    newsbot = Newsbot(
        Config(corpus=CorpusSettings(paths=(corpus,))), embedder=FakeEmbedder(), index_dir=tmp_path / "ix"
    )
    newsbot.rebuild([outside])
    with pytest.raises(CorpusError, match="was not added here"):
        remove_article(newsbot, SEED_2021)
    assert (outside / f"{SEED_2021}.txt").exists()


def test_when_the_index_is_busy_the_corpus_folder_is_left_as_it_was(app, tmp_path):
    from index import IndexBusyError, build_lock

    corpus = tmp_path / "corpus"
    (tmp_path / "harbour.txt").write_text(STORY)
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    with build_lock(app.index_dir):  # another build is writing
        with pytest.raises(IndexBusyError):
            add_source(app, str(tmp_path / "harbour.txt"))
        with pytest.raises(IndexBusyError):
            remove_article(app, SEED_2021)
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*") if ".trash" not in p.parts) == before
    assert SEED_2021 in app.index.articles and "harbour" not in app.index.articles


def test_the_index_after_a_change_is_the_one_a_reindex_of_the_folder_gives(app, tmp_path):
    from index import corpus_fingerprint, load_corpus

    (tmp_path / "harbour.txt").write_text(STORY)
    add_source(app, str(tmp_path / "harbour.txt"))
    remove_article(app, "harbour")
    restore_article(app, "harbour")
    (tmp_path / "ferry.txt").write_text(STORY.replace("harbour bridge", "ferry"))
    add_source(app, str(tmp_path / "ferry.txt"))
    remove_article(app, "ferry")
    fingerprint = corpus_fingerprint(load_corpus([tmp_path / "corpus", tmp_path / "added"]).articles)
    assert app.index.manifest.corpus_fingerprint == fingerprint
    assert app.ensure_index() is None  # a restart finds nothing to rebuild


def test_an_article_is_found_by_id_number_or_title(app, tmp_path):
    from bot.core.corpus_admin import find_article

    (tmp_path / "harbour.txt").write_text(STORY)
    add_source(app, str(tmp_path / "harbour.txt"))
    assert find_article(app, "harbour") == "harbour"
    assert find_article(app, "3") == "harbour"  # undated: last in :sources, after the two seeds
    assert find_article(app, "1") == SEED_2021  # newest first
    assert find_article(app, "harbour bridge reopens after repairs") == "harbour"
    assert find_article(app, "reopens after") == "harbour"
    with pytest.raises(CorpusError, match="'North Korea' matches 2 articles"):
        find_article(app, "North Korea")
    with pytest.raises(CorpusError, match="there is no article number 9: the list has 3"):
        find_article(app, "9")
    removed = remove_article(app, "Harbour bridge reopens after repairs")
    assert removed.report.removed == 1 and "harbour" not in app.index.articles
    assert restore_article(app, "harbour bridge reopens after repairs").report.added == 1


def test_index_build_with_corpus_paths_keeps_the_added_articles(tmp_path, cli):
    (tmp_path / "config.toml").write_text('[corpus]\npaths = ["corpus"]\nadded_dir = "added"\n\n[index]\ndir = "ix"\n')
    for name in ("corpus", "other"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(f"{name} news\n\nMarch 3 (AP) -- The council voted on {name}.\n")
    (tmp_path / "harbour.txt").write_text(STORY)
    assert cli("index", "build")[0] == 0
    assert cli("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    status, _, err = cli("index", "build", "--corpus", "other")
    assert status == 0 and "1 added" in err and "1 removed" in err, err  # "corpus" out, "other" in, harbour stays
    status, out, _ = cli("index", "sources")
    assert "harbour" in out and "other" in out and "corpus.txt" not in out


def test_a_corpus_path_holding_the_dot_folder_of_added_articles_still_reads_them(tmp_path, cli):
    config = '[corpus]\npaths = ["corpus"]\nadded_dir = "corpus/.added"\n\n[index]\ndir = "ix"\n'
    (tmp_path / "config.toml").write_text(config)  # reading "corpus" skips its dot folders
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "council.txt").write_text("Council news\n\nMarch 3 (AP) -- The council voted.\n")
    (tmp_path / "harbour.txt").write_text(STORY)
    assert cli("index", "add", str(tmp_path / "harbour.txt"))[0] == 0
    status, _, err = cli("index", "build")
    assert status == 0 and "removed" not in err and "2 articles" in err, err
    assert "harbour" in cli("index", "sources")[1]
