"""Articles given by URL (bot.core.fetch): only public addresses, one deadline, bounded and checked bodies.

Every server here listens on loopback, which the fetcher refuses by default; so the tests that must
fetch allow 127.0.0.1 (or a name) with `private_hosts`, and the tests of refusals count the requests
their server received, to show that the refusal came before anything was sent.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.core import fetch as fetch_module
from bot.core.config import Config, FetchSettings, parse_config
from bot.core.fetch import (
    FetchError,
    FetchPolicy,
    fetch_page,
    fetch_page_blocking,
    is_public_address,
    looks_like_url,
    safe_name,
)
from index import ConfigError, NewsbotError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK = FetchPolicy(private_hosts=frozenset({"127.0.0.1"}))
ARTICLE = "<html><head><title>Bridge reopens</title></head><body><p>The bridge reopened on Monday.</p></body></html>"
NOT_PUBLIC = "is not a public address: newsbot fetches only public web pages"


@dataclass
class Server:
    host: str
    port: int
    requests: list[str] = field(default_factory=list)

    def url(self, path: str = "/", host: str | None = None) -> str:
        host = host or self.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}{path}"


@pytest.fixture
async def serve():
    """Start an aiohttp server on loopback with the given routes; every request's path is recorded."""
    runners: list[web.AppRunner] = []

    async def start(routes: dict[str, Handler], host: str = "127.0.0.1") -> Server:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((host, 0))
        except OSError:
            sock.close()
            pytest.skip(f"cannot listen on {host} here")
        sock.listen()
        sock.setblocking(False)
        server = Server(host, sock.getsockname()[1])

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            server.requests.append(request.path_qs)
            return await handler(request)

        app = web.Application(middlewares=[record])
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        runner = web.AppRunner(app, shutdown_timeout=1.0, handler_cancellation=True)
        await runner.setup()
        runners.append(runner)
        await web.SockSite(runner, sock).start()
        return server

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def raw_serve():
    """A bare TCP server that answers every request with the given bytes (for malformed answers)."""
    servers: list[asyncio.Server] = []

    async def start(answer: bytes) -> Server:
        server_info = Server("127.0.0.1", 0)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            server_info.requests.append("request")
            writer.write(answer)
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        server_info.port = server.sockets[0].getsockname()[1]
        return server_info

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def page(
    body: bytes | str = ARTICLE,
    content_type: str | None = "text/html; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        data = body.encode() if isinstance(body, str) else body
        response = web.Response(body=data, status=status, headers=headers or {})
        if content_type:
            response.headers["Content-Type"] = content_type
        return response

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    return handler


async def refused(url: str, policy: FetchPolicy = FetchPolicy()) -> FetchError:
    """The FetchError of a fetch that must fail; it is one line with a problem and a fix."""
    with pytest.raises(FetchError) as caught:
        await fetch_page(url, policy)
    error = caught.value
    assert error.problem and error.fix and "\n" not in error.one_line()
    assert "Traceback" not in error.one_line()
    return error


@pytest.fixture
def fake_dns(monkeypatch):
    """Names in the returned table resolve to the listed addresses (each lookup counted); others as usual.

    socket.getaddrinfo itself is replaced, so any lookup in the process (ours, aiohttp's or asyncio's)
    would be seen and counted.
    """
    real = socket.getaddrinfo
    table: dict[str, list[list[str]]] = {}
    lookups: dict[str, int] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in table:
            return real(host, port, family, type, proto, flags)
        lookups[name] = lookups.get(name, 0) + 1
        answers = table[name][min(lookups[name], len(table[name])) - 1]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, int(port or 0), 0, 0) if ":" in a else (a, int(port or 0)),
            )
            for a in answers
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table, lookups


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["http://example.com/a", "HTTP://EXAMPLE.COM/a", "https://x", "Ftp://x/y", "file:///etc/passwd", "gopher://x"],
)
def test_looks_like_url_is_true_for_any_scheme_in_any_case(text):
    assert looks_like_url(text)


