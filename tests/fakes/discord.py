"""A loopback Discord: REST API v10 and a gateway websocket, for the real discord.py client.

REST (under `/api/v10`, bot token required where Discord requires it): `/gateway`,
`/gateway/bot`, `/users/@me`, `/oauth2/applications/@me`, global and guild application commands
(bulk overwrite), interaction callbacks (answered with JSON as with `?with_response=true`: a 204
makes discord.py fail), webhook follow-ups and `@original` edits/deletes, channel messages,
typing, reactions. Messages are checked against Discord's limits (400 / 50035 Invalid Form
Body) and `rate_limit()` queues a 429 with Discord's headers and body.

Gateway (`ws://127.0.0.1:{port}`, honouring `compress=zlib-stream`): HELLO, IDENTIFY ->
READY + GUILD_CREATE, HEARTBEAT -> ACK, RESUME -> RESUMED, and dispatches (`push()`) with
increasing `s` sequence numbers. Messages the bot posts come back as MESSAGE_CREATE, as on Discord.

Test API (from the test's loop): `slash()`, `say()`, `react()` push real-shaped dispatches built
by `tests/fakes/discord_payloads.py`; `wait_for()` awaits the REST calls discord.py makes;
`sent()` returns every message body the bot sent.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_payloads as p
from tests.fakes.server import LoopbackServer, Recorded

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
LOADING, EPHEMERAL = 1 << 7, 1 << 6
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


@dataclass
class _Session:
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
class _Interaction:
    id: str
    token: str
    channel_id: str
    original: Json | None = None
    answered: bool = False


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly "application/json", as Discord sends.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str, errors: Json | None = None) -> web.Response:
    body: Json = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _json(body, status)


def limit_errors(body: Json) -> list[str]:
    """Which of Discord's message limits `body` breaks (empty: Discord would accept it)."""
    problems = []
    if len(body.get("content") or "") > LIMITS["content"]:
        problems.append("content")
    embeds = body.get("embeds") or []
    if len(embeds) > LIMITS["embeds"]:
        problems.append("embeds")
    total = 0
    for i, embed in enumerate(embeds):
        title, desc = embed.get("title") or "", embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        fields = embed.get("fields") or []
        total += len(title) + len(desc) + len(footer)
        problems += [
            f"embeds.{i}.{k}"
            for k, v in (("title", title), ("description", desc), ("footer", footer))
            if len(v) > LIMITS[k]
        ]
        if len(fields) > LIMITS["fields"]:
            problems.append(f"embeds.{i}.fields")
        for j, item in enumerate(fields):
            total += len(item["name"]) + len(item["value"])
            if (
                not item["name"]
                or not item["value"].strip()
                or len(item["name"]) > LIMITS["name"]
                or len(item["value"]) > LIMITS["value"]
            ):
                problems.append(f"embeds.{i}.fields.{j}")
    if total > LIMITS["total"]:
        problems.append("embeds.total")
    return problems


