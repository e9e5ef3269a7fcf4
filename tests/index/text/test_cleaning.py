"""Each cleaning rule, on the two seed pages, and the metadata read from them."""

from __future__ import annotations

import datetime as dt

import pytest

from index import load_corpus
from index.text.cleaning import parse_scraped_page
from tests.conftest import SEED_2017, SEED_2021, SEEDS


@pytest.fixture(scope="module")
def seeds():
    loaded = load_corpus([SEEDS])
    assert loaded.warnings == []
    return {article.doc_id: article for article in loaded.articles}


@pytest.fixture(scope="module")
def raw():
    return {path.stem: path.read_text(encoding="utf-8") for path in SEEDS.glob("*.txt")}


@pytest.mark.parametrize(
    ("doc_id", "furniture"),
    [(SEED_2017, "Advertisement"), (SEED_2017, "Latest Headlines")]
    + [
        (SEED_2021, furniture)
        for furniture in [
            "Advertisement",
            "Latest Headlines",
            "Trending",
            "Follow Us",
            "Back to Article",
            "License Photo",
            "RELATED",
            "World News",
        ]
    ],
)
def test_page_furniture_is_removed(seeds, raw, doc_id, furniture):
    assert furniture in raw[doc_id]
    assert furniture not in seeds[doc_id].text


def test_sections_after_the_story_are_dropped_with_everything_in_them(seeds, raw):
    text = seeds[SEED_2021].text
    for headline in [
        "Peru declares Pedro Castillo president",  # Latest Headlines
        "Pedro Castillo, a former schoolteacher",
        "Twitter suspends Marjorie Taylor Greene",  # Trending Stories
        "Six injured after house explosion in Texas",
        "World News // 1 hour ago",
    ]:
        assert headline in raw[SEED_2021]
        assert headline not in text
    assert text.rstrip().endswith("according to the report.")
    assert seeds[SEED_2017].text.rstrip().endswith("for the Kim Jong Un regime.")


def test_related_teasers_are_dropped_but_the_story_around_them_stays(seeds):
    text = seeds[SEED_2021].text
    assert "U.S. mum on Mexico's public overtures" not in text
    assert "North Korea imports from China on the rise" not in text
    assert 'The accord is a "historical document' in text
    assert "Russia was one of the top destinations for North Korean forced laborers" in text


@pytest.mark.parametrize(
    ("doc_id", "caption_start"),
    [
        (SEED_2017, "North Korea’s former leader Kim Jong Il meeting with Russia’s Vladimir Putin in July 2000."),
        (SEED_2021, "North Korea’s foreign ministry said Tuesday that the April 2019 summit"),
    ],
)
def test_photo_caption_appears_once_without_its_credit(seeds, raw, doc_id, caption_start):
    assert raw[doc_id].count(caption_start) == 2
    assert seeds[doc_id].text.count(caption_start) == 1
    assert "File Photo" not in seeds[doc_id].text


def test_story_paragraphs_are_kept_whole(seeds):
    assert "July 19 (UPI) -- North Korea commemorated a joint Russia-North Korea declaration" in seeds[SEED_2017].text
    assert "2,400 tons of flour" in seeds[SEED_2017].text
    assert 'a "historic reunion" that' in seeds[SEED_2021].text
    for article in seeds.values():
        assert "\n\n\n" not in article.text
        assert all(paragraph.strip() for paragraph in article.text.split("\n\n"))


def test_metadata_of_the_2021_seed(seeds):
    meta = seeds[SEED_2021].meta
    assert meta.title == "North Korea highlights 'deepening friendship' with Russia on anniversary"
    assert meta.outlet == "UPI"
    assert meta.date == dt.date(2021, 7, 20)
    assert meta.byline is None  # the page prints "By" with no name


def test_metadata_of_the_2017_seed_with_its_sidecar(seeds):
    meta = seeds[SEED_2017].meta
    assert meta.title == "North Korea praises Russia's Putin on joint declaration anniversary"
    assert meta.byline == "Elizabeth Shim"
    assert meta.outlet == "UPI"
    assert meta.date == dt.date(2017, 7, 19)  # from the sidecar: the page gives no year


def test_the_2017_page_alone_gives_no_year(raw):
    page = parse_scraped_page(raw[SEED_2017])
    assert page.date is None
    assert page.outlet == "UPI"  # from the dateline "July 19 (UPI) --"


def test_a_page_without_furniture_is_left_alone():
    page = parse_scraped_page("Plain title here\n\nFirst paragraph of a story.\n\nSecond paragraph.")
    assert page.title == "Plain title here"
    assert page.text == "First paragraph of a story.\n\nSecond paragraph."
