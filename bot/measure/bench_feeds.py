"""`newsbot bench-feeds`: feeds served on 127.0.0.1, polled the way `newsbot run` polls them.

Prints, and asserts nothing:

  cold       `newsbot feed poll` in a new process, the first cycle of FEEDS feeds of ENTRIES entries
             each: every entry's page fetched, cleaned, embedded and indexed as one version (seconds,
             and the process's peak memory)
  unchanged  a cycle in which no feed changed (every feed answers 304): CPU seconds and wall seconds
             in the running process (as the bot's poller meets it), medians of REPEATS cycles, and
             the same from a new process (`newsbot feed poll --now`, start-up included)
  fresh      an entry appears in one feed: seconds from the cycle's start until a question about it is
             answered from it (the rest of the wait is the schedule: the feed's interval, its jitter
             and the poller's tick, printed beside it)

The articles are made up (a town, a vote, an amount each), long as news articles are, from the
seeds' own words; the index starts from the configured model and the bundled seeds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..core.config import Config, CorpusSettings, DiscordSettings, FeedSettings, FetchSettings
from ..core.service import Newsbot

CLI = "import sys; from bot.terminal.cli import main; sys.exit(main())"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
PARAGRAPHS = 6


class FeedSite:
    """FEEDS feeds of ENTRIES entries and their article pages, with ETags, on 127.0.0.1."""

    def __init__(self, feeds: int, entries: int, words: list[str]) -> None:
        self.rng = random.Random(7)
        self.words = words
        self.pages: dict[str, bytes] = {}
        self.items: dict[int, list[dict]] = {}
        self.feed_bodies: dict[int, bytes] = {}
        self.requests = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests += 1
                if self.path.startswith("/feed"):
                    body = site.feed_bodies.get(int(self.path[5:].split(".")[0]), b"")
                    kind = "application/rss+xml"
                else:
                    body, kind = site.pages.get(self.path, b""), "text/html; charset=utf-8"
                if not body:
                    self.send_response(404)
                    self.end_headers()
                    return
                tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("ETag", tag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        for feed in range(feeds):
            self.items[feed] = [self._article(feed, entry) for entry in range(entries)]
            self._render(feed)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add_entry(self, feed: int) -> dict:
        item = self._article(feed, len(self.items[feed]))
        self.items[feed].insert(0, item)
        self._render(feed)
        return item

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _article(self, feed: int, entry: int) -> dict:
        town = f"{self.rng.choice(['North', 'South', 'East', 'West', 'Upper', 'Lower'])}{feed}ville{entry}"
        amount = self.rng.randint(2, 900) * 1000
        fact = f"The council of {town} voted on Tuesday to spend {amount:,} dollars on a new footbridge."
        paragraphs = [fact] + [
            " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(50, 90))).capitalize() + "."
            for _ in range(PARAGRAPHS - 1)
        ]
        path = f"/a/{feed}/{entry}.html"
        title = f"{town} council backs footbridge"
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        self.pages[path] = (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
        ).encode()
        when = dt.datetime(2026, 12, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=entry)
        return {"title": title, "link": self.url(path), "guid": path, "date": when, "town": town, "amount": amount}

    def _render(self, feed: int) -> None:
        items = "".join(
            f"<item><title>{i['title']}</title><link>{i['link']}</link><guid>{i['guid']}</guid>"
            f"<pubDate>{format_datetime(i['date'])}</pubDate></item>"
            for i in self.items[feed]
        )
        self.feed_bodies[feed] = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>{items}</channel></rss>'
        ).encode()


def run_feed_bench(app: Newsbot, feeds: int, entries: int, repeats: int) -> None:
    from ..discord_bot.cogs.feeds import POLL_TICK
    from ..feeds.polling import poll_corpus
    from ..feeds.state import open_feed_state
    from ..feeds.subscriptions import subscribe

    words = [w for w in (SEEDS / "000_d9337505ec262534.txt").read_text(encoding="utf-8").split() if w.isalpha()]
    site = FeedSite(feeds, entries, words)
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-feeds-") as scratch:
        root = Path(scratch)
        config = Config(
            corpus=CorpusSettings(paths=(SEEDS,), added_dir=root / "articles"),
            index=dataclasses.replace(
                app.config.index, dir=root / "index", model_cache=app.config.index.model_cache.resolve()
            ),
            discord=DiscordSettings(data_dir=root / "state"),
            fetch=FetchSettings(private_hosts=("127.0.0.1",)),
            feeds=FeedSettings(first_entries=min(entries, 200), entries_per_poll=min(max(entries, 1), 500)),
        )
        (root / "config.toml").write_text(_toml(config), encoding="utf-8")
        bench = Newsbot(config, index_dir=root / "index")
        bench.rebuild()
        state = open_feed_state(bench)
        started = time.perf_counter()
        for feed in range(feeds):
            subscribe(bench, state, site.url(f"/feed{feed}.xml"), name=f"Feed {feed}")
        print(f"subscribed {feeds} feeds of {entries} entries each in {time.perf_counter() - started:.1f} s")

        cold = _newsbot(root, "feed", "poll")
        print(
            f"cold: first cycle in a new process: {cold['seconds']:.1f} s wall, {cold['cpu']:.1f} s CPU, "
            f"peak memory {cold['peak_mb']:.0f} MB; {cold['out'].strip()}"
        )

        state.close()
        state = open_feed_state(bench)
        bench = Newsbot(config, index_dir=root / "index")
        bench.current_index()
        cpu, wall = [], []
        for _ in range(repeats):
            before_cpu, before_wall = time.process_time(), time.perf_counter()
            report = poll_corpus(bench, state, force=True)
            cpu.append(time.process_time() - before_cpu)
            wall.append(time.perf_counter() - before_wall)
            assert report.not_modified == feeds and not report.added, report.summary()
        print(
            f"unchanged: a cycle of {feeds} feeds, all 304, in the running process: median {statistics.median(cpu):.3f} s "
            f"CPU, {statistics.median(wall):.3f} s wall over {repeats} cycles "
            f"[{', '.join(f'{c:.3f}' for c in cpu)}]"
        )
        again = _newsbot(root, "feed", "poll", "--now")
        print(
            f"unchanged: the same from a new process (`newsbot feed poll --now`, start-up included): "
            f"{again['seconds']:.2f} s wall, {again['cpu']:.2f} s CPU"
        )

        latencies = []
        for attempt in range(repeats):
            item = site.add_entry(attempt % feeds)
            question = f"How much will the council of {item['town']} spend on the footbridge?"
            began = time.perf_counter()
            report = poll_corpus(bench, state, force=True)
            answer = bench.ask(question)
            seconds = time.perf_counter() - began
            quoted = f"{item['amount']:,}" in " ".join(p.text for p in answer.passages)
            latencies.append(seconds)
            print(
                f"fresh: entry {attempt + 1}: indexed {len(report.added)}, answered from it: {quoted}, {seconds:.2f} s"
            )
        interval = config.feeds.every_minutes
        print(
            f"fresh: median {statistics.median(latencies):.2f} s from a cycle's start to the answer; the wait before "
            f"the cycle is the schedule: at most {interval} min (the feed's interval) + {interval * 6:.0f} s (jitter) "
            f"+ {POLL_TICK:.0f} s (the poller's tick)"
        )
        print(f"requests served: {site.requests}")
        state.close()
        bench.close()
    site.close()


def _newsbot(root: Path, *argv: str) -> dict:
    """Run `newsbot ARGV --config ROOT/config.toml` in a new process: its wall and CPU seconds and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-P",
            "-c",
            CLI,
            *argv,
            "--config",
            str(root / "config.toml"),
        ],  # -P: not the folder "index" here
        capture_output=True,
        text=True,
        cwd=root,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"newsbot {' '.join(argv)} failed: {done.stderr.strip()[-500:]}")
    return {
        "seconds": seconds,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mb": after.ru_maxrss / 1024,
        "out": done.stdout,
    }


def _toml(config: Config) -> str:
    index = config.index
    lines = [
        "[corpus]",
        f"paths = [{json.dumps(str(SEEDS))}]",
        f"added_dir = {json.dumps(str(config.corpus.added_dir))}",
        "[index]",
        f"dir = {json.dumps(str(index.dir))}",
        f"model = {json.dumps(index.model)}",
        f"runtime = {json.dumps(index.runtime)}",
        f"model_cache = {json.dumps(str(index.model_cache))}",
        "[discord]",
        f"data_dir = {json.dumps(str(config.discord.data_dir))}",
        "[fetch]",
        'private_hosts = ["127.0.0.1"]',
        "[feeds]",
        f"first_entries = {config.feeds.first_entries}",
        f"entries_per_poll = {config.feeds.entries_per_poll}",
    ]
    return "\n".join(lines) + "\n"