@pytest.mark.parametrize("text", ["seeds/story.txt", "story.html", "/tmp/a.md", "C:\\news\\a.txt", "mailto:a@b.c", ""])
def test_looks_like_url_is_false_for_paths(text):
    assert not looks_like_url(text)


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("ftp://example.com/story.html", '"ftp"'),
        ("file:///etc/passwd", '"file"'),
        ("gopher://example.com/1", '"gopher"'),
        ("javascript:alert(1)", '"javascript"'),
        ("example.com/news/story", "without a scheme"),
    ],
)
async def test_non_http_schemes_are_refused_naming_the_scheme(url, named):
    error = await refused(url)
    assert named in error.problem
    assert "http(s) link" in error.fix


async def test_a_link_without_a_host_is_refused():
    error = await refused("http:///news/story")
    assert "has no host name" in error.problem


async def test_upper_case_http_is_fetched_as_http(serve):
    server = await serve({"/story": page()})
    fetched = await fetch_page(server.url("/story").replace("http://", "HTTP://"), LOOPBACK)
    assert fetched.text == ARTICLE
    assert fetched.url == server.url("/story")


async def test_user_and_password_in_the_link_are_refused_without_echoing_the_password(serve):
    server = await serve({"/story": page()})
    error = await refused(server.url("/story").replace("http://", "http://reader:s3cret@"), LOOPBACK)
    assert "user name or password" in error.problem
    assert "s3cret" not in error.one_line()
    assert server.requests == []


# --- addresses -----------------------------------------------------------------------------------


async def test_loopback_by_address_is_refused_before_any_request(serve):
    server = await serve({"/story": page()})
    error = await refused(server.url("/story"))
    assert error.problem == f"127.0.0.1 {NOT_PUBLIC}"
    assert error.fix == "give a link to a public news page (or allow this host in [fetch] private_hosts)"
    assert server.requests == []


async def test_localhost_is_refused_by_the_resolver(serve):
    server = await serve({"/story": page()})
    error = await refused(server.url("/story", host="localhost"))
    assert error.problem.startswith("localhost (") and NOT_PUBLIC in error.problem
    assert server.requests == []


async def test_ipv6_loopback_is_refused(serve):
    server = await serve({"/story": page()}, host="::1")
    error = await refused(server.url("/story"))
    assert error.problem == f"::1 {NOT_PUBLIC}"
    assert server.requests == []


@pytest.mark.parametrize(
    "host",
    [
        "0x7f000001",
        "2130706433",
        "127.1",
        "017700000001",
        "0x7f.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::]",
        "0.0.0.0",
    ],
)
async def test_numeric_forms_of_loopback_are_refused(serve, host):
    server = await serve({"/story": page()})
    error = await refused(f"http://{host}:{server.port}/story")
    assert NOT_PUBLIC in error.problem
    assert server.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "ff0e::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "2002:7f00:1::1",
        "2002:a00:1::1",
        "64:ff9b::7f00:1",
        "2001:db8::1",
        "not an address",
    ],
)
def test_special_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.216.34", "64:ff9b::808:808", "2002:5db8:d822::1"],
)
def test_global_unicast_addresses_are_public(address):
    assert is_public_address(address)


async def test_a_host_with_any_loopback_address_is_refused_whole(serve, fake_dns):
    server = await serve({"/story": page()})
    table, lookups = fake_dns
    table["mixed.test"] = [["93.184.216.34", "127.0.0.1"]]
    error = await refused(server.url("/story", host="mixed.test"))
    assert error.problem == f"mixed.test (127.0.0.1) {NOT_PUBLIC}"
    assert lookups == {"mixed.test": 1}
    assert server.requests == []


