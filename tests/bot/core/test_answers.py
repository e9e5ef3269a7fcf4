"""What the CLI answers for the seeds, with the real model: the checks the first slice promised."""

from __future__ import annotations

import json

import pytest

from bot.core.answer import citation_text
from bot.core.config import Config
from bot.core.service import Newsbot
from bot.terminal.cli import main
from tests.conftest import SEED_2017, SEED_2021

pytestmark = pytest.mark.model

HIT_KEYS = {
    "doc_id",
    "chunk_id",
    "title",
    "outlet",
    "date",
    "url",
    "byline",
    "passage",
    "span",
    "highlights",
    "score",
    "search_score",
    "similarity",
    "also_in",
}
ARTICLE_KEYS = {"doc_id", "title", "outlet", "date", "url"}


def ask_json(capsys, index_dir, question, *extra):
    assert main(["ask", "--json", "--index", str(index_dir), *extra, question]) == 0
    return json.loads(capsys.readouterr().out)


def test_historic_reunion(capsys, seed_index_dir, reuse_real_embedder):
    answer = ask_json(
        capsys,
        seed_index_dir,
        "What did North Korea's foreign ministry call the 2019 summit between Kim Jong Un and Putin?",
    )
    first = answer["hits"][0]
    assert answer["abstained"] is False
    assert first["doc_id"] == SEED_2021
    assert "historic reunion" in first["passage"]
    assert first["outlet"] == "UPI" and first["date"] == "2021-07-20"
    assert any("historic reunion" in first["passage"][s:e] for s, e in first["highlights"])


def test_flour(capsys, seed_index_dir, reuse_real_embedder):
    answer = ask_json(capsys, seed_index_dir, "How much flour did Russia deliver to North Korea?")
    first = answer["hits"][0]
    assert first["doc_id"] == SEED_2017
    assert "2,400 tons of flour" in first["passage"]
    assert first["date"] == "2017-07-19"


def test_page_furniture_is_not_an_answer(capsys, seed_index_dir, reuse_real_embedder):
    answer = ask_json(capsys, seed_index_dir, "Who was declared president of Peru?")
    assert answer["abstained"] is True
    assert answer["hits"] == []
    assert {a["doc_id"] for a in answer["closest"]} <= {SEED_2017, SEED_2021}


def test_a_shared_sentence_is_quoted_once_citing_both_articles(capsys, seed_index_dir, reuse_real_embedder):
    answer = ask_json(capsys, seed_index_dir, "What did Putin and Kim Jong Il agree to in 2000?")
    agreed = [h for h in answer["hits"] if "agreed in 2000 to strengthen military cooperation" in h["passage"]]
    assert len(agreed) == 1
    cited = {agreed[0]["doc_id"]} | {a["doc_id"] for a in agreed[0]["also_in"]}
    assert cited == {SEED_2017, SEED_2021}


def test_json_schema(capsys, seed_index_dir, reuse_real_embedder):
    answer = ask_json(capsys, seed_index_dir, "How much flour did Russia deliver to North Korea?", "--k", "2")
    assert set(answer) == {
        "schema",
        "question",
        "abstained",
        "hits",
        "closest",
        "filters",
        "searched_for",
        "did_you_mean",
        "hint",
        "time_window",  # added keys keep schema 1: none is renamed or removed
        "notes",
        "cut",
    }
    assert answer["time_window"] is None and answer["notes"] is None and answer["cut"] is False
    assert answer["schema"] == 1 and answer["question"] == "How much flour did Russia deliver to North Korea?"
    assert 1 <= len(answer["hits"]) <= 2
    scores = [hit["score"] for hit in answer["hits"]]
    assert scores == sorted(scores, reverse=True)  # best first, as documented
    for hit in answer["hits"]:
        assert set(hit) == HIT_KEYS
        assert isinstance(hit["score"], float) and -1 <= hit["similarity"] <= 1
        start, end = hit["span"]
        assert end - start == len(hit["passage"])
        for s, e in hit["highlights"]:
            assert 0 <= s < e <= len(hit["passage"])
        for other in hit["also_in"]:
            assert set(other) == ARTICLE_KEYS
    # abstention shape
    abstained = ask_json(capsys, seed_index_dir, "Who won the 1998 football World Cup final in Paris?")
    assert abstained["abstained"] is True and abstained["hits"] == []
    assert abstained["hint"] and abstained["did_you_mean"] is None and abstained["searched_for"] is None
    for article in abstained["closest"]:
        assert set(article) == ARTICLE_KEYS


