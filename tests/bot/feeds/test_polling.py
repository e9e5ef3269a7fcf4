"""Poll cycles against a local feed server: what is indexed, when the next poll comes, and what a bad
feed does (one line, the other feeds go on, nothing indexed is lost). The clock is fake: no sleeping."""

from __future__ import annotations

import datetime as dt
import gzip
import random
from pathlib import Path

import pytest

from bot.core.config import Config, CorpusSettings, DiscordSettings, FeedSettings, FetchSettings
from bot.core.corpus_admin import id_root
from bot.core.errors import FeedError
from bot.core.service import Newsbot, corpus_key
from bot.feeds import polling
from bot.feeds.polling import LONGEST_BACKOFF, poll_corpus
from bot.feeds.state import FeedState
from bot.feeds.subscriptions import pause, resume, subscribe, unsubscribe
from index import NewsbotError, load_corpus_file
from tests.conftest import SEEDS
from tests.fakes import FakeEmbedder
from tests.feed_server import FeedServer, Route, page, rss

START = dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)


class FakeClock:
    def __init__(self) -> None:
        self.at = START.timestamp()

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


def story(n: int, days_ago: float = 0, **extra) -> dict:
    return {
        "title": f"Story {n}: the harbour council votes on item {n}",
        "link": f"/story{n}.html",
        "guid": f"story-{n}",
        "date": START - dt.timedelta(days=days_ago, minutes=n),
        **extra,
    }


def stories(server: FeedServer, items: list[dict], title: str = "Harbour Gazette") -> bytes:
    for item in items:
        if item.get("link", "").startswith("/"):
            n = item["guid"].split("-")[-1]
            server.routes.setdefault(
                item["link"],
                Route(
                    page(
                        item["title"],
                        f"The harbour council voted on item {n} on Thursday, after a debate of three hours.",
                        f"Item {n} sets the ferry fares for the winter, the council's spokeswoman said.",
                    ),
                    content_type="text/html",
                ),
            )
            item = {**item, "link": server.url(item["link"])}
    return rss(
        title,
        [{**i, "link": server.url(i["link"]) if i.get("link", "").startswith("/") else i.get("link")} for i in items],
    )


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def make_app(tmp_path):
    made = []

    def make(**feed_settings) -> Newsbot:
        config = Config(
            corpus=CorpusSettings(paths=(SEEDS,), added_dir=tmp_path / "articles"),
            discord=DiscordSettings(data_dir=tmp_path / "state"),
            fetch=FetchSettings(private_hosts=("127.0.0.1",), timeout_seconds=2.0),
            feeds=FeedSettings(**feed_settings),
        )
        app = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "ix")
        app.rebuild()
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def state(tmp_path):
    opened = FeedState(tmp_path / "state" / "bot.sqlite")
    yield opened
    opened.close()


def feed_articles(app: Newsbot) -> dict[str, object]:
    return {doc_id: meta for doc_id, meta in app.current_index().articles.items() if doc_id.startswith("feeds/")}


def test_a_first_poll_indexes_the_newest_entries_only_as_one_version_with_their_citations(
    server, make_app, state, tmp_path
):
    app = make_app(first_entries=3)
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(n) for n in range(1, 8)]))
    feed = subscribe(app, state, server.url("/rss"), clock=clock)
    before = app.current_index().version
    report = poll_corpus(app, state, clock=clock, rng=random.Random(1))
    indexed = feed_articles(app)
    assert report.polled == 1 and len(report.added) == 3 and report.version != before
    assert sorted(meta.title for meta in indexed.values()) == [
        f"Story {n}: the harbour council votes on item {n}" for n in (1, 2, 3)
    ]
    one = next(meta for meta in indexed.values() if meta.title.startswith("Story 1:"))
    assert one.outlet == "Harbour Gazette" and one.url == server.url("/story1.html") and one.date == START.date()
    files = sorted(p.name for p in (tmp_path / "articles" / "feeds").rglob("*.html"))
    assert len(files) == 3  # kept as added articles, with a sidecar each
    for article in report.added:  # indexed as read when checked: just as a read of the folder gives them
        assert load_corpus_file(Path(article.meta.source_path), id_root(app)).articles == [article]
    assert len(list((tmp_path / "articles" / "feeds").rglob("*.meta.toml"))) == 3
    [listed] = state.feeds(corpus_key(app))
    assert listed.articles == 3 and listed.failures == 0 and listed.last_success == clock.now()
    assert clock.now() + 15 * 60 <= listed.next_poll <= clock.now() + 16.5 * 60  # the interval and its jitter
    # the four older entries were marked seen: a later poll never brings the archive in
    server.routes["/rss"] = Route(stories(server, [story(n) for n in range(1, 9)]))
    clock.advance(20 * 60)
    again = poll_corpus(app, state, clock=clock)
    assert [a.meta.title for a in again.added] == ["Story 8: the harbour council votes on item 8"]
    assert feed.id == listed.id