async def test_a_name_is_looked_up_once_and_the_checked_address_is_the_one_connected(serve, fake_dns):
    # The first answer points at the server; any later lookup would point at 127.0.0.2, where
    # nothing listens: a second lookup between check and connect (DNS rebinding) fails this test.
    server = await serve({"/story": page()})
    table, lookups = fake_dns
    table["rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    policy = FetchPolicy(private_hosts=frozenset({"rebind.test"}))
    fetched = await fetch_page(server.url("/story", host="rebind.test"), policy)
    assert fetched.text == ARTICLE
    assert lookups == {"rebind.test": 1}
    assert server.requests == ["/story"]


async def test_the_connected_address_is_checked_even_if_the_host_check_is_bypassed(serve, monkeypatch):
    # Switch off the check of hosts written as addresses: the check of the socket's peer address
    # must still refuse loopback, before the request is sent.
    server = await serve({"/story": page()})
    monkeypatch.setattr(fetch_module._Guard, "check_literal_host", lambda self, host: None)
    error = await refused(server.url("/story"))
    assert error.problem == f"127.0.0.1 connected to 127.0.0.1, which {NOT_PUBLIC}"
    assert server.requests == []


async def streamed_page(request: web.Request) -> web.StreamResponse:
    """Headers first, the body a moment later: the response still holds its connection when checked."""
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    await asyncio.sleep(0.3)
    await response.write(ARTICLE.encode())
    return response


@pytest.mark.parametrize(
    ("handler", "problem"),
    [
        (streamed_page, f"127.0.0.1 connected to 127.0.0.1, which {NOT_PUBLIC}"),
        # A short answer comes whole with its headers and gives its connection back at once; with no
        # address seen by the connector either, the check refuses rather than guess.
        (page(), "cannot tell which address 127.0.0.1 connected to"),
    ],
    ids=["connection-held", "connection-given-back"],
)
async def test_the_connected_address_is_checked_again_when_the_answer_arrives(serve, monkeypatch, handler, problem):
    # With both earlier checks off, the check made once the response headers are in still refuses.
    server = await serve({"/story": handler})
    monkeypatch.setattr(fetch_module._Guard, "check_literal_host", lambda self, host: None)

    async def unchecked_connect(self, req, traces, timeout):
        return await fetch_module.aiohttp.TCPConnector.connect(self, req, traces, timeout)

    monkeypatch.setattr(fetch_module._GuardedConnector, "connect", unchecked_connect)
    error = await refused(server.url("/story"))
    assert error.problem == problem


async def test_private_hosts_allows_a_named_host(serve):
    server = await serve({"/news/bridge-reopens": page()})
    fetched = await fetch_page(
        server.url("/news/bridge-reopens", host="localhost"), FetchPolicy(private_hosts=frozenset({"LocalHost"}))
    )
    assert fetched.text == ARTICLE
    assert (fetched.content_type, fetched.suffix, fetched.name) == ("text/html", ".html", "bridge-reopens")
    assert fetched.url == server.url("/news/bridge-reopens", host="localhost")
    assert server.requests == ["/news/bridge-reopens"]


async def test_private_hosts_allows_an_ipv6_literal(serve):
    server = await serve({"/story": page()}, host="::1")
    fetched = await fetch_page(server.url("/story"), FetchPolicy(private_hosts=frozenset({"[::1]"})))
    assert fetched.text == ARTICLE


# --- redirects -----------------------------------------------------------------------------------


async def test_redirects_are_followed_with_relative_locations(serve):
    server = await serve(
        {
            "/a/start": redirect("../b/next", 301),
            "/b/next": redirect("/news/final-story", 307),
            "/news/final-story": page(),
        }
    )
    fetched = await fetch_page(server.url("/a/start"), LOOPBACK)
    assert fetched.url == server.url("/news/final-story")
    assert fetched.name == "final-story"
    assert server.requests == ["/a/start", "/b/next", "/news/final-story"]


async def test_a_redirect_to_a_host_that_is_not_allowed_is_refused(serve):
    inside = await serve({"/secret": page("internal only")})
    outside = await serve({"/story": redirect(inside.url("/secret", host="localhost"))})
    error = await refused(outside.url("/story"), LOOPBACK)
    assert error.problem.startswith(
        f"{outside.url('/story')} redirects to {inside.url('/secret', host='localhost')}, but"
    )
    assert NOT_PUBLIC in error.problem
    assert outside.requests == ["/story"]
    assert inside.requests == []


async def test_a_redirect_to_a_loopback_address_is_refused(serve):
    inside = await serve({"/secret": page("internal only")}, host="::1")
    outside = await serve({"/story": redirect(inside.url("/secret"))})
    error = await refused(outside.url("/story"), LOOPBACK)
    assert f"::1 {NOT_PUBLIC}" in error.problem
    assert inside.requests == []


async def test_a_redirect_to_ftp_is_refused(serve):
    server = await serve({"/story": redirect("ftp://files.example.com/story.html")})
    error = await refused(server.url("/story"), LOOPBACK)
    assert 'newsbot cannot fetch "ftp" links' in error.problem
    assert "redirects to ftp://files.example.com/story.html" in error.problem


async def test_too_many_redirects_are_refused(serve):
    server = await serve({"/loop": redirect("/loop")})
    error = await refused(server.url("/loop"), FetchPolicy(private_hosts=LOOPBACK.private_hosts, max_redirects=2))
    assert "redirects more than 2 times" in error.problem
    assert server.requests == ["/loop"] * 3


# --- time ----------------------------------------------------------------------------------------


async def test_a_server_dripping_bytes_is_stopped_at_the_whole_fetch_deadline(serve):
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(120):
            await response.write(b"x")
            await asyncio.sleep(0.5)
        return response

    server = await serve({"/slow": drip})
    started = time.monotonic()
    error = await refused(server.url("/slow"), FetchPolicy(private_hosts=LOOPBACK.private_hosts, timeout=2))
    elapsed = time.monotonic() - started
    assert error.problem == f"{server.url('/slow')} did not load within 2 seconds"
    assert 1.5 < elapsed < 4


async def test_the_deadline_covers_a_lookup_that_hangs(monkeypatch):
    real, release, calls = socket.getaddrinfo, threading.Event(), []

    def hanging(host, *args, **kwargs):
        if host == "slow-dns.test":
            calls.append(host)
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "gave up")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    started = time.monotonic()
    try:
        error = await refused("http://slow-dns.test/story", FetchPolicy(timeout=1))
    finally:
        release.set()  # let the abandoned lookup thread end
    assert error.problem == "http://slow-dns.test/story did not load within 1 seconds"
    assert calls == ["slow-dns.test"]
    assert time.monotonic() - started < 3