def test_batch_mode_answers_one_json_line_per_question(tmp_path, capsys, seed_index_dir, reuse_real_embedder):
    questions = tmp_path / "questions.txt"
    questions.write_text("How much flour did Russia deliver to North Korea?\n\nWho was declared president of Peru?\n")
    assert main(["ask", "--batch", str(questions), "--json", "--index", str(seed_index_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["abstained"] for line in lines] == [False, True]


def test_dump_holds_no_furniture_and_no_chunk_over_the_model_limit(
    capsys, seed_index_dir, real_embedder, reuse_real_embedder
):
    assert main(["index", "dump", "--json", "--index", str(seed_index_dir)]) == 0
    chunks = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(chunks) > 4
    for chunk in chunks:
        assert set(chunk) == {"doc_id", "chunk_id", "span", "tokens", "text"}
        for furniture in ("Advertisement", "Latest Headlines", "Trending", "Back to Article", "Peru"):
            assert furniture not in chunk["text"]
    counts = real_embedder.count_tokens([c["text"] for c in chunks])
    assert max(counts) + 2 <= real_embedder.max_tokens


def test_citations_read_like_the_issue_asks(seed_index_dir, real_embedder):
    app = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    answer = app.ask("What did North Korea's foreign ministry call the 2019 summit between Kim Jong Un and Putin?")
    assert citation_text(answer.citations[0].article) == (
        "North Korea highlights 'deepening friendship' with Russia on anniversary, UPI, 20 July 2021"
    )
    assert answer.passages[0].citations[0] == 1


def test_filters_in_the_question_text(capsys, seed_index_dir, reuse_real_embedder):
    answer = ask_json(capsys, seed_index_dir, "since:2021-01-01 What did Putin and Kim Jong Il agree to in 2000?")
    assert answer["question"] == "What did Putin and Kim Jong Il agree to in 2000?"
    assert answer["filters"] == {"source": None, "since": "2021-01-01", "before": None}
    assert {h["doc_id"] for h in answer["hits"]} == {SEED_2021}
    assert all(a["doc_id"] == SEED_2021 for h in answer["hits"] for a in h["also_in"])


def test_an_on_topic_near_miss_abstains(capsys, seed_index_dir, reuse_real_embedder):
    """As close to the flour passage as the flour question, but it asks about rice from China."""
    answer = ask_json(capsys, seed_index_dir, "How much rice did China send to North Korea?")
    assert answer["abstained"] is True


def test_a_follow_up_is_searched_with_what_it_follows_under_its_filters(seed_index_dir, real_embedder):
    from bot.core.config import Config
    from bot.core.service import Newsbot
    from index import SearchFilters

    app = Newsbot(Config(), embedder=real_embedder, index_dir=seed_index_dir)
    answer = app.ask("and when was that?", follows="source:UPI How much flour did Russia deliver to North Korea?")
    assert (
        answer.question == "and when was that?"
        and answer.follows == "How much flour did Russia deliver to North Korea?"
    )
    assert answer.filters.source == "UPI" and not answer.abstained
    assert "2,400 tons of flour" in " ".join(passage.text for passage in answer.passages)
    layered = app.ask(
        "since:2021 and then?",
        follows="before:2022 source:AP What did North Korea say about Russia?",
        filters=SearchFilters(source="UPI"),
    )
    # the earlier question's filters, overridden by those given apart, overridden by those in the text
    assert (layered.filters.source, layered.filters.since.year, layered.filters.before.year) == ("UPI", 2021, 2022)
