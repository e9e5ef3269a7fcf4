"""Reading corpora: every format, sidecars, and bad files skipped with a warning that names them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from index import ConfigError, load_corpus
from tests.conftest import SEEDS

HTML_PAGE = """<!doctype html>
<html><head>
<title>Harbour bridge reopens after repairs | Coastal Times</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Coastal Times">
<meta property="og:url" content="https://coastal.example/news/2024/03/05/bridge-reopens">
<meta name="author" content="Ana Lima">
<meta property="article:published_time" content="2024-03-05T09:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a> Subscribe now</nav>
<article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Tuesday after eight months of repairs to its steel deck, the city council said.</p>
<p>Engineers replaced 1,200 rivets and repainted the whole span, at a cost of 14 million dollars.</p>
<p>Traffic is expected to return to normal levels by the end of the week, according to the council.</p>
</article>
<footer>Copyright Coastal Times. Cookie settings. Advertisement</footer>
</body></html>"""


def test_jsonl_in_the_beir_layout(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    records = [
        {
            "_id": "a1",
            "text": "First story text.",
            "title": "First",
            "url": "https://www.cnn.com/2022/06/12/world/x/index.html",
        },
        {"id": "a2", "text": "Second story.", "source": "The Week", "date": "2022-07-01", "byline": "Sam Roe"},
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    articles = {a.doc_id: a for a in load_corpus([corpus]).articles}
    assert articles["a1"].meta.title == "First"
    assert articles["a1"].meta.outlet == "CNN"  # from the URL
    assert articles["a1"].meta.date == dt.date(2022, 6, 12)  # from the URL
    assert articles["a2"].meta.outlet == "The Week"
    assert articles["a2"].meta.date == dt.date(2022, 7, 1)
    assert articles["a2"].meta.byline == "Sam Roe"
    assert articles["a2"].text == "Second story."


def test_html_main_text_and_metadata_through_trafilatura(tmp_path):
    (tmp_path / "bridge.html").write_text(HTML_PAGE)
    [article] = load_corpus([tmp_path]).articles
    assert article.doc_id == "bridge"
    assert article.meta.title == "Harbour bridge reopens after repairs"
    assert article.meta.outlet == "Coastal Times"
    assert article.meta.byline == "Ana Lima"
    assert article.meta.date == dt.date(2024, 3, 5)
    assert "1,200 rivets" in article.text
    assert "Subscribe now" not in article.text and "Cookie settings" not in article.text


def test_markdown_takes_its_heading_as_title(tmp_path):
    (tmp_path / "note.md").write_text(
        "# Council votes on budget\n\nThe council approved the budget.\n\nAdvertisement\n"
    )
    [article] = load_corpus([tmp_path]).articles
    assert article.meta.title == "Council votes on budget"
    assert article.text == "The council approved the budget."


@pytest.mark.parametrize(
    "header",
    [
        "By Ana Lima\n\nMarch 5, 2019",
        "*By Ana Lima*\n*March 5, 2019*",
        "**By Ana Lima** · Published: 2019-03-05",
        "By Ana Lima | Mar. 5, 2019 / 11:56 AM",
    ],
)
def test_markdown_byline_and_date_lines_are_metadata_not_text(tmp_path, header):
    (tmp_path / "bridge.md").write_text(
        f"# Harbour bridge reopens\n\n{header}\n\nThe bridge reopened on Tuesday.\n\n"
        "By noon, 2,000 cars had crossed it.\n"
    )
    [article] = load_corpus([tmp_path]).articles
    assert article.meta.byline == "Ana Lima" and article.meta.date == dt.date(2019, 3, 5)
    assert article.text == "The bridge reopened on Tuesday.\n\nBy noon, 2,000 cars had crossed it."


@pytest.mark.parametrize(
    "date_line",
    [
        "December 2, 2026",
        "Published December 2, 2026",
        "Published: December 2, 2026",
        "2 December 2026",
        "2026-12-02",
        "Dec. 2, 2026",
        "Updated Dec 2, 2026 10:15 AM",
        "December 2, 2026 / 11:56 AM",
    ],
)
def test_a_text_articles_date_line_is_its_date_and_not_its_text(tmp_path, date_line):
    (tmp_path / "library.txt").write_text(
        f"Council approves new library\n\nBy Jonas Berg\n{date_line}\n\nThe council voted 7 to 2 on Monday.\n"
    )
    [article] = load_corpus([tmp_path]).articles
    assert article.meta.date == dt.date(2026, 12, 2) and article.meta.byline == "Jonas Berg"
    assert article.text == "The council voted 7 to 2 on Monday."


@pytest.mark.parametrize(
    "page",
    [
        "Council approves new library\nPublished: 2 December 2026\n\n",  # no byline
        "Council approves new library\n2026-12-02\n\n",
        "December 2, 2026\nCouncil approves new library\n\n",  # the date first
        "Council approves new library\n\nBy Ana Lima · December 2, 2026\n\n",
    ],
)
def test_a_date_line_beside_the_title_is_read_whatever_else_the_header_holds(tmp_path, page):
    (tmp_path / "library.txt").write_text(page + "The council voted 7 to 2 on Monday.\n")
    [article] = load_corpus([tmp_path]).articles
    assert article.meta.title == "Council approves new library" and article.meta.date == dt.date(2026, 12, 2)
    assert article.text == "The council voted 7 to 2 on Monday."


@pytest.mark.parametrize(
    ("name", "page", "kept"),
    [
        ("flood.md", "# Flood season begins\n\n2025-06-01 was a very wet day.\n", "2025-06-01 was a very wet day."),
        (
            "works.txt",
            "Works to start\n\nThe council met on Monday.\nBy the end of 2026, work will start.\n",
            "By the end of 2026, work will start.",
        ),
    ],
)
def test_a_sentence_that_starts_like_a_date_or_a_byline_stays_text(tmp_path, name, page, kept):
    (tmp_path / name).write_text(page)
    [article] = load_corpus([tmp_path]).articles
    assert kept in article.text and article.meta.date is None and article.meta.byline is None


def test_a_name_suffix_before_the_date_is_the_bylines_not_an_outlet(tmp_path):
    (tmp_path / "x.txt").write_text("Council vote\n\nBy John Smith, Jr., May 5, 2021\n\nThe council voted.\n")
    [article] = load_corpus([tmp_path]).articles
    assert (article.meta.byline, article.meta.outlet, article.meta.date) == (
        "John Smith, Jr.",
        None,
        dt.date(2021, 5, 5),
    )


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_a_byline_ending_in_an_outlet_and_a_date_gives_all_three(tmp_path, suffix):
    heading = "# " if suffix == ".md" else ""
    (tmp_path / f"vaccine{suffix}").write_text(
        f"{heading}Agency approves vaccine\n\nBy Sara Lindqvist, Global Health Wire, March 3, 2021\n\n"
        "The agency approved the vaccine on Tuesday.\n"
    )
    [article] = load_corpus([tmp_path]).articles
    meta = article.meta
    assert (meta.byline, meta.outlet, meta.date) == ("Sara Lindqvist", "Global Health Wire", dt.date(2021, 3, 3))
    assert article.text == "The agency approved the vaccine on Tuesday."


def test_a_markdown_story_that_opens_with_by_keeps_its_first_sentence(tmp_path):
    (tmp_path / "bridge.md").write_text("# Harbour bridge reopens\n\nBy noon, 2,000 cars had crossed it.\n")
    [article] = load_corpus([tmp_path]).articles
    assert article.meta.byline is None and article.text == "By noon, 2,000 cars had crossed it."


def test_sidecar_supplies_and_corrects_metadata(tmp_path):
    (tmp_path / "story.txt").write_text(
        "A short title here\n\nBy Jo Park\n\nJune 2 (AP) -- Something happened today.\n"
    )
    (tmp_path / "story.meta.toml").write_text(
        'title = "The corrected title"\nurl = "https://example.org/story"\ndate = 2020-06-02\nbogus = 1\n'
    )
    loaded = load_corpus([tmp_path])
    [article] = loaded.articles
    assert article.meta.title == "The corrected title"
    assert article.meta.url == "https://example.org/story"
    assert article.meta.date == dt.date(2020, 6, 2)
    assert article.meta.outlet == "AP"
    assert article.meta.byline == "Jo Park"
    assert loaded.warnings == [
        f"{tmp_path / 'story.meta.toml'}: ignored unknown key 'bogus' (allowed: byline, date, outlet, title, url)"
    ]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"   \n\n  ", "the file is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is binary, not text"),
        (
            "latin1.txt",
            "Caf\xe9 owner speaks out about rent".encode("latin-1"),
            "not UTF-8 text (byte 3); save it as UTF-8",
        ),
        ("furniture.txt", b"Advertisement\n\nTrending\n", "no article text left after cleaning"),
    ],
)
def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path, name, content, problem):
    (tmp_path / "good.txt").write_text("A good title here\n\nThe story itself is here.\n")
    (tmp_path / name).write_bytes(content)
    loaded = load_corpus([tmp_path])
    assert [a.doc_id for a in loaded.articles] == ["good"]
    assert loaded.warnings == [f"{tmp_path / name}: skipped: {problem}"]


def test_malformed_json_lines_are_skipped_by_line(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        '{"_id": "ok1", "text": "Fine."}\n'
        '{"_id": "broken", "text": \n'
        '["not", "an", "object"]\n'
        '{"_id": "no-text"}\n'
        "\n"
        '{"_id": "ok2", "text": "Also fine."}\n'
    )
    loaded = load_corpus([corpus])
    assert [a.doc_id for a in loaded.articles] == ["ok1", "ok2"]
    assert len(loaded.warnings) == 3
    assert loaded.warnings[0].startswith(f"{corpus}:2: skipped line: malformed JSON")
    assert loaded.warnings[1] == f"{corpus}:3: skipped line: expected a JSON object"
    assert loaded.warnings[2] == f'{corpus}:4: skipped line: needs "_id" (or "id") and a non-empty "text"'


def test_duplicate_ids_keep_the_first(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"_id": "x", "text": "One."}\n{"_id": "x", "text": "Two."}\n')
    loaded = load_corpus([corpus])
    assert [a.text for a in loaded.articles] == ["One."]
    assert "already in the corpus" in loaded.warnings[0]


def test_ids_are_stable_paths_not_counters(tmp_path):
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "b.txt").write_text("Title of story B\n\nBody of B.\n")
    (tmp_path / "a.txt").write_text("Title of story A\n\nBody of A.\n")
    assert [a.doc_id for a in load_corpus([tmp_path]).articles] == ["a", "world/b"]
    assert [a.doc_id for a in load_corpus([tmp_path / "world" / "b.txt"]).articles] == ["b"]


def test_a_missing_corpus_path_is_an_error_with_the_fix():
    with pytest.raises(ConfigError, match=r"corpus path nowhere does not exist\. Fix the path"):
        load_corpus(["nowhere"])


def test_the_seeds_load_cleanly():
    loaded = load_corpus([SEEDS])
    assert len(loaded.articles) == 2 and loaded.warnings == []
