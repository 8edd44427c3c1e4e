"""The loopback Discord's world and wire details: ids, users, limits, responses, gateway frames.

Responses carry `Content-Type: application/json` exactly (discord.py parses JSON only then, and
Discord sends it so); errors have Discord's `{"message", "code"[, "errors"]}` shape; a 429 has
Discord's headers (`Via`, `X-RateLimit-*`) and body (`retry_after`, `global`). Gateway frames are
`{"op", "d", "s", "t"}`, zlib-stream compressed (one stream per connection, each frame ending in
a Z_SYNC_FLUSH) when the client asked for `compress=zlib-stream`.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import discord_payloads as p

Json = dict[str, Any]
TOKEN = "fake.discord.bot-token"
APP_ID = "1190000000000000001"  # the application (and its bot user) of the recorded samples
GUILD_ID = "1100000000000000001"
CHANNEL_ID = "1100000000000000002"
MOD_ROLE_ID = "1100000000000000010"
CLUB_ROLE_ID = "1100000000000000011"
USERS = {  # name -> (id, role ids); haruka is the user of the recorded samples
    "haruka": ("803912331233886208", []),
    "mod": ("803912331233886209", [MOD_ROLE_ID]),
    "owner": ("803912331233886210", []),
    "clubber": ("803912331233886211", [CLUB_ROLE_ID]),
}
ROLE_PERMISSIONS = {MOD_ROLE_ID: p.MANAGE_GUILD, CLUB_ROLE_ID: 0}
LOADING, EPHEMERAL = 1 << 7, 1 << 6  # message flags
WAIT = 15.0  # seconds a test waits for the bot's REST calls
LIMITS = {
    "content": 2000,
    "title": 256,
    "description": 4096,
    "name": 256,
    "value": 1024,
    "footer": 2048,
    "fields": 25,
    "embeds": 10,
    "total": 6000,
}


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_response(
    status: int, code: int, message: str, errors: Json | None = None
) -> web.Response:
    body: Json = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return json_response(body, status)


def rate_limited(retry_after: float) -> web.Response:
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": str(retry_after),
        "X-RateLimit-Bucket": "fake-bucket",
        "X-RateLimit-Scope": "user",
    }
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return json_response(body, 429, headers)


def invalid_message(body: Json) -> web.Response | None:
    """Discord's 400 for an empty message or one beyond its limits; None when acceptable."""
    if not body.get("content") and not body.get("embeds"):
        return error_response(400, 50006, "Cannot send an empty message")
    problems = limit_errors(body)
    if not problems:
        return None
    error = {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be within Discord's limits."}
    return error_response(
        400, 50035, "Invalid Form Body", {k: {"_errors": [error]} for k in problems}
    )


def limit_errors(body: Json) -> list[str]:
    """Which of Discord's message limits `body` breaks (empty: Discord would accept it)."""
    problems = ["content"] if len(body.get("content") or "") > LIMITS["content"] else []
    embeds = body.get("embeds") or []
    if len(embeds) > LIMITS["embeds"]:
        problems.append("embeds")
    total = 0
    for i, embed in enumerate(embeds):
        footer = (embed.get("footer") or {}).get("text") or ""
        slots = {
            "title": embed.get("title") or "",
            "description": embed.get("description") or "",
            "footer": footer,
        }
        problems += [f"embeds.{i}.{k}" for k, v in slots.items() if len(v) > LIMITS[k]]
        fields = embed.get("fields") or []
        if len(fields) > LIMITS["fields"]:
            problems.append(f"embeds.{i}.fields")
        problems += [f"embeds.{i}.fields.{j}" for j, f in enumerate(fields) if _bad_field(f)]
        total += sum(map(len, slots.values())) + sum(
            len(f["name"]) + len(f["value"]) for f in fields
        )
    return [*problems, "embeds.total"] if total > LIMITS["total"] else problems


def _bad_field(item: Json) -> bool:
    name, value = item["name"], item["value"]
    return (
        not name or not value.strip() or len(name) > LIMITS["name"] or len(value) > LIMITS["value"]
    )


@dataclass
class GatewaySession:
    """One gateway connection: its own sequence numbers and compression stream."""

    ws: web.WebSocketResponse
    zlib_stream: bool
    seq: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    compressor: Any = field(default_factory=zlib.compressobj)

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        async with self.lock:
            seq = None
            if op == 0:
                self.seq += 1
                seq = self.seq
            frame = json.dumps({"op": op, "d": data, "s": seq, "t": event}).encode()
            if self.zlib_stream:
                packed = self.compressor.compress(frame) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(packed)
            else:
                await self.ws.send_str(frame.decode())


@dataclass
class InteractionState:
    """What Discord holds for one interaction: its token, whether it was answered, and its
    response message (None before a callback or once deleted)."""

    id: str
    token: str
    channel_id: str
    original: Json | None = None
    answered: bool = False


def member_of(name: str, *, with_permissions: bool = False) -> Json:
    """A USERS member as a guild member object (with the channel permissions Discord computes
    for interactions when `with_permissions`)."""
    user_id, roles = USERS[name]
    permissions = p.EVERYONE_PERMISSIONS
    for role_id in roles:
        permissions |= ROLE_PERMISSIONS[role_id]
    if name == "owner":
        permissions = (1 << 50) - 1
    return p.member(
        p.user(user_id, name), roles, permissions=permissions if with_permissions else None
    )


def guild() -> Json:
    """GUILD_CREATE for the one guild: @everyone, Moderators (Manage Server), Paper club."""
    roles = [
        p.role(GUILD_ID, "@everyone", p.EVERYONE_PERMISSIONS),
        p.role(MOD_ROLE_ID, "Moderators", p.EVERYONE_PERMISSIONS | p.MANAGE_GUILD, position=2),
        p.role(CLUB_ROLE_ID, "Paper club", p.EVERYONE_PERMISSIONS, position=1),
    ]
    channel = p.text_channel(CHANNEL_ID, GUILD_ID, "ml-papers")
    del channel["guild_id"]  # channels inside GUILD_CREATE omit it
    return p.guild_create(GUILD_ID, USERS["owner"][0], roles, [channel])