class FakeDiscord(LoopbackServer):
    """One bot (APP_ID), one guild (GUILD_ID) with one text channel (CHANNEL_ID) and USERS."""

    def __init__(self, *, echo_own_messages: bool = True) -> None:
        super().__init__()
        self.ids = p.Snowflakes()
        self.me = p.current_user(APP_ID, "Paperboy")
        self.echo_own_messages = echo_own_messages
        self.messages: dict[str, Json] = {}
        self.commands: dict[str | None, list[Json]] = {}
        self.identified: list[Json] = []
        self.dispatched_at: dict[str, float] = {}  # interaction id -> fake-loop time it was sent
        self._interactions: dict[str, _Interaction] = {}
        self._sessions: list[_Session] = []
        self._rate_limits: deque[tuple[str, float]] = deque()

    # -- addresses -------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:
        api = "/api/v10"
        add = app.router.add_route
        add("GET", "/", self._gateway)
        add("GET", f"{api}/gateway", self._get_gateway)
        add("GET", f"{api}/gateway/bot", self._get_gateway)
        add("GET", f"{api}/users/@me", self._authed(lambda r: _json(self.me)))
        add("GET", f"{api}/oauth2/applications/@me", self._authed(self._application))
        for path in ("/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands"):
            add("PUT", api + path, self._authed(self._put_commands))
            add("GET", api + path, self._authed(self._get_commands))
        add("POST", f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        add("POST", f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        hook_message = f"{api}/webhooks/{{app}}/{{token}}/messages/{{mid}}"
        add("PATCH", hook_message, self._edit_original)
        add("DELETE", hook_message, self._delete_original)
        add("GET", f"{api}/channels/{{cid}}", self._authed(self._get_channel))
        add("POST", f"{api}/channels/{{cid}}/messages", self._authed(self._post_message))
        add("GET", f"{api}/channels/{{cid}}/messages/{{mid}}", self._authed(self._get_message))
        add(
            "POST",
            f"{api}/channels/{{cid}}/typing",
            self._authed(lambda r: web.Response(status=204)),
        )
        reactions = f"{api}/channels/{{cid}}/messages/{{mid}}/reactions/{{emoji}}/@me"
        add("PUT", reactions, self._authed(lambda r: web.Response(status=204)))
        add("DELETE", reactions, self._authed(lambda r: web.Response(status=204)))
        app.on_shutdown.append(self._close_sessions)

    # -- test API ------------------------------------------------------------------------------
    def rate_limit(self, path_part: str, retry_after: float = 0.05) -> None:
        """The next REST call whose path contains `path_part` gets Discord's 429."""
        self._rate_limits.append((path_part, retry_after))

    async def push(self, event: str, data: Json) -> None:
        """Send a DISPATCH (op 0) to every identified session."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._broadcast(event, data), self._loop)
        await asyncio.wrap_future(future)

    async def wait_for(
        self, method: str, path_part: str, count: int = 1, timeout: float = 15.0
    ) -> list[Recorded]:
        """The first `count` calls of `method` to a path containing `path_part`, once made."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            calls = [c for c in self.calls(path_part) if c.method == method]
            if len(calls) >= count:
                return calls[:count]
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{method} *{path_part}*: {len(calls)} of {count} calls made")
            await asyncio.sleep(0.01)

    def sent(self) -> list[Json]:
        """Bodies of every message the bot created or edited (channel posts, follow-ups)."""
        kinds = ("/messages", "/webhooks/")
        return [
            c.json()
            for c in self.requests
            if c.method in ("POST", "PATCH")
            and c.body
            and any(k in c.path for k in kinds)
            and "/callback" not in c.path
        ]

    def user(self, name: str) -> tuple[Json, list[str]]:
        user_id, roles = USERS[name]
        return p.user(user_id, name), roles

    def member_of(self, name: str, *, with_permissions: bool = False) -> Json:
        user, roles = self.user(name)
        permissions = p.EVERYONE_PERMISSIONS
        for role_id in roles:
            permissions |= ROLE_PERMISSIONS[role_id]
        if name == "owner":
            permissions = (1 << 50) - 1
        return p.member(user, roles, permissions=permissions if with_permissions else None)

    async def slash(
        self,
        query: str | None = None,
        *,
        by: str = "haruka",
        lang: str | None = None,
        autocomplete: bool = False,
    ) -> str:
        """Dispatch `/paper query:<query> [lang:<lang>]`; the interaction's id."""
        options: list[Json] = []
        if query is not None:
            options.append({"name": "query", "type": 3, "value": query})
            if autocomplete:
                options[-1]["focused"] = True
        if lang is not None:
            options.append({"name": "lang", "type": 3, "value": lang})
        interaction_id, token = self.ids.next(), f"aW50ZXJhY3Rpb246{self.ids.next()}"
        self._interactions[interaction_id] = _Interaction(interaction_id, token, CHANNEL_ID)
        data = p.interaction(
            interaction_id,
            token,
            app_id=APP_ID,
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            options=options,
            kind=4 if autocomplete else 2,
            member_data=self.member_of(by, with_permissions=True),
        )
        await self.push("INTERACTION_CREATE", data)
        return interaction_id

    async def say(self, content: str, *, by: str = "haruka") -> str:
        """Dispatch MESSAGE_CREATE of a member's message in the channel; the message id."""
        user, roles = self.user(by)
        mentioned = [self.me] if f"<@{APP_ID}>" in content or f"<@!{APP_ID}>" in content else []
        message = p.message(
            self.ids.next(),
            CHANNEL_ID,
            user,
            content,
            guild_id=GUILD_ID,
            member=p.member(None, roles),
            mentions=[{**u, "member": p.member(None, [])} for u in mentioned],
            mention_roles=re.findall(r"<@&(\d+)>", content),
        )
        self.messages[message["id"]] = message
        await self.push("MESSAGE_CREATE", message)
        return str(message["id"])

    async def react(
        self,
        message_id: str,
        emoji: str,
        *,
        by: str = "haruka",
        added: bool = True,
        custom_id: str | None = None,
    ) -> None:
        """Dispatch MESSAGE_REACTION_ADD/REMOVE (unicode `emoji`, or a custom one by name+id)."""
        user_id = APP_ID if by == "bot" else USERS[by][0]
        author = self.messages.get(message_id, {}).get("author", {}).get("id")
        member = p.member(self.me if by == "bot" else self.user(by)[0], [])
        data = p.reaction(
            added=added,
            user_id=user_id,
            channel_id=CHANNEL_ID,
            message_id=message_id,
            guild_id=GUILD_ID,
            emoji={"id": custom_id, "name": emoji},
            member_data=member,
            author_id=author,
        )
        await self.push("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data)

    # -- gateway -------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = _Session(ws, zlib_stream=request.query.get("compress") == "zlib-stream")
        await session.send(10, {"heartbeat_interval": 41250})
        async for frame in ws:
            if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await self._on_frame(session, json.loads(frame.data))
        if session in self._sessions:
            self._sessions.remove(session)
        return ws

    async def _on_frame(self, session: _Session, frame: Json) -> None:
        op = frame.get("op")
        if op == 1:
            await session.send(11, None)
        elif op == 2 and frame["d"].get("token") != TOKEN:
            await session.ws.close(code=4004, message=b"Authentication failed.")
        elif op == 2:
            self.identified.append(frame["d"])
            self._sessions.append(session)
            await session.send(
                0, p.ready(self.me, [GUILD_ID], self.ids.next(), self.gateway_url, APP_ID), "READY"
            )
            await session.send(0, self._guild(), "GUILD_CREATE")
        elif op == 6:
            self._sessions.append(session)
            await session.send(0, {}, "RESUMED")

    def _guild(self) -> Json:
        roles = [
            p.role(GUILD_ID, "@everyone", p.EVERYONE_PERMISSIONS),
            p.role(MOD_ROLE_ID, "Moderators", p.EVERYONE_PERMISSIONS | p.MANAGE_GUILD, position=2),
            p.role(CLUB_ROLE_ID, "Paper club", p.EVERYONE_PERMISSIONS, position=1),
        ]
        channel = p.text_channel(CHANNEL_ID, GUILD_ID, "ml-papers")
        del channel["guild_id"]  # channels inside GUILD_CREATE omit it
        return p.guild_create(GUILD_ID, USERS["owner"][0], roles, [channel])

    async def _broadcast(self, event: str, data: Json) -> None:
        if event == "INTERACTION_CREATE":
            self.dispatched_at[data["id"]] = asyncio.get_running_loop().time()
        for session in list(self._sessions):
            await session.send(0, data, event)

    async def _close_sessions(self, app: web.Application) -> None:
        for session in list(self._sessions):
            await session.ws.close(code=1001, message=b"going away")

    # -- REST: helpers -------------------------------------------------------------------------
    def _authed(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bot {TOKEN}":
                return _error(401, 0, "401: Unauthorized")
            limited = self._limited(request.path)
            if limited is not None:
                return limited
            result = handler(request)
            return await result if asyncio.iscoroutine(result) else result

        return wrapped

    def _limited(self, path: str) -> web.Response | None:
        for entry in list(self._rate_limits):
            if entry[0] in path:
                self._rate_limits.remove(entry)
                retry = entry[1]
                headers = {
                    "Content-Type": "application/json",
                    "Via": "1.1 google",
                    "Retry-After": str(max(1, round(retry))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(retry),
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "user",
                }
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry,
                    "global": False,
                }
                return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
        return None

    def _new_message(self, channel_id: str, body: Json, **extra: Any) -> Json:
        embeds = [{**e, "type": "rich"} for e in body.get("embeds") or []]
        message = p.message(
            self.ids.next(), channel_id, self.me, body.get("content") or "", embeds=embeds, **extra
        )
        if not message["flags"] & EPHEMERAL:
            self.messages[message["id"]] = message
        return message

    async def _echo(self, message: Json) -> None:
        if self.echo_own_messages and not message["flags"] & EPHEMERAL:
            await self._broadcast(
                "MESSAGE_CREATE", {**message, "guild_id": GUILD_ID, "member": p.member(None, [])}
            )

    @staticmethod
    def _invalid(body: Json) -> web.Response | None:
        if not body.get("content") and not body.get("embeds"):
            return _error(400, 50006, "Cannot send an empty message")
        problems = limit_errors(body)
        if problems:
            return _error(
                400,
                50035,
                "Invalid Form Body",
                {
                    k: {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be within Discord's limits.",
                            }
                        ]
                    }
                    for k in problems
                },
            )
        return None

    # -- REST: handlers ------------------------------------------------------------------------
    async def _get_gateway(self, request: web.Request) -> web.Response:
        if not request.path.endswith("/bot"):
            return _json({"url": self.gateway_url})
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return _error(401, 0, "401: Unauthorized")
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    def _application(self, request: web.Request) -> web.Response:
        return _json(p.application(APP_ID, "Paperboy", p.user(USERS["owner"][0], "owner")))

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild = request.match_info.get("guild")
        made = [
            p.application_command(c, command_id=self.ids.next(), app_id=APP_ID, guild_id=guild)
            for c in await request.json()
        ]
        self.commands[guild] = made
        return _json(made)

    def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.commands.get(request.match_info.get("guild"), []))

    async def _callback(self, request: web.Request) -> web.Response:
        state = self._interactions.get(request.match_info["id"])
        if state is None or state.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        if state.answered:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        state.answered = True
        body = await request.json()
        kind, data = body["type"], body.get("data") or {}
        answer: Json = {"interaction": {"id": state.id, "type": 2}}
        if kind in (4, 5):
            flags = (data.get("flags") or 0) & EPHEMERAL | (LOADING if kind == 5 else 0)
            state.original = self._new_message(
                state.channel_id,
                data,
                type=20,
                flags=flags,
                webhook_id=APP_ID,
                application_id=APP_ID,
            )
            answer["interaction"].update(
                response_message_id=state.original["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
            answer["resource"] = {"type": kind, "message": state.original}
        elif kind == 8:
            answer["interaction"]["type"] = 4
        return _json(answer)

    def _by_token(self, request: web.Request) -> _Interaction | None:
        token = request.match_info["token"]
        return next((i for i in self._interactions.values() if i.token == token), None)

    async def _followup(self, request: web.Request) -> web.Response:
        state, body = self._by_token(request), await request.json()
        if state is None or not state.answered:
            return _error(404, 10015, "Unknown Webhook")
        if (invalid := self._invalid(body)) is not None:
            return invalid
        original = state.original
        if original is not None and original["flags"] & LOADING:
            # The first follow-up after a deferral completes the "thinking…" message.
            original.update(
                content=body.get("content") or "",
                flags=original["flags"] & ~LOADING,
                embeds=[{**e, "type": "rich"} for e in body.get("embeds") or []],
            )
            return _json(original)
        flags = (body.get("flags") or 0) & EPHEMERAL
        message = self._new_message(
            state.channel_id, body, flags=flags, webhook_id=APP_ID, application_id=APP_ID
        )
        await self._echo(message)
        return _json(message)

    async def _edit_original(self, request: web.Request) -> web.Response:
        state, body = self._by_token(request), await request.json()
        if state is None or state.original is None:
            return _error(404, 10008, "Unknown Message")
        if (invalid := self._invalid({**state.original, **body})) is not None:
            return invalid
        state.original.update({k: body[k] for k in ("content", "embeds") if k in body})
        state.original["flags"] &= ~LOADING
        return _json(state.original)

    async def _delete_original(self, request: web.Request) -> web.Response:
        state = self._by_token(request)
        if state is None or state.original is None:
            return _error(404, 10008, "Unknown Message")
        self.messages.pop(state.original["id"], None)
        state.original = None
        return web.Response(status=204)

    def _get_channel(self, request: web.Request) -> web.Response:
        if request.match_info["cid"] != CHANNEL_ID:
            return _error(404, 10003, "Unknown Channel")
        return _json(p.text_channel(CHANNEL_ID, GUILD_ID, "ml-papers"))

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        if request.match_info["cid"] != CHANNEL_ID:
            return _error(404, 10003, "Unknown Channel")
        if (invalid := self._invalid(body)) is not None:
            return invalid
        extra: Json = {}
        if reference := body.get("message_reference"):  # a reply: type 19 with the replied-to
            extra = {
                "type": 19,
                "message_reference": {"type": 0, **reference},
                "referenced_message": self.messages.get(str(reference.get("message_id"))),
            }
        message = self._new_message(CHANNEL_ID, body, guild_id=GUILD_ID, **extra)
        await self._echo(message)
        return _json(message)

    def _get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["mid"])
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(message)
