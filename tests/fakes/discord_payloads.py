"""Discord API objects and gateway dispatches, shaped as Discord's documentation describes them.

Users, members, roles, channels, guilds, messages, application commands, READY, and the two
recorded samples in tests/fixtures (INTERACTION_CREATE, MESSAGE_REACTION_ADD) re-used as
templates. Ids are snowflakes (stringified integers, as on the wire); no field here is one
Discord does not send.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DISCORD_EPOCH_MS = 1420070400000
EVERYONE_PERMISSIONS = 1 << 6 | 1 << 10 | 1 << 11 | 1 << 14 | 1 << 16 | 1 << 31  # add reactions,
# view channel, send messages, embed links, read history, use application commands
MANAGE_GUILD = 1 << 5

Json = dict[str, Any]


def fixture(name: str) -> Json:
    """A recorded gateway payload from tests/fixtures (the whole `{op, s, t, d}` frame)."""
    data: Json = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


class Snowflakes:
    """Increasing snowflake ids: milliseconds since Discord's epoch << 22 | a counter."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            increment = next(self._counter) & 0xFFF
            now = int(time.time() * 1000) - DISCORD_EPOCH_MS
            return str(now << 22 | 1 << 17 | increment)


def timestamp() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: str, username: str, *, bot: bool = False) -> Json:
    data: Json = {
        "id": user_id,
        "username": username,
        "global_name": None if bot else username.title(),
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        data["bot"] = True
    return data


def current_user(user_id: str, username: str) -> Json:
    """`GET /users/@me` and READY's user for a bot account."""
    return {
        **user(user_id, username, bot=True),
        "verified": True,
        "mfa_enabled": False,
        "flags": 0,
        "email": None,
        "locale": "en-US",
        "banner": None,
        "accent_color": None,
    }


def application(app_id: str, name: str, owner: Json) -> Json:
    """`GET /oauth2/applications/@me`."""
    return {
        "id": app_id,
        "name": name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "1e0a356058d627ca38a5c8c9648818061d49e49bd9da9e3ab17d98ad4d6bg2u8",
        "flags": 1 << 19,
        "owner": owner,
        "team": None,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "approximate_guild_count": 1,
        "is_monetized": False,
        "integration_types_config": {"0": {}},
    }


def role(role_id: str, name: str, permissions: int, *, position: int = 0) -> Json:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
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


def member(member_user: Json | None, roles: list[str], *, permissions: int | None = None) -> Json:
    """A guild member; `member_user=None` for the partial member of MESSAGE_CREATE."""
    data: Json = {
        "roles": roles,
        "joined_at": "2023-05-01T09:00:00.000000+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "communication_disabled_until": None,
        "premium_since": None,
    }
    if member_user is not None:
        data["user"] = member_user
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def text_channel(channel_id: str, guild_id: str, name: str) -> Json:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def thread_channel(thread_id: str, parent_id: str, guild_id: str, owner_id: str, name: str) -> Json:
    """A public thread (type 11) as THREAD_CREATE carries it: started on a message, a thread
    has that message's id."""
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": guild_id,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": timestamp(),
            "locked": False,
            "create_timestamp": timestamp(),
        },
        "newly_created": True,
    }


def guild_create(guild_id: str, owner_id: str, roles: list[Json], channels: list[Json]) -> Json:
    """GUILD_CREATE: a guild object plus the gateway-only fields (channels, members...)."""
    return {
        "id": guild_id,
        "name": "ML reading group",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        "joined_at": "2024-01-08T10:00:00.000000+00:00",
        "large": False,
        "unavailable": False,
        "member_count": 3,
        "voice_states": [],
        "members": [],
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def ready(me: Json, guild_ids: list[str], session_id: str, resume_url: str, app_id: str) -> Json:
    return {
        "v": 10,
        "user": me,
        "guilds": [{"id": g, "unavailable": True} for g in guild_ids],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "shard": [0, 1],
        "application": {"id": app_id, "flags": 1 << 19},
    }


def message(message_id: str, channel_id: str, author: Json, content: str, **extra: Any) -> Json:
    """A message object; `extra` adds documented optional fields (embeds, guild_id, member...)."""
    data: Json = {
        "id": message_id,
        "type": 0,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": timestamp(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": 0,
        "components": [],
    }
    data.update(extra)
    return data


def interaction(
    interaction_id: str,
    token: str,
    *,
    app_id: str,
    guild_id: str,
    channel_id: str,
    member_data: Json,
    options: list[Json],
    kind: int = 2,
    locale: str | None = None,
) -> Json:
    """INTERACTION_CREATE `d` for `/paper`, from the recorded sample (type 2; 4 = autocomplete);
    `locale`: the user's client language (the sample's `ja` when not given)."""
    data: Json = copy.deepcopy(fixture("discord_dispatch_interaction_paper.json")["d"])
    data.update(
        id=interaction_id,
        token=token,
        application_id=app_id,
        guild_id=guild_id,
        channel_id=channel_id,
        member=member_data,
        type=kind,
    )
    data["channel"].update(id=channel_id, guild_id=guild_id)
    data["authorizing_integration_owners"] = {"0": guild_id}
    data["data"].update(guild_id=guild_id, options=options)
    if locale is not None:
        data["locale"] = locale
    return data


def reaction(
    *,
    added: bool,
    user_id: str,
    channel_id: str,
    message_id: str,
    guild_id: str,
    emoji: Json,
    member_data: Json | None = None,
    author_id: str | None = None,
) -> Json:
    """MESSAGE_REACTION_ADD / _REMOVE `d` from the recorded sample; REMOVE carries no member,
    no message_author_id and no burst_colors."""
    data: Json = copy.deepcopy(fixture("discord_dispatch_message_reaction_add.json")["d"])
    data.update(
        user_id=user_id,
        channel_id=channel_id,
        message_id=message_id,
        guild_id=guild_id,
        emoji=emoji,
    )
    if not added:
        for key in ("member", "message_author_id", "burst_colors"):
            data.pop(key, None)
        return data
    if member_data is not None:
        data["member"] = member_data
    if author_id is not None:
        data["message_author_id"] = author_id
    return data


def application_command(
    command: Json, *, command_id: str, app_id: str, guild_id: str | None
) -> Json:
    """What bulk-overwrite answers for each command it was given."""
    data: Json = {
        "id": command_id,
        "application_id": app_id,
        "version": command_id,
        "type": command.get("type", 1),
        "name": command["name"],
        "description": command.get("description", ""),
        "options": command.get("options", []),
        "default_member_permissions": command.get("default_member_permissions"),
        "nsfw": command.get("nsfw", False),
        "contexts": command.get("contexts"),
        "integration_types": command.get("integration_types", [0]),
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    return data
