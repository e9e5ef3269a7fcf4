"""BM25 on PostgreSQL: the scores bm25s gives, each word's postings read once per version, and no
version's postings ever answering for another's."""

from __future__ import annotations

import random

import pytest

from index import PostgresStore, build_index, load_corpus_file, open_index, serve_previous_version, update_index
from index.stores.postgres.reads import PostgresLexical
from tests.fakes import FakeEmbedder

WORDS = [f"{stem}{n}" for stem in ("harbour", "council", "ferry", "flour", "vote") for n in range(12)]


def write_corpus(folder, articles: int = 60, seed: int = 5):
    """Articles of words drawn unevenly from WORDS (some common, most rare), of many lengths."""
    rng = random.Random(seed)
    folder.mkdir()
    for number in range(articles):
        paragraphs = [
            " ".join(rng.choices(WORDS, weights=[1 / (i + 1) for i in range(len(WORDS))], k=rng.randint(5, 80))) + "."
            for _ in range(rng.randint(1, 4))
        ]
        (folder / f"a{number:02d}.txt").write_text(f"Story {number}\n\n" + "\n\n".join(paragraphs) + "\n")
    return folder


def questions(count: int = 150, seed: int = 9) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices([*WORDS, "absent", "nowhere"], k=rng.randint(1, 12))) for _ in range(count)]


def scored(index, question: str, k: int, allowed=None) -> list[tuple[float, str]]:
    lexical = index.parts()[1]
    with index.reading():
        return [(score, index.chunks[row].chunk_id) for row, score in lexical.search(question, k, allowed)]


def same(found: list[tuple[float, str]], expected: list[tuple[float, str]]) -> bool:
    """The same passages with the same scores (bm25s sums in float32, the store in float64)."""
    by_passage = {chunk_id: score for score, chunk_id in expected}
    return len(found) == len(expected) and all(
        chunk_id in by_passage and score == pytest.approx(by_passage[chunk_id], rel=1e-5) for score, chunk_id in found
    )


@pytest.fixture
def both(tmp_path, postgres_url):
    corpus = write_corpus(tmp_path / "corpus")
    store = PostgresStore(postgres_url, "bm25")
    embedder = FakeEmbedder()
    build_index([corpus], store, embedder)
    build_index([corpus], tmp_path / "ix", embedder)
    yield corpus, store, store.open(embedder), open_index(tmp_path / "ix", embedder)
    store.close()


def test_scores_are_bm25s_scores_for_many_questions(both):
    _, _, in_sql, in_memory = both
    assert isinstance(in_sql.parts()[1], PostgresLexical)
    compared = 0
    for question in questions():
        everything = scored(in_sql, question, 10_000)
        assert same(everything, scored(in_memory, question, 10_000)), question
        top = scored(in_sql, question, 5)
        assert [score for score, _ in top] == pytest.approx([score for score, _ in scored(in_memory, question, 5)])
        assert set(top) <= set(everything)
        compared += bool(everything)
    assert compared > 100  # most questions find passages


def test_filtered_searches_score_only_the_passages_allowed(both):
    _, _, in_sql, in_memory = both
    kept = sorted(in_sql.articles)[::3]
    allowed_sql = sorted(row for doc_id in kept for row in in_sql.rows_by_article[doc_id])
    allowed_memory = sorted(row for doc_id in kept for row in in_memory.rows_by_article[doc_id])
    for question in questions(40):
        found = scored(in_sql, question, 10_000, allowed=allowed_sql)
        assert same(found, scored(in_memory, question, 10_000, allowed=allowed_memory))
        assert all(chunk_id.split("#")[0] in kept for _, chunk_id in found)


def test_a_words_postings_are_read_once_per_version(both, monkeypatch):
    corpus, store, in_sql, _ = both
    read: list[list[str]] = []
    real = PostgresLexical._read_postings

    def counted(self, words):
        read.append(sorted(words))
        return real(self, words)

    monkeypatch.setattr(PostgresLexical, "_read_postings", counted)
    in_sql.search("harbour0 council1 ferry2", k=3)
    in_sql.search("ferry2 council1 harbour0", k=3)
    in_sql.search("ferry2 vote3", k=3)
    assert read == [["council1", "ferry2", "harbour0"], ["vote3"]]

    (corpus / "new.txt").write_text("Brand new\n\nThe ferry2 carried harbour0 zebra7 across.\n")
    [new] = load_corpus_file(corpus / "new.txt", corpus).articles
    update_index(store, FakeEmbedder(), add=[new])
    newer = store.open(FakeEmbedder())
    read.clear()
    hits = newer.search("zebra7 ferry2", k=3)
    assert read == [["ferry2", "zebra7"]]  # a new version reads its own postings
    assert hits[0].article.doc_id == "new"


def test_a_version_made_elsewhere_or_after_a_rollback_never_answers_from_cached_postings(both, postgres_url):
    corpus, store, in_sql, _ = both
    embedder = FakeEmbedder()
    assert scored(in_sql, "zebra7", 5) == []
    other = PostgresStore(postgres_url, "bm25")  # another process
    try:
        (corpus / "new.txt").write_text("Brand new\n\nThe zebra7 crossed the harbour0.\n")
        [new] = load_corpus_file(corpus / "new.txt", corpus).articles
        update_index(other, embedder, add=[new])
        newer = store.open(embedder)
        [(_, chunk_id)] = scored(newer, "zebra7", 5)
        assert chunk_id.startswith("new#")

        serve_previous_version(other)  # the same version number comes back with other rows
        (corpus / "new.txt").write_text("Other news\n\nA zebra7 zebra7 zebra7 ran off.\n")
        [changed] = load_corpus_file(corpus / "new.txt", corpus).articles
        update_index(other, embedder, add=[changed])
        again = store.open(embedder)
        assert again.number == newer.number and again.version != newer.version
        [(score, _)] = scored(again, "zebra7", 5)
        rebuilt = PostgresStore(postgres_url, "bm25")  # nothing cached
        try:
            assert scored(rebuilt.open(embedder), "zebra7", 5) == [(score, "new#0")]
        finally:
            rebuilt.close()
    finally:
        other.close()


def test_words_of_any_spelling_and_length_are_stored_and_found(tmp_path, postgres_url):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    odd = ["café", "naïve", "back\\slash", "tab\tbed", "日本語", "x" * 120, "ab"]
    for number, word in enumerate(odd):
        (corpus / f"o{number}.txt").write_text(f"Story {number}\n\nThe council met about {word} on Monday.\n")
    store = PostgresStore(postgres_url, "odd words")
    try:
        build_index([corpus], store, FakeEmbedder())
        build_index([corpus], tmp_path / "ix", FakeEmbedder())
        in_sql, in_memory = store.open(FakeEmbedder()), open_index(tmp_path / "ix", FakeEmbedder())
        for word in odd:
            found = scored(in_sql, word, 10)
            assert found and same(found, scored(in_memory, word, 10)), word
    finally:
        store.close()