def test_numeric_hosts_that_stand_for_a_public_address_are_asked_in_the_usual_form():
    with pytest.raises(FetchError) as caught:
        fetch_page_blocking("http://134744072/story")  # 8.8.8.8; refused before any connection
    assert caught.value.one_line() == "134744072 is not written as a usual address. Write it as 8.8.8.8"


async def test_the_deadline_covers_a_server_that_never_answers(serve):
    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    server = await serve({"/silent": silent})
    started = time.monotonic()
    error = await refused(server.url("/silent"), FetchPolicy(private_hosts=LOOPBACK.private_hosts, timeout=1))
    assert "did not load within 1 seconds" in error.problem
    assert time.monotonic() - started < 3


# --- what comes back -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "suffix"),
    [
        ("text/html; charset=utf-8", ".html"),
        ("application/xhtml+xml", ".html"),
        ("TEXT/PLAIN", ".txt"),
        ("text/markdown; charset=UTF-8", ".md"),
    ],
)
async def test_accepted_content_types_give_their_suffix(serve, content_type, suffix):
    server = await serve({"/story": page("The bridge reopened.", content_type)})
    fetched = await fetch_page(server.url("/story"), LOOPBACK)
    assert (fetched.text, fetched.suffix, fetched.content_type) == (
        "The bridge reopened.",
        suffix,
        content_type.split(";")[0].lower(),
    )


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "image/png", "application/octet-stream", "application/json"]
)
async def test_other_content_types_are_refused_naming_the_type(serve, content_type):
    server = await serve({"/file": page(b"%PDF-1.7", content_type)})
    error = await refused(server.url("/file"), LOOPBACK)
    assert f"is {content_type}, not a web page or text" in error.problem
    assert "text/html" in error.fix and "text/plain" in error.fix


