"""Spelling fixes drawn from the corpus's own words (no model needed)."""

from __future__ import annotations

from index.search.spelling import SpellingFixer, count_words, read_word_counts, write_word_counts

CORPUS = [
    "Russia delivered 2,400 tons of flour to North Korea.",
    "Rodong Sinmun praised the joint declaration.",
    "The foreign ministry called the summit a historic reunion.",
    "Russia’s embassy said so.",
]


def fixer() -> SpellingFixer:
    return SpellingFixer(dict(count_words(CORPUS)))


def test_misspelt_words_are_fixed_to_words_of_the_corpus():
    assert fixer().fix("how much flowr did russia send") == "how much flour did russia send"
    assert fixer().fix("what did rodong sinmoon call the declaraton") == "what did rodong sinmun call the declaration"
    assert fixer().fix("What did Rusia say?") == "What did Russia say?"  # capitals kept


def test_english_words_short_words_numbers_and_unknown_names_are_left_alone():
    # "what" is not a misspelling of "that", though a small corpus may hold only "that"
    assert fixer().fix("what did the ministry call it") is None
    assert fixer().fix("wat 2400") is None  # three letters or fewer, digits: not fixed
    assert fixer().fix("wat 2400 tonz") == "wat 2400 tons"
    assert fixer().fix("What did Marcelo Ebrard say?") is None  # nothing in the corpus within reach
    assert fixer().fix("Russia's embassy") is None  # a straight apostrophe matches the corpus's curly one
    assert fixer().fix("What did Putin's spokesman say?") is None  # a possessive of a known word


def test_word_counts_round_trip(tmp_path):
    counts = count_words(CORPUS)
    write_word_counts(tmp_path / "words.tsv", counts)
    assert read_word_counts(tmp_path / "words.tsv") == dict(counts)
    assert counts["russia"] == 1 and counts["russia's"] == 1
