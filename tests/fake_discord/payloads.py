"""Every payload the fake sends, in one place (checked against discord.py 2.7.1).

Points that moved between discord.py 2.4 and 2.7: the interaction callback answers with a body
(`with_response`), interactions need `attachment_size_limit`, roles carry `colors`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

_ids = itertools.count(1_300_000_000_000_000_000)

APPLICATION_ID = 1_100_000_000_000_000_001
BOT_USER_ID = APPLICATION_ID
GUILD_ID = 1_100_000_000_000_000_100
CHANNEL_ID = 1_100_000_000_000_000_200
MODERATOR_ROLE_ID = 1_100_000_000_000_000_300
OTHER_GUILD_ID = 1_100_000_000_000_000_101
"""A guild the bot is also in, with no say over the shared corpus unless the config names it."""
SHARD_GUILD_ID = GUILD_ID + (1 << 22)
"""A guild on the other shard of two from GUILD_ID (Discord puts guild G on shard (G >> 22) % count)."""


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
VIEW_CHANNEL = 1 << 10
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | (1 << 31)  # + use application commands


def snowflake() -> int:
    return next(_ids)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


BOT_USER = user(BOT_USER_ID, "newsbot", bot=True)
MEMBER = user(1_100_000_000_000_000_401, "member")
MODERATOR = user(1_100_000_000_000_000_402, "moderator")
ROLE_HOLDER = user(1_100_000_000_000_000_403, "role-holder")
STRANGER = user(1_100_000_000_000_000_404, "stranger")
"""Holds Manage Server in OTHER_GUILD_ID; not the bot's owner (MODERATOR owns the application)."""


def member(u: dict, roles: list[int] = (), permissions: int = MEMBER_PERMISSIONS) -> dict[str, Any]:
    return {
        "user": u,
        "roles": [str(r) for r in roles],
        "joined_at": now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "permissions": str(permissions),
        "pending": False,
    }


def role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


@dataclass(frozen=True)
class TextChannelOption:
    """A slash command's channel option: the guild's text channel with this id (the fake's has CHANNEL_ID)."""

    channel_id: int = 0


