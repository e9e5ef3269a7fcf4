"""The fake Discord: REST and gateway on 127.0.0.1, recording every request and failing loudly.

It fails the test (through `problems`, checked at teardown) on: a route it does not know, a message
over one of Discord's limits, a message whose allowed mentions could ping anyone, and (with the
fixture's log handler) any ERROR record from `discord.*`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads as p

API = "/api/v10"
EPHEMERAL = 1 << 6


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)
    message_id: str | None = None
    """The message this request created, if it created one."""

    def message_body(self) -> dict | None:
        """The message this request sends or edits, if any."""
        if not isinstance(self.body, dict):
            return None
        if self.path.endswith("/callback"):
            return self.body.get("data") if self.body.get("type") in (4, 7) else None
        return self.body if ("content" in self.body or "embeds" in self.body) else None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # exactly "application/json": discord.py treats "; charset=utf-8" as text
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


class FakeDiscord:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self.messages: dict[str, dict] = {}
        self.originals: dict[str, str | None] = {}  # interaction token -> id of its original response
        self.component_sources: dict[str, str] = {}  # component interaction token -> message clicked
        self.commands: dict[str, dict] = {}
        self.identify: dict | None = None
        self.sockets: list[web.WebSocketResponse] = []
        self.shards: dict[web.WebSocketResponse, tuple[int, int]] = {}
        """The shard (number, count) each sharded connection identified as: it gets only its guilds' events."""
        self.rate_limits: list[list] = []  # [method, path regex, times left, retry_after]
        self.files: dict[str, bytes] = {}  # attachments (by id) and pages (by name), served at /attachments/{key}
        self.attachment_requests = 0
        self.attachment_gate: asyncio.Event | None = None
        """When set, attachment downloads wait for it (a slow upload)."""
        self._sequence = 0
        self._changed = asyncio.Condition()
        self.guild_sent = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.routes: list[tuple[str, re.Pattern[str], Callable]] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), lambda r, m: _json(p.application())),
            ("PUT", re.compile(r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands"), self._sync),
            ("POST", re.compile(r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"), self._followup),
            (
                "PATCH",
                re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)"),
                self._edit_webhook,
            ),
            (
                "GET",
                re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)"),
                self._get_webhook,
            ),
            (
                "DELETE",
                re.compile(r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)"),
                self._delete_webhook,
            ),
            ("POST", re.compile(r"/channels/(?P<cid>\d+)/messages"), self._channel_message),
            ("PATCH", re.compile(r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)"), self._edit_channel_message),
            ("POST", re.compile(r"/channels/(?P<cid>\d+)/typing"), lambda r, m: web.Response(status=204)),
        ]

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---- what tests call -------------------------------------------------------------------

    def rate_limit(self, method: str, path_pattern: str, times: int = 1, retry_after: float = 0.3) -> None:
        """Answer the next `times` matching requests with 429."""
        self.rate_limits.append([method, re.compile(path_pattern), times, retry_after])

    async def wait_for(self, predicate: Callable[[Recorded], bool], timeout: float = 20.0, after: int = 0) -> Recorded:
        """The first request (from index `after` on) that matches; fails the test after `timeout` s."""
        async with self._changed:
            deadline = time.monotonic() + timeout
            while True:
                for request in self.requests[after:]:
                    if predicate(request):
                        return request
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n".join(f"  {r.method} {r.path}" for r in self.requests[after:])
                    raise AssertionError(f"no matching request within {timeout} s; seen:\n{seen}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Until the bot has registered its commands and been sent its guild over the gateway."""
        await self.wait_for(lambda r: r.method == "PUT" and r.path.endswith("/commands"), timeout)
        await asyncio.wait_for(self.guild_sent.wait(), timeout)

    async def slash(
        self,
        name: str,
        who: dict = p.MEMBER,
        files: dict[str, tuple[str, bytes]] | None = None,
        focused: str | None = None,
        guild_id: int = p.GUILD_ID,
        **options: Any,
    ) -> str:
        """Run a slash command as `who` (attaching `files`: option -> (filename, bytes)), or with
        `focused` ask for autocomplete choices for that option; returns the interaction token."""
        command = self.commands.get(name.partition(" ")[0])
        assert command is not None, f"/{name} was not registered; registered: {sorted(self.commands)}"
        token = "tok-" + secrets.token_hex(8)
        attachments = {}
        for option, (filename, content) in (files or {}).items():
            attachment_id = p.snowflake()  # served by id: a member's file name may be anything
            self.files[str(attachment_id)] = content
            attachments[option] = p.attachment(
                attachment_id, filename, len(content), f"http://127.0.0.1:{self.port}/attachments/{attachment_id}"
            )
        payload = p.slash_command(name, command["id"], options, who, token, attachments, focused, guild_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def click(self, message: dict, custom_id: str, who: dict = p.MEMBER) -> str:
        """Press a button of a message the bot sent; returns the interaction token."""
        ids = [c["custom_id"] for row in message.get("components", []) for c in row.get("components", [])]
        assert custom_id in ids, f"{custom_id} is not a button of that message: {ids}"
        token = "tok-" + secrets.token_hex(8)
        self.component_sources[token] = message["id"]
        await self.dispatch("INTERACTION_CREATE", p.component(custom_id, message, who, token))
        return token

    async def say(
        self,
        content: str,
        who: dict = p.MEMBER,
        mention_bot: bool = True,
        channel_id: int = p.CHANNEL_ID,
        reply_to: dict | None = None,
        mentions: list[dict] = (),
        mention_roles: list[int] = (),
    ) -> dict:
        """A member posts a message in the test channel (or a thread), maybe as a reply to a message."""
        data = p.user_message(
            content,
            who,
            mentions=[*([p.BOT_USER] if mention_bot else []), *mentions],
            channel_id=channel_id,
            reply_to=reply_to,
            mention_roles=mention_roles,
        )
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    async def open_thread(self, thread_id: int, name: str = "follow-ups") -> None:
        """A member opens a thread under the test channel (on a message, when thread_id is that message's id)."""
        await self.dispatch("THREAD_CREATE", p.thread(thread_id, name))

    async def reply_to(self, asked: dict, after: int = 0, timeout: float = 20.0) -> dict:
        """The message the bot posted in reply to a member's message."""
        request = await self.wait_for(
            lambda r: r.method == "POST"
            and r.path == f"/channels/{asked['channel_id']}/messages"
            and str((r.body or {}).get("message_reference", {}).get("message_id")) == asked["id"]
            and r.message_id is not None,
            timeout,
            after,
        )
        return self.messages[request.message_id]

    async def followup(self, token: str, after: int = 0, timeout: float = 20.0) -> dict:
        """The message a follow-up on this interaction created."""
        path = f"/webhooks/{p.APPLICATION_ID}/{token}"
        request = await self.wait_for(
            lambda r: r.method == "POST" and r.path == path and r.message_id is not None, timeout, after
        )
        return self.messages[request.message_id]

    async def callback(self, token: str, after: int = 0, timeout: float = 20.0) -> Recorded:
        return await self.wait_for(lambda r: r.path.endswith(f"/{token}/callback"), timeout, after)

    def original(self, token: str) -> dict | None:
        message_id = self.originals.get(token)
        return self.messages.get(message_id) if message_id else None

    def buttons(self, message: dict) -> dict[str, dict]:
        return {c["custom_id"]: c for row in message.get("components", []) for c in row.get("components", [])}

    async def dispatch(self, event: str, data: dict) -> None:
        assert self.sockets, "the bot is not connected to the gateway"
        self._sequence += 1
        guild_id = int(data.get("guild_id") or p.GUILD_ID)
        for ws in self.sockets:
            if ws in self.shards and p.shard_of(guild_id, self.shards[ws][1]) != self.shards[ws][0]:
                continue  # another shard's guild
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._sequence, "d": data}))

    # ---- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                if payload["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif payload["op"] == 2:
                    self.identify = payload["d"]
                    shard = payload["d"].get("shard")
                    guild_ids: tuple[int, ...] = (p.GUILD_ID,)
                    if shard and shard[1] > 1:  # a shard of several: the guilds Discord would give it
                        self.shards[ws] = (shard[0], shard[1])
                        guild_ids = tuple(
                            g for g in (p.GUILD_ID, p.SHARD_GUILD_ID) if p.shard_of(g, shard[1]) == shard[0]
                        )
                    self._sequence += 1
                    await ws.send_str(
                        json.dumps(
                            {
                                "op": 0,
                                "t": "READY",
                                "s": self._sequence,
                                "d": p.ready("session-" + secrets.token_hex(4), self.gateway_url, guild_ids, shard),
                            }
                        )
                    )
                    for guild_id in guild_ids:
                        self._sequence += 1
                        await ws.send_str(
                            json.dumps({"op": 0, "t": "GUILD_CREATE", "s": self._sequence, "d": p.guild(guild_id)})
                        )
                    self.guild_sent.set()
                elif payload["op"] in (3, 4, 8):
                    pass  # presence, voice, member requests: nothing to answer
                else:
                    self.problems.append(f"gateway: unexpected op {payload['op']}")
        finally:
            self.sockets.remove(ws)
            self.shards.pop(ws, None)
            self.guild_sent.clear()
        return ws

    # ---- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                self.problems.append(f"{request.method} {path}: unexpected multipart body")
        recorded = Recorded(request.method, path, dict(request.query), body)
        for limit in self.rate_limits:
            if limit[0] == request.method and limit[1].fullmatch(path) and limit[2] > 0:
                limit[2] -= 1
                await self._record(recorded)
                return _json(
                    {"message": "You are being rate limited.", "retry_after": limit[3], "global": False, "code": 0},
                    status=429,
                    headers={"Via": "1.1 google", "Retry-After": str(limit[3])},
                )
        message = recorded.message_body()
        if message is not None:
            self._check_message(f"{request.method} {path}", message)
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                response = handler(recorded, match)
                await self._record(recorded)
                return response
        await self._record(recorded)
        self.problems.append(f"unknown route: {request.method} {path}")
        return _json({"code": 0, "message": "404: Not Found"}, status=404)

    async def _attachment(self, request: web.Request) -> web.Response:
        self.attachment_requests += 1
        await self._record(Recorded(request.method, request.path, dict(request.query), None))
        if self.attachment_gate is not None:
            await self.attachment_gate.wait()
        content = self.files.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        kind = (
            "text/html; charset=utf-8" if request.match_info["name"].endswith(".html") else "application/octet-stream"
        )
        return web.Response(body=content, headers={"Content-Type": kind})

    async def _unknown(self, request: web.Request) -> web.Response:
        self.problems.append(f"unknown route: {request.method} {request.path}")
        return _json({"code": 0, "message": "404: Not Found"}, status=404)

    async def _record(self, recorded: Recorded) -> None:
        async with self._changed:
            self.requests.append(recorded)
            self._changed.notify_all()

    def _me(self, request: Recorded, match: re.Match) -> web.Response:
        return _json(p.BOT_USER)

    def _sync(self, request: Recorded, match: re.Match) -> web.Response:
        echoed = []
        for command in request.body:
            existing = self.commands.get(command["name"])
            command_id = existing["id"] if existing else str(p.snowflake())
            item = {**command, "id": command_id, "application_id": str(p.APPLICATION_ID), "version": "1"}
            if match["guild"]:
                item["guild_id"] = match["guild"]
            self.commands[command["name"]] = item
            echoed.append(item)
        return _json(echoed)

    def _store(self, body: dict, channel_id: int = p.CHANNEL_ID, message_id: str | None = None, **extra) -> dict:
        message = p.message(channel_id, p.BOT_USER, body, int(message_id) if message_id else None, **extra)
        self.messages[message["id"]] = message
        return message

    def _callback(self, request: Recorded, match: re.Match) -> web.Response:
        kind = request.body["type"]
        data = request.body.get("data") or {}
        token = match["token"]
        interaction = {
            "id": match["id"],
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
        }
        result: dict[str, Any] = {"interaction": interaction}
        if kind in (4, 5):  # a new message (5: "thinking" until the follow-up or edit)
            message = self._store(data if kind == 4 else {"flags": data.get("flags", 0)})
            self.originals[token] = message["id"]
            interaction["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        elif kind in (6, 7):  # (deferred) update of the message the component is on
            source = self.component_sources.get(token)
            self.originals[token] = source
            if kind == 7 and source in self.messages:
                self.messages[source].update(
                    {k: v for k, v in data.items() if k in ("content", "embeds", "components")}
                )
                result["resource"] = {"type": kind, "message": self.messages[source]}
        elif kind == 8:  # autocomplete choices
            if len(data.get("choices", [])) > 25:
                self.problems.append("more than 25 autocomplete choices")
        else:
            self.problems.append(f"callback type {kind} is not handled by the fake")
        return _json(result)

    def _followup(self, request: Recorded, match: re.Match) -> web.Response:
        message = self._store(request.body, webhook_id=str(p.APPLICATION_ID))
        request.message_id = message["id"]
        if self.originals.get(match["token"]) is None:
            self.originals[match["token"]] = message["id"]
        return _json(message)

    def _webhook_message(self, match: re.Match) -> dict | None:
        if match["mid"] == "@original":
            return self.messages.get(self.originals.get(match["token"]) or "")
        return self.messages.get(match["mid"])

    def _edit_webhook(self, request: Recorded, match: re.Match) -> web.Response:
        message = self._webhook_message(match)
        if message is None:
            return _json({"code": 10008, "message": "Unknown Message"}, status=404)
        message.update({k: v for k, v in request.body.items() if k in ("content", "embeds", "components")})
        message["edited_timestamp"] = p.now()
        return _json(message)

    def _get_webhook(self, request: Recorded, match: re.Match) -> web.Response:
        message = self._webhook_message(match)
        return _json(message) if message else _json({"code": 10008, "message": "Unknown Message"}, status=404)

    def _delete_webhook(self, request: Recorded, match: re.Match) -> web.Response:
        message = self._webhook_message(match)
        if message:
            self.messages.pop(message["id"], None)
        return web.Response(status=204)

    def _channel_message(self, request: Recorded, match: re.Match) -> web.Response:
        extra = {}
        if "message_reference" in request.body:
            extra = {"message_reference": request.body["message_reference"], "type": 19}
        message = self._store(request.body, int(match["cid"]), **extra)
        request.message_id = message["id"]
        return _json(message)

    def _edit_channel_message(self, request: Recorded, match: re.Match) -> web.Response:
        message = self.messages.get(match["mid"])
        if message is None:
            return _json({"code": 10008, "message": "Unknown Message"}, status=404)
        message.update({k: v for k, v in request.body.items() if k in ("content", "embeds", "components")})
        return _json(message)

    # ---- invariants ------------------------------------------------------------------------

    def _check_message(self, where: str, body: dict) -> None:
        mentions = body.get("allowed_mentions")
        if mentions is None:
            self.problems.append(f"{where}: message sent without allowed_mentions")
        else:
            if mentions.get("parse"):
                self.problems.append(f"{where}: allowed_mentions.parse lets {mentions['parse']} be pinged")
            if mentions.get("users") or mentions.get("roles"):
                self.problems.append(f"{where}: allowed_mentions names users or roles to ping")
            if mentions.get("replied_user"):
                self.problems.append(f"{where}: allowed_mentions pings the replied-to user")
        self.problems.extend(f"{where}: {problem}" for problem in message_problems(body))


def message_problems(body: dict) -> list[str]:
    """Every way a message body (content and embeds, as sent to Discord) breaks one of Discord's limits."""
    problems = []
    content = body.get("content") or ""
    if len(content) > 2000:
        problems.append(f"content of {len(content)} characters (limit 2,000)")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (limit 10)")
    total = 0
    for embed in embeds:
        fields = embed.get("fields") or []
        sizes = {
            "title": (len(embed.get("title") or ""), 256),
            "description": (len(embed.get("description") or ""), 4096),
            "footer": (len((embed.get("footer") or {}).get("text") or ""), 2048),
            "author": (len((embed.get("author") or {}).get("name") or ""), 256),
        }
        for name, (size, limit) in sizes.items():
            if size > limit:
                problems.append(f"embed {name} of {size} characters (limit {limit:,})")
        if len(fields) > 25:
            problems.append(f"{len(fields)} fields (limit 25)")
        for item in fields:
            if len(item.get("name") or "") > 256 or len(item.get("value") or "") > 1024:
                problems.append("a field over 256/1,024 characters")
            if not (item.get("name") or "").strip() or not (item.get("value") or "").strip():
                problems.append("a field with an empty name or value")
        total += sum(size for size, _ in sizes.values())
        total += sum(len(item.get("name") or "") + len(item.get("value") or "") for item in fields)
    if total > 6000:
        problems.append(f"embeds of {total} characters in all (limit 6,000)")
    return problems
