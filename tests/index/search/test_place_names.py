"""Countries' names are names in lower case too (Babel's CLDR data; no model needed)."""

from __future__ import annotations

from index.search.place_names import country_names


def test_one_word_country_names_are_names_and_the_words_of_longer_ones_are_not():
    names = country_names()
    assert {"china", "russia", "japan", "georgia", "türkiye"} <= names
    assert not {"north", "korea", "new", "united", "states", "islands", "south"} & names
