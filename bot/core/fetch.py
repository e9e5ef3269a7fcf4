"""Fetching one article page given by URL, with guards on where it may come from and how much of it.

A moderator's `/add url:` must not make the bot reach its own machine or network, so every address
the fetch connects to must be public (unless its host is listed in [fetch] private_hosts):

* the URL must be http(s) with a host and no user:password@;
* a host written as an address (127.0.0.1, [::1], and the legacy forms 127.1 or 2130706433) is
  checked before the request, because aiohttp does not ask the resolver about such hosts;
* a host name is looked up by our own resolver, the only one the connector uses: if ANY address it
  resolves to is not public, the whole host is refused, and the connector connects to exactly the
  addresses we checked (no second lookup, so no DNS rebinding between check and connect);
* as a last line, the address the socket is connected to is checked again, before the request is
  sent and once more when the response headers arrive;
* redirects are followed by hand, at most `max_redirects`, and each hop is checked like the first.

One deadline bounds the whole fetch (lookups, connects, every redirect and the whole body), so a
server that sends a byte every few seconds cannot hold the bot. The body is read raw and gzip or
deflate are decoded here with a bound on the decoded size, so a compression bomb is refused without
being inflated. Only web pages and text are accepted.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import datetime as dt
import email.utils
import ipaddress
import re
import socket
import threading
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, NoReturn
from urllib.parse import unquote

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.helpers import is_ip_address
from yarl import URL

from .errors import FetchError
from .file_names import safe_stem

USER_AGENT = "newsbot/0.1 (+article fetch)"
ACCEPTED_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
}
PAGE_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9"
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "text/html",
        "application/xhtml+xml",
        "text/plain",  # some servers say so of their feed
    }
)
FEED_ACCEPT = "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.9,text/xml;q=0.9,text/html;q=0.5"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_URL_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")
_ALLOW_FIX = "give a link to a public news page (or allow this host in [fetch] private_hosts)"


class _AddressRefused(FetchError):
    """The host is, or resolves to, or connected to, an address that is not public."""


def _not_public(what: str) -> _AddressRefused:
    return _AddressRefused(f"{what} is not a public address: newsbot fetches only public web pages", _ALLOW_FIX)


@dataclass(frozen=True)
class FetchPolicy:
    private_hosts: frozenset[str] = frozenset()
    """Host names (or IP literals) allowed even though they resolve to non-public addresses."""
    timeout: float = 20.0
    """Seconds for the WHOLE fetch: lookups, connects, every redirect and the whole body."""
    max_bytes: int = 5 * 1024 * 1024
    """Largest decoded body accepted."""
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchedPage:
    url: str
    """The final URL, after redirects."""
    content_type: str
    """The media type without parameters, e.g. "text/html"."""
    suffix: str
    """".html", ".txt" or ".md": the file suffix the loaders read this type with."""
    text: str
    name: str
    """A safe file stem from the URL's last path segment (or its host)."""

    def as_file(self) -> tuple[str, bytes]:
        """(file name, UTF-8 bytes): the page as a file the corpus folder can keep."""
        return self.name + self.suffix, self.text.encode("utf-8")


@dataclass(frozen=True)
class FetchedFeed:
    url: str
    """The final URL, after redirects."""
    status: int
    """200 (or another 2xx), or 304: not changed since the ETag or date sent, and no body."""
    media_type: str
    body: bytes
    charset: str | None
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None
    """Seconds the server says the feed stays fresh (Cache-Control max-age)."""


