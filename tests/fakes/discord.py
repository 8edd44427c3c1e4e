"""A loopback Discord: REST API v10 and a gateway websocket, for the real discord.py client.

REST (under `/api/v10`, bot token required where Discord requires it): `/gateway`,
`/gateway/bot`, `/users/@me`, `/oauth2/applications/@me`, global and guild application commands
(bulk overwrite), interaction callbacks (answered with JSON, as Discord does for
`?with_response=true`: a 204 makes discord.py fail), webhook follow-ups and `@original`
edits/deletes, channel messages (`PATCH` edits recorded in `edits`, with the fake's loop time),
typing, reactions. Messages are checked against Discord's
limits (400 / 50035 Invalid Form Body); `rate_limit()` queues a 429 with Discord's headers.

Gateway (`ws://127.0.0.1:{port}`, honouring `compress=zlib-stream`): HELLO, IDENTIFY ->
READY + GUILD_CREATE, HEARTBEAT -> ACK, RESUME -> RESUMED, and dispatches with increasing `s`
sequence numbers. Messages the bot posts come back as MESSAGE_CREATE, as on Discord.

Test API (from the test's loop): `slash()`, `say()`, `react()`... (tests/fakes/discord_scenes.py)
push real-shaped dispatches built by tests/fakes/discord_payloads.py; `wait_for()` awaits the
REST calls discord.py makes; `sent()` returns every message body the bot sent.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_payloads as p
from tests.fakes.discord_scenes import Dispatch, Scenes
from tests.fakes.discord_wire import (
    APP_ID,
    CHANNEL_ID,
    CLUB_ROLE_ID,
    EPHEMERAL,
    GUILD_ID,
    LOADING,
    MOD_ROLE_ID,
    TOKEN,
    USERS,
    WAIT,
    GatewaySession,
    InteractionState,
    Json,
    error_response,
    guild,
    invalid_message,
    json_response,
    limit_errors,
    rate_limited,
)
from tests.fakes.server import LoopbackServer, Recorded

__all__ = [
    "APP_ID",
    "CHANNEL_ID",
    "CLUB_ROLE_ID",
    "GUILD_ID",
    "MOD_ROLE_ID",
    "TOKEN",
    "USERS",
    "FakeDiscord",
    "limit_errors",
]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NO_CONTENT = 204


class FakeDiscord(Scenes, LoopbackServer):
    """One bot (APP_ID), one guild (GUILD_ID) with one text channel (CHANNEL_ID) and USERS."""

    def __init__(self, *, echo_own_messages: bool = True) -> None:
        super().__init__()
        self.ids = p.Snowflakes()
        self.me = p.current_user(APP_ID, "Paperboy")
        self.echo_own_messages = echo_own_messages
        self.messages: dict[str, Json] = {}
        self.threads: dict[str, Json] = {}  # by id: threads started on messages
        self.commands: dict[str | None, list[Json]] = {}
        self.identified: list[Json] = []
        self.dispatched_at: dict[str, float] = {}  # interaction id -> fake-loop time it was sent
        self.interactions: dict[str, InteractionState] = {}  # by token
        self._sessions: list[GatewaySession] = []
        self._rate_limits: deque[tuple[str, float]] = deque()
        self.edits: list[tuple[str, Json, float]] = []  # (message id, body, loop time)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:
        api, add, authed = "/api/v10", app.router.add_route, self._authed
        add("GET", "/", self._gateway)
        add("GET", f"{api}/gateway", self._get_gateway)
        add("GET", f"{api}/gateway/bot", self._get_gateway)
        add("GET", f"{api}/users/@me", authed(self._me))
        add("GET", f"{api}/oauth2/applications/@me", authed(self._application))
        for path in ("/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands"):
            add("PUT", api + path, authed(self._put_commands))
            add("GET", api + path, authed(self._get_commands))
        add("POST", f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        add("POST", f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        add("PATCH", f"{api}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._edit_original)
        add("DELETE", f"{api}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._delete_original)
        add("GET", f"{api}/channels/{{cid}}", authed(self._get_channel))
        add("POST", f"{api}/channels/{{cid}}/messages", authed(self._post_message))
        add("GET", f"{api}/channels/{{cid}}/messages/{{mid}}", authed(self._get_message))
        add("PATCH", f"{api}/channels/{{cid}}/messages/{{mid}}", authed(self._edit_message))
        add("POST", f"{api}/channels/{{cid}}/typing", authed(self._no_content))
        reactions = f"{api}/channels/{{cid}}/messages/{{mid}}/reactions/{{emoji}}/@me"
        add("PUT", reactions, authed(self._no_content))
        add("DELETE", reactions, authed(self._no_content))
        app.on_shutdown.append(self._close_sessions)

    # -- test API ------------------------------------------------------------------------------
    def rate_limit(self, path_part: str, retry_after: float = 0.05) -> None:
        """The next REST call whose path contains `path_part` gets Discord's 429."""
        self._rate_limits.append((path_part, retry_after))

    async def push_many(self, dispatches: list[Dispatch]) -> None:
        """Send DISPATCHes back to back to every identified session, as a busy gateway does."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._broadcast_all(dispatches), self._loop)
        await asyncio.wrap_future(future)

    async def wait_for(self, method: str, path_part: str, count: int = 1) -> list[Recorded]:
        """The first `count` calls of `method` to a path containing `path_part`, once made
        (TimeoutError after WAIT seconds)."""
        async with asyncio.timeout(WAIT):
            while True:
                calls = [c for c in self.calls(path_part) if c.method == method]
                if len(calls) >= count:
                    return calls[:count]
                await asyncio.sleep(0.01)

    def sent(self) -> list[Json]:
        """Bodies of every message the bot created or edited (channel posts, follow-ups)."""
        return [
            c.json()
            for c in self.calls()
            if c.method in ("POST", "PATCH")
            and c.body
            and ("/messages" in c.path or "/webhooks/" in c.path)
        ]

    def original(self, interaction_id: str) -> Json | None:
        """The interaction's response message as Discord holds it now (None once deleted)."""
        state = next((i for i in self.interactions.values() if i.id == interaction_id), None)
        return state.original if state else None

    # -- gateway -------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = GatewaySession(ws, zlib_stream=request.query.get("compress") == "zlib-stream")
        await session.send(10, {"heartbeat_interval": 41250})
        async for frame in ws:
            if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await self._on_frame(session, json.loads(frame.data))
        if session in self._sessions:
            self._sessions.remove(session)
        return ws

    async def _on_frame(self, session: GatewaySession, frame: Json) -> None:
        op = frame.get("op")
        if op == 1:
            await session.send(11, None)
        elif op == 2 and frame["d"].get("token") != TOKEN:
            await session.ws.close(code=4004, message=b"Authentication failed.")
        elif op == 2:
            self.identified.append(frame["d"])
            self._sessions.append(session)
            ready = p.ready(self.me, [GUILD_ID], self.ids.next(), self.gateway_url, APP_ID)
            await session.send(0, ready, "READY")
            await session.send(0, guild(), "GUILD_CREATE")
        elif op == 6:
            self._sessions.append(session)
            await session.send(0, {}, "RESUMED")

    async def _broadcast_all(self, dispatches: list[Dispatch]) -> None:
        for event, data in dispatches:
            await self._broadcast(event, data)

    async def _broadcast(self, event: str, data: Json) -> None:
        if event == "INTERACTION_CREATE":
            self.dispatched_at[data["id"]] = asyncio.get_running_loop().time()
        for session in list(self._sessions):
            await session.send(0, data, event)

    async def _close_sessions(self, app: web.Application) -> None:
        for session in list(self._sessions):
            await session.ws.close(code=1001, message=b"going away")

    # -- REST: helpers -------------------------------------------------------------------------
    def _authed(self, handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bot {TOKEN}":
                return error_response(401, 0, "401: Unauthorized")
            for entry in list(self._rate_limits):
                if entry[0] in request.path:
                    self._rate_limits.remove(entry)
                    return rate_limited(entry[1])
            return await handler(request)

        return wrapped

    def _new_message(self, channel_id: str, body: Json, **extra: Any) -> Json:
        embeds = [{**e, "type": "rich"} for e in body.get("embeds") or []]
        content = body.get("content") or ""
        message = p.message(self.ids.next(), channel_id, self.me, content, embeds=embeds, **extra)
        if not message["flags"] & EPHEMERAL:
            self.messages[message["id"]] = message
        return message

    async def _echo(self, message: Json) -> None:
        if self.echo_own_messages and not message["flags"] & EPHEMERAL:
            member = p.member(None, [])
            await self._broadcast(
                "MESSAGE_CREATE", {**message, "guild_id": GUILD_ID, "member": member}
            )

    # -- REST: handlers ------------------------------------------------------------------------
    async def _no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=NO_CONTENT)

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.me)

    async def _get_gateway(self, request: web.Request) -> web.Response:
        if not request.path.endswith("/bot"):
            return json_response({"url": self.gateway_url})
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return error_response(401, 0, "401: Unauthorized")
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(p.application(APP_ID, "Paperboy", p.user(USERS["owner"][0], "owner")))

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild_id = request.match_info.get("guild")
        made = [
            p.application_command(c, command_id=self.ids.next(), app_id=APP_ID, guild_id=guild_id)
            for c in await request.json()
        ]
        self.commands[guild_id] = made
        return json_response(made)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.commands.get(request.match_info.get("guild"), []))

    async def _callback(self, request: web.Request) -> web.Response:
        state = self.interactions.get(request.match_info["token"])
        if state is None or state.id != request.match_info["id"]:
            return error_response(404, 10062, "Unknown interaction")
        if state.answered:
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        state.answered = True
        body = await request.json()
        kind, data = body["type"], body.get("data") or {}
        answer: Json = {"interaction": {"id": state.id, "type": 4 if kind == 8 else 2}}
        if kind in (4, 5):  # a message, or a deferred one ("thinking…")
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
        return json_response(answer)

    async def _followup(self, request: web.Request) -> web.Response:
        state, body = self.interactions.get(request.match_info["token"]), await request.json()
        if state is None or not state.answered:
            return error_response(404, 10015, "Unknown Webhook")
        if (invalid := invalid_message(body)) is not None:
            return invalid
        original = state.original
        if original is not None and original["flags"] & LOADING:
            # The first follow-up after a deferral completes the "thinking…" message.
            embeds = [{**e, "type": "rich"} for e in body.get("embeds") or []]
            content = body.get("content") or ""
            original.update(content=content, embeds=embeds, flags=original["flags"] & ~LOADING)
            return json_response(original)
        flags = (body.get("flags") or 0) & EPHEMERAL
        message = self._new_message(
            state.channel_id, body, flags=flags, webhook_id=APP_ID, application_id=APP_ID
        )
        await self._echo(message)
        return json_response(message)

    async def _edit_original(self, request: web.Request) -> web.Response:
        state, body = self.interactions.get(request.match_info["token"]), await request.json()
        if state is None or state.original is None:
            return error_response(404, 10008, "Unknown Message")
        if (invalid := invalid_message({**state.original, **body})) is not None:
            return invalid
        state.original.update({k: body[k] for k in ("content", "embeds") if k in body})
        state.original["flags"] &= ~LOADING
        return json_response(state.original)

    async def _delete_original(self, request: web.Request) -> web.Response:
        state = self.interactions.get(request.match_info["token"])
        if state is None or state.original is None:
            return error_response(404, 10008, "Unknown Message")
        self.messages.pop(state.original["id"], None)
        state.original = None
        return web.Response(status=NO_CONTENT)

    async def _get_channel(self, request: web.Request) -> web.Response:
        if request.match_info["cid"] != CHANNEL_ID:
            return error_response(404, 10003, "Unknown Channel")
        return json_response(p.text_channel(CHANNEL_ID, GUILD_ID, "ml-papers"))

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        cid = request.match_info["cid"]
        if cid != CHANNEL_ID and cid not in self.threads:
            return error_response(404, 10003, "Unknown Channel")
        if (invalid := invalid_message(body)) is not None:
            return invalid
        extra: Json = {}
        if reference := body.get("message_reference"):  # a reply: type 19, with the replied-to
            replied = str(reference.get("message_id"))
            extra = {
                "type": 19,
                "referenced_message": self.messages.get(replied),
                "message_reference": {
                    "type": 0,
                    "message_id": replied,
                    "channel_id": cid,
                    "guild_id": GUILD_ID,
                },
            }
        message = self._new_message(cid, body, guild_id=GUILD_ID, **extra)
        await self._echo(message)
        return json_response(message)

    def edits_of(self, message_id: str) -> list[Json]:
        """Bodies of the edits made to one message, oldest first."""
        return [body for mid, body, _ in self.edits if mid == message_id]

    async def _edit_message(self, request: web.Request) -> web.Response:
        """Edit Message: the bot's own messages (interaction responses and follow-ups too,
        except ephemeral ones, which Discord answers 10008 Unknown Message)."""
        message, body = self.messages.get(request.match_info["mid"]), await request.json()
        if message is None or message["channel_id"] != request.match_info["cid"]:
            return error_response(404, 10008, "Unknown Message")
        if message["author"]["id"] != APP_ID:
            return error_response(403, 50005, "Cannot edit a message authored by another user")
        if (invalid := invalid_message({**message, **body})) is not None:
            return invalid
        embeds = [{**e, "type": "rich"} for e in body.get("embeds") or []]
        message.update({k: v for k, v in body.items() if k == "content"}, embeds=embeds)
        message["edited_timestamp"] = p.timestamp()
        self.edits.append((message["id"], body, asyncio.get_running_loop().time()))
        return json_response(message)

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["mid"])
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(message)
