"""Spelling fixes drawn from the corpus's own words: "how much flowr did russia send" -> "flour".

Each index version keeps how often each word occurs in its articles (`words.tsv`), so a fix is
always a word the articles use. A word of the question is left alone when the articles use it,
when it is an English word (symspellpy's own dictionary of 82,765: "what" is no misspelling of
"that" because a two-article corpus lacks it), when it is short (three letters or fewer: too many
words are one letter away), when it holds a digit, or when it is a possessive of a known word
("Putin's"); otherwise symspellpy offers the most frequent corpus word within one edit (two for
words of seven letters or more), if there is one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from symspellpy import SymSpell, Verbosity

WORDS_FILE = "words.tsv"
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
"""A word as spelling sees it: letters, with inner apostrophes ("don't")."""
SHORTEST_FIXED = 4
ENGLISH_DICTIONARY = "frequency_dictionary_en_82_765.txt"
LONG_WORD = 7
"""Words this long may be two edits away from their fix; shorter ones one."""


def _normalised(text: str) -> str:
    return text.casefold().replace("’", "'")


def count_words(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(WORD.findall(_normalised(text)))
    return counts


def write_word_counts(path: Path, counts: Mapping[str, int]) -> None:
    lines = (f"{word}\t{count}\n" for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    path.write_text("".join(lines), encoding="utf-8")


def read_word_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, count = line.partition("\t")
        if word and count.isdigit():
            counts[word] = int(count)
    return counts


@cache
def english_words() -> frozenset[str]:
    """The words of symspellpy's English frequency dictionary."""
    text = resources.files("symspellpy").joinpath(ENGLISH_DICTIONARY).read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines())


class SpellingFixer:
    def __init__(self, counts: dict[str, int]) -> None:
        self._corpus_words = counts
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in counts.items():
            if len(word) >= SHORTEST_FIXED - 1:
                self._symspell.create_dictionary_entry(word, count)

    def fix_word(self, word: str) -> str | None:
        """The corpus word this one is most likely a misspelling of, or None."""
        lowered = _normalised(word)
        base = lowered.split("'", 1)[0]  # "putin's": a possessive is fixed only if its base is unknown
        if (
            len(lowered) < SHORTEST_FIXED
            or lowered in self._corpus_words
            or lowered in english_words()
            or base in self._corpus_words
            or base in english_words()
            or not WORD.fullmatch(lowered)
        ):
            return None
        distance = 2 if len(lowered) >= LONG_WORD else 1
        suggestions = self._symspell.lookup(lowered, Verbosity.TOP, max_edit_distance=distance)
        if not suggestions or suggestions[0].distance == 0:
            return None
        fixed = suggestions[0].term
        return fixed.capitalize() if word[:1].isupper() else fixed

    def fix(self, question: str) -> str | None:
        """The question with its misspelt words fixed, or None when there is nothing to fix."""
        changed = False

        def replace(match: re.Match[str]) -> str:
            nonlocal changed
            fixed = self.fix_word(match.group())
            if fixed is None:
                return match.group()
            changed = True
            return fixed

        fixed = WORD.sub(replace, question)
        return fixed if changed else None