async def test_a_missing_content_type_is_refused(raw_serve):
    server = await raw_serve(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
    error = await refused(server.url("/story"), LOOPBACK)
    assert "did not say what type of content it is" in error.problem


async def test_the_charset_of_the_content_type_is_used(serve):
    server = await serve({"/story": page("Café in Zürich".encode("iso-8859-1"), "text/plain; charset=iso-8859-1")})
    assert (await fetch_page(server.url("/story"), LOOPBACK)).text == "Café in Zürich"


@pytest.mark.parametrize("charset", ["undefined", "punycode", "idna", "rot13", "base64"])
async def test_a_charset_that_is_not_a_text_encoding_falls_back_to_utf8(serve, charset):
    """Some codec names raise a bare UnicodeError (or are not text codecs at all): never a traceback."""
    server = await serve({"/story": page(b"hello harbour", f"text/plain; charset={charset}")})
    assert (await fetch_page(server.url("/story"), LOOPBACK)).text == "hello harbour"


async def test_bytes_that_are_not_utf8_are_read_as_cp1252(serve):
    server = await serve({"/story": page(b"caf\xe9 \x93quoted\x94", "text/html")})
    assert (await fetch_page(server.url("/story"), LOOPBACK)).text == "café \u201cquoted\u201d"


async def test_a_gzip_only_page_is_decoded(serve):
    body = gzip.compress(ARTICLE.encode())
    server = await serve({"/story": page(body, headers={"Content-Encoding": "gzip"})})
    fetched = await fetch_page(server.url("/story"), LOOPBACK)
    assert fetched.text == ARTICLE


@pytest.mark.parametrize("wbits", [15, -15], ids=["zlib-wrapped", "raw"])
async def test_a_deflate_page_is_decoded(serve, wbits):
    squeezer = zlib.compressobj(wbits=wbits)
    body = squeezer.compress(ARTICLE.encode()) + squeezer.flush()
    server = await serve({"/story": page(body, headers={"Content-Encoding": "deflate"})})
    assert (await fetch_page(server.url("/story"), LOOPBACK)).text == ARTICLE


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress"])
async def test_other_content_encodings_are_refused(serve, encoding):
    server = await serve({"/story": page(b"\x00\x01", headers={"Content-Encoding": encoding})})
    error = await refused(server.url("/story"), LOOPBACK)
    assert f"is compressed as {encoding}" in error.problem


async def test_a_gzip_bomb_is_refused_without_being_inflated(serve):
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(squeezer.compress(zeros) for _ in range(50)) + squeezer.flush()
    assert len(bomb) < 200_000
    server = await serve({"/bomb": page(bomb, headers={"Content-Encoding": "gzip"})})
    tracemalloc.start()
    started = time.monotonic()
    try:
        error = await refused(server.url("/bomb"), LOOPBACK)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.problem == f"{server.url('/bomb')} is over 5 MB"
    assert peak < 20 * 1024 * 1024  # the 50 MB it inflates to never exist at once
    assert time.monotonic() - started < 5


async def test_a_page_over_max_bytes_is_refused(serve):
    server = await serve({"/big": page("x" * 5000, "text/plain")})
    error = await refused(server.url("/big"), FetchPolicy(private_hosts=LOOPBACK.private_hosts, max_bytes=4096))
    assert error.problem == f"{server.url('/big')} is over 4 KB"


async def test_an_endless_page_is_cut_off_at_max_bytes(serve):
    sent = []

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})  # chunked: no length told
        await response.prepare(request)
        for _ in range(100_000):
            await response.write(b"y" * 1024)
            sent.append(1024)
        return response

    server = await serve({"/endless": endless})
    policy = FetchPolicy(private_hosts=LOOPBACK.private_hosts, max_bytes=64 * 1024)
    error = await refused(server.url("/endless"), policy)
    assert error.problem == f"{server.url('/endless')} is over 64 KB"
    assert sum(sent) < 50 * 1024 * 1024