def test_an_unchanged_feed_costs_a_304_no_parsing_and_no_indexing(server, make_app, state, monkeypatch):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    poll_corpus(app, state, clock=clock)
    version = app.current_index().version
    parsed = []
    monkeypatch.setattr(polling, "parse_feed", lambda *args: parsed.append(args))
    clock.advance(3600)
    report = poll_corpus(app, state, clock=clock)
    assert report.polled == 1 and report.not_modified == 1 and not report.added
    assert server.hits("/rss")[-1].status == 304 and server.hits("/rss")[-1].headers.get("If-None-Match")
    assert parsed == [] and app.current_index().version == version


def test_nothing_is_fetched_before_a_feed_is_due_and_max_age_puts_the_next_poll_later(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]), headers={"Cache-Control": "public, max-age=7200"})
    subscribe(app, state, server.url("/rss"), every_minutes=5, clock=clock)
    poll_corpus(app, state, clock=clock, rng=random.Random(0))
    [feed] = state.feeds()
    assert clock.now() + 7200 <= feed.next_poll <= clock.now() + 7200 + 30  # max-age, plus at most 10% of 5 min
    hits = len(server.requests)
    clock.advance(3600)
    assert poll_corpus(app, state, clock=clock).polled == 0 and len(server.requests) == hits


def test_retry_after_and_backoff_are_honoured_and_a_failing_feed_pauses_and_says_why(server, make_app, state):
    app = make_app(max_failures=3)
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), every_minutes=10, clock=clock)
    server.routes["/rss"] = Route(b"slow down", 429, {"Retry-After": "7200"}, content_type="text/plain")
    report = poll_corpus(app, state, clock=clock)
    [feed] = state.feeds()
    assert "HTTP 429" in report.failures[0][1] and feed.failures == 1
    assert feed.next_poll == clock.now() + 7200  # Retry-After is longer than the backoff (20 min)
    clock.advance(7200)
    server.routes["/rss"] = Route(b"oops", 500, content_type="text/plain")
    poll_corpus(app, state, clock=clock)
    [feed] = state.feeds()
    assert feed.failures == 2 and feed.next_poll == clock.now() + 10 * 60 * 4  # doubled again
    clock.advance(40 * 60)
    report = poll_corpus(app, state, clock=clock)
    [feed] = state.feeds()
    assert feed.status == "paused" and "3 failed polls" in feed.reason and "HTTP 500" in feed.reason
    assert report.paused and report.paused[0][0].id == feed.id
    clock.advance(LONGEST_BACKOFF * 2)
    assert poll_corpus(app, state, clock=clock).polled == 0  # paused: never polled until resumed
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    resume(app, state, "Harbour Gazette", clock=clock)
    assert poll_corpus(app, state, clock=clock).added  # from now, failures forgiven
    assert state.feeds()[0].failures == 0