def channel() -> dict[str, Any]:
    return {
        "id": str(CHANNEL_ID),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def guild(guild_id: int = GUILD_ID) -> dict[str, Any]:
    members = [
        member(BOT_USER),
        member(MEMBER),
        member(MODERATOR, permissions=MEMBER_PERMISSIONS | MANAGE_GUILD),
        member(ROLE_HOLDER, roles=[MODERATOR_ROLE_ID]),
    ]
    return {
        "id": str(guild_id),
        "name": "Test Guild",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(MODERATOR["id"]),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "features": [],
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "max_members": 1000,
        "large": False,
        "unavailable": False,
        "joined_at": now(),
        "member_count": len(members),
        "application_id": None,
        "roles": [
            role(guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
            role(MODERATOR_ROLE_ID, "moderators", MEMBER_PERMISSIONS, 1),
        ],
        "channels": [channel()],
        "members": members,
        "emojis": [],
        "stickers": [],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def ready(
    session_id: str, gateway_url: str, guild_ids: tuple[int, ...] = (GUILD_ID,), shard: list[int] | None = None
) -> dict[str, Any]:
    return {
        "v": 10,
        "user": BOT_USER,
        "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
        **({"shard": shard} if shard else {}),
        "session_id": session_id,
        "resume_gateway_url": gateway_url,
        "application": {"id": str(APPLICATION_ID), "flags": 0},
        "private_channels": [],
        "relationships": [],
    }


def application() -> dict[str, Any]:
    return {
        "id": str(APPLICATION_ID),
        "name": "newsbot",
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": MODERATOR,
        "summary": "",
        "verify_key": "00",
        "team": None,
        "flags": 0,
    }


def message(channel_id: int, author: dict, body: dict, message_id: int | None = None, **extra) -> dict[str, Any]:
    """A message object as Discord returns it, built from what the bot sent."""
    return {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "guild_id": str(GUILD_ID),
        "author": author,
        "content": body.get("content") or "",
        "timestamp": now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": extra.pop("type", 0),
        "flags": body.get("flags") or 0,
        **extra,
    }


def user_message(
    content: str,
    author: dict = MEMBER,
    mentions: list[dict] = (),
    channel_id: int = CHANNEL_ID,
    reply_to: dict | None = None,
    mention_roles: list[int] = (),
) -> dict[str, Any]:
    """MESSAGE_CREATE for a member's message in the test channel (or a thread), maybe a reply to a message."""
    data = {
        **message(channel_id, author, {"content": content}),
        "mentions": list(mentions),
        "mention_roles": [str(r) for r in mention_roles],
        "member": {k: v for k, v in member(author).items() if k != "user"},
    }
    if reply_to is not None:
        data.update(
            type=19,
            message_reference={
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
                "guild_id": str(GUILD_ID),
            },
            referenced_message=reply_to,
        )
    return data


def thread(thread_id: int, name: str, owner: dict = MEMBER) -> dict[str, Any]:
    """A public thread under the test channel, as THREAD_CREATE carries it."""
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(CHANNEL_ID),
        "owner_id": owner["id"],
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "newly_created": True,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now(),
            "locked": False,
        },
    }


def _interaction(
    kind: int, data: dict, who: dict, token: str, permissions: int, guild_id: int = GUILD_ID, **extra
) -> dict[str, Any]:
    return {
        "id": str(snowflake()),
        "application_id": str(APPLICATION_ID),
        "type": kind,
        "token": token,
        "version": 1,
        "data": data,
        "guild_id": str(guild_id),
        "channel_id": str(CHANNEL_ID),
        "channel": channel(),
        "member": member(who, roles=[int(r) for r in _roles_of(who)], permissions=permissions),
        "app_permissions": str(MEMBER_PERMISSIONS),
        "locale": "en-US",
        "guild_locale": "en-US",
        "attachment_size_limit": 8 * 1024 * 1024,
        "entitlements": [],
        "authorizing_integration_owners": {},
        "context": 0,
        **extra,
    }


def _roles_of(who: dict) -> list[int]:
    return [MODERATOR_ROLE_ID] if who is ROLE_HOLDER else []


def permissions_of(who: dict) -> int:
    return MEMBER_PERMISSIONS | MANAGE_GUILD if who is MODERATOR or who is STRANGER else MEMBER_PERMISSIONS


def slash_command(
    name: str,
    command_id: str,
    options: dict[str, Any],
    who: dict,
    token: str,
    attachments: dict[str, dict] | None = None,
    focused: str | None = None,
    guild_id: int = GUILD_ID,
) -> dict[str, Any]:
    """A command (or, with `focused`, an autocomplete request for that option), in a guild."""
    option_types = {str: 3, bool: 5, int: 4}
    group, _, subcommand = name.partition(" ")  # "feed add": the subcommand add of the group feed
    given: list[dict[str, Any]] = []
    resolved: dict[str, Any] = {}
    for k, v in options.items():
        if isinstance(v, TextChannelOption):
            given.append({"name": k, "type": 7, "value": str(v.channel_id)})
            resolved.setdefault("channels", {})[str(v.channel_id)] = {
                **channel(),
                "permissions": str(MEMBER_PERMISSIONS),
            }
            continue
        given.append(
            {"name": k, "type": option_types[type(v)], "value": v, **({"focused": True} if k == focused else {})}
        )
    if attachments:
        given += [{"name": k, "type": 11, "value": a["id"]} for k, a in attachments.items()]
        resolved["attachments"] = {a["id"]: a for a in attachments.values()}
    data: dict[str, Any] = {
        "id": command_id,
        "name": group,
        "type": 1,
        "guild_id": str(guild_id),
        "options": [{"name": subcommand, "type": 1, "options": given}] if subcommand else given,
    }
    if resolved:
        data["resolved"] = resolved
    return _interaction(4 if focused else 2, data, who, token, permissions_of(who), guild_id)


def attachment(attachment_id: int, filename: str, size: int, url: str) -> dict[str, Any]:
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": "text/plain; charset=utf-8",
    }


def component(custom_id: str, source: dict, who: dict, token: str) -> dict[str, Any]:
    data = {"custom_id": custom_id, "component_type": 2}
    return _interaction(3, data, who, token, permissions_of(who), message=source)