async def test_an_error_status_is_a_fetch_error_with_the_status(serve):
    server = await serve({"/gone": page("not here", status=404)})
    error = await refused(server.url("/gone"), LOOPBACK)
    assert error.problem == f"{server.url('/gone')} answered HTTP 404 Not Found"


async def test_a_refused_connection_is_a_fetch_error():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    error = await refused(f"http://127.0.0.1:{port}/story", LOOPBACK)
    assert error.problem.startswith("cannot connect to 127.0.0.1 (")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://x.example/news/bridge-reopens", "bridge-reopens"),
        ("http://x.example/news/story.html", "story"),
        ("http://x.example/news/bridge-reopens/", "bridge-reopens"),
        ("http://www.example.com/", "www.example.com"),
        ("http://x.example/.hidden", "hidden"),
        ("http://x.example/%2e%2e", "x.example"),
        ("http://x.example/a%20b%2Fc?q=1", "a-b-c"),
        ("http://x.example/caf%C3%A9", "caf"),
        ("http://x.example/" + "a" * 200, "a" * 80),
        ("http://[::1]/", "1"),
    ],
)
def test_the_file_name_is_safe(url, name):
    assert safe_name(url) == name


def test_fetch_page_blocking_runs_without_a_loop():
    # A thread with no running loop, like the CLI: refused before any connection is made.
    with pytest.raises(FetchError, match=NOT_PUBLIC):
        fetch_page_blocking("http://127.0.0.1:9/story")


def test_fetch_error_is_a_newsbot_error():
    assert issubclass(FetchError, NewsbotError)


# --- settings ------------------------------------------------------------------------------------


def test_fetch_settings_default_to_the_default_policy():
    assert Config().fetch.policy() == FetchPolicy()


def test_fetch_settings_make_the_policy():
    config = parse_config(
        {"fetch": {"private_hosts": ["Intranet.Example.org", "10.0.0.5"], "timeout_seconds": 5, "max_redirects": 0}}
    )
    assert config.fetch == FetchSettings(("Intranet.Example.org", "10.0.0.5"), 5.0, 0)
    assert config.fetch.policy() == FetchPolicy(
        frozenset({"intranet.example.org", "10.0.0.5"}), timeout=5.0, max_redirects=0
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            {"private_hosts": "localhost"},
            "[fetch] private_hosts = 'localhost' is not allowed. It must be a list of host names",
        ),
        ({"private_hosts": [""]}, "[fetch] private_hosts = [''] is not allowed. It must be a list of host names"),
        ({"private_hosts": [3]}, "[fetch] private_hosts = [3] is not allowed. It must be a list of host names"),
        (
            {"timeout_seconds": 0},
            "[fetch] timeout_seconds = 0 is not allowed. It must be a number of seconds from 1 to 300",
        ),
        ({"max_redirects": 21}, "[fetch] max_redirects = 21 is not allowed. It must be an integer from 0 to 20"),
    ],
)
def test_bad_fetch_settings_are_named(toml, message):
    with pytest.raises(ConfigError) as error:
        parse_config({"fetch": toml})
    assert error.value.one_line() == f"config: {message}"
