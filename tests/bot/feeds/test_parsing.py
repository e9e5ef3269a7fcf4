"""Reading feeds: the three formats, a site's page naming its feed, and what a hostile feed may hold."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.errors import FeedError
from bot.feeds.parsing import find_feed_links, is_feed, normalised_link, parse_feed
from tests.feed_server import atom, rss

NOW = dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
 <channel rdf:about="http://example.org/"><title>Old Wire</title><link>http://example.org/</link></channel>
 <item rdf:about="http://example.org/a"><title>First item</title><link>http://example.org/a</link>
   <dc:date>2026-12-01T10:00:00Z</dc:date><description>One.</description></item>
</rdf:RDF>"""


def test_rss2_entries_come_newest_first_with_their_dates():
    feed = parse_feed(
        rss(
            "Harbour Gazette",
            [
                {"title": "Older", "link": "http://h.test/older", "guid": "o", "date": NOW - 2 * DAY},
                {"title": "Newer", "link": "http://h.test/newer", "guid": "n", "date": NOW - DAY},
            ],
        ),
        "http://h.test/rss",
        now=NOW,
    )
    assert feed.title == "Harbour Gazette"
    assert [e.title for e in feed.entries] == ["Newer", "Older"]
    assert feed.entries[0].published == NOW - DAY and feed.entries[0].key.startswith("id:")


def test_rss1_and_atom_are_read_too():
    old = parse_feed(RSS1, "http://example.org/rss", now=NOW)
    assert old.title == "Old Wire" and [e.link for e in old.entries] == ["http://example.org/a"]
    new = parse_feed(
        atom(
            "Atom Post", [{"title": "Entry", "guid": "urn:e:1", "link": "http://a.test/e1", "description": "<p>Hi</p>"}]
        ),
        "http://a.test/atom",
        now=NOW,
    )
    assert new.title == "Atom Post" and new.entries[0].link == "http://a.test/e1" and "Hi" in new.entries[0].content


def test_entries_without_link_date_or_title_still_count_when_they_say_something():
    feed = parse_feed(
        rss(
            "T",
            [
                {"description": "No link, no date, no title: only words."},
                {"title": "Only a title"},
                {},  # nothing at all: nothing to index
            ],
        ),
        "http://t.test/rss",
        now=NOW,
    )
    assert len(feed.entries) == 2
    assert all(e.link is None and e.published is None for e in feed.entries)
    assert all(e.key.startswith("digest:") for e in feed.entries)


def test_duplicate_ids_count_once_and_a_date_in_the_future_is_not_believed():
    feed = parse_feed(
        rss(
            "T",
            [
                {"title": "A", "guid": "same", "link": "http://t.test/a", "date": NOW + 400 * DAY},
                {"title": "A again", "guid": "same", "link": "http://t.test/a2"},
            ],
        ),
        "http://t.test/rss",
        now=NOW,
    )
    assert len(feed.entries) == 1
    assert feed.entries[0].published is None


def test_html_in_titles_is_taken_out():
    feed = parse_feed(
        rss("<b>Bold</b> &amp; news", [{"title": "<script>alert(1)</script>Storm <i>warning</i>", "guid": "1"}]),
        "http://t.test/rss",
        now=NOW,
    )
    assert feed.title == "Bold & news"
    assert "<" not in feed.entries[0].title and "Storm warning" in feed.entries[0].title


def test_a_document_declaring_entities_is_refused_before_it_is_parsed():
    laughs = (
        b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"""
        + b"".join(
            f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i > 1 else "&lol;"}'.encode() + b"x" * 0 + b'">'
            for i in range(1, 10)
        )
        + b"""]><rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""
    )
    with pytest.raises(FeedError) as caught:
        parse_feed(laughs, "http://evil.test/rss", now=NOW)
    assert "declares XML entities" in caught.value.one_line() and "\n" not in caught.value.one_line()


@pytest.mark.parametrize(
    "body",
    [b"<rss><channel><title>cut", b"not xml at all", b"", b"\x00\x01\x02", b"<html><body>a page</body></html>"],
)
def test_what_is_not_a_feed_is_one_line_naming_the_link(body):
    with pytest.raises(FeedError) as caught:
        parse_feed(body, "http://t.test/x", now=NOW)
    line = caught.value.one_line()
    assert "http://t.test/x" in line and "\n" not in line


def test_a_sites_page_names_its_feed_and_a_page_without_one_names_none():
    html = b"""<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">
      <link rel="stylesheet" href="/s.css"><link rel="alternate" type="application/atom+xml" href="https://s.test/atom">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"></head><body></body></html>"""
    assert find_feed_links(html, "https://s.test/news/") == ["https://s.test/feed.xml", "https://s.test/atom"]
    assert find_feed_links(b"<html><head></head></html>", "https://s.test/") == []
    assert not is_feed(html) and is_feed(b"  <?xml version='1.0'?><rss/>")


def test_links_are_compared_without_case_fragment_or_trailing_slash():
    assert normalised_link("HTTPS://News.Test/a/b/#top") == normalised_link("https://news.test/a/b")


def test_entities_are_found_in_utf16_too_and_an_entity_written_in_an_entry_is_no_declaration():
    laughs = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE l [<!ENTITY a "aaaa">]><rss version="2.0"/>'
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(laughs.encode("utf-16"), "http://evil.test/rss", now=NOW)
    blog = rss(
        "Sec",
        [
            {
                "title": "XXE explained",
                "guid": "x",
                "description": '<![CDATA[<!ENTITY xxe SYSTEM "file:///etc/passwd">]]>',
            }
        ],
    )
    assert parse_feed(blog, "http://sec.test/rss", now=NOW).entries[0].title == "XXE explained"


def test_a_feed_is_told_from_a_page_past_a_byte_order_mark_and_comments():
    assert is_feed(b"\xef\xbb\xbf<?xml version='1.0'?><rss/>")
    assert is_feed(b"<!-- generated by a CMS -->\n<rss version='2.0'></rss>")
    assert not is_feed(b"<!-- a page --><!DOCTYPE html><html></html>")
