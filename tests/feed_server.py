"""A local web server for feed tests: feeds and article pages on 127.0.0.1, each path answered by a route
the test sets (status, headers, body), with conditional GETs the way real servers do them (an ETag that
matches If-None-Match is a 304), and every request recorded. It runs in a thread of its own, since a
poll cycle runs its own event loop (`asyncio.run` in the worker thread the bot gives it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: bool = True
    """Send an ETag (a digest of the body) and answer 304 to a matching If-None-Match."""
    delay: float = 0.0
    """Seconds to wait before answering (a server that never answers: longer than the fetch's deadline)."""


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[], Route]] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                if callable(route):
                    route = route()
                if route is None:
                    route = Route(b"not here", 404, content_type="text/plain")
                if route.delay:
                    time.sleep(route.delay)
                status, headers, body = route.status, dict(route.headers), route.body
                if route.etag and status == 200:
                    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    headers["ETag"] = tag
                    if self.headers.get("If-None-Match") == tag:
                        status, body = 304, b""
                server.requests.append(Seen(self.path, dict(self.headers), status))
                try:
                    self.send_response(status)
                    if status != 304:
                        self.send_header("Content-Type", route.content_type)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a deadline): what the test wanted

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def rss(title: str, items: list[dict], link: str = "http://127.0.0.1/") -> bytes:
    """An RSS 2.0 feed; each item a dict of title, link, guid, date (a datetime), description."""
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{title}</title><link>{link}</link>'
    ]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description"):
            if item.get(key) is not None:
                parts.append(f"<{key}>{_xml(item[key])}</{key}>")
        if item.get("date"):
            parts.append(f"<pubDate>{format_datetime(item['date'])}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def atom(title: str, items: list[dict]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:test:{title}</id><updated>2026-12-01T00:00:00Z</updated>"
    ]
    for item in items:
        parts.append(f"<entry><title>{_xml(item['title'])}</title><id>{_xml(item['guid'])}</id>")
        if item.get("link"):
            parts.append(f'<link rel="alternate" href="{_xml(item["link"])}"/>')
        when = item.get("date") or dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        parts.append(f"<updated>{when.isoformat()}</updated>")
        if item.get("description"):
            parts.append(f'<content type="html">{_xml(item["description"])}</content>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def page(title: str, *paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>".encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