def test_410_gone_ends_the_subscription_and_says_so(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    server.routes["/rss"] = Route(b"gone", 410, content_type="text/plain")
    report = poll_corpus(app, state, clock=clock)
    [feed] = state.feeds()
    assert feed.status == "ended" and "410 Gone" in feed.reason and report.ended


def test_bad_feeds_fail_one_line_each_while_the_good_one_is_indexed(server, make_app, state, monkeypatch):
    app = make_app()
    clock = FakeClock()
    good = stories(server, [story(1)])
    bad = {
        "/laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>&b;</title></channel></rss>',
        "/broken": b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut off',
        "/huge": gzip.compress(b"<rss>" + b" " * (60 * 1024 * 1024)),
    }
    for path in ["/good", *bad, "/slow"]:
        server.routes[path] = Route(good)
        subscribe(app, state, server.url(path), name=path.strip("/"), clock=clock)
    for path, body in bad.items():
        server.routes[path] = Route(body, headers={"Content-Encoding": "gzip"} if path == "/huge" else {})
    server.routes["/slow"] = Route(good, delay=5.0)  # longer than the 2 s deadline
    clock.advance(3600)
    server.routes["/good"] = Route(stories(server, [story(1), story(2)]))
    report = poll_corpus(app, state, clock=clock)
    failed = {feed.name: reason for feed, reason in report.failures}
    assert set(failed) == {"laughs", "broken", "huge", "slow"}
    assert "declares XML entities" in failed["laughs"]
    assert "broken feed" in failed["broken"]
    assert "over 5 MB" in failed["huge"]
    assert "did not load within 2 seconds" in failed["slow"]
    assert all("\n" not in reason and "Traceback" not in reason for reason in failed.values())
    assert sorted(a.meta.title for a in report.added) == [
        "Story 1: the harbour council votes on item 1",
        "Story 2: the harbour council votes on item 2",
    ]


def test_a_feed_or_a_page_redirecting_to_a_private_address_is_refused(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    server.routes["/rss"] = Route(b"", 302, {"Location": "http://169.254.169.254/latest/meta-data"})
    clock.advance(3600)
    report = poll_corpus(app, state, clock=clock)
    assert "169.254.169.254" in report.failures[0][1] and "not a public address" in report.failures[0][1]
    # an entry whose page redirects there: the page is refused, the entry's own text is the article
    server.routes["/rss"] = Route(
        stories(server, [story(2, link="/sneaky.html", description="<p>" + "The ferry runs at dawn. " * 5 + "</p>")])
    )
    server.routes["/sneaky.html"] = Route(b"", 302, {"Location": "http://10.0.0.1/"})
    clock.advance(3600 * 24)
    report = poll_corpus(app, state, clock=clock)
    [article] = report.added
    assert "ferry runs at dawn" in article.text and not any(s.path.startswith("/latest") for s in server.requests)


def test_entries_without_links_or_pages_and_with_scripts_become_clean_articles(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    text = "<p>The night ferry was cancelled because of the storm, the harbour office said on Friday.</p>"
    server.routes["/rss"] = Route(
        rss(
            "Wire",
            [
                {"title": "No link", "guid": "a", "description": text + "<script>steal()</script>"},
                {"title": "Dead page", "guid": "b", "link": server.url("/404.html"), "description": text},
                {"title": "Nothing to read", "guid": "c", "link": server.url("/404.html")},
            ],
        )
    )
    subscribe(app, state, server.url("/rss"), clock=clock)
    report = poll_corpus(app, state, clock=clock)
    assert sorted(a.meta.title for a in report.added) == ["Dead page", "No link"]
    assert all("steal" not in a.text and "<p>" not in a.text and "night ferry" in a.text for a in report.added)
    assert not report.failures  # entries that give no article are skipped, the feed is fine
    fell_back = sorted(reason for _, reason in report.fell_back)  # indexed from their text: said, not as skipped
    assert fell_back == [
        f"{server.url(page)} answered HTTP 404 Not Found; the entry's own text was indexed instead"
        for page in ("/404.html", "/a")  # "No link" is given one by the feed's maker
    ]
    assert [reason for _, reason in report.skipped] == [
        f"{server.url('/404.html')} answered HTTP 404 Not Found; tried again at the next poll"
    ]
    clock.advance(3600)
    assert not poll_corpus(app, state, clock=clock).added  # and are not tried again


def test_a_dead_page_whose_entry_is_too_short_is_one_line(server, make_app, state):
    app = make_app()
    link = server.url("/gone.html")
    server.routes["/rss"] = Route(rss("Wire", [{"title": "Gone", "guid": "g", "link": link, "description": "Short."}]))
    subscribe(app, state, server.url("/rss"))
    report = poll_corpus(app, state)
    assert not report.added and [reason for _, reason in report.skipped] == [
        f"{link} answered HTTP 404 Not Found; the entry's own text is no article"
    ]


def test_an_entry_seen_in_another_feed_of_the_corpus_is_indexed_once(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/a"] = Route(stories(server, [story(1)], "A"))
    server.routes["/b"] = Route(stories(server, [story(1, guid="other-id-1")], "B"))
    subscribe(app, state, server.url("/a"), clock=clock)
    subscribe(app, state, server.url("/b"), clock=clock)
    report = poll_corpus(app, state, clock=clock)
    assert len(report.added) == 1 and len(feed_articles(app)) == 1


def test_a_cycle_cut_short_loses_nothing_and_indexes_nothing_twice(server, make_app, state, monkeypatch):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1), story(2)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    real_record = state.record_entries

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process is stopped after the index changed, before the entries were noted

    monkeypatch.setattr(state, "record_entries", crash)
    with pytest.raises(KeyboardInterrupt):
        poll_corpus(app, state, clock=clock)
    assert len(feed_articles(app)) == 2
    monkeypatch.setattr(state, "record_entries", real_record)
    restarted = Newsbot(app.config, embedder=FakeEmbedder(), index_dir=app.index_dir)
    clock.advance(3600)
    version = restarted.current_index().version
    report = poll_corpus(restarted, state, clock=clock, force=True)
    assert not report.added and restarted.current_index().version == version
    assert len(feed_articles(restarted)) == 2
    assert len(list(app.config.corpus.added_dir.rglob("*.html"))) == 2
    clock.advance(3600)
    assert not poll_corpus(restarted, state, clock=clock, force=True).added
    restarted.close()


def test_a_busy_index_leaves_the_entries_for_the_next_cycle(server, make_app, state):
    from index import IndexBusyError

    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    with app.store.lock(), pytest.raises(IndexBusyError):
        poll_corpus(app, state, clock=clock)
    assert not feed_articles(app) and not list(app.config.corpus.added_dir.rglob("*.html"))
    [feed] = state.feeds()
    assert feed.next_poll == clock.now() + polling.BUSY_RETRY_SECONDS
    clock.advance(polling.BUSY_RETRY_SECONDS)
    assert len(poll_corpus(app, state, clock=clock).added) == 1


def test_old_feed_articles_age_out_to_the_trash(server, make_app, state):
    app = make_app(keep_days=7)
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1, days_ago=1), story(2, days_ago=5)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    poll_corpus(app, state, clock=clock)
    assert len(feed_articles(app)) == 2
    clock.advance(4 * 86400)
    report = poll_corpus(app, state, clock=clock)
    assert len(report.aged_out) == 1 and len(feed_articles(app)) == 1
    assert list((app.config.corpus.added_dir / ".trash").rglob("*.html"))  # restorable, like any removal


def test_subscriptions_are_checked_when_made_and_named_in_one_line(server, make_app, state):
    app = make_app()
    server.routes["/page.html"] = Route(
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head><body>Hi</body></html>',
        content_type="text/html",
    )
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    server.routes["/plain.html"] = Route(page("No feed here", "Words."), content_type="text/html")
    feed = subscribe(app, state, server.url("/page.html"))
    assert feed.feed_url == server.url("/rss") and feed.url == server.url("/page.html")
    for url, problem in [
        (server.url("/plain.html"), "names no RSS or Atom feed"),
        (server.url("/rss"), "is subscribed already"),
        (server.url("/missing"), "HTTP 404"),
        ("http://169.254.169.254/feed", "not a public address"),
        ("file:///etc/passwd", "cannot fetch"),
    ]:
        with pytest.raises(NewsbotError) as caught:
            subscribe(app, state, url)
        assert problem in caught.value.one_line() and "\n" not in caught.value.one_line()
    with pytest.raises(FeedError, match="every 5 to 10080 minutes"):
        subscribe(app, state, server.url("/rss"), every_minutes=1)
    pause(app, state, "1")
    assert state.feeds()[0].status == "paused"
    unsubscribe(app, state, feed.name)
    assert state.feeds() == []


def test_two_processes_on_one_postgresql_poll_each_feed_once(server, tmp_path, postgres_url):
    """Two bot processes (two apps, two connections) run their cycles at once: every feed is fetched by
    one of them, every entry indexed once, and the feeds' state is the database's, shared."""
    import threading
    from dataclasses import replace

    from bot.core.config import StoreSettings
    from bot.feeds.state import PostgresFeedState, open_feed_state

    config = Config(
        corpus=CorpusSettings(paths=(SEEDS,), added_dir=tmp_path / "articles"),
        discord=DiscordSettings(data_dir=tmp_path / "state"),
        fetch=FetchSettings(private_hosts=("127.0.0.1",), timeout_seconds=5.0),
        store=StoreSettings(backend="postgres", url=postgres_url),
    )
    first = Newsbot(config, embedder=FakeEmbedder(), index_dir=tmp_path / "ix")
    first.rebuild()
    second = Newsbot(replace(config), embedder=FakeEmbedder(), index_dir=tmp_path / "ix")
    states = [open_feed_state(first), open_feed_state(second)]
    assert all(isinstance(s, PostgresFeedState) for s in states)
    clock = FakeClock()
    for n in range(1, 7):
        server.routes[f"/feed{n}"] = Route(stories(server, [story(10 * n), story(10 * n + 1)], f"Feed {n}"), delay=0.2)
        subscribe(first, states[0], server.url(f"/feed{n}"), clock=clock)
    assert len(states[1].feeds(corpus_key(second))) == 6  # one subscription list for every process
    checked = [len(server.hits(f"/feed{n}")) for n in range(1, 7)]  # subscribing fetched each once
    reports: list = []
    errors: list = []

    def cycle(app, state):
        try:
            reports.append(poll_corpus(app, state, clock=clock))
        except Exception as error:  # an IndexBusyError is allowed: that process's feeds wait a minute
            errors.append(error)

    threads = [threading.Thread(target=cycle, args=pair) for pair in zip((first, second), states)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    busy = [e for e in errors if type(e).__name__ == "IndexBusyError"]
    assert len(busy) == len(errors), errors
    if busy:  # the other process held the build lock: its feeds come back after BUSY_RETRY_SECONDS
        clock.advance(polling.BUSY_RETRY_SECONDS)
        for app, state in zip((first, second), states):
            reports.append(poll_corpus(app, state, clock=clock))
    fetched = [len(server.hits(f"/feed{n}")) - before for n, before in zip(range(1, 7), checked)]
    if not busy:
        assert sum(report.polled for report in reports) == 6 and fetched == [1] * 6, fetched
    else:  # a feed whose cycle found the index busy is fetched again a minute later, never more
        assert all(1 <= count <= 2 for count in fetched), fetched
    indexed = feed_articles(first)
    assert len(indexed) == 12 and len({m.title for m in indexed.values()}) == 12
    for state in states:
        state.close()
    first.close()
    second.close()


def test_an_entry_whose_page_fails_once_is_tried_again_not_lost(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(rss("Wire", [{"title": "Flaky", "guid": "f", "link": server.url("/flaky.html")}]))
    server.routes["/flaky.html"] = Route(b"down", 500, content_type="text/plain")
    subscribe(app, state, server.url("/rss"), clock=clock)
    report = poll_corpus(app, state, clock=clock)
    assert not report.added and any("HTTP 500" in reason for _, reason in report.skipped)
    server.routes["/flaky.html"] = Route(
        page("Flaky", "The flaky page came back with the whole story of the harbour vote on Thursday."),
        content_type="text/html",
    )
    clock.advance(3600)  # the feed has not changed: it is fetched whole all the same, the entry being unseen
    report = poll_corpus(app, state, clock=clock)
    assert [a.meta.title for a in report.added] == ["Flaky"]
    assert server.hits("/rss")[-1].status == 200


def test_entries_past_a_polls_share_come_at_the_next_poll_though_the_feed_is_unchanged(server, make_app, state):
    app = make_app(first_entries=2, entries_per_poll=2)
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    poll_corpus(app, state, clock=clock)
    server.routes["/rss"] = Route(stories(server, [story(n) for n in range(1, 7)]))
    taken = []
    for _ in range(4):
        clock.advance(3600)
        taken.append(len(poll_corpus(app, state, clock=clock).added))
    assert taken == [2, 2, 1, 0] and len(feed_articles(app)) == 6


def test_a_feed_removed_and_added_again_or_another_with_its_links_indexes_no_second_copy(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/a"] = Route(stories(server, [story(1), story(2)], "A"))
    subscribe(app, state, server.url("/a"), clock=clock)
    assert len(poll_corpus(app, state, clock=clock).added) == 2
    unsubscribe(app, state, "A")
    subscribe(app, state, server.url("/a"), clock=clock)
    server.routes["/b"] = Route(stories(server, [story(1, guid="b-1"), story(2, guid="b-2"), story(3)], "B"))
    subscribe(app, state, server.url("/b"), clock=clock)
    report = poll_corpus(app, state, clock=clock)
    assert [a.meta.title for a in report.added] == ["Story 3: the harbour council votes on item 3"]
    assert len(feed_articles(app)) == 3


def test_a_feed_is_found_by_its_number_before_a_feed_named_like_it(server, make_app, state):
    app = make_app()
    server.routes["/a"] = Route(stories(server, [story(1)], "A"))
    server.routes["/b"] = Route(stories(server, [story(2)], "B"))
    first = subscribe(app, state, server.url("/a"), name="2")
    second = subscribe(app, state, server.url("/b"), name="Bee")
    assert state.find(corpus_key(app), str(second.id)).id == second.id != first.id
    assert state.find(corpus_key(app), server.url("/a").replace("http://", "HTTP://") + "/").id == first.id


def test_polling_now_still_waits_out_a_retry_after(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"), clock=clock)
    server.routes["/rss"] = Route(b"slow down", 429, {"Retry-After": "3600"}, content_type="text/plain")
    poll_corpus(app, state, clock=clock)
    hits = len(server.hits("/rss"))
    clock.advance(60)
    assert poll_corpus(app, state, clock=clock, force=True).polled == 0 and len(server.hits("/rss")) == hits


def test_polling_now_from_the_terminal_says_which_feed_waits_and_why(server, make_app, state):
    from bot.terminal.feed_commands import feed_action

    app = make_app()
    server.routes["/rss"] = Route(stories(server, [story(1)]))
    subscribe(app, state, server.url("/rss"))
    server.routes["/rss"] = Route(b"slow down", 429, {"Retry-After": "3600"}, content_type="text/plain")
    assert poll_corpus(app, state).failures
    first, *waiting = feed_action(app, "poll", "", now=True)
    assert first.startswith("0 feeds polled")
    [line] = waiting
    assert line.startswith("  not polled, waiting out its failures: 1. ") and "next poll in 60 min" in line


def test_an_article_too_long_for_one_is_skipped_and_said(server, make_app, state):
    app = make_app()
    clock = FakeClock()
    server.routes["/rss"] = Route(stories(server, [story(1), story(2, link="/long.html")]))
    server.routes["/long.html"] = Route(page("Long", "word " * 150_000), content_type="text/html")
    subscribe(app, state, server.url("/rss"), clock=clock)
    report = poll_corpus(app, state, clock=clock)
    assert [a.meta.title for a in report.added] == ["Story 1: the harbour council votes on item 1"]
    assert any("longer than an article may be" in reason for _, reason in report.skipped)