class ServerRefused(FetchError):
    """The server answered with an HTTP error status."""

    def __init__(self, problem: str, fix: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(problem, fix)
        self.status = status
        self.retry_after = retry_after
        """Seconds the server asked to wait before the next request (Retry-After), if it said."""


def looks_like_url(text: str) -> bool:
    """True for "scheme://..." in any case (HTTP://, Ftp://, file://), so a CLI can tell links from paths."""
    return bool(_URL_SCHEME.match(text))


def fetch_page_blocking(url: str, policy: FetchPolicy = FetchPolicy()) -> FetchedPage:
    """`fetch_page` for code with no event loop running in its thread (the CLI, worker threads)."""
    return asyncio.run(fetch_page(url, policy))


async def fetch_page(url: str, policy: FetchPolicy = FetchPolicy()) -> FetchedPage:
    """Fetch one web page or text file, following redirects, under `policy`; FetchError on any refusal."""
    return await _fetch(url, policy, PAGE_ACCEPT, {}, _read_page)


async def fetch_feed(
    url: str, policy: FetchPolicy = FetchPolicy(), *, etag: str | None = None, last_modified: str | None = None
) -> FetchedFeed:
    """Fetch a feed (or the page that names it) under `policy`, conditionally: with the ETag and
    Last-Modified of the last fetch, a server whose feed has not changed answers 304 and sends nothing.
    FetchError on any refusal; `ServerRefused` (with the status and Retry-After) for an HTTP error."""
    headers = {name: value for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if value}
    return await _fetch(url, policy, FEED_ACCEPT, headers, _read_feed)


async def _fetch(url: str, policy: FetchPolicy, accept: str, headers: dict[str, str], read: Any) -> Any:
    target = _parse_url(url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + policy.timeout
    guard = _Guard(policy, deadline)
    try:
        async with asyncio.timeout_at(deadline):
            connector = _GuardedConnector(
                guard, resolver=_GuardedResolver(guard), use_dns_cache=False, force_close=True
            )
            async with aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                auto_decompress=False,
                headers={"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate", **headers},
            ) as session:
                return await _follow(session, target, guard, read)
    except TimeoutError:
        raise FetchError(
            f"{_show(target)} did not load within {policy.timeout:g} seconds",
            "try again later, or give a link to a faster copy of the article",
        ) from None


class _Guard:
    """The policy of one fetch and its deadline, shared by the resolver, the connector and the hops."""

    def __init__(self, policy: FetchPolicy, deadline: float) -> None:
        self.policy = policy
        self.deadline = deadline
        self.private_hosts = frozenset(_normal_host(h) for h in policy.private_hosts)
        self.peer: str | None = None
        """The address the connector connected the current request to, once checked."""

    def remaining(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    def is_private_host(self, host: str) -> bool:
        return _normal_host(host) in self.private_hosts

    def check_literal_host(self, host: str) -> None:
        """Refuse a host written as an address that is not public; aiohttp skips the resolver for these."""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is None and not is_ip_address(host):
            return  # a name: the resolver checks it
        if address is None:
            # A legacy numeric form (127.1, 2130706433, 017700000001): see what it stands for.
            mapped = _numeric_host(host)
            if mapped is None:
                raise FetchError(f"{host} is not a valid address", "check the link for a typo")
            if not is_public_address(mapped):
                raise _not_public(f"{host} ({mapped})")
            # aiohttp refuses these forms anyway; say how to write it instead.
            raise FetchError(f"{host} is not written as a usual address", f"write it as {mapped}")
        if not self.is_private_host(host) and not is_public_address(address):
            raise _not_public(host)

    def check_peer(self, host: str, transport: Any) -> str | None:
        """The address the socket is connected to must be public (or its host listed in private_hosts)."""
        peer = transport.get_extra_info("peername") if transport is not None else None
        address = str(peer[0]) if peer else None
        self.check_address(host, address)
        return address

    def check_address(self, host: str, address: str | None) -> None:
        if self.is_private_host(host):
            return
        if not address:
            raise FetchError(f"cannot tell which address {host} connected to", "try again, or give another link")
        if not is_public_address(address):
            raise _not_public(f"{host} connected to {address}, which")


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a global unicast address, looking inside IPv4-mapped, NAT64, 6to4 and Teredo forms."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and not is_public_address(ip.sixtofour):
            return False
        if ip.teredo is not None and not is_public_address(ip.teredo[1]):
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _normal_host(host: str) -> str:
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _numeric_host(host: str) -> str | None:
    """What a numeric host stands for, as the system reads it (no DNS), or None."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return None
    return str(infos[0][4][0]) if infos else None


def _show(url: URL | str, limit: int = 100) -> str:
    text = str(url)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse_url(url: str) -> URL:
    text = url.strip()
    try:
        parsed = URL(text)
    except (ValueError, TypeError):
        raise FetchError(f"{_show(text)} is not a valid link", "give an http(s) link to a news page") from None
    _check_url(parsed)
    return parsed


def _without_userinfo(url: URL) -> str:
    try:
        return _show(url.with_user(None))
    except ValueError:
        return _show(url)


def _check_url(url: URL, redirected_from: URL | None = None) -> None:
    """http(s), a host, no user:password@ -- for the link given and for every redirect."""
    shown = _without_userinfo(url)
    where = f"{_show(redirected_from)} redirects to {shown}, but " if redirected_from else ""
    scheme = url.scheme.lower()
    if scheme not in ("http", "https"):
        what = f'"{scheme}" links' if scheme else "links without a scheme"
        raise FetchError(f"{where}newsbot cannot fetch {what} ({shown})", "give an http(s) link to a news page")
    if not url.raw_host:
        raise FetchError(f"{where}{shown} has no host name", "give a full link, e.g. https://example.com/news/story")
    if "@" in (url.raw_authority or ""):
        raise FetchError(
            f"{where}the link to {url.raw_host} has a user name or password in it",
            "give the link without user:password@",
        )


class _GuardedResolver(AbstractResolver):
    """Looks a host name up once and refuses it when any of its addresses is not public."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            async with asyncio.timeout(max(self._guard.remaining(), 0.0)):
                infos = await _getaddrinfo(host, port, family)
        except TimeoutError:
            raise
        except socket.gaierror:
            raise FetchError(f"cannot find the host {host}", "check the link for a typo") from None
        except (OSError, UnicodeError):
            raise FetchError(f"cannot look up the host {host}", "check the link, or try again later") from None
        results: list[ResolveResult] = []
        private = self._guard.is_private_host(host)
        for info_family, _, proto, _, sockaddr in infos:
            if info_family not in (socket.AF_INET, socket.AF_INET6):
                continue
            address = str(sockaddr[0])
            if not private and not is_public_address(address):
                raise _not_public(f"{host} ({address})")
            if info_family == socket.AF_INET6 and len(sockaddr) > 3 and sockaddr[3] and "%" not in address:
                address = f"{address}%{sockaddr[3]}"
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=int(sockaddr[1]),
                    family=info_family,
                    proto=proto,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            raise FetchError(f"cannot find an address for the host {host}", "check the link for a typo")
        return results

    async def close(self) -> None:
        pass


async def _getaddrinfo(host: str, port: int, family: int) -> list[tuple[Any, ...]]:
    """socket.getaddrinfo in a daemon thread, so an endless lookup can be abandoned at the deadline
    without holding up the end of `asyncio.run` (the loop's default executor would)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[list[tuple[Any, ...]]] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        result, error = None, None
        try:
            result = socket.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
        except BaseException as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: the fetch gave up already
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name=f"newsbot-lookup-{host}", daemon=True).start()
    return await future


class _GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector that checks the connected address before anything is sent on it."""

    def __init__(self, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._guard = guard

    async def connect(self, req: Any, traces: Any, timeout: aiohttp.ClientTimeout) -> Any:
        connection = await super().connect(req, traces, timeout)
        try:
            self._guard.peer = self._guard.check_peer(req.url.raw_host or "", connection.transport)
        except BaseException:
            connection.close()
            raise
        return connection


async def _follow(session: aiohttp.ClientSession, url: URL, guard: _Guard, read: Any) -> Any:
    policy = guard.policy
    first = url
    for hop in range(policy.max_redirects + 1):
        try:
            response = await _request(session, url, guard)
        except _AddressRefused as refusal:
            if hop == 0:
                raise
            raise FetchError(f"{_show(first)} redirects to {_show(url)}, but {refusal.problem}", refusal.fix) from None
        async with response:
            try:
                if response.status in REDIRECT_STATUSES and "Location" in response.headers:
                    if hop == policy.max_redirects:
                        raise FetchError(
                            f"{_show(first)} redirects more than {policy.max_redirects} times",
                            "open it in a browser and give the address it ends at",
                        )
                    url = _redirect_target(url, response.headers["Location"])
                    continue
                return await read(response, url, policy)
            except TimeoutError:
                raise  # aiohttp's timeouts are ClientErrors too: the deadline message is said once, above
            except aiohttp.ClientError as error:
                raise _connection_error(url, error) from None
    raise AssertionError("unreachable")  # pragma: no cover


async def _request(session: aiohttp.ClientSession, url: URL, guard: _Guard) -> aiohttp.ClientResponse:
    """One GET, no redirects followed, with the host and the connected address checked; headers only."""
    host = url.raw_host or ""
    guard.check_literal_host(host)
    remaining = guard.remaining()
    if remaining <= 0:
        raise TimeoutError
    guard.peer = None
    try:
        response = await session.get(url, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=remaining))
    except (FetchError, TimeoutError):
        raise
    except aiohttp.ClientError as error:
        raise _connection_error(url, error) from None
    except OSError as error:
        raise FetchError(
            f"cannot fetch {_show(url)} ({error.strerror or type(error).__name__})",
            "check the link and try again later",
        ) from None
    # Again now the headers are in: on the connection itself while the response holds it, else (a
    # short answer, read whole with its headers, has given its connection back) on what connect saw.
    try:
        if response.connection is not None and response.connection.transport is not None:
            guard.check_peer(host, response.connection.transport)
        else:
            guard.check_address(host, guard.peer)
    except BaseException:
        response.close()
        raise
    return response


def _redirect_target(current: URL, location: str) -> URL:
    try:
        target = current.join(URL(location.strip()))
    except (ValueError, TypeError):
        raise FetchError(
            f"{_show(current)} redirects to a broken link ({_show(location)})", "give the article's own link"
        ) from None
    _check_url(target, redirected_from=current)
    return target


def _connection_error(url: URL, error: aiohttp.ClientError) -> FetchError:
    host = url.raw_host or str(url)
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return FetchError(
            f"the certificate of {host} is not valid", "give a link to a site with a valid https certificate"
        )
    if isinstance(error, aiohttp.ClientSSLError):
        return FetchError(f"the secure connection to {host} failed", "check the link, or try its http:// form")
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = error.os_error.strerror or type(error.os_error).__name__
        return FetchError(f"cannot connect to {host} ({reason.lower()})", "check the link and try again later")
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return FetchError(f"{host} closed the connection before answering", "try again later")
    if isinstance(error, aiohttp.ClientPayloadError):
        return FetchError(f"{host} sent a broken or cut-short page", "try again later")
    if isinstance(error, aiohttp.InvalidURL):
        return FetchError(f"{_show(url)} is not a valid link", "give an http(s) link to a news page")
    if isinstance(error, aiohttp.ClientResponseError):
        return FetchError(f"{host} sent an answer that is not valid HTTP", "give another link to the article")
    return FetchError(f"cannot fetch {_show(url)} ({type(error).__name__})", "check the link and try again later")


async def _read_page(response: aiohttp.ClientResponse, url: URL, policy: FetchPolicy) -> FetchedPage:
    _refuse_error_status(response, url)
    header = response.headers.get("Content-Type", "")
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        what = f"is {media_type}" if media_type else "did not say what type of content it is"
        raise FetchError(
            f"{_show(url)} {what}, not a web page or text",
            f"give a link to an article page (accepted: {', '.join(ACCEPTED_TYPES)})",
        )
    body = await _read_body(response, url, policy, "give a link to a single article")
    return FetchedPage(
        url=str(url),
        content_type=media_type,
        suffix=ACCEPTED_TYPES[media_type],
        text=_decode_text(body, response.charset),
        name=safe_name(url),
    )


async def _read_feed(response: aiohttp.ClientResponse, url: URL, policy: FetchPolicy) -> FetchedFeed:
    headers = response.headers
    kept = {"etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified")}
    max_age = cache_max_age(headers.get("Cache-Control", ""))
    if response.status == 304:
        return FetchedFeed(str(url), 304, "", b"", None, max_age=max_age, **kept)
    _refuse_error_status(response, url)
    media_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if media_type and media_type not in FEED_TYPES and not media_type.endswith("+xml"):
        raise FetchError(
            f"{_show(url)} is {media_type}, not a feed or a web page",
            "give the link of an RSS or Atom feed, or of the site that names it",
        )
    body = await _read_body(response, url, policy, "give a feed of fewer entries (or of summaries)")
    return FetchedFeed(str(url), response.status, media_type, body, response.charset, max_age=max_age, **kept)


def _refuse_error_status(response: aiohttp.ClientResponse, url: URL) -> None:
    if response.status >= 300:
        reason = f" {response.reason}" if response.reason else ""
        status = response.status
        raise ServerRefused(
            f"{_show(url)} answered HTTP {status}{reason}",
            "the server asks to wait: it is asked again later"
            if status in (429, 503)
            else "the server failed: try again later"
            if status >= 500
            else "check that the link opens in a browser without a login",
            status=response.status,
            retry_after=retry_after_seconds(response.headers.get("Retry-After", "")),
        )


async def _read_body(response: aiohttp.ClientResponse, url: URL, policy: FetchPolicy, fix: str) -> bytes:
    """The body, decoded from gzip or deflate, refused past `policy.max_bytes` without reading further."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
    decoder = _BodyDecoder(encoding, url, policy.max_bytes, fix)
    if (response.content_length or 0) > policy.max_bytes:
        decoder.too_big()
    raw = 0
    async for chunk in response.content.iter_any():
        raw += len(chunk)
        if raw > policy.max_bytes:
            decoder.too_big()
        decoder.feed(chunk)
    return decoder.finish()


def cache_max_age(cache_control: str) -> float | None:
    """Seconds of `Cache-Control: max-age=N` (s-maxage too), or None."""
    match = re.search(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d{1,10})", cache_control, re.IGNORECASE)
    return float(match.group(1)) if match else None


def retry_after_seconds(value: str, now: dt.datetime | None = None) -> float | None:
    """Seconds a `Retry-After` asks to wait (a number of seconds, or an HTTP date), or None."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value), 10**9))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class _BodyDecoder:
    """Undoes gzip or deflate chunk by chunk, never producing more than `limit` + 1 decoded bytes."""

    def __init__(self, encoding: str, url: URL, limit: int, fix: str = "give a link to a single article") -> None:
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(
                f"{_show(url)} is compressed as {encoding}, which newsbot cannot read",
                "give another link to the article (newsbot reads gzip and deflate)",
            )
        self._encoding = encoding
        self._url = url
        self._limit = limit
        self._fix = fix
        self._parts: list[bytes] = []
        self._size = 0
        self._inflater: Any = zlib.decompressobj(31) if encoding in ("gzip", "x-gzip") else None
        self._probe = b""  # deflate: the first bytes, until we know whether a zlib header wraps them
        self._probing = False

    def feed(self, raw: bytes) -> None:
        if self._encoding == "identity":
            self._take(raw)
            return
        if self._inflater is None:
            self._probe += raw
            if len(self._probe) < 2:
                return
            raw, self._probe = self._probe, b""
            self._inflater = zlib.decompressobj(15)
            self._probing = True
            try:
                self._inflate(raw)
                return
            except zlib.error:
                self._inflater = zlib.decompressobj(-15)  # raw deflate, as some servers send it
            finally:
                self._probing = False
        self._inflate(raw)

    def finish(self) -> bytes:
        if self._probe:
            self._inflater = zlib.decompressobj(-15)
            self._inflate(self._probe)
        if self._inflater is not None:
            try:
                self._take(self._inflater.flush())
            except zlib.error:
                self._broken()
        return b"".join(self._parts)

    def _inflate(self, raw: bytes) -> None:
        try:
            while raw:
                self._take(self._inflater.decompress(raw, self._limit + 1 - self._size))
                if self._inflater.unconsumed_tail:
                    self.too_big()
                raw = b""
                if (
                    self._inflater.eof
                    and self._inflater.unused_data.startswith(b"\x1f\x8b")
                    and self._encoding != "deflate"
                ):
                    raw = self._inflater.unused_data  # another gzip member follows; other trailing bytes are ignored
                    self._inflater = zlib.decompressobj(31)
        except zlib.error:
            if self._probing:
                raise
            self._broken()

    def _take(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            self.too_big()
        if data:
            self._parts.append(data)

    def too_big(self) -> NoReturn:
        raise FetchError(f"{_show(self._url)} is over {_size(self._limit)}", self._fix)

    def _broken(self) -> None:
        raise FetchError(
            f"{_show(self._url)} sent a broken {self._encoding} body", "try again later, or give another link"
        )


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / 1024 / 1024:g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def _decode_text(body: bytes, charset: str | None) -> str:
    if charset:
        try:
            codecs.lookup(charset)
            return body.decode(charset)
        except (LookupError, UnicodeError):  # an unknown charset, or a codec that is not a text encoding
            pass
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def safe_name(url: URL | str) -> str:
    """A file stem from the URL's last path segment, else its host: only [A-Za-z0-9._-], at most 80 chars."""
    url = URL(url) if isinstance(url, str) else url
    segments = [unquote(s) for s in url.raw_path.split("/") if s]  # raw: an encoded / stays in its segment
    last = segments[-1] if segments else ""
    for candidate in (PurePosixPath(last).stem if "." in last.lstrip(".") else last, url.host or ""):
        name = safe_stem(candidate)
        if name:
            return name
    return "article"
