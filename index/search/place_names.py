"""Countries' names, which a question written in lower case still names.

English dictionaries hold "china", "russia" and "georgia" in lower case, so "how much rice did china send"
read "china" as a word rather than a name, and a passage on Russia's flour could answer it. A country's
one-word English name (Unicode CLDR's, as Babel gives them) is a name however it is written, so the article
quoted must hold it as it must hold any name. Names of more than one word ("North Korea") are left out:
their words ("north", "new", "united") are words as often as names.
"""

from __future__ import annotations

from functools import cache

NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})
"""CLDR's territory codes that name no country: unknown, the EU, the euro area, the UN, outlying Oceania,
and two pseudo-locales."""


@cache
def country_names() -> frozenset[str]:
    """The one-word English names of countries and territories, case-folded ("china", "türkiye", "chad").
    Babel is imported on the first question judged, not when the library is imported."""
    from babel import Locale

    territories = Locale("en").territories
    return frozenset(
        name.casefold()
        for code, name in territories.items()
        if not code.isdigit() and code not in NOT_COUNTRIES and " " not in name and "-" not in name
    )
